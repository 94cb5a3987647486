"""Module-level tuple tables: (name code, low, high) rules, compared as tuples."""

RULES = ((1, 0, 10), (2, 10, 100), (3, 100, 1000))
ORIGIN = (0, 0)


def classify(v):
    for code, lo, hi in RULES:
        if lo <= v < hi:
            return code
    return 0


def main(points: list[list[int]]) -> list[int]:
    codes = [classify(x + y) for x, y in points]
    nearer = [int((abs(x), abs(y)) < (3, 3)) for x, y in points]
    return codes + nearer + [int(tuple(points[0]) == ORIGIN)]
