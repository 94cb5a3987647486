"""A decision tree as a table of node tuples (feature, threshold, left, right), walked
recursively; a leaf has feature -1 and its value as threshold."""

NODES = (
    (0, 50, 1, 2),
    (1, 20, 3, 4),
    (2, 70, 5, 6),
    (-1, 10, -1, -1),
    (-1, 20, -1, -1),
    (1, 5, 7, 8),
    (-1, 50, -1, -1),
    (-1, 30, -1, -1),
    (-1, 40, -1, -1),
)


def predict(i, x):
    feature, threshold, left, right = NODES[i]
    if feature < 0:
        return threshold
    return predict(left, x) if x[feature] <= threshold else predict(right, x)


def main(x: list[int]) -> int:
    return predict(0, x)
