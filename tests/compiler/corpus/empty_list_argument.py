"""An empty list literal passed to (or returned from) functions typed list[int] / list[list[int]]."""


def add(xs: list[int], v: int) -> None:
    xs.append(v)
    xs.append(v * 2)


def rows(m: list[list[int]], n: int) -> None:
    for i in range(n):
        m.append([i, i + 1])


def empty() -> list[int]:
    return []


def first_or(xs: list[int], d: int) -> int:
    if len(xs) > 0:
        return xs[0]
    return d


def main(x: int) -> list[int]:
    log = []
    add(log, x)
    add(log, 3)
    m = []
    rows(m, 3)
    e = empty()
    e.append(5)
    return log + [m[2][1], len(m), first_or([], 9), len(empty())] + e
