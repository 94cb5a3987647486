"""A histogram of values into fixed bins, and the fullest bin."""

EDGES = (0, 10, 20, 50, 100)


def bin_of(v):
    for i, edge in enumerate(EDGES[1:]):
        if v < edge:
            return i
    return len(EDGES) - 2


def main(values: list[int]) -> list[int]:
    counts = [0] * (len(EDGES) - 1)
    for v in values:
        counts[bin_of(v)] += 1
    fullest = max(range(len(counts)), key=lambda i: counts[i])
    return counts + [fullest]
