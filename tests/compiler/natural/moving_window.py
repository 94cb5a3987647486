"""Differences and windowed sums: zip(xs, xs[1:]), enumerate(start=1), steps in slices."""


def diffs(xs):
    return [b - a for a, b in zip(xs, xs[1:])]


def window_sums(xs, width=3):
    return [sum(xs[i:i + width]) for i in range(len(xs) - width + 1)]


def main(xs: list[int]) -> list[int]:
    weighted = sum(i * x for i, x in enumerate(xs, start=1))
    return diffs(xs) + window_sums(xs) + [weighted, sum(xs[::2]), sum(xs[-3:])]
