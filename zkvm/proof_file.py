"""The proof file: a STARK proof plus the statement it proves (verifier-safe).

Layout: magic ``ZKVMPRF1``, format version (u16), the program hash (32 bytes), flags (u8; bit
0: the program is embedded; bits 1 to 3: the proof commits to the program's code, data and
constants; bit 4: a model commitment follows the output address; bit 5: a segmented run, whose
further segments' proofs follow the first), public inputs and outputs
(each a u32 count and field elements), the output record's address (u64; 0 for a fixed output
region), the model commitment (4 field elements, for a program with private weights: the
verifier checks the proof against the commitment *it* is given, never this copy),
the program's signature (u32 length + JSON: parameter names and shapes, so a verifier can
recompile the source for exactly these shapes), the embedded program's
canonical bytes if any (u64 length), then the STARK proof (u64 length; a multi-table proof, see
:mod:`zkvm.stark.multi_proof`; for a segmented run the first segment's), then for a segmented
run the count of further segments (u32) and each one's proof (u64 length). Every length is
bounded before use; trailing bytes are refused.

The signature copy is bound through the program hash: it must be in canonical form (sorted
keys, no spaces: :func:`zkvm.isa.program.decode_signature`), and the verifier requires it to
equal the signature of the program it checks the proof against, which the program hash covers
(:func:`zkvm.verifier.verify`). So changing any byte of it makes the file malformed or the
proof about another program. ``zkvm verify PROOF --program model.py`` recompiles the source for
the copy's shapes: the recompiled program's hash binds the shapes used, and the equality check
binds the rest (names, types, output). The copy is validated (types, nesting, shapes of at
most 2^28 words) while decoding, so nothing reading it can fail on a hostile one.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.codec import Reader, Writer
from zkvm.errors import ParameterError, ProofFormatError
from zkvm.field.goldilocks import P
from zkvm.isa.program import CONST_ROW, MAX_SIGNATURE_BYTES, Program, decode_signature, program_from_canonical_bytes, signature_bytes
from zkvm.stark.multi_proof import MultiProof

MAGIC = b"ZKVMPRF1"
VERSION = 4  # 4: read-only constants in the data and word tables; 3: the VM as one table of a multi-table proof
MAX_IO = 1 << 22
MAX_EMBEDDED = 1 << 28
MAX_STARK = 1 << 28
MAX_SEGMENTS = 1 << 16


def _signed(v: int) -> int:
    return v - P if v > P // 2 else v


@dataclass(frozen=True)
class ProofFile:
    program_hash: bytes
    public_inputs: tuple[int, ...]  # signed
    outputs: tuple[int, ...]  # signed
    stark: MultiProof
    program: Program | None = None  # embedded, optional
    signature: dict | None = None  # the program's I/O signature (names and shapes)
    output_address: int = 0  # the output record's address (0: a fixed output region)
    commitment: int = 0  # the program parts the proof commits to (zkvm.air.vm_air.COMMIT_*)
    model_commitment: tuple[int, ...] | None = None  # the private weights' commitment (4 elements), if any
    segments: tuple[MultiProof, ...] = ()  # a segmented run: the proofs of its segments after the first (``stark``)

    @property
    def trace_length(self) -> int:
        """The VM trace's height (its first table's)."""
        return self.stark.tables[0].trace_length

    def to_bytes(self) -> bytes:
        w = Writer()
        w.raw(MAGIC)
        w.raw(VERSION.to_bytes(2, "little"))
        w.digest(self.program_hash)
        w.u8((1 if self.program is not None else 0) | (self.commitment & 7) << 1
             | (16 if self.model_commitment is not None else 0) | (32 if self.segments else 0))
        for group in (self.public_inputs, self.outputs):
            w.count(len(group))
            w.fields(v % P for v in group)
        w.u64(self.output_address)
        if self.model_commitment is not None:
            w.fields(v % P for v in self.model_commitment)
        sig = signature_bytes(self.signature or {})
        w.count(len(sig))
        w.raw(sig)
        if self.program is not None:
            blob = self.program.canonical_bytes()
            w.u64(len(blob))
            w.raw(blob)
        stark = self.stark.to_bytes()
        w.u64(len(stark))
        w.raw(stark)
        if self.segments:
            w.count(len(self.segments))
            for segment in self.segments:
                blob = segment.to_bytes()
                w.u64(len(blob))
                w.raw(blob)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ProofFile":
        r = Reader(data)
        r.header(MAGIC, VERSION, "proof file")
        program_hash = r.digest("program hash")
        flags = r.u8("flags")
        if flags & ~63:
            raise ProofFormatError("unknown proof file flags")
        groups = []
        for what in ("public inputs", "outputs"):
            count = r.count(f"{what} count", MAX_IO)
            groups.append(tuple(_signed(v) for v in r.fields(count, what)))
        output_address = r.u64("output address")
        model_commitment = tuple(r.fields(4, "model commitment")) if flags & 16 else None
        sig_len = r.count("signature length", MAX_SIGNATURE_BYTES)
        try:
            signature = decode_signature(r.raw(sig_len, "signature"))
        except ParameterError as e:
            raise ProofFormatError(str(e)) from None
        embedded = None
        if flags & 1:
            size = r.u64("embedded program length")
            if size > MAX_EMBEDDED:
                raise ProofFormatError("embedded program too large")
            embedded = r.raw(size, "embedded program")
        size = r.u64("stark proof length")
        if size > MAX_STARK:
            raise ProofFormatError("stark proof too large")
        stark = MultiProof.from_bytes(r.raw(size, "stark proof"))
        segments = []
        if flags & 32:
            for k in range(r.count("segment count", MAX_SEGMENTS - 1, 1)):
                size = r.u64(f"segment {k + 1} proof length")
                if size > MAX_STARK:
                    raise ProofFormatError(f"segment {k + 1} proof too large")
                segments.append(MultiProof.from_bytes(r.raw(size, f"segment {k + 1} proof")))
        r.finish()
        program = None
        if embedded is not None:  # decoded last: its code and constants must fit the tables (a row or a word each)
            try:
                words = max(tp.trace_length for tp in stark.tables) * CONST_ROW
                # (a segment may carry only some pieces of the constants: bounded by the bytes present)
                program = program_from_canonical_bytes(embedded, max_words=max(words, 1 << 26) if segments else words)
            except ParameterError as e:
                raise ProofFormatError(f"embedded program: {e}") from None
        return cls(program_hash, groups[0], groups[1], stark, program, signature, output_address, (flags >> 1) & 7,
                   model_commitment, tuple(segments))
