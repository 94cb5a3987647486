"""Nearest binary embeddings by Hamming distance (codes packed into 16-bit ints)."""

CODES = [0b1010101010101010, 0b1111000011110000, 0b0000111100001111, 0b1010111100000101, 0xFFFF, 0]
LABELS = [3, 1, 2, 3, 0, 2]


def popcount(x):
    count = 0
    while x:
        x &= x - 1
        count += 1
    return count


def pack(bits):
    code = 0
    for b in bits:
        code = (code << 1) | (b & 1)
    return code


def main(bits: list[int], k: int) -> list[int]:
    query = pack(bits)
    dists = [popcount(query ^ c) for c in CODES]
    nearest = sorted(range(len(CODES)), key=lambda i: (dists[i], i))[:k]
    votes = [0] * (max(LABELS) + 1)
    for i in nearest:
        votes[LABELS[i]] += 1
    return [query, ~query & 0xFFFF, votes.index(max(votes))] + [dists[i] for i in nearest]
