"""Per-channel symmetric int8 quantisation of a weight matrix (scales in Q16)."""

QMAX = 127


def channel_scale(row):
    peak = max(abs(v) for v in row)
    return (peak << 16) // QMAX if peak else 1 << 16


def quantize(v, scale):
    q, r = divmod(v << 16, scale)
    if 2 * r >= scale:  # round half up
        q += 1
    return max(-QMAX, min(QMAX, q))


def main(weights: list[list[int]]) -> list[list[int]]:
    out = []
    for row in weights:
        s = channel_scale(row)
        out.append([quantize(v, s) for v in row] + [s])
    return out
