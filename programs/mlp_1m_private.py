"""programs/mlp_1m.py with private weights (issue 21): 64 -> 1024 -> 1024 -> 10, ReLU, on 8x8 digits.

The weights and biases are private (load_private): not part of the program or its hash, hidden by the
proof and bound to the model commitment that `zkvm commit programs/mlp_1m_private.py` writes.
Input: ``pixels`` (64 grey levels 0..16). Output: the predicted digit.
"""

from zkvm.lang import load_private

W1 = load_private("mlp_1m.npz", "W1")  # 1024 x 64, scale 256 (pixels at scale 16)
B1 = load_private("mlp_1m.npz", "B1")
W2 = load_private("mlp_1m.npz", "W2")  # 1024 x 1024, scale 256
B2 = load_private("mlp_1m.npz", "B2")
W3 = load_private("mlp_1m.npz", "W3")  # 10 x 1024, scale 256
B3 = load_private("mlp_1m.npz", "B3")
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
