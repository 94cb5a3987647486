"""A 3-tap median filter with edge replication: slices, sorted, negative indexes."""


def median3(window):
    return sorted(window)[1]


def main(xs: list[int]) -> list[int]:
    padded = [xs[0]] + xs + [xs[-1]]
    return [median3(padded[i - 1:i + 2]) for i in range(1, len(padded) - 1)]
