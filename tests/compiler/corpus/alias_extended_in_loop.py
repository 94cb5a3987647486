"""A list grown through an alias with += inside a loop that indexes it: its element buffer
moves while the loop runs, so its pointer cannot be loaded once before the loop."""


def main(a: int) -> list[list[int]]:
    xs = [1, 2]
    ys = xs
    for i in range(len(xs)):
        ys += [a]
        xs[i] = 5 + i
    zs = [3]
    for i in range(len(zs)):
        ws = zs
        ws += [a, a]
        zs[i] = zs[i] + ws[2]
    return [xs, ys, zs]
