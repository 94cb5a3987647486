"""Element types that the inference learns late: g = [] gets rows from g.append(zs), where zs
is itself filled by appends further down the inference order, and a list that appends an
empty list is a list of lists."""


def f(m: list[list[int]]) -> list[int]:
    g = []
    zs = []
    for i in range(3):
        zs.append(i)
    for r in g:
        for j in range(0):
            k = r[j]
        g = g + g
    g.append(zs)
    h = []
    e = []
    h.append(e)
    h[0].append(len(g))
    return zs + [len(g), len(h), h[0][0]]


def main(m: list[list[int]]) -> list[int]:
    return f(m)
