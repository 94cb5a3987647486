"""Variables assigned on every path before they are read, in the forms the analysis accepts."""

LIMIT = 3


def classify(x: int) -> int:
    if x > 10:
        label = 2
    elif x > 0:
        label = 1
    else:
        label = 0
    return label


def main(xs: list[int], n: int) -> list[int]:
    t = 0
    while True:  # left only through break: y is assigned there
        y = t * t
        if y > n:
            break
        t += 1
    for i in range(LIMIT):  # a constant, non-empty range runs its body
        last = xs[i]
    for j in range(n):  # its variable is read after it with a run-time check
        if j > 2:
            continue
    found = -1
    for v in xs:
        if v < 0:
            found = v
            break
    labels = [classify(v) for v in xs]
    return [y, t, last, i, j, v, found] + labels
