"""Handwritten-digit classifier: a small convolutional network on 8x8 images.

conv 3x3 (8 filters, valid) -> ReLU -> 2x2 max-pool -> dense 72 -> 10 -> argmax.
Input: ``pixels``, 64 grey levels (0..16) row by row. Output: the predicted digit.
Trained (plain numpy, no framework) and quantized by programs/train.py.
"""

from zkvm.lang import load

KERNELS = load("digits_cnn.npz", "K")  # 8 x 9, scale 256 (pixels at scale 16)
KBIAS = load("digits_cnn.npz", "KB")  # 8, scale 4096
W = load("digits_cnn.npz", "W")  # 10 x 72, scale 256
B = load("digits_cnn.npz", "B")  # 10, scale 16384
SIDE = 8
SHIFT = 64  # feature maps: 4096 -> 64


def conv_relu(img: list[int], k: list[int], bias: int) -> list[list[int]]:
    """One 3x3 valid convolution with ReLU: a 6x6 map."""
    out = []
    for r in range(SIDE - 2):
        row = []
        for c in range(SIDE - 2):
            acc = bias
            for dr in range(3):
                base = (r + dr) * SIDE + c
                acc += k[3 * dr] * img[base] + k[3 * dr + 1] * img[base + 1] + k[3 * dr + 2] * img[base + 2]
            row.append(max(acc, 0) // SHIFT)
        out.append(row)
    return out


def max_pool(m: list[list[int]]) -> list[int]:
    """2x2 max-pooling with stride 2, flattened."""
    out = []
    for r in range(0, len(m), 2):
        for c in range(0, len(m[r]), 2):
            out.append(max(max(m[r][c], m[r][c + 1]), max(m[r + 1][c], m[r + 1][c + 1])))
    return out


def main(pixels: list[int]) -> int:
    for p in pixels:
        assert 0 <= p <= 16, "a pixel is a grey level in 0..16"
    features = []
    for f in range(len(KERNELS)):
        features = features + max_pool(conv_relu(pixels, KERNELS[f], KBIAS[f]))
    best = 0
    best_score = 0
    for j in range(len(W)):
        s = B[j] + sum([W[j][i] * features[i] for i in range(len(features))])
        if j == 0 or s > best_score:
            best = j
            best_score = s
    return best
