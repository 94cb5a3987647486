"""xs[i] -= f(xs) where f appends to xs (moving its elements to a bigger buffer): Python loads
xs[i], calls f, and stores into the same list at the same index."""

W = [8]


def grow(p: list[int], k: int) -> int:
    p[0] += k
    p.append(k)
    p.append(k + 1)
    return k * 2


def main(xs: list[int], m: list[list[int]]) -> list[list[int]]:
    for i in range(3):
        W[0] -= grow(W, i)
    xs[1] += grow(xs, 5)
    m[0][1] *= grow(m[0], 2)
    return [W, xs] + m
