"""Poseidon2 (zkvm/crypto/poseidon2.py) in Numba, for the prover: the sponge over a whole
private-data table, writing every round's S-box witnesses into the trace (prover only).

The sponge is a chain (each block's input is the previous output), so the rows are computed one
after another; a row costs about 400 field multiplications (some 30 us in Python, 1 us here).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkvm.crypto import poseidon2 as p2
from zkvm.field.kernels import add, mul

_RC = np.array(p2.round_constants(), dtype=np.uint64)
_DIAG = np.array(p2.INTERNAL_DIAG_MINUS_1, dtype=np.uint64)


@njit(cache=True, inline="always")
def _external(s, out):
    for q in range(3):
        a, b, c, d = s[4 * q], s[4 * q + 1], s[4 * q + 2], s[4 * q + 3]
        t0 = add(a, b)
        t1 = add(c, d)
        t2 = add(add(b, b), t1)
        t3 = add(add(d, d), t0)
        t4 = add(add(add(t1, t1), add(t1, t1)), t3)
        t5 = add(add(add(t0, t0), add(t0, t0)), t2)
        out[4 * q] = add(t3, t5)
        out[4 * q + 1] = t5
        out[4 * q + 2] = add(t2, t4)
        out[4 * q + 3] = t4
    for j in range(4):
        col = add(add(out[j], out[4 + j]), out[8 + j])
        for q in range(3):
            out[4 * q + j] = add(out[4 * q + j], col)


@njit(cache=True)
def sponge_trace(trace, first_row, blocks, initial, v_col, s_col, round_col, rc, diag):
    """Absorb ``blocks`` (k, 8) into rows first_row .. first_row + k - 1 of ``trace``: each row's
    block at v_col.. (unless v_col < 0), its permutation input (block + previous output, or
    + ``initial`` on the first) at s_col.., and the witnesses from round_col: for each full
    round x^3 and x^7 of the 12 elements (24 columns), for each partial round x^3 and x^7 of
    element 0 (2 columns); a negative column writes nothing (the bare sponge). Returns the
    final state (12,)."""
    k = blocks.shape[0]
    state = initial.copy()
    s = np.zeros(12, dtype=np.uint64)
    tmp = np.zeros(12, dtype=np.uint64)
    for r in range(k):
        row = first_row + r
        for i in range(12):
            b = blocks[r, i] if i < 8 else np.uint64(0)
            if i < 8 and v_col >= 0:
                trace[row, v_col + i] = b
            state[i] = add(state[i], b)
            if s_col >= 0:
                trace[row, s_col + i] = state[i]
        _external(state, s)
        col = round_col
        for rnd in range(30):
            partial = 4 <= rnd < 26
            for i in range(12):
                s[i] = add(s[i], rc[rnd, i])
            for i in range(1 if partial else 12):
                x = s[i]
                x3 = mul(mul(x, x), x)
                x7 = mul(mul(x3, x3), x)
                if round_col >= 0:
                    trace[row, col] = x3
                    trace[row, col + 1] = x7
                col += 2
                s[i] = x7
            if partial:
                total = np.uint64(0)
                for i in range(12):
                    total = add(total, s[i])
                for i in range(12):
                    s[i] = add(mul(s[i], diag[i]), total)
            else:
                for i in range(12):
                    tmp[i] = s[i]
                _external(tmp, s)
        for i in range(12):
            state[i] = s[i]
    return state


def sponge(blocks: np.ndarray) -> list[int]:
    """zkvm.crypto.poseidon2.sponge over a (k, 8) uint64 array, in Numba."""
    out = sponge_trace(np.zeros((1, 1), dtype=np.uint64), 0, np.ascontiguousarray(blocks, dtype=np.uint64),
                       np.array(p2.initial_state(blocks.shape[0]), dtype=np.uint64), -1, -1, -1, _RC, _DIAG)
    return [int(v) for v in out[: p2.DIGEST]]


def absorb_into(trace: np.ndarray, first_row: int, blocks: np.ndarray, initial: list[int], v_col: int, s_col: int,
                round_col: int) -> list[int]:
    """:func:`sponge_trace` with the instance's constants; returns the final state as ints."""
    out = sponge_trace(trace, first_row, np.ascontiguousarray(blocks, dtype=np.uint64),
                       np.array(initial, dtype=np.uint64), v_col, s_col, round_col, _RC, _DIAG)
    return [int(v) for v in out]


__all__ = ["absorb_into", "sponge", "sponge_trace"]
