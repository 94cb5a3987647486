"""2x2 max pooling and 2x2 average pooling of a feature map, stride 2."""


def max_pool(fmap, size=2):
    h, w = len(fmap), len(fmap[0])
    return [
        [max(fmap[i + di][j + dj] for di in range(size) for dj in range(size)) for j in range(0, w - size + 1, size)]
        for i in range(0, h - size + 1, size)
    ]


def avg_pool(fmap, size=2):
    rows = []
    for i in range(0, len(fmap) - size + 1, size):
        row = []
        for j in range(0, len(fmap[0]) - size + 1, size):
            block = [v for r in fmap[i:i + size] for v in r[j:j + size]]
            row.append(sum(block) // len(block))
        rows.append(row)
    return rows


def main(fmap: list[list[int]]) -> list[list[int]]:
    return max_pool(fmap) + avg_pool(fmap)
