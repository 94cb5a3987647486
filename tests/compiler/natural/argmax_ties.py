def argmax_first(xs):
    best_i, best_v = 0, xs[0]
    for i, v in enumerate(xs):
        if v > best_v:
            best_i, best_v = i, v
    return best_i


def argmax_last(xs):
    best_i = 0
    for i, v in enumerate(xs):
        if v >= xs[best_i]:
            best_i = i
    return best_i


def all_argmax(xs):
    m = max(xs)
    return [i for i, v in enumerate(xs) if v == m]


def main(rows: list[list[int]]) -> tuple[list[int], list[int], list[int]]:
    firsts = [argmax_first(r) for r in rows]
    lasts = [argmax_last(r) for r in rows]
    tie_counts = [len(all_argmax(r)) for r in rows]
    builtin = [max(range(len(r)), key=r.__getitem__) for r in rows]
    assert builtin == firsts
    return firsts, lasts, tie_counts
