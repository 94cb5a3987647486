"""Matrix product written with zip: columns by transposing with zip(*b)."""


def matmul(a, b):
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]


def main(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    return matmul(a, b)
