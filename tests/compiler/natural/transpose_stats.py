def col_stats(m):
    cols = [list(c) for c in zip(*m)]
    mins = [min(c) for c in cols]
    maxs = [max(c) for c in cols]
    sums = [sum(c) for c in cols]
    return mins, maxs, sums

def main(m: list[list[int]]) -> tuple[list[int], list[int], list[int], list[list[int]]]:
    mins, maxs, sums = col_stats(m)
    normed = [[(v - lo) * 100 // (hi - lo) if hi > lo else 0 for v, lo, hi in zip(row, mins, maxs)] for row in m]
    return mins, maxs, sums, normed
