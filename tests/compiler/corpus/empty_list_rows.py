"""A list that is never given elements ([] and no append) whose rows are used: the loops over
it never run, and indexing it is an error, as in Python."""


def main(xs: list[int], k: int) -> list[int]:
    g = []
    h = []
    t = 0
    for j in range(len(g)):
        t += (g[j][(j + len(g)) % len(g[j])] if len(g[j]) > 0 else 0)
        for v in h[j]:
            t += v
        g[j][0] = 5
    if k > 5:
        t = len(g[0])
    return [t, len(g), len(h)]
