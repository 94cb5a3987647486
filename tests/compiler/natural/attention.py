"""A tiny attention head: scores by dot products, a shift-based softmax, a weighted sum."""

KEYS = [[1, 0, 2], [0, 3, 1], [2, 2, 2], [-1, 1, 0]]
VALUES = [[10, 0], [0, 10], [5, 5], [-5, 20]]


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def softmax_shift(scores):
    top = max(scores)
    weights = [256 >> min(top - s, 8) for s in scores]
    total = sum(weights)
    return [w * 256 // total for w in weights]


def main(query: list[int]) -> list[int]:
    probs = softmax_shift([dot(query, k) for k in KEYS])
    return [sum(p * v[j] for p, v in zip(probs, VALUES)) >> 8 for j in range(len(VALUES[0]))]
