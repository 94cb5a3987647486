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


def program_root(program: Program, trace_length: int, blowup: int, commitment: int, first_row: int = 0) -> bytes:
    """The root of the program's committed columns for a trace of ``trace_length`` rows at this
    blowup: the CPU table's (``commitment``: COMMIT_CODE | COMMIT_DATA) or, for COMMIT_CONSTS,
    the data table's piece of ``trace_length`` rows from row ``first_row``."""
    from zkvm.air.data_space import const_columns
    from zkvm.air.layout import MIN_TRACE_LOG
    from zkvm.air.vm_air import COMMIT_CONSTS, committed_program_columns
    from zkvm.stark.prover import commit_public_columns

    if blowup < 2 or blowup & (blowup - 1) or blowup > 256:
        raise ParameterError("blowup", f"must be a power of two in [2, 256], got {blowup}")
    if commitment == COMMIT_CONSTS:
        try:
            columns = const_columns(program, True, int(first_row), int(trace_length))
        except ValueError as e:
            raise ParameterError("first_row", str(e)) from None
        tree, _ = commit_public_columns(columns, int(trace_length), blowup)
        return tree.root
    n = int(trace_length)
    if n < 1 << MIN_TRACE_LOG or n & (n - 1) or n > 1 << 28:
        raise ParameterError("trace_length", f"must be a power of two in [2^{MIN_TRACE_LOG}, 2^28], got {trace_length}")
    if blowup < 2 or blowup & (blowup - 1) or blowup > 256:
        raise ParameterError("blowup", f"must be a power of two in [2, 256], got {blowup}")
    if commitment not in (1, 2, 3):
        raise ParameterError("commitment", f"1 (code), 2 (mutable constants), 3 (both) or 4 (read-only constants), "
                             f"got {commitment}")
    columns = committed_program_columns(program, commitment)
    columns.check_fits(n)
    tree, _ = commit_public_columns(columns, n, blowup)
    return tree.root


def verifying_key(program: Program, shapes: Iterable[tuple[int, int]], commitment: int | None = None,
                  segmented: bool = False) -> VerifyingKey:
    """A key holding the program's roots for each (CPU trace length, blowup) in ``shapes``, for
    the program parts its proofs commit to (default: :func:`zkvm.air.vm_air.default_commitment`;
    a program too small to commit anything gets a key with no roots): the CPU table's at each
    trace length, the data table's (its height fixed by the program) at each blowup.

    ``segmented``: the shapes are segments' (zkvm/segmented.py): the key also holds the root of
    the CPU columns the segments after the first commit to (the code only: only the first has
    the program's initial memory) and the root of every piece a segment may carry the
    constants in (``const_layout(..., read_piece_rows(n))``): each once, whichever segments read it."""
    from zkvm.air.vm_air import COMMIT_CODE, COMMIT_CONSTS, default_commitment
    from zkvm.isa.program import const_layout, read_piece_rows

    commitment = default_commitment(program) if commitment is None else commitment
    cpu_parts = commitment & ~COMMIT_CONSTS
    roots = {}
    for n, blowup in shapes:
        log_blowup = int(blowup).bit_length() - 1
        later = commitment & COMMIT_CODE if segmented else cpu_parts
        for parts in sorted({cpu_parts, later} - {0}):
            roots[(int(n).bit_length() - 1, log_blowup, parts, 0)] = program_root(program, n, blowup, parts)
        pieces = set(const_layout(program.layout.const_size)) if commitment & COMMIT_CONSTS else set()
        if segmented and pieces:
            pieces |= set(const_layout(program.layout.const_size, read_piece_rows(n)))
        for first, height in sorted(pieces):
            entry = (height.bit_length() - 1, log_blowup, COMMIT_CONSTS, first)
            if entry not in roots:
                roots[entry] = program_root(program, height, blowup, COMMIT_CONSTS, first)
    return VerifyingKey(program.hash(), roots)


__all__ = ["program_root", "verifying_key"]
