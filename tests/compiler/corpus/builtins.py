def main(xs: list[int], a: int, b: int) -> list[int]:
    return [len(xs), sum(xs), min(xs), max(xs), abs(a), abs(b), min(a, b), max(a, b, 0), min(a, b, -100)]
