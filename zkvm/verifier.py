"""The embeddable verifier: proof bytes + program in, the verified output out.

Imports neither Numba nor Lark nor the compiler, so a service can check proofs with a light
process::

    from zkvm.verifier import verify
    claim = verify(proof_bytes, program)          # a Program, e.g. Program.from_json(...)
    print(claim.output)

or, for proofs that embed their program, ``verify(proof_bytes, program_hash_hex)``. Every
failure raises :class:`~zkvm.errors.VerificationError` (a subclass names the failed check).

For a large program (a model with many constants), pass its verifying key
(``verify(proof_bytes, program, vk=key)``, see :mod:`zkvm.keys`): the verifier then checks
one Merkle root instead of evaluating the program's constants for every proof.

Nothing read from the proof is trusted before it is checked: decoding bounds every length by
the bytes present, and before anything proportional to a claimed size is built, the program's
regions (code, constants, inputs, outputs, stack, heap) and its signature's shapes must fit the
proof's trace, one row per memory address and per instruction (an embedded program claiming
an input region of 2^36 words is refused in microseconds). The proof file's copy of the
signature must equal the program's, which the program hash covers (see :mod:`zkvm.proof_file`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkvm.errors import ParameterError, ProofFormatError, StatementMismatch, VerificationError
from zkvm.field.goldilocks import P
from zkvm.fri.options import DEFAULT_MIN_SECURITY_BITS
from zkvm.isa.program import Program, arithmetic_contract, shaped_output, signature_bytes, validate_signature
from zkvm.keys import VerifyingKey
from zkvm.proof_file import ProofFile

__all__ = ["verify", "VerifiedClaim", "VerificationError"]


@dataclass(frozen=True)
class VerifiedClaim:
    """What a valid proof establishes: this program, on some private input (and these public
    inputs), produced this output."""

    program_hash: str
    public_inputs: tuple[int, ...]
    output: Any  # shaped like the program's declared output
    output_values: tuple[int, ...]
    security_bits: int
    trace_length: int
    zero_knowledge: bool = True  # False for a proof made with zk=False (benchmarking)
    program_columns: str = "evaluated"  # how the program's columns were checked: "evaluated" or "key"
    arithmetic: str = "field"
    """The program's arithmetic contract (part of its hash): "exact" when the output is
    CPython's result of the program (every +, -, * proven not to wrap: compiled programs), or
    "field" when + - * and dot products are attested modulo p (programs that import
    zkvm.lang.field_arithmetic, and assembly)."""
    model_commitment: str | None = None
    """For a program with private weights: the model commitment (64 hex digits) the weights
    that ran hash to (the one the caller gave)."""
    segments: int = 1
    """How many segments the run was proven in (docs/air.md, "Segments"; public)."""


def _other_program(claimed: bytes, expected: bytes) -> StatementMismatch:
    """The two hashes, shortened only where the short forms still differ."""
    a, b = claimed.hex(), expected.hex()
    k = 16
    while k < len(a) and a[:k] == b[:k]:
        k += 16
    short = (lambda h: h[:k] + "...") if k < len(a) else (lambda h: h)
    return StatementMismatch(f"the proof is for program {short(a)}, not {short(b)}")


def _resolve_program(pf: ProofFile, program: Program | str | bytes | None) -> Program:
    if not isinstance(program, (Program, str, bytes, bytearray, memoryview, type(None))):
        raise ParameterError("program", f"a Program, its hash (hex or bytes) or None, not {type(program).__name__}")
    if isinstance(program, str):
        try:
            program = bytes.fromhex(program)
        except ValueError:
            raise ParameterError("program", "a program hash in hex (64 digits)") from None
    if isinstance(program, Program):
        if program.hash() != pf.program_hash:
            raise _other_program(pf.program_hash, program.hash())
        if pf.program is not None and pf.program.hash() != pf.program_hash:  # unused, but bytes of the proof all the same
            raise StatementMismatch("the embedded program does not match the program hash")
        return program
    if program is None:
        if pf.program is None:
            raise StatementMismatch("the proof does not embed its program: pass the program to verify against")
        expected = pf.program_hash
    else:
        expected = bytes(program)
        if expected != pf.program_hash:
            raise _other_program(pf.program_hash, expected)
        if pf.program is None:
            raise StatementMismatch("the proof does not embed its program: pass the compiled program, not only its hash")
    if pf.program.hash() != expected:
        raise StatementMismatch("the embedded program does not match the program hash")
    return pf.program


def _check_signature(pf: ProofFile, prog: Program, n: int) -> None:
    """The proof file's copy of the signature is the program's (which the hash covers), and its
    shapes fit the trace (every input word has a memory row)."""
    try:
        same = signature_bytes(pf.signature or {}) == signature_bytes(prog.signature)
    except (TypeError, ValueError):  # a ProofFile or Program built by hand with a non-JSON signature
        same = False
    if not same:
        raise StatementMismatch("the proof file's signature is not the program's")
    try:
        validate_signature(prog.signature, max_words=n)
    except ParameterError as e:
        raise ProofFormatError(f"the program does not fit the proof's {n}-row trace: {e}") from None


def _check_regions(prog: Program, n: int) -> None:
    """Every region of the program lies in the trace's n rows (row j is memory address j and
    pc j): checked before anything proportional to a region's size is built."""
    lay = prog.layout
    regions = (
        ("code", 0, len(prog.code)), ("constants", lay.data_base, lay.data_size),
        ("public inputs", lay.pubin_base, lay.pubin_size), ("inputs", lay.in_base, lay.in_size),
        ("outputs", lay.out_base, lay.out_size), ("stack", lay.stack_base, 0), ("heap", lay.heap_base, 0),
    )
    for name, base, size in regions:
        if not (0 <= int(base) and 0 <= int(size) and int(base) + int(size) <= n):
            raise ProofFormatError(f"the program's {name} region (address {base}, {size} words) does not fit the proof's "
                                   f"{n}-row trace")


