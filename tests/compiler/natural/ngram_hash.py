"""Hashed bigram features of a token sequence (FNV-1a style, 32-bit), bucketed."""

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
MASK32 = (1 << 32) - 1
BUCKETS = 8


def fnv1a(tokens):
    h = FNV_OFFSET
    for t in tokens:
        h ^= t & 0xFF
        h = (h * FNV_PRIME) & MASK32
    return h


def main(tokens: list[int]) -> list[int]:
    counts = [0] * BUCKETS
    for a, b in zip(tokens, tokens[1:]):
        counts[fnv1a((a, b)) % BUCKETS] += 1
    signs = [1 if fnv1a([t]) >> 31 else -1 for t in tokens]
    return counts + [sum(signs), fnv1a(tokens) >> 16]
