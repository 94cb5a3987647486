def main(a: int, b: int, s: int) -> list[int]:
    return [i for i in range(a, b, s)]
