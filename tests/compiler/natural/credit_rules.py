"""A points-based credit score: weights in a dict keyed by feature name, a lookup with a default."""

WEIGHTS = {"income": 3, "debt": -5, "age": 1, "late_payments": -20}
FEATURES = ("income", "debt", "age", "late_payments", "tenure")


def score(values):
    total = 0
    for name, v in zip(FEATURES, values):
        total += WEIGHTS.get(name, 0) * v
    return total


def main(values: list[int]) -> list[int]:
    s = score(values)
    return [s, int(s > 100)]
