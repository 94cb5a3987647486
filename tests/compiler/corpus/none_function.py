def log(x: int) -> None:
    print(x)


def main(x: int) -> int:
    log(x)
    print(x, x + 1)
    return x
