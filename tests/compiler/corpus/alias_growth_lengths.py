"""Lists grown through another reference: a row alias, a loop variable over the rows, a row
stored in place, a helper that appends through a local alias or returns its parameter, and a
module constant. No compile-time length of the grown lists may be used afterwards."""

W = [1, 2]


def grow(p: list[int]) -> None:
    q = p
    q.append(1)


def same(p: list[int]) -> list[int]:
    return p


def main(m: list[list[int]], xs: list[int], k: int) -> list[int]:
    row = m[0]
    row.append(k)
    for r in m:
        r.append(k)
    g = [[1, 2], [3, 4]]
    for r in g:
        r.append(k)
    t = 0
    for i in range(len(g[0])):
        t += g[0][i] * g[1][i]
    h = [[1], [2]]
    h[1] = [5, 6, 7]
    grow(xs)
    ys = [5]
    zs = same(ys)
    zs.append(k)
    q = W
    q.append(k)
    return [len(m[0]) + 0, len(m[1]) + 0, len(g[1]) + 0, t, len(h[1]) + 0, len(xs) + 0, len(ys) + 0, len(W) + 0]
