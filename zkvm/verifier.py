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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkvm.errors import ParameterError, ProofFormatError, StatementMismatch, VerificationError
from zkvm.fri.options import DEFAULT_MIN_SECURITY_BITS
from zkvm.isa.program import Program, shaped_output
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


def _other_program(claimed: bytes, expected: bytes) -> StatementMismatch:
    """The two hashes, shortened only where the short forms still differ."""
    a, b = claimed.hex(), expected.hex()
    k = 16
    while k < len(a) and a[:k] == b[:k]:
        k += 16
    short = (lambda h: h[:k] + "...") if k < len(a) else (lambda h: h)
    return StatementMismatch(f"the proof is for program {short(a)}, not {short(b)}")


def _resolve_program(pf: ProofFile, program: Program | str | bytes | None) -> Program:
    if isinstance(program, Program):
        if program.hash() != pf.program_hash:
            raise _other_program(pf.program_hash, program.hash())
        return program
    if program is None:
        if pf.program is None:
            raise StatementMismatch("the proof does not embed its program: pass the program to verify against")
        expected = pf.program_hash
    else:
        expected = bytes.fromhex(program) if isinstance(program, str) else bytes(program)
        if expected != pf.program_hash:
            raise _other_program(pf.program_hash, expected)
        if pf.program is None:
            raise StatementMismatch("the proof does not embed its program: pass the compiled program, not only its hash")
    if pf.program.hash() != expected:
        raise StatementMismatch("the embedded program does not match the program hash")
    return pf.program


def verify(
    proof: bytes | ProofFile,
    program: Program | str | bytes | None = None,
    public_inputs: Sequence[int] | None = None,
    output: Sequence[int] | None = None,
    min_security_bits: int = DEFAULT_MIN_SECURITY_BITS,
    vk: VerifyingKey | bytes | None = None,
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

    Raises:
        VerificationError: the proof is malformed (ProofFormatError), about another
        statement (StatementMismatch), or fails a check (the subclass names it).
    """
    from zkvm.air.layout import MIN_TRACE_LOG
    from zkvm.air.vm_air import public_columns, statement_bytes, vm_air_for
    from zkvm.stark import verifier as stark_verifier

    pf = proof if isinstance(proof, ProofFile) else ProofFile.from_bytes(proof)
    prog = _resolve_program(pf, program)
    key = VerifyingKey.from_bytes(vk) if isinstance(vk, (bytes, bytearray, memoryview)) else vk
    if key is not None and key.program_hash != pf.program_hash:
        raise StatementMismatch(f"the verifying key is for program {key.program_hash.hex()[:16]}..., "
                                f"the proof for {pf.program_hash.hex()[:16]}...")
    lay = prog.layout
    if len(pf.public_inputs) != lay.pubin_size:
        raise ProofFormatError("the proof's public input count does not match the program")
    if public_inputs is not None and tuple(int(v) for v in public_inputs) != pf.public_inputs:
        raise StatementMismatch("the proof was made for other public inputs")
    if output is not None and tuple(int(v) for v in output) != pf.outputs:
        raise StatementMismatch("the proof attests another output")
    n = pf.stark.trace_length
    if n < 1 << MIN_TRACE_LOG or n & (n - 1):
        raise ProofFormatError(f"the proof's trace length {n} is not a power of two of at least 2^{MIN_TRACE_LOG}")
    try:
        cols = public_columns(prog, pf.public_inputs, pf.outputs, n, pf.output_address, commitment=pf.commitment)
    except ParameterError as e:  # a malformed output claim, or regions past the trace
        raise ProofFormatError(f"the proof's statement does not fit this program: {e}") from None
    stmt = statement_bytes(pf.program_hash, pf.public_inputs, pf.outputs, pf.output_address)
    root = key.root_for(n, pf.stark.options.blowup, pf.commitment) if key is not None and pf.commitment else None
    stark_verifier.verify(
        pf.stark, vm_air_for(n), [lay.stack_base], min_security_bits, public_columns=cols, statement=stmt,
        trusted_root=root,
    )
    return VerifiedClaim(
        program_hash=pf.program_hash.hex(),
        public_inputs=pf.public_inputs,
        output=shaped_output(prog, list(pf.outputs)),
        output_values=pf.outputs,
        security_bits=pf.stark.security_bits,
        trace_length=n,
        zero_knowledge=pf.stark.options.zk,
        program_columns="key" if root is not None and pf.stark.fixed_root is not None else "evaluated",
    )
