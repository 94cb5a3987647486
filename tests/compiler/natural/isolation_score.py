"""Isolation forest scoring: average path length of a point through a few fixed trees.
All trees share one node table; a node is (feature, threshold, left, right) and a leaf is
(-1, size, 0, 0)."""

NODES = [
    (0, 50, 1, 2), (1, 30, 3, 4), (-1, 1, 0, 0), (-1, 4, 0, 0), (-1, 2, 0, 0),
    (1, 10, 6, 7), (-1, 1, 0, 0), (0, 20, 8, 9), (-1, 3, 0, 0), (-1, 5, 0, 0),
    (0, 5, 11, 12), (-1, 1, 0, 0), (-1, 8, 0, 0),
]
ROOTS = (0, 5, 10)


def c_factor(size):
    # rough expected path length of an unsuccessful search, times 10
    return 0 if size <= 1 else 12 * (size - 1) // size + 10


def path_length(node, x, depth=0):
    feature, threshold, left, right = NODES[node]
    if feature == -1:
        return depth * 10 + c_factor(threshold)
    child = left if x[feature] < threshold else right
    return path_length(child, x, depth + 1)


def main(x: list[int]) -> list[int]:
    lengths = [path_length(root, x) for root in ROOTS]
    mean = sum(lengths) // len(lengths)
    return lengths + [mean, int(mean < 15)]
