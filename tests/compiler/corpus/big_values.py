def main(a: int) -> list[int]:
    big = a * 1000000007
    return [big, big * 3, a // 7 if a < 1000 else 0, -big]
