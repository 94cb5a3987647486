"""argsort and ranks: sorted(range(n), key=...) and a second sort by two keys."""


def argsort(values):
    return sorted(range(len(values)), key=lambda i: values[i])


def main(scores: list[int], ages: list[int]) -> list[int]:
    order = argsort(scores)
    by_both = sorted(range(len(scores)), key=lambda i: (-scores[i], ages[i]))
    return order + by_both
