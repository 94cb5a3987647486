"""One GRU step in fixed point (scale 256), with piecewise-linear gates."""

ONE = 1 << 8
WZ, UZ = [[40, -20], [10, 30]], [[5, 5], [-5, 10]]
WH, UH = [[60, 10], [-30, 50]], [[20, 0], [0, 20]]


def hard_sigmoid(x):
    return max(0, min(ONE, ONE // 2 + x // 4))


def hard_tanh(x):
    return max(-ONE, min(ONE, x))


def matvec(m, v):
    return [sum(a * b for a, b in zip(row, v)) // ONE for row in m]


def step(x, h):
    z = [hard_sigmoid(a + b) for a, b in zip(matvec(WZ, x), matvec(UZ, h))]
    cand = [hard_tanh(a + b) for a, b in zip(matvec(WH, x), matvec(UH, h))]
    return [(zi * hi + (ONE - zi) * ci) // ONE for zi, hi, ci in zip(z, h, cand)]


def main(xs: list[list[int]], h0: list[int]) -> list[int]:
    h = h0
    for x in xs:
        h = step(x, h)
    return h
