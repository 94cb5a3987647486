"""Piecewise-linear sigmoid in Q12 (the 'hard' PLAN approximation), then a logistic score."""

Q = 12
ONE = 1 << Q


def sigmoid(x):
    """PLAN: y = 1 - sigmoid(-x) for negative x, segments on |x|."""
    a = abs(x)
    if a >= 5 * ONE:
        y = ONE
    elif 19 * ONE // 8 <= a < 5 * ONE:
        y = (a >> 5) + 27 * ONE // 32  # 0.84375
    elif ONE <= a < 19 * ONE // 8:
        y = (a >> 3) + 5 * ONE // 8
    else:
        y = (a >> 2) + ONE // 2
    return y if x >= 0 else ONE - y


def main(xs: list[int], weights: list[int], bias: int) -> list[int]:
    z = sum(w * x for w, x in zip(weights, xs)) + bias
    probs = [sigmoid(v) for v in (-6 * ONE, -2 * ONE, -ONE // 2, 0, ONE // 3, 3 * ONE, z)]
    return probs + [int(probs[-1] * 2 >= ONE)]
