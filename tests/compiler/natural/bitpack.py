"""Pack 4-bit codes into words and unpack them again; a parity over the packed bits."""


def pack(codes, bits=4):
    word = 0
    for c in reversed(codes):
        word = (word << bits) | (c & ((1 << bits) - 1))
    return word


def unpack(word, n, bits=4):
    mask = (1 << bits) - 1
    return [(word >> (bits * i)) & mask for i in range(n)]


def parity(x):
    p = 0
    while x:
        p ^= x & 1
        x >>= 1
    return p


def main(codes: list[int]) -> list[int]:
    word = pack(codes)
    return [word, parity(word), *unpack(word, len(codes))]
