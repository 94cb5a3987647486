"""The prover's randomness for zero-knowledge proofs (prover side; docs/zk.md).

Every random value of a proof comes from one secret 32-byte seed (fresh from the operating
system for each proof) through blake3 in keyed extendable-output mode, one stream per purpose:

* ``field(label, shape)``: uniform field elements (rejection sampling, so exactly uniform),
  for the randomizer coefficients of the trace and composition polynomials and the batch
  randomizer;
* ``salts(label, block, n)`` and ``salts_at(label, positions)``: the salt appended to each
  committed row before it is hashed into a Merkle leaf. A leaf's salt is a function of its
  position, so the prover can recompute the salts of opened rows after dropping the tree's
  leaf level. Salts are 63-bit values (canonical field elements, 126 bits per leaf): they only
  need to be unpredictable.

The verifier never sees the seed; nothing here is needed to verify.
"""

from __future__ import annotations

import secrets

import blake3
import numpy as np

from zkvm.field import goldilocks as gl

SALT_WIDTH = 2
_SALT_MASK = np.uint64((1 << 63) - 1)


class ZkRandomness:
    """Deterministic random streams from a secret seed (tests may pass a seed)."""

    def __init__(self, seed: bytes | None = None) -> None:
        self.seed = seed if seed is not None else secrets.token_bytes(32)
        if len(self.seed) != 32:
            raise ValueError("the zk seed must be 32 bytes")

    def _stream(self, label: bytes, length: int, seek: int = 0) -> bytes:
        return blake3.blake3(label, key=self.seed).digest(length=length, seek=seek)

    def field(self, label: bytes, shape: tuple[int, ...]) -> np.ndarray:
        """Uniform canonical field elements of this shape (uint64)."""
        count = int(np.prod(shape)) if shape else 1
        words = np.frombuffer(self._stream(b"field:" + label, 8 * count), dtype="<u8").astype(np.uint64)
        bad = np.flatnonzero(words >= np.uint64(gl.P))
        extra = 0
        while bad.size:  # probability about 2^-32 per element
            extra += 1
            more = np.frombuffer(self._stream(b"field:" + label, 8 * bad.size, seek=8 * (count * extra)), dtype="<u8")
            words[bad] = more
            bad = bad[words[bad] >= np.uint64(gl.P)]
        return words.reshape(shape)

    def salts(self, label: bytes, block: int, n: int) -> np.ndarray:
        """Salts of the leaves ``block*n .. block*n + n - 1`` of one tree: (n, SALT_WIDTH)."""
        raw = self._stream(b"salt:" + label, 8 * SALT_WIDTH * n, seek=8 * SALT_WIDTH * n * block)
        return (np.frombuffer(raw, dtype="<u8") & _SALT_MASK).astype(np.uint64, copy=False).reshape(n, SALT_WIDTH)

    def salts_at(self, label: bytes, positions: list[int]) -> np.ndarray:
        """Salts of single leaves (the same values :meth:`salts` gives for their blocks)."""
        out = np.empty((len(positions), SALT_WIDTH), dtype=np.uint64)
        for k, p in enumerate(positions):
            raw = self._stream(b"salt:" + label, 8 * SALT_WIDTH, seek=8 * SALT_WIDTH * p)
            out[k] = np.frombuffer(raw, dtype="<u8") & _SALT_MASK
        return out
