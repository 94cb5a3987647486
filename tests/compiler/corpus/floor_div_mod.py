def main(a: int, b: int) -> list[int]:
    return [a // b, a % b, (-a) // b, (-a) % b, a // 1, a % 1, 0 // b]
