def moving_avg(xs, w=3):
    return [sum(xs[i - w:i]) // w for i in range(w, len(xs) + 1)]

def main(xs: list[int]) -> tuple[list[int], list[int], list[int], int, list[int]]:
    last3 = xs[-3:]
    rev = xs[::-1]
    evens = xs[::2]
    second_last = xs[-2]
    ma = moving_avg(xs, w=4)
    return last3, rev[1:-1], evens, second_last, ma
