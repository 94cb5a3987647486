def sq(x: int) -> int:
    return x * x


def add_sq(a: int, b: int) -> int:
    return sq(a) + sq(b)


def main(a: int, b: int) -> int:
    return add_sq(add_sq(a, 1), sq(b))
