"""The read-only data space: a program's constants in the data table, read through the word
table (docs/tables.md, "the data space").

The constants no code writes live at CONST_BASE = 2^26 (zkvm/isa/program.py), above every
memory address. The data table holds them CONST_ROW = 8 words a row in public columns (its
height is fixed by the program: :func:`zkvm.isa.program.const_rows`); the CPU's flagged reads
(``ca``, ``cb``) send (address, value) on the constant-read bus, and a word-table row answers
each distinct word read by looking up the row holding it.

This module gives the verifier's side (the data table's public columns, the commitment
choice) and, for the prover, the two tables' traces from the CPU trace. Verifier-safe: numpy,
no Numba.
"""

from __future__ import annotations

import numpy as np

from zkvm.air import layout as L
from zkvm.field.goldilocks import P
from zkvm.isa.program import CONST_BASE, CONST_ROW, Program, const_base, const_layout, const_rows, private_space
from zkvm.stark.air import Air
from zkvm.stark.public_columns import PublicColumns


def const_columns(program: Program, committed: bool, first: int, height: int) -> PublicColumns:
    """The public columns of the data-table piece of ``height`` rows from row ``first`` (v_j of
    its row r: the constant at addr0 + 8 r + j), committed by the prover or computed by the
    verifier. Built once per Program object and piece."""
    key = ("const_columns", bool(committed), int(first), int(height))
    memo = program._memo
    if key not in memo:
        words = space_words(program)[CONST_ROW * first : CONST_ROW * (first + height)]
        if words.size != CONST_ROW * height:
            raise ValueError(f"rows {first}..{first + height} are not in the data table")
        part = PublicColumns.from_dense(words.reshape(height, CONST_ROW).T)
        memo[key] = PublicColumns.combine(CONST_ROW, [(part, range(CONST_ROW), bool(committed))])
    return memo[key]


def piece_address(program: Program, first: int) -> int:
    """The first address of the data-table piece starting at row ``first`` (its public input
    addr0; the constants start at zkvm.isa.program.const_base: after a private region)."""
    return const_base(program) + CONST_ROW * int(first)


def space_words(program: Program) -> np.ndarray:
    """The data space's words as the VM reads them and the data table holds them: the constants,
    then zeros to the data table's last row (read-only; kept with the program: a model's weights
    convert once)."""
    memo = program._memo
    if "space_words" not in memo:
        words = np.zeros(CONST_ROW * const_rows(program.layout.const_size), dtype=np.uint64)
        words[: program.layout.const_size] = program.const_words()
        words.setflags(write=False)
        memo["space_words"] = words
    return memo["space_words"]


def constant_reads(cpu_trace: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct constant addresses the CPU read (slot A where ``ca``, slot B where ``cb``)
    and how often each, sorted by address."""
    col = L.COL
    a = cpu_trace[cpu_trace[:, col["ca"]] == 1, col["a_addr"]]
    b = cpu_trace[cpu_trace[:, col["cb"]] == 1, col["b_addr"]]
    return np.unique(np.concatenate([a, b]), return_counts=True)


def _columns(air: Air, height: int, values: dict[str, np.ndarray]) -> np.ndarray:
    """A (height, width) uint64 trace of ``air`` with the named columns set (others zero, the
    mask columns included: the prover fills those)."""
    out = np.zeros((height, air.width), dtype=np.uint64)
    index = {name: i for i, name in enumerate(air.main_columns)}
    for name, v in values.items():
        out[: len(v), index[name]] = v
    return out


def word_rows(reads: int, min_rows: int) -> int:
    """The word table's height for this many distinct words read."""
    return max(min_rows, 1 << max(0, (reads - 1).bit_length()))


def data_space_traces(program: Program, cpu_trace: np.ndarray, data_air: Air, word_air: Air,
                      min_rows: int, weight_rows: np.ndarray | None = None, private_words: np.ndarray | None = None,
                      piece_rows: int = 0) -> tuple[list[tuple[int, np.ndarray]], np.ndarray, np.ndarray]:
    """The data table's pieces' and the word table's traces for the reads recorded in
    ``cpu_trace`` and the dot-product table's lookups of data rows ``weight_rows`` (one per
    dot row, counted from CONST_BASE), and how often each row of the private region
    (``private_words``, at CONST_BASE, before the public constants) is looked up.

    The pieces are (index in :func:`zkvm.isa.program.const_layout`, trace): every piece, or
    with ``piece_rows`` the pieces of that height which some read looks up (at least one)."""
    height = const_rows(program.layout.const_size)
    private = np.zeros(0, dtype=np.uint64) if private_words is None else private_words
    priv_rows = private.size // CONST_ROW
    if private.size != private_space(program):
        raise ValueError(f"{private.size} private words for a region of {private_space(program)}")
    words = np.concatenate([private, space_words(program)]) if private.size else space_words(program)
    addrs, counts = constant_reads(cpu_trace)
    inside = (addrs >= np.uint64(CONST_BASE)) & (addrs < np.uint64(CONST_BASE + words.size))
    addrs, counts = addrs[inside], counts[inside]  # (an honest run reads nothing else; a forged one gets no answer)
    offset = (addrs - np.uint64(CONST_BASE)).astype(np.int64)
    row, j = offset // CONST_ROW, offset % CONST_ROW
    lookups = np.bincount(row, minlength=priv_rows + height)
    if weight_rows is not None:
        lookups = lookups + np.bincount(weight_rows, minlength=priv_rows + height)
    public_lookups = lookups[priv_rows:]
    pieces = []
    layout = const_layout(program.layout.const_size, piece_rows)
    for index, (first, h) in enumerate(layout):
        m = public_lookups[first : first + h]
        if piece_rows and not m.any():
            continue
        pieces.append((index, _columns(data_air, h, {
            "addr": (np.uint64(piece_address(program, first)) + np.arange(h, dtype=np.uint64) * np.uint64(CONST_ROW))
            % np.uint64(P),
            "m": m.astype(np.uint64),
        })))
    if not pieces:  # (a segment that reads no constant still has a data table)
        first, h = layout[0]
        pieces.append((0, _columns(data_air, h, {
            "addr": np.uint64(piece_address(program, first)) + np.arange(h, dtype=np.uint64) * np.uint64(CONST_ROW)})))
    k = addrs.size
    cols = {
        "on": np.ones(k, dtype=np.uint64), "addr": addrs, "value": words[offset],
        "base": addrs - j.astype(np.uint64), "m": counts.astype(np.uint64),
    }
    block = words.reshape(-1, CONST_ROW)[row]
    for i in range(CONST_ROW):
        cols[f"s{i}"] = (j == i).astype(np.uint64)
        cols[f"w{i}"] = block[:, i]
    return pieces, _columns(word_air, word_rows(k, min_rows), cols), lookups[:priv_rows].astype(np.uint64)


__all__ = ["const_columns", "constant_reads", "data_space_traces", "piece_address", "space_words", "word_rows"]
