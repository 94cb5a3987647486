def main(a: int) -> list[int]:
    return [a if a > 0 else -a, 1 if a % 2 == 0 else 0, (a if a < 10 else 10) + 1]
