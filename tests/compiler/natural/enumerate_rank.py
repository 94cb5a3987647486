def rank(scores):
    order = sorted(enumerate(scores), key=lambda p: (-p[1], p[0]))
    ranks = [0] * len(scores)
    for r, (i, _) in enumerate(order, start=1):
        ranks[i] = r
    return ranks

def main(scores: list[int]) -> tuple[list[int], int, int]:
    ranks = rank(scores)
    weighted = sum(i * s for i, s in enumerate(scores, start=1))
    lowest = min(scores, key=lambda s: (abs(s), s))
    return ranks, weighted, lowest
