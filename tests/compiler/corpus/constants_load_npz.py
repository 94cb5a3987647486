from zkvm.lang import load

V = load("weights_small.npz", "v")


def main(x: list[int]) -> int:
    total = 0
    for i in range(len(V)):
        total += V[i] * x[i]
    return total
