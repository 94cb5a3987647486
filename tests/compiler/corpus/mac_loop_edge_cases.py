"""Dot-product loops that must not become one mac: a loop of zero turns (Python evaluates
nothing in it, not even an unassigned accumulator or an out-of-range row), and operands that
call a function (Python calls it every turn)."""

CALLS = [0]


def row(m: list[list[int]], k: int) -> list[int]:
    CALLS[0] += 1
    return m[k]


def main(m: list[list[int]], x: list[int], flag: int) -> list[int]:
    for i in range(flag):
        pass
    for r in m:
        for j in range(0):
            i += r[j] * x[j]
    s = sum([m[7][j] * x[j] for j in range(0)])
    acc = 0
    for j in range(len(x)):
        acc += row(m, 1)[j] * x[j]
    t = sum([row(m, 0)[j] * x[j] for j in range(len(x))])
    return [s, acc, t, CALLS[0]]
