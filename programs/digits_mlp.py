"""Handwritten-digit classifier: an MLP 64 -> 32 -> 10 with ReLU, on 8x8 images.

Input: ``pixels``, the 64 grey levels (0..16) of one image, row by row (sklearn's digits).
Output: the predicted digit. The weights are constants of the program (so part of its hash);
they were trained and quantized by programs/train.py.
"""

from zkvm.lang import load

W1 = load("digits_mlp.npz", "W1")  # 32 x 64, scale 256 (pixels arrive at scale 16)
B1 = load("digits_mlp.npz", "B1")  # 32, scale 4096
W2 = load("digits_mlp.npz", "W2")  # 10 x 32, scale 256
B2 = load("digits_mlp.npz", "B2")  # 10, scale 16384
HIDDEN_SHIFT = 64  # hidden activations: scale 4096 -> 64


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
    assert len(pixels) == 64, "an 8x8 image has 64 pixels"
    hidden = relu(dense(W1, B1, pixels), HIDDEN_SHIFT)
    return argmax(dense(W2, B2, hidden))
