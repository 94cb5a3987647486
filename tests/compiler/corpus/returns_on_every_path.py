"""Functions that return on every path (if/elif/else, while True) and ones that return None."""


def sign(x: int) -> int:
    if x > 0:
        return 1
    elif x < 0:
        return -1
    else:
        return 0


def first_at_least(xs: list[int], t: int) -> int:
    i = 0
    while True:
        if i == len(xs):
            return -1
        if xs[i] >= t:
            return i
        i += 1


def note(xs: list[int], v: int) -> None:
    xs.append(v)
    return


def main(xs: list[int], t: int) -> list[int]:
    out = [sign(v) for v in xs]
    note(out, first_at_least(xs, t))
    r = note(out, first_at_least(xs, t + 100))
    print(r)
    return out
