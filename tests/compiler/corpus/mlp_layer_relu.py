W = [[1, -2, 3], [0, 4, -1], [-3, 1, 1], [2, 2, 2]]
B = [1, -5, 0, -20]


def relu(v: int) -> int:
    return v if v > 0 else 0


def main(x: list[int]) -> list[int]:
    out = []
    for j in range(len(W)):
        acc = B[j]
        for i in range(len(x)):
            acc += W[j][i] * x[i]
        out.append(relu(acc) // 2)
    return out
