def main(xs: list[int]) -> list[list[int]]:
    sq = [x * x for x in xs]
    pos = [x for x in xs if x > 0]
    idx = [i for i in range(len(xs)) if xs[i] % 2 == 0]
    nested = [[x, -x] for x in pos]
    return [sq, pos, idx] + nested
