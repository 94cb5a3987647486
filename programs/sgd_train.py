"""Logistic regression trained by stochastic gradient descent on a private dataset.

A proof of this run shows that the published weights (the output) came from training this
model, with these hyperparameters, on some dataset the prover holds (the input): for example
a credit model whose training data must stay private. Fixed point: features and weights in
units of 1/256; the sigmoid is a clipped line. About 2^24 cycles: a run proven in segments
(zkvm run --prove splits it by the memory budget; docs/air.md, "Segments").
"""

EPOCHS = 23
LEARNING_SHIFT = 12  # learning rate 2^-12 per unit of error and feature


def sigmoid(z: int) -> int:
    """256 * sigmoid(z / 256), as the line through (0, 128) clipped to [0, 256]."""
    if z >= 512:
        return 256
    if z <= -512:
        return 0
    return 128 + z // 4


def main(xs: list[list[int]], ys: list[int]) -> list[int]:
    d = len(xs[0])
    w = [0] * d
    b = 0
    for epoch in range(EPOCHS):
        for i in range(len(xs)):
            x = xs[i]
            z = b
            for j in range(d):
                z += w[j] * x[j]
            err = sigmoid(z // 256) - 256 * ys[i]
            for j in range(d):
                w[j] -= (err * x[j]) >> LEARNING_SHIFT
            b -= err >> 6
    return w + [b]
