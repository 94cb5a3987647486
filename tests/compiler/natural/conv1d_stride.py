"""1-D convolution with zero padding, stride 2 and dilation 1, then ReLU."""

KERNEL = [1, -2, 3, -2, 1]
BIAS = -4


def pad(xs, n):
    return [0] * n + xs + [0] * n


def conv1d(xs, kernel, stride=1, padding=0, bias=0):
    xs = pad(xs, padding)
    k = len(kernel)
    out = []
    for start in range(0, len(xs) - k + 1, stride):
        window = xs[start:start + k]
        out.append(sum(w * v for w, v in zip(kernel, window)) + bias)
    return out


def main(signal: list[int]) -> list[int]:
    y = conv1d(signal, KERNEL, stride=2, padding=len(KERNEL) // 2, bias=BIAS)
    return [v if v > 0 else 0 for v in y]
