"""Loops that append: room reserved before the loop (unconditional, conditional, two appends a
turn, continue, descending, empty, a list that already holds elements), comprehensions over
ranges and lists (with conditions, nested, empty), loops over lists that cannot grow (break,
continue) and over a list that grows while it is iterated, and non-unit range steps."""


def grow(xs: list[int], v: int) -> int:
    xs.append(v)
    return v


def reserved(n: int) -> list[list[int]]:
    a = []
    for i in range(n):
        a.append(i * i)
    b = [7, 8]
    for i in range(n, 0, -1):
        if i % 2 == 0:
            b.append(i)
        else:
            b.append(-i)
            b.append(i * 10)
    c = []
    for i in range(2, n + 2):
        if i == 3:
            continue
        c.append(i)
    d = []
    for i in range(n, n):
        d.append(i)
    d.append(len(d))
    e = []
    for i in range(3):
        row = []
        for j in range(i, n):
            row.append(i + j)
        e.append(len(row))
        e.append(sum(row))
    c.append(100)
    c.append(101)
    return [a, b, c, d, e, [len(a), len(b), len(c)]]


def comprehensions(xs: list[int], n: int) -> list[list[int]]:
    a = [v * 2 for v in xs]
    b = [v for v in xs if v > 0]
    c = [i for i in range(n, -1, -1)]
    d = [i for i in range(n, 2 * n) if i % 3 != 0]
    e = [len([j for j in range(i)]) for i in range(n)]
    f = [sum(r) for r in [[1, 2], [3], []]]
    g = [v for v in [] + xs if v < 0]
    h = [i for i in range(5, 0)]
    h.append(9)
    ys = [1]
    k = [grow(ys, v) for v in xs]  # a call in the element: no reservation
    return [a, b, c, d, e, f, g, h, k, ys]


def walks(xs: list[int], m: list[list[int]]) -> list[int]:
    out = []
    t = 0
    for v in xs:
        if v > 100:
            break
        if v < 0:
            continue
        t += v
        out.append(t)
    for r in m:
        for v in r:
            t = t * 3 + v
    ys = [1, 2, 3]
    for v in ys:
        if v < 3:
            ys.append(v * 10)
        t += v
    zs = [4, 5]
    for v in zs:
        zs = [v]
        t += v
    return out + [t, len(ys), len(zs)]


def steps(n: int, s: int) -> list[int]:
    out = []
    for i in range(0, n, 3):
        out.append(i)
    for i in range(n, -n, -2):
        out.append(i)
    for i in range(1, 1, 2):
        out.append(i)
    for i in range(n, 0, s):
        out.append(i)
    for i in range(0, 7, 7):
        out.append(i)
    return out


def main(xs: list[int], m: list[list[int]], n: int, s: int) -> list[list[int]]:
    return reserved(n) + comprehensions(xs, n) + [walks(xs, m), steps(n, s), walks([], m)] + reserved(0)
