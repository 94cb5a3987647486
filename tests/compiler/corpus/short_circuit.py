def main(xs: list[int], i: int) -> int:
    # the right operand must not run when the left decides (the index would be out of range)
    if i < len(xs) and xs[i] > 2:
        return 1
    if i >= len(xs) or xs[i] < 0:
        return 2
    return 3
