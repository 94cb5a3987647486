"""Proof-of-work check (verifier-safe: the ``blake3`` package only).

A nonce n is valid for a 32-byte seed and a number of bits b when the first 8 bytes of
blake3(seed || n as 8 little-endian bytes), read as a little-endian integer, have their b low
bits all zero. Grinding b bits costs the prover about 2^b hashes and adds b bits of
conjectured security (see :mod:`zkvm.fri.options`).
"""

from __future__ import annotations

import blake3

from zkvm.errors import ParameterError

MAX_BITS = 32


def check_args(seed: bytes, bits: int) -> None:
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
        raise ParameterError("seed", "the proof-of-work seed is 32 bytes")
    if not isinstance(bits, int) or not 0 <= bits <= MAX_BITS:
        raise ParameterError("bits", f"grinding bits must be in [0, {MAX_BITS}]")


def check_pow(seed: bytes, bits: int, nonce: int) -> bool:
    """True iff ``nonce`` meets the ``bits``-bit target for ``seed``."""
    check_args(seed, bits)
    if not isinstance(nonce, int) or not 0 <= nonce < 1 << 64:
        return False
    digest = blake3.blake3(bytes(seed) + nonce.to_bytes(8, "little")).digest()
    return int.from_bytes(digest[:8], "little") & ((1 << bits) - 1) == 0
