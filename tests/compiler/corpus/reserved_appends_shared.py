"""Reserved appends to lists that other names can see: rows built then stored (the common
convolution shape), a parameter filled by a helper, rows of a list of lists grown in a loop
over them, and lists whose alias the loop reads (no reservation: the alias must see every
append at once). Also constant ranges with steps other than one."""


def fill(out: list[int], n: int) -> None:
    for i in range(n):
        out.append(i * 3)


def grid(n: int) -> list[list[int]]:
    out = []
    for r in range(n):
        row = []
        for c in range(n + r):
            row.append(r * 10 + c)
        out.append(row)
    return out


def main(m: list[list[int]], n: int) -> list[list[int]]:
    g = grid(n)
    xs = [5]
    fill(xs, n)
    for r in m:
        for j in range(2):
            r.append(j + len(m))
    seen = []
    box = [xs]
    for i in range(3):
        xs.append(len(box[0]))
        seen.append(len(xs))
    ys = []
    alias = ys
    for i in range(3):
        ys.append(i)
        seen.append(len(alias))
    steps = []
    for i in range(10, 0, -3):
        steps.append(i)
    for i in range(0, 7, 2):
        steps.append(i)
    evens = [i * i for i in range(0, 9, 4)]
    return g + [xs, seen, ys, steps, evens] + m