def _model_commitment(commitment, private: int) -> tuple[int, ...] | None:
    """The commitment argument as 4 field elements (ParameterError when it is missing for a
    program with private weights, given for one without, or malformed)."""
    if not private:
        if commitment is not None:
            raise ParameterError("commitment", "the program has no private weights: a model commitment does not apply")
        return None
    if commitment is None:
        raise ParameterError("commitment", "the program loads private weights: verify its proofs against the model "
                             "commitment its owner published (zkvm verify --commitment FILE|HEX; verify(..., "
                             "commitment=...)): without one a proof says nothing about which weights ran")
    from zkvm.private import Commitment

    if isinstance(commitment, Commitment):
        return tuple(commitment.digest)
    if isinstance(commitment, str):
        return tuple(Commitment.load(commitment).digest)
    digest = _ints(commitment, "commitment")
    if len(digest) != 4 or not all(0 <= v < P for v in digest):
        raise ParameterError("commitment", "4 canonical field elements, 64 hex digits or a .commitment file")
    return digest


def _ints(values: Sequence[int], what: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in values)
    except (TypeError, ValueError):
        raise ParameterError(what, "a sequence of integers") from None


def verify(
    proof: bytes | ProofFile,
    program: Program | str | bytes | None = None,
    public_inputs: Sequence[int] | None = None,
    output: Sequence[int] | None = None,
    min_security_bits: int = DEFAULT_MIN_SECURITY_BITS,
    vk: VerifyingKey | bytes | None = None,
    commitment: "Commitment | str | Sequence[int] | None" = None,
) -> VerifiedClaim:
    """Verify a zkvm proof and return the claim it proves.

    Args:
        proof: the proof file's bytes (or a decoded :class:`ProofFile`).
        program: the compiled program (safest), or its hash (hex or bytes) when the proof
            embeds the program, or None to accept the embedded program (then check the
            returned ``program_hash`` yourself).
        public_inputs: if given, must equal the proof's public inputs.
        output: if given (flat values), must equal the proven output.
        min_security_bits: refuse proofs whose conjectured security is lower.
        vk: the program's verifying key (or its bytes), from a source you trust: when it has
            a root for the proof's trace length and blowup, the program's committed columns
            are checked against it instead of being evaluated (same result, less work).
        commitment: for a program with private weights (``load_private``), the model
            commitment the owner published (a :class:`zkvm.private.Commitment`, its 64 hex
            digits, or its 4 field elements): the proof must be for weights that hash to it.
            Required for such a program (a proof without it would say nothing about which
            model ran); refused for any other.

    Raises:
        VerificationError: the proof is malformed (ProofFormatError), about another
        statement (StatementMismatch), or fails a check (the subclass names it).
        ParameterError: an argument of the wrong type (e.g. a program hash that is not hex),
        or a program with private weights verified without a commitment.
    """
    from zkvm.air.layout import MIN_TRACE_LOG
    from zkvm.air.vm_air import statement_bytes
    from zkvm.isa.program import CONST_BASE, private_space

    if vk is not None and not isinstance(vk, (VerifyingKey, bytes, bytearray, memoryview)):
        raise ParameterError("vk", f"a VerifyingKey or its bytes, not {type(vk).__name__}")
    pf = proof if isinstance(proof, ProofFile) else ProofFile.from_bytes(proof)
    prog = _resolve_program(pf, program)
    key = VerifyingKey.from_bytes(vk) if isinstance(vk, (bytes, bytearray, memoryview)) else vk
    if key is not None and key.program_hash != pf.program_hash:
        raise StatementMismatch(f"the verifying key is for program {key.program_hash.hex()[:16]}..., "
                                f"the proof for {pf.program_hash.hex()[:16]}...")
    n = pf.trace_length
    if n < 1 << MIN_TRACE_LOG or n & (n - 1):
        raise ProofFormatError(f"the proof's trace length {n} is not a power of two of at least 2^{MIN_TRACE_LOG}")
    if n > CONST_BASE:
        # row j is memory address j: a taller trace would give the read-only constants' addresses
        # memory rows (holding zeros), through which a read could bypass the data table
        raise ProofFormatError(f"the proof's trace length {n} exceeds 2^26, the VM's limit")
    _check_signature(pf, prog, n)
    _check_regions(prog, n)
    lay = prog.layout
    if len(pf.public_inputs) != lay.pubin_size:
        raise ProofFormatError("the proof's public input count does not match the program")
    if public_inputs is not None and _ints(public_inputs, "public_inputs") != pf.public_inputs:
        raise StatementMismatch("the proof was made for other public inputs")
    if output is not None and _ints(output, "output") != pf.outputs:
        raise StatementMismatch("the proof attests another output")
    private = private_space(prog)
    digest = _model_commitment(commitment, private)
    stmt = statement_bytes(pf.program_hash, pf.public_inputs, pf.outputs, pf.output_address)
    if private and pf.model_commitment is not None and tuple(pf.model_commitment) != tuple(digest):
        raise StatementMismatch("the proof is for private weights with another model commitment than the one given")
    if not pf.segments:
        by_key = _verify_tables(pf, pf.stark, prog, n, "", [lay.stack_base], key, min_security_bits, stmt, digest)
    else:
        by_key = _verify_segments(pf, prog, n, key, min_security_bits, stmt, digest)
    return VerifiedClaim(
        program_hash=pf.program_hash.hex(),
        public_inputs=pf.public_inputs,
        output=shaped_output(prog, list(pf.outputs)),
        output_values=pf.outputs,
        security_bits=min(st.security_bits for st in (pf.stark, *pf.segments)),
        trace_length=n,
        zero_knowledge=pf.stark.options.zk,
        program_columns="key" if by_key else "evaluated",
        arithmetic=arithmetic_contract(prog),
        model_commitment=b"".join(int(v).to_bytes(8, "little") for v in digest).hex() if digest else None,
        segments=1 + len(pf.segments),
    )


