"""Parameters that are reassigned: their lengths are then those of the new lists, not the
lengths the input file (or the caller) gave."""

W = [4, 5, 6]


def f(xs: list[int]) -> int:
    xs = [1, 2, 3]
    return 0 + len(xs)


def main(ys: list[int], m: list[list[int]], k: int) -> list[int]:
    n = f(ys)
    ys = W
    a = k + len(ys)
    m = [[1, 2, 3, k]]
    total = 0
    for i in range(len(m[0])):
        total += m[0][i] * ys[i % 3]
    if k > 0:
        ys = [9]
    return [n, a, len(ys) + 0, len(m[0]) + 0, total, ys[0]]
