def classify(v: int) -> int:
    if v < -10:
        return 0
    elif v < 0:
        return 1
    elif v == 0:
        return 2
    else:
        return 3


def main(xs: list[int]) -> list[int]:
    return [classify(v) for v in xs]
