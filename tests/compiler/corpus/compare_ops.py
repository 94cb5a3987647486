def main(a: int, b: int) -> list[int]:
    return [a < b, a <= b, a > b, a >= b, a == b, a != b, a < b < 100, 0 <= a <= b]
