"""Verifying keys: what a verifier may trust about a program besides its hash (verifier-safe).

A large program's code and constants are committed by the prover in a Merkle tree of their
own (see :mod:`zkvm.stark.public_columns`). Without a key, the verifier computes those columns
at the proof's out-of-domain point, which costs time in proportion to the program's size
(about 80 ms for a model of a million constants). A verifying key lists, per trace length and
blowup, the root those columns must have: with it the verifier checks one root instead, and its
work no longer grows with the program.

A key is a deterministic function of the program: anyone can recompute it from the program
(``zkvm keygen``, or :func:`zkvm.keygen.verifying_key`) instead of trusting whoever sent it. A
wrong key cannot make a false proof pass unless its root is for other columns than the
program's: treat a key like the program itself, and take it only from a source you trust.

Layout: magic ``ZKVMVK01``, format version (u16), the program hash (32 bytes), an entry
count (u32), then per entry log2 table height (u8), log2 blowup (u8), the committed program
parts (u8: 1 code, 2 mutable constants, 3 both: the CPU table's; 4 the read-only constants:
a data-table piece's, at its own height), the piece's first row in the data table (u32; 0 for
the CPU table's entries) and the root (32 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkvm.codec import Reader, Writer
from zkvm.errors import KeyFormatError, ProofFormatError

MAGIC = b"ZKVMVK01"
VERSION = 3  # 3: each entry names its data-table piece's first row; 2: entries for the data table (parts 4)
MAX_ENTRIES = 1 << 16
MAX_FIRST_ROW = 1 << 31


@dataclass(frozen=True)
class VerifyingKey:
    """The program hash and, per (log2 trace length, log2 blowup, committed parts, first row),
    the root of the program's committed columns (first row: a data-table piece's, 0 for the
    CPU table)."""

    program_hash: bytes
    roots: dict[tuple[int, int, int, int], bytes] = field(default_factory=dict)

    def root_for(self, trace_length: int, blowup: int, commitment: int, first_row: int = 0) -> bytes | None:
        return self.roots.get((trace_length.bit_length() - 1, blowup.bit_length() - 1, commitment, first_row))

    def merged(self, other: "VerifyingKey") -> "VerifyingKey":
        """This key with the other's entries added (both for the same program)."""
        if other.program_hash != self.program_hash:
            raise KeyFormatError("cannot merge keys of two different programs")
        return VerifyingKey(self.program_hash, {**self.roots, **other.roots})

    def to_bytes(self) -> bytes:
        w = Writer()
        w.raw(MAGIC)
        w.raw(VERSION.to_bytes(2, "little"))
        w.digest(self.program_hash)
        w.count(len(self.roots))
        for (log_n, log_blowup, parts, first), root in sorted(self.roots.items()):
            w.u8(log_n)
            w.u8(log_blowup)
            w.u8(parts)
            w.u32(first)
            w.digest(root)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "VerifyingKey":
        """Decode, every length bounded; raises KeyFormatError on anything malformed."""
        if not isinstance(data, (bytes, bytearray, memoryview)):  # bytes(10**12) would allocate a TB
            raise KeyFormatError(f"a verifying key is bytes, not {type(data).__name__}")
        try:
            r = Reader(data)
            r.header(MAGIC, VERSION, "verifying key")
            program_hash = r.digest("program hash")
            roots = {}
            for _ in range(r.count("entry count", MAX_ENTRIES)):
                log_n, log_blowup, parts = r.u8("log trace length"), r.u8("log blowup"), r.u8("committed parts")
                first = r.u32("first row")
                if log_n > 28 or log_blowup > 8 or parts not in (1, 2, 3, 4) or first >= MAX_FIRST_ROW or (first and parts != 4):
                    raise KeyFormatError(f"entry out of range (trace length 2^{log_n}, blowup 2^{log_blowup}, parts {parts}, "
                                         f"first row {first})")
                if (log_n, log_blowup, parts, first) in roots:
                    raise KeyFormatError(f"two roots for trace length 2^{log_n}, blowup 2^{log_blowup}, parts {parts}, "
                                         f"first row {first}")
                roots[(log_n, log_blowup, parts, first)] = r.digest("root")
            r.finish()
        except ProofFormatError as e:
            raise KeyFormatError(e.detail) from None
        return cls(program_hash, roots)


__all__ = ["VerifyingKey"]
