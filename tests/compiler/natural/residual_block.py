"""A residual block: two small dense layers with a ReLU, plus the skip connection."""

SHIFT = 4


class Dense:
    def __init__(self, weights, bias, shift=SHIFT):
        self.weights = weights
        self.bias = bias
        self.shift = shift

    def __call__(self, x):
        out = []
        for row, b in zip(self.weights, self.bias):
            acc = b
            for w, v in zip(row, x):
                acc += w * v
            out.append(acc >> self.shift)
        return out


def relu(xs):
    return [max(0, v) for v in xs]


FC1 = Dense([[16, -8, 4], [2, 12, -6], [-10, 3, 7]], [8, -8, 0])
FC2 = Dense([[8, 8, 0], [-4, 16, 2], [0, -2, 16]], [0, 4, -4])


def residual(x):
    h = relu(FC1(x))
    y = FC2(h)
    return relu([a + b for a, b in zip(x, y)])


def main(x: list[int]) -> list[int]:
    y = residual(x)
    return residual(y)
