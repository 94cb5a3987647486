"""Computing verifying keys (prover side: uses the Numba NTT and Merkle tree).

The roots are computed exactly as the prover commits to a program's columns
(:func:`zkvm.stark.prover.commit_public_columns`), so a key made here from the program alone
matches every honest proof of that program at the listed trace lengths and blowups.
"""

from __future__ import annotations

from collections.abc import Iterable

from zkvm.errors import ParameterError
from zkvm.isa.program import Program
from zkvm.keys import VerifyingKey


def program_root(program: Program, trace_length: int, blowup: int, commitment: int) -> bytes:
    """The root of the program's committed columns (``commitment``: COMMIT_CODE | COMMIT_DATA)
    for a trace of ``trace_length`` rows at this blowup."""
    from zkvm.air.layout import MIN_TRACE_LOG
    from zkvm.air.vm_air import committed_program_columns
    from zkvm.stark.prover import commit_public_columns

    n = int(trace_length)
    if n < 1 << MIN_TRACE_LOG or n & (n - 1) or n > 1 << 28:
        raise ParameterError("trace_length", f"must be a power of two in [2^{MIN_TRACE_LOG}, 2^28], got {trace_length}")
    if blowup < 2 or blowup & (blowup - 1) or blowup > 256:
        raise ParameterError("blowup", f"must be a power of two in [2, 256], got {blowup}")
    if commitment not in (1, 2, 3):
        raise ParameterError("commitment", f"1 (code), 2 (constants) or 3 (both), got {commitment}")
    columns = committed_program_columns(program, commitment)
    columns.check_fits(n)
    tree, _ = commit_public_columns(columns, n, blowup)
    return tree.root


def verifying_key(program: Program, shapes: Iterable[tuple[int, int]], commitment: int | None = None) -> VerifyingKey:
    """A key holding the program's roots for each (trace length, blowup) in ``shapes``, for the
    program parts its proofs commit to (default: :func:`zkvm.air.vm_air.default_commitment`;
    a program too small to commit anything gets a key with no roots)."""
    from zkvm.air.vm_air import default_commitment

    commitment = default_commitment(program) if commitment is None else commitment
    roots = {}
    for n, blowup in shapes if commitment else ():
        roots[(int(n).bit_length() - 1, int(blowup).bit_length() - 1, commitment)] = program_root(
            program, n, blowup, commitment)
    return VerifyingKey(program.hash(), roots)


__all__ = ["program_root", "verifying_key"]
