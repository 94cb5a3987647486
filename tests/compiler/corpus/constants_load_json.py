from zkvm.lang import load

W = load("weights_small.json", "W")
B = load("weights_small.json", "b")


def main(x: list[int]) -> list[int]:
    out = []
    for j in range(len(W)):
        acc = B[j]
        for i in range(len(x)):
            acc += W[j][i] * x[i]
        out.append(acc)
    return out
