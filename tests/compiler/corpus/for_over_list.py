def main(xs: list[int]) -> int:
    total = 0
    for x in xs:
        total += x * x
    return total
