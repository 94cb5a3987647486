W = [3, -2, 5, 1]


def main(x: list[int]) -> int:
    return sum([W[i] * x[i] for i in range(4)])
