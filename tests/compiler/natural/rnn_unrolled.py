"""An Elman RNN unrolled over a sequence, with a hard-tanh in Q8 fixed point."""

ONE = 1 << 8
W_IN = [[64, -32], [16, 48]]
W_REC = [[128, 0], [-64, 96]]
B = [0, -16]


def hard_tanh(v):
    return -ONE if v < -ONE else ONE if v > ONE else v


def matvec(m, v):
    return [sum(a * b for a, b in zip(row, v)) >> 8 for row in m]


def rnn(sequence, h0=None):
    h = [0, 0] if h0 is None else h0
    outputs = []
    for x in sequence:
        pre = [i + r + b for i, r, b in zip(matvec(W_IN, x), matvec(W_REC, h), B)]
        h = [hard_tanh(p) for p in pre]
        outputs.append(h[0] - h[1])
    return h, outputs


def main(sequence: list[list[int]]) -> list[int]:
    h, outs = rnn(sequence)
    return h + outs
