"""Poseidon2 over Goldilocks, width 12: the algebraic hash of the model commitment (issue 21).

Why an algebraic hash: the proof must show that the private weights a run used hash to the
public commitment, so the hash is computed *inside* the proven computation (the private-data
table, zkvm/air/private_table.py). blake3 costs thousands of constraints per block there;
Poseidon2's rounds are additions, a fixed linear layer and x -> x^7, a few degree-3
constraints per S-box.

The instance (docs/zk.md, "The model commitment", argues its security):

- width t = 12 (rate 8, capacity 4), S-box x^7 (the smallest d with gcd(d, p - 1) = 1),
  R_F = 8 full rounds (4 before and 4 after the partial rounds) and R_P = 22 partial rounds:
  the Poseidon2 paper's numbers for 128-bit security over a 64-bit field;
- the external linear layer: the 4x4 matrix M4 = [[5,7,1,3],[4,6,1,1],[1,3,5,7],[1,1,4,6]]
  on each quarter of the state, then each element plus the sum of its column across quarters
  (the matrix circ(2 M4, M4, M4)); applied once before the first round too;
- the internal linear layer: 1 + diag(D) (each element times D_i, plus the sum of all);
- round constants from the Grain LFSR of the Poseidon paper (initialized with field = 1,
  S-box = 1, n = 64, t = 12, R_F = 8, R_P = 22 as the reference implementation's script does),
  one per element and round; the partial rounds add all twelve, as the reference
  implementation's ``permutation_not_opt`` does;
- D and the round constants are those of the HorizenLabs reference implementation's
  Goldilocks t = 12 instance (github.com/HorizenLabs/poseidon2, commit 5ecbe7f); the tests
  check our permutation against that implementation's known-answer test, so constants and
  structure are both pinned.

Verifier-safe and dependency-free: pure Python ints (the prover's bulk trace is a Numba kernel,
zkvm/crypto/poseidon2_kernels.py, tested against this module).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

P = (1 << 64) - (1 << 32) + 1
WIDTH = 12
RATE = 8
CAPACITY = WIDTH - RATE
DIGEST = 4  # field elements of a digest (256 bits)
ALPHA = 7
FULL_ROUNDS = 8
PARTIAL_ROUNDS = 22
HALF_FULL = FULL_ROUNDS // 2

M4 = ((5, 7, 1, 3), (4, 6, 1, 1), (1, 3, 5, 7), (1, 1, 4, 6))

INTERNAL_DIAG_MINUS_1 = (
    0xCD6D465BB47D9D0B, 0xACDB4CE720462B31, 0xF745C7CC3833FDED, 0x8B91D3BB4C22256B,
    0x2EF511289B4EF479, 0x9B8EF1A477A0FD2B, 0xE10E7FA09F059A99, 0x49CE6EAD96F1D891,
    0x9F54418307A19FCB, 0x4D0E00D94CB5D524, 0x2821DAA5A818C9CE, 0x8D4CD5BB220D5F60,
)
"""D - 1 of the internal matrix 1 + diag(D): parameters of the reference instance (they were
chosen there so that the internal matrix has no invariant subspaces; Poseidon2 paper, sec. 5)."""


def _grain_bits(field: int, sbox: int, n: int, t: int, r_f: int, r_p: int) -> Iterator[int]:
    """The Poseidon paper's self-shrinking Grain LFSR (appendix F), seeded with the instance's
    parameters: 80 state bits, 160 discarded clocks, then pairs of bits where a 1 emits the next."""
    bits = [int(c) for c in f"{field:02b}{sbox:04b}{n:012b}{t:012b}{r_f:010b}{r_p:010b}"] + [1] * 30

    def clock() -> int:
        new = bits[62] ^ bits[51] ^ bits[38] ^ bits[23] ^ bits[13] ^ bits[0]
        bits.pop(0)
        bits.append(new)
        return new

    for _ in range(160):
        clock()
    while True:
        while clock() == 0:  # a 0 discards the bit that follows it
            clock()
        yield clock()


@lru_cache(maxsize=1)
def round_constants() -> tuple[tuple[int, ...], ...]:
    """(R_F + R_P) rows of 12 constants, in the order the rounds use them: 64-bit draws from the
    Grain LFSR, most significant bit first, a draw >= p rejected."""
    gen = _grain_bits(1, 1, 64, WIDTH, FULL_ROUNDS, PARTIAL_ROUNDS)
    flat = []
    while len(flat) < (FULL_ROUNDS + PARTIAL_ROUNDS) * WIDTH:
        v = 0
        for _ in range(64):
            v = (v << 1) | next(gen)
        if v < P:
            flat.append(v)
    return tuple(tuple(flat[r * WIDTH : (r + 1) * WIDTH]) for r in range(FULL_ROUNDS + PARTIAL_ROUNDS))


def external_layer(s: Sequence[int]) -> list[int]:
    """circ(2 M4, M4, M4) times the state (reduced mod p)."""
    y = []
    for q in range(0, WIDTH, 4):
        part = s[q : q + 4]
        y += [sum(m * v for m, v in zip(row, part)) for row in M4]
    sums = [sum(y[q + j] for q in range(0, WIDTH, 4)) for j in range(4)]
    return [(v + sums[i % 4]) % P for i, v in enumerate(y)]


def internal_layer(s: Sequence[int]) -> list[int]:
    """(1 + diag(D)) times the state: each element times D_i - 1, plus the sum of all."""
    total = sum(s)
    return [(v * d + total) % P for v, d in zip(s, INTERNAL_DIAG_MINUS_1)]


def permute(state: Sequence[int]) -> list[int]:
    """The Poseidon2 permutation of 12 field elements."""
    if len(state) != WIDTH:
        raise ValueError(f"Poseidon2 permutes {WIDTH} elements, not {len(state)}")
    rc = round_constants()
    s = external_layer([v % P for v in state])
    for r in range(FULL_ROUNDS + PARTIAL_ROUNDS):
        s = [(v + c) % P for v, c in zip(s, rc[r])]
        if HALF_FULL <= r < HALF_FULL + PARTIAL_ROUNDS:
            s[0] = pow(s[0], ALPHA, P)
            s = internal_layer(s)
        else:
            s = external_layer([pow(v, ALPHA, P) for v in s])
    return s


DOMAIN_TAG = int.from_bytes(b"zkvm-mc1", "little") % P
"""The capacity's second element in the sponge's initial state: separates model commitments
from any other use of this permutation."""


def initial_state(blocks: int) -> list[int]:
    """The sponge's state before the first block: zero rate, capacity (blocks, DOMAIN_TAG, 0, 0)
    (the message length in the capacity: messages of different lengths start apart)."""
    return [0] * RATE + [blocks % P, DOMAIN_TAG, 0, 0]


def sponge(blocks: Sequence[Sequence[int]]) -> list[int]:
    """Absorb 8-element blocks (each added to the rate, then permuted); the digest is the first
    four elements of the final state."""
    s = initial_state(len(blocks))
    for block in blocks:
        if len(block) != RATE:
            raise ValueError(f"a block has {RATE} elements, not {len(block)}")
        s = permute([(v + b) % P for v, b in zip(s, list(block) + [0] * CAPACITY)])
    return s[:DIGEST]


__all__ = ["permute", "sponge", "round_constants", "initial_state", "external_layer", "internal_layer", "P", "WIDTH",
           "RATE", "DIGEST", "FULL_ROUNDS", "PARTIAL_ROUNDS", "HALF_FULL", "INTERNAL_DIAG_MINUS_1", "DOMAIN_TAG"]
