"""Integer layer normalisation: mean, variance, integer square root, rescale to 8 bits."""


def isqrt(n):
    if n < 2:
        return n
    x, y = n, (n + 1) // 2
    while y < x:
        x, y = y, (y + n // y) // 2
    return x


def layer_norm(xs, scale=64):
    n = len(xs)
    mean = sum(xs) // n
    var = sum((x - mean) ** 2 for x in xs) // n
    std = isqrt(var) or 1
    return [(x - mean) * scale // std for x in xs]


def main(xs: list[int]) -> list[int]:
    return layer_norm(xs)
