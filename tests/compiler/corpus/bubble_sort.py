def sort(xs: list[int]) -> list[int]:
    ys = [x for x in xs]
    n = len(ys)
    for i in range(n):
        for j in range(n - 1 - i):
            if ys[j] > ys[j + 1]:
                t = ys[j]
                ys[j] = ys[j + 1]
                ys[j + 1] = t
    return ys


def main(xs: list[int]) -> list[int]:
    return sort(xs)
