"""Bounded binary reading and writing for proofs.

Every multi-byte integer is little-endian. Field elements are 8 bytes and must be canonical
(< p). A reader never trusts a length from the wire: each count is checked against a bound the
caller derives from parameters it already knows, before anything is allocated, and
:meth:`Reader.finish` rejects trailing bytes. All failures raise
:class:`~zkvm.errors.ProofFormatError` naming what was being read.

Verifier-safe: stdlib only.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

from zkvm.errors import ProofFormatError
from zkvm.field.goldilocks import P

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


class Writer:
    """Accumulates the canonical encoding of a proof."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def u8(self, v: int) -> None:
        self._parts.append(bytes([v]))

    def u32(self, v: int) -> None:
        self._parts.append(_U32.pack(v))

    def u64(self, v: int) -> None:
        self._parts.append(_U64.pack(v))

    def raw(self, data: bytes) -> None:
        self._parts.append(bytes(data))

    def digest(self, d: bytes) -> None:
        if len(d) != 32:
            raise ProofFormatError(f"digest of {len(d)} bytes, expected 32")
        self._parts.append(d)

    def fields(self, values: Iterable[int]) -> None:
        vals = [int(v) for v in values]
        self._parts.append(struct.pack(f"<{len(vals)}Q", *vals))

    def count(self, n: int) -> None:
        self.u32(n)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    """Reads an encoding produced by :class:`Writer`, checking every bound."""

    def __init__(self, data: bytes) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ProofFormatError(f"proof must be bytes, got {type(data).__name__}")
        self._data = bytes(data)
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def _take(self, n: int, what: str) -> bytes:
        if n < 0 or n > len(self._data) - self._pos:
            raise ProofFormatError(f"truncated proof while reading {what} ({n} bytes needed, {self.remaining} left)")
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def u8(self, what: str) -> int:
        return self._take(1, what)[0]

    def flag(self, what: str) -> bool:
        """A u8 that must be 0 or 1."""
        v = self.u8(what)
        if v not in (0, 1):
            raise ProofFormatError(f"{what} must be 0 or 1")
        return bool(v)

    def u32(self, what: str) -> int:
        return _U32.unpack(self._take(4, what))[0]

    def u64(self, what: str) -> int:
        return _U64.unpack(self._take(8, what))[0]

    def raw(self, n: int, what: str) -> bytes:
        return self._take(n, what)

    def digest(self, what: str) -> bytes:
        return self._take(32, what)

    def digests(self, n: int, what: str) -> tuple[bytes, ...]:
        blob = self._take(32 * n, what)
        return struct.unpack("32s" * n, blob)  # one C call (struct caches the format)

    def header(self, magic: bytes, version: int, what: str) -> None:
        """The magic bytes and the u16 format version of a ``what`` (e.g. "proof file")."""
        if self.raw(len(magic), "magic") != magic:
            raise ProofFormatError(f"not a zkvm {what} (bad magic bytes)")
        found = int.from_bytes(self.raw(2, "format version"), "little")
        if found < version:
            raise ProofFormatError(f"this {what} was made by an older zkvm (format version {found}; this zkvm reads "
                                   f"version {version}): prove again with this version")
        if found != version:
            raise ProofFormatError(f"unsupported {what} format version {found} (this zkvm reads {version})")

    def count(self, what: str, maximum: int, minimum: int = 0) -> int:
        """A length prefix, refused unless minimum <= n <= maximum."""
        n = self.u32(what)
        if not minimum <= n <= maximum:
            raise ProofFormatError(f"{what}: count {n} outside the allowed range [{minimum}, {maximum}]")
        return n

    def expect_count(self, what: str, expected: int) -> int:
        return self.count(what, expected, expected)

    def fields(self, n: int, what: str) -> tuple[int, ...]:
        """n canonical field elements."""
        blob = self._take(8 * n, what)
        vals = struct.unpack(f"<{n}Q", blob)
        if vals and max(vals) >= P:
            raise ProofFormatError(f"{what}: non-canonical field element")
        return vals

    def field_rows(self, count: int, width: int, what: str) -> tuple[tuple[int, ...], ...]:
        """``count`` rows of ``width`` canonical field elements, read in one piece."""
        vals = self.fields(count * width, what)
        return tuple([vals[i : i + width] for i in range(0, count * width, width)]) if width else ((),) * count

    def finish(self) -> None:
        if self.remaining:
            raise ProofFormatError(f"{self.remaining} trailing bytes after the proof")


def check_fields(values: Sequence[int], what: str) -> None:
    try:
        struct.pack(f"<{len(values)}Q", *values)  # integers in [0, 2^64), checked in C
    except (struct.error, TypeError):
        raise ProofFormatError(f"{what}: field elements are integers in [0, p)") from None
    if values and max(values) >= P:
        raise ProofFormatError(f"{what}: non-canonical field element")
