def main(a: int, b: int) -> list[int]:
    return [a and b, a or b, not a, not b, (a > 0) and (b > 0), (a > 0) or (b > 100), 0 or 0, 5 and 0]
