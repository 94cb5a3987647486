"""The Fiat-Shamir transcript shared, call for call, by the prover and the verifier.

Everything the verifier sees is absorbed in order; every challenge is squeezed from the hash
of everything absorbed before it. Each absorb is framed (a kind byte, the label, the length,
the data) so that no two different sequences of absorbs hash the same bytes.

Challenges are unbiased: field elements are drawn by rejection sampling of 64-bit words
(a word >= p, probability 2^-32, is discarded), and query indices below a power of two are
masked words. Verifier-safe: only the ``blake3`` package and the pure-Python field.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import blake3

from zkvm.errors import ParameterError
from zkvm.field.ext2 import Ext2
from zkvm.field.goldilocks import P

PROTOCOL_LABEL = b"zkvm transcript v1"

_ABSORB = b"\x01"
_SQUEEZE = b"\x02"
_SQUEEZED = b"\x03"


def _frame(kind: bytes, label: bytes, data: bytes) -> bytes:
    if len(label) > 255:
        raise ParameterError("label", "transcript labels are at most 255 bytes")
    return kind + bytes([len(label)]) + label + len(data).to_bytes(8, "little") + data


def field_bytes(values: Sequence[int]) -> bytes:
    """Canonical little-endian encoding of base-field elements."""
    values = [int(v) for v in values]
    try:
        return struct.pack(f"<{len(values)}Q", *values)
    except struct.error:
        raise ParameterError("values", "field elements absorbed must fit in 64 bits") from None


class Transcript:
    """A duplex-style Fiat-Shamir transcript over blake3."""

    def __init__(self, domain: bytes = b"") -> None:
        self._hasher = blake3.blake3(PROTOCOL_LABEL)
        self._hasher.update(_frame(_ABSORB, b"domain", domain))

    # --- absorbing ---------------------------------------------------------------------
    def absorb_bytes(self, label: bytes, data: bytes) -> None:
        self._hasher.update(_frame(_ABSORB, label, bytes(data)))

    def absorb_fields(self, label: bytes, values: Sequence[int]) -> None:
        """Absorb base-field elements (each must be canonical)."""
        for v in values:
            if not 0 <= int(v) < P:
                raise ParameterError(label.decode(errors="replace"), "non-canonical field element")
        self.absorb_bytes(label, field_bytes(values))

    def absorb_ext(self, label: bytes, values: Sequence[Ext2]) -> None:
        flat: list[int] = []
        for v in values:
            flat.append(v.c0)
            flat.append(v.c1)
        self.absorb_bytes(label, field_bytes(flat))

    def absorb_pairs(self, label: bytes, values: Sequence[tuple[int, int]]) -> None:
        """Extension elements given as canonical coordinate pairs: the same bytes as
        :meth:`absorb_ext` of the same elements."""
        self.absorb_bytes(label, field_bytes([c for pair in values for c in pair]))

    def absorb_digest(self, label: bytes, digest: bytes) -> None:
        if len(digest) != 32:
            raise ParameterError(label.decode(errors="replace"), "digests are 32 bytes")
        self.absorb_bytes(label, digest)

    def absorb_int(self, label: bytes, value: int) -> None:
        if not 0 <= value < 1 << 64:
            raise ParameterError(label.decode(errors="replace"), "integers absorbed must fit in 64 bits")
        self.absorb_bytes(label, value.to_bytes(8, "little"))

    # --- squeezing -----------------------------------------------------------------------
    def _squeeze(self, label: bytes, length: int) -> bytes:
        h = self._hasher.copy()
        h.update(_frame(_SQUEEZE, label, length.to_bytes(8, "little")))
        out = h.digest(length=length)
        # advance the state so the next squeeze differs, binding what was drawn
        self._hasher.update(_frame(_SQUEEZED, label, out[:32]))
        return out

    def challenge_bytes(self, label: bytes, length: int = 32) -> bytes:
        return self._squeeze(label, length)

    def challenge_field(self, label: bytes) -> int:
        """A uniformly random base-field element."""
        return self.challenge_fields(label, 1)[0]

    def challenge_fields(self, label: bytes, count: int) -> list[int]:
        out: list[int] = []
        while len(out) < count:
            need = count - len(out)
            # ask for a little slack so a rejected word (probability 2^-32) rarely costs a round
            raw = self._squeeze(label, 8 * (need + 1))
            for i in range(0, len(raw), 8):
                word = int.from_bytes(raw[i : i + 8], "little")
                if word < P and len(out) < count:
                    out.append(word)
        return out

    def challenge_ext(self, label: bytes) -> Ext2:
        c0, c1 = self.challenge_fields(label, 2)
        return Ext2(c0, c1)

    def challenge_exts(self, label: bytes, count: int) -> list[Ext2]:
        flat = self.challenge_fields(label, 2 * count)
        return [Ext2(flat[2 * i], flat[2 * i + 1]) for i in range(count)]

    def challenge_indices(self, label: bytes, count: int, domain_size: int) -> list[int]:
        """``count`` uniform indices in [0, domain_size) (repeats possible, order kept)."""
        if domain_size < 1:
            raise ParameterError("domain_size", "must be positive")
        if domain_size & (domain_size - 1) == 0:
            mask = domain_size - 1
            raw = self._squeeze(label, 8 * count)
            return [int.from_bytes(raw[i : i + 8], "little") & mask for i in range(0, 8 * count, 8)]
        # general sizes: rejection sampling below the largest multiple of domain_size
        limit = (1 << 64) - ((1 << 64) % domain_size)
        out: list[int] = []
        while len(out) < count:
            raw = self._squeeze(label, 8 * (count - len(out) + 1))
            for i in range(0, len(raw), 8):
                word = int.from_bytes(raw[i : i + 8], "little")
                if word < limit and len(out) < count:
                    out.append(word % domain_size)
        return out

    def pow_seed(self) -> bytes:
        """The 32-byte seed a proof-of-work nonce must be ground against at this point."""
        return self._squeeze(b"pow seed", 32)
