"""EmbeddingBag (mode='sum' and 'mean') over ragged bags given by offsets."""

EMBEDDINGS = [
    [10, -2, 3],
    [0, 5, -5],
    [7, 7, 7],
    [-3, 1, 4],
    [2, -8, 6],
]


def bag(ids, mode="sum"):
    dim = len(EMBEDDINGS[0])
    acc = [0] * dim
    for i in ids:
        for d in range(dim):
            acc[d] += EMBEDDINGS[i][d]
    if mode == "mean" and ids:
        acc = [a // len(ids) for a in acc]
    return acc


def main(ids: list[int], offsets: list[int]) -> list[list[int]]:
    ends = offsets[1:] + [len(ids)]
    sums = [bag(ids[s:e]) for s, e in zip(offsets, ends)]
    means = [bag(ids[s:e], mode="mean") for s, e in zip(offsets, ends)]
    return sums + means
