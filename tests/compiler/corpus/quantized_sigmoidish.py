SCALE = 1000


def clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))


def hard_sigmoid(v: int) -> int:
    return clamp(v // 4 + SCALE // 2, 0, SCALE)


def main(xs: list[int]) -> list[int]:
    return [hard_sigmoid(x) for x in xs]
