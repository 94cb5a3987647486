"""Integer softmax: exp(-d) from a lookup table in Q8, normalised to percentages."""

EXP_Q8 = (256, 94, 35, 13, 5, 2, 1, 0)  # round(256 * e**-d) for d = 0..7


def exp_neg(d, table=EXP_Q8):
    if d >= len(table):
        return 0
    return table[d]


def softmax(logits, scale=100):
    peak = max(logits)
    weights = [exp_neg(peak - z) for z in logits]
    total = sum(weights)
    return [w * scale // total for w in weights]


def main(logits: list[int]) -> list[int]:
    probs = softmax(logits)
    best = probs.index(max(probs))
    return probs + [best, sum(probs)]