def _verify_tables(pf: ProofFile, stark, prog: Program, n: int, role: str, cpu_publics: list[int], key, min_security_bits: int,
                   statement: bytes, digest) -> bool:
    """Verify one multi-table proof of the run (the whole run, or one segment of it, ``role``)
    against the program: its table system, public inputs and columns. Returns whether a key's
    root replaced evaluating committed program columns."""
    from zkvm.air.data_space import const_columns, piece_address
    from zkvm.air.vm_air import COMMIT_CODE, COMMIT_CONSTS, data_indices, public_columns, vm_system
    from zkvm.isa.program import CONST_BASE, PRIVATE_ROW, private_space
    from zkvm.stark.multi_verifier import verify_tables

    lay = prog.layout
    consts = lay.const_size > 0
    private = private_space(prog)
    pieces: list[tuple[int, int]] = []
    extra = 0
    if consts:
        # with constants: CPU, data, words, [dot, frozen], the data table's further pieces,
        # [dot's second piece], [private data], masks; the data pieces are the tables after the
        # CPU's with one public input (their addr0)
        data_at = [i for i, tp in enumerate(stark.tables) if i and len(tp.public_inputs) == 1]
        pieces = _data_pieces(prog, [stark.tables[i] for i in data_at], role, n)
        extra = len(stark.tables) - (3 + len(pieces)) - (1 if private else 0)
        if extra not in (0, 2, 3):
            raise ProofFormatError(f"the proof has {len(stark.tables)} tables, which no run of this program gives")
    system = vm_system(n, consts, extra > 0, max(1, len(pieces)), 2 if extra == 3 else 1, private > 0, role)
    if len(stark.tables) != len(system.tables) or (consts and data_indices(system) != data_at):
        raise ProofFormatError(f"the proof has {len(stark.tables)} tables, this program's proofs have {len(system.tables)}")
    if stark.tables[0].trace_length != n:
        raise ProofFormatError("the segments' CPU tables differ in height")
    if pf.commitment & COMMIT_CONSTS and not consts:
        raise ProofFormatError("the proof commits to read-only constants the program does not have")
    parts = pf.commitment if role in ("", "first") else pf.commitment & (COMMIT_CODE | COMMIT_CONSTS)
    try:
        cols = public_columns(prog, pf.public_inputs, pf.outputs, n, pf.output_address,
                              commitment=parts & ~COMMIT_CONSTS, segment=role)
    except ParameterError as e:  # a malformed output claim, or regions past the trace
        raise ProofFormatError(f"the proof's statement does not fit this program: {e}") from None
    blowup = stark.options.blowup
    cpu_parts = parts & ~COMMIT_CONSTS
    users = system.user_tables
    roots: list = [None] * users
    publics: list = [[]] * users
    table_columns: list = [None] * users
    roots[0] = key.root_for(n, blowup, cpu_parts) if key is not None and cpu_parts else None
    publics[0], table_columns[0] = list(cpu_publics), cols
    if consts:
        committed = bool(pf.commitment & COMMIT_CONSTS)
        for index, (first, height) in zip(data_at, pieces):
            roots[index] = key.root_for(height, blowup, COMMIT_CONSTS, first) if key is not None and committed else None
            publics[index] = [piece_address(prog, first)]
            table_columns[index] = const_columns(prog, committed, first, height)
    if private:
        publics[users - 1] = [CONST_BASE, private // PRIVATE_ROW + 1, *digest]
    verify_tables(stark, system, publics, min_security_bits, public_columns=table_columns, statement=statement,
                  trusted_roots=roots)
    return any(root is not None and tp.fixed_root is not None for root, tp in zip(roots, stark.tables))


def _data_pieces(prog: Program, tables, role: str, n: int) -> list[tuple[int, int]]:
    """The data-table pieces (first row, height) a proof's data tables claim (their addr0 and
    height): the program's whole data table (:func:`zkvm.isa.program.const_layout`), or for a
    segment of n rows any of its pieces of ``read_piece_rows(n)`` rows, in increasing order, at
    least one. Checked before any piece's columns are built."""
    from zkvm.air.data_space import piece_address
    from zkvm.isa.program import const_layout, read_piece_rows

    size = prog.layout.const_size
    claimed = [(int(tp.public_inputs[0]), tp.trace_length) for tp in tables]
    whole = const_layout(size)
    if claimed == [(piece_address(prog, first), h) for first, h in whole]:
        return whole
    if role:
        by_address = {piece_address(prog, first): (first, h) for first, h in const_layout(size, read_piece_rows(n))}
        out = []
        for address, height in claimed:
            piece = by_address.get(address)
            if piece is None or piece[1] != height or (out and piece[0] <= out[-1][0]):
                break
            out.append(piece)
        else:
            if out:
                return out
    raise ProofFormatError("the proof's data table pieces are not the program's constants "
                           f"({len(claimed)} pieces at addresses and heights {claimed[:4]}...)")


def _verify_segments(pf: ProofFile, prog: Program, n: int, key, min_security_bits: int, statement: bytes, digest) -> bool:
    """A segmented run: every segment's proof, in order, and the chain between them: the first
    starts at pc 0 with fp at the stack base and the program's initial memory, the last halts
    and holds the output, and each image-out root is the next segment's image-in root (one
    memory image, with the state handed over in its last word, committed once for both proofs:
    docs/air.md "Segments")."""
    from zkvm.segmented import segment_statement

    lay = prog.layout
    for base, size in ((lay.data_base, lay.data_size), (lay.pubin_base, lay.pubin_size), (lay.in_base, lay.in_size),
                       (lay.out_base, lay.out_size), (lay.heap_base, 0), (0, len(prog.code))):
        if base + size > n - 1:  # (a segment's last row holds the state handed over: no memory cell)
            raise ProofFormatError(f"the program does not fit segments of {n} rows")
    proofs = (pf.stark, *pf.segments)
    count = len(proofs)
    image_root = None
    by_key = False
    for k, stark in enumerate(proofs):
        role = "first" if k == 0 else ("last" if k == count - 1 else "middle")
        by_key |= _verify_tables(pf, stark, prog, n, role, [lay.stack_base], key, min_security_bits,
                                 segment_statement(statement, k, count), digest)
        image_in, image_out = _image_roots(stark, role)
        if k and image_in != image_root:
            raise StatementMismatch(f"segment {k} starts from another memory image and state than segment {k - 1} "
                                    "ended with")
        image_root = image_out
    return by_key


def _image_roots(stark, role: str) -> tuple[bytes | None, bytes | None]:
    """The roots of a verified segment proof's image in and image out (its CPU table's shared
    column groups: zkvm.air.vm_air.image_groups)."""
    from zkvm.air.vm_air import image_groups

    roots = stark.tables[0].shared_roots
    return tuple(roots[g] if g is not None else None for g in image_groups(role))
