"""Benchmark MLP with about 4.3 M parameters: 64 -> 2048 -> 2048 -> 10, ReLU, on 8x8 digits.

The size of issue 19's 4 M-parameter target (DeepProve publishes a 4 M dense model); trained and
quantized by programs/train.py. Its weights (3.3 MB) are not kept in git: generate them with
``python3 -m pip install -e ".[train]" && python3 programs/train.py --only mlp_4m`` (about 3 min).
Input: ``pixels`` (64 grey levels 0..16). Output: the predicted digit.
"""

from zkvm.lang import load

W1 = load("mlp_4m.npz", "W1")  # 2048 x 64, scale 256 (pixels at scale 16)
B1 = load("mlp_4m.npz", "B1")
W2 = load("mlp_4m.npz", "W2")  # 2048 x 2048, scale 256
B2 = load("mlp_4m.npz", "B2")
W3 = load("mlp_4m.npz", "W3")  # 10 x 2048, scale 256
B3 = load("mlp_4m.npz", "B3")
SHIFT1 = 64  # 4096 -> 64
SHIFT2 = 256  # 64 * 256 -> 64


def dense(w: list[list[int]], b: list[int], x: list[int]) -> list[int]:
    out = []
    for j in range(len(w)):
        acc = b[j]
        row = w[j]
        for i in range(len(x)):
            acc += row[i] * x[i]
        out.append(acc)
    return out


def relu(v: list[int], shift: int) -> list[int]:
    return [max(a, 0) // shift for a in v]


def argmax(v: list[int]) -> int:
    best = 0
    for i in range(1, len(v)):
        if v[i] > v[best]:
            best = i
    return best


def main(pixels: list[int]) -> int:
    for p in pixels:
        assert 0 <= p <= 16, "a pixel is a grey level in 0..16"
    h1 = relu(dense(W1, B1, pixels), SHIFT1)
    h2 = relu(dense(W2, B2, h1), SHIFT2)
    return argmax(dense(W3, B3, h2))
