K = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]


def main(img: list[list[int]]) -> list[list[int]]:
    h = len(img)
    w = len(img[0])
    out = []
    for r in range(h - 2):
        row = []
        for c in range(w - 2):
            acc = 0
            for dr in range(3):
                for dc in range(3):
                    acc += K[dr][dc] * img[r + dr][c + dc]
            row.append(acc)
        out.append(row)
    return out
