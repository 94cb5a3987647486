def main(a: int) -> list[int]:
    t = True
    f = False
    return [t + 1, f * 5, t and a, f or a, not t]
