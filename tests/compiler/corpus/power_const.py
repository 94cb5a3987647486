def main(x: int) -> list[int]:
    return [x ** 0, x ** 1, x ** 2, x ** 3, x ** 7, (x - 1) ** 4]
