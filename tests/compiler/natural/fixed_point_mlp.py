"""A fixed-point MLP written with comprehensions and named scale constants."""

FRAC = 8
ONE = 2 ** FRAC
W1 = [[ONE, -ONE // 2], [ONE // 4, ONE], [-ONE, ONE // 8]]
B1 = [0, ONE // 2, ONE]
W2 = [[ONE // 2, ONE // 2, -ONE // 4]]


def relu(v):
    return v if v > 0 else 0


def dense(w, b, x, shift=FRAC):
    return [(sum(wi * xi for wi, xi in zip(row, x)) >> shift) + bi for row, bi in zip(w, b)]


def main(x: list[int]) -> list[int]:
    h = [relu(v) for v in dense(W1, B1, x)]
    return dense(W2, [0], h, shift=FRAC)
