"""A 3x3 convolution over a 6x6 image, ReLU, then 2x2 max-pooling."""

KERNEL = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]


def conv(img, k):
    n = len(img)
    out = []
    for r in range(n - 2):
        row = []
        for c in range(n - 2):
            acc = 0
            for dr, krow in enumerate(k):
                acc += sum(a * b for a, b in zip(img[r + dr][c:c + 3], krow))
            row.append(max(acc, 0))
        out.append(row)
    return out


def pool(m):
    return [[max(m[r][c], m[r][c + 1], m[r + 1][c], m[r + 1][c + 1]) for c in range(0, len(m[0]), 2)]
            for r in range(0, len(m), 2)]


def main(img: list[list[int]]) -> list[list[int]]:
    return pool(conv(img, KERNEL))
