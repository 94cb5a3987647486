"""After a run with single-row macs: the epochs, the frozen-memory and dot-product tables.

A single-row mac (``f_dot``, zkvm/vm/kernels.py) leaves its products to the dot-product table,
which reads the weights from the data table and the activations from the frozen-memory table
(docs/tables.md). Once the run is recorded, this module

1. lists the CPU's memory accesses (time, address) and chooses the epochs
   (:func:`zkvm.vm.epochs.plan_epochs`);
2. writes each mac row's epoch and the limbs placing its read time in it, and re-stamps the
   first access of each frozen cell after its epoch (its previous tuple is now the frozen row's
   emission; likewise the memory table's final time of a cell frozen last);
3. builds the frozen-memory table (one row per cell and epoch) and the dot-product table (length
   / 8 rows per mac), and returns the frozen rows' limbs, which the range table must count.

Prover side (Numba).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from zkvm.air import layout as L
from zkvm.field.kernels import add, mul
from zkvm.isa.program import CONST_BASE, CONST_MIN_ROWS, CONST_ROW, split_rows
from zkvm.vm import kernels as vk
from zkvm.vm.epochs import plan_epochs

K = CONST_ROW


@dataclass
class DotTables:
    """The dot-product and frozen-memory tables of a run (without their mask columns' values)."""

    dot: list[np.ndarray]  # the dot table's pieces, each (rows, dot table width) uint64
    frozen: np.ndarray  # (rows, frozen table width) uint64
    weight_rows: np.ndarray  # per dot row, the data-table row it looks up
    range_limbs: np.ndarray  # the frozen rows' limbs (range lookups the CPU's range table answers)


def _pow2(rows: int, at_least: int) -> int:
    return max(at_least, 1 << max(0, (rows - 1).bit_length()))


def memory_accesses(trace: np.ndarray, n: int, park_col: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The CPU's memory accesses in time order: (time, address, row, slot). Continuation rows
    (and a segment's parked rows, column ``park_col``) make none, and a flagged constant read
    is not a memory access."""
    col = L.COL
    rows = np.repeat(np.arange(n, dtype=np.int64), 3)
    slots = np.tile(np.arange(1, 4, dtype=np.int64), n)
    addrs = trace[:n][:, [col["a_addr"], col["b_addr"], col["c_addr"]]].astype(np.int64).ravel()
    keep = np.ones((n, 3), dtype=bool)
    keep[trace[:n, col["f_wide"]] == 1, :] = False
    if park_col >= 0:
        keep[trace[:n, park_col] == 1, :] = False
    keep[trace[:n, col["ca"]] == 1, 0] = False
    keep[trace[:n, col["cb"]] == 1, 1] = False
    keep = keep.ravel()
    return 4 * rows[keep] + slots[keep], addrs[keep], rows[keep], slots[keep]


def dot_tables(trace: np.ndarray, n: int, last_t: np.ndarray, memory_size: int, dot_log: np.ndarray,
               x_log: np.ndarray, consts: np.ndarray, dot_width: int, frozen_width: int, park_col: int = -1) -> DotTables:
    """Steps 1-3 of the module docstring, on the recorded trace (changed in place) and the
    last-access times the memory table's final times come from (changed in place)."""
    times, addrs, rows, slots = memory_accesses(trace, n, park_col)
    inside = addrs < memory_size  # (a forged trace may claim others: they take no part in epochs)
    times, addrs, rows, slots = times[inside], addrs[inside], rows[inside], slots[inside]
    # (a forged log may name activations outside memory: those macs get no epoch)
    valid = dot_log[:, 1].astype(np.int64) + dot_log[:, 3].astype(np.int64) <= memory_size
    starts = np.concatenate([[0], np.cumsum(dot_log[:, 3].astype(np.int64))])
    x_valid = x_log if valid.all() else np.concatenate(
        [x_log[starts[i]:starts[i + 1]] for i in np.flatnonzero(valid)] or [np.zeros(0, np.uint64)])
    plan = plan_epochs(times, addrs, dot_log[valid, 0], dot_log[valid, 1], dot_log[valid, 3], memory_size)
    mac_t_s = np.zeros(dot_log.shape[0], dtype=np.int64)
    mac_t_e = np.zeros(dot_log.shape[0], dtype=np.int64)
    mac_t_s[valid], mac_t_e[valid] = plan.mac_t_s, plan.mac_t_e
    vk.set_epochs(trace, dot_log[:, 0].astype(np.int64), mac_t_s, mac_t_e)
    vk.restamp(trace, rows[plan.restamp_access], slots[plan.restamp_access], plan.restamp_time)
    last_t[plan.final_addr] = plan.final_time
    nf = plan.frozen_addr.size
    frozen = np.zeros((_pow2(nf, CONST_MIN_ROWS), frozen_width), dtype=np.uint64)
    gap = plan.frozen_t_s - plan.frozen_t_prev - 1
    length = plan.frozen_t_e - plan.frozen_t_s
    # columns: on addr value t_s t_e t_prev l0 l1 l2 l3 m (zkvm/air/frozen_table.py), masks after
    for c, v in enumerate((np.ones(nf, dtype=np.int64), plan.frozen_addr, None, plan.frozen_t_s, plan.frozen_t_e,
                           plan.frozen_t_prev, gap & 0xFFFF, gap >> 16, length & 0xFFFF, length >> 16,
                           plan.frozen_reads)):
        frozen[:nf, c] = x_valid[plan.frozen_first_read] if v is None else v.astype(np.uint64)
    limbs = np.concatenate([gap & 0xFFFF, gap >> 16, length & 0xFFFF, length >> 16]).astype(np.int64)
    segs = (dot_log[:, 3] // np.uint64(K)).astype(np.int64)
    total = int(segs.sum())
    dot = np.zeros((total, dot_width), dtype=np.uint64)
    weight_rows = _fill_dot(dot, dot_log, segs, x_log, consts, mac_t_s, mac_t_e)
    return DotTables(_pieces(dot, np.cumsum(segs) - segs, dot_width), frozen, weight_rows, limbs)


def _pieces(rows: np.ndarray, starts: np.ndarray, width: int) -> list[np.ndarray]:
    """The dot table's rows as one or two power-of-two pieces (zkvm.isa.program.split_rows),
    each holding whole segments (a mac's rows are chained), padded with zero rows."""
    total = rows.shape[0]
    heights = split_rows(total, CONST_MIN_ROWS)
    cut = total
    if len(heights) == 2:  # the last segment start that leaves the first piece whole segments
        fits = starts[starts <= heights[0]]
        cut = int(fits[-1]) if fits.size and fits[-1] > 0 else total
        if cut == total:
            heights = [_pow2(total, CONST_MIN_ROWS)]
    out = []
    for lo, hi, h in ((0, cut, heights[0]), (cut, total, heights[-1])) if len(heights) == 2 else ((0, total, heights[0]),):
        h = max(h, _pow2(hi - lo, CONST_MIN_ROWS))
        piece = np.zeros((h, width), dtype=np.uint64)
        piece[: hi - lo] = rows[lo:hi]
        out.append(piece)
    return out


@njit(cache=True)
def _fill_dot(dot, dot_log, segs, x_log, consts, t_s, t_e):
    """The dot table's rows (zkvm/air/dot_table.py: on first last rem w_addr x_addr acc out t_s
    t_e w0..w7 x0..x7); returns each row's data-table row."""
    total = 0
    for i in range(segs.shape[0]):
        total += segs[i]
    weight_rows = np.empty(total, dtype=np.int64)
    r = 0
    read = 0
    for i in range(segs.shape[0]):
        x, w = np.int64(dot_log[i, 1]), np.int64(dot_log[i, 2])
        acc = dot_log[i, 4]
        out = dot_log[i, 5]
        for s in range(segs[i]):
            dot[r, 0] = 1
            dot[r, 1] = 1 if s == 0 else 0
            dot[r, 2] = 1 if s == segs[i] - 1 else 0
            dot[r, 3] = segs[i] - s
            dot[r, 4] = w + K * s
            dot[r, 5] = x + K * s
            dot[r, 6] = acc
            dot[r, 7] = out
            dot[r, 8] = t_s[i]
            dot[r, 9] = t_e[i]
            off = w - CONST_BASE + K * s
            weight_rows[r] = off // K if 0 <= off < consts.shape[0] else 0
            for j in range(K):
                # (a forged log may name weights outside the data space: read as 0)
                wv = consts[off + j] if 0 <= off + j < consts.shape[0] else np.uint64(0)
                xv = x_log[read + j]
                dot[r, 10 + j] = wv
                dot[r, 10 + K + j] = xv
                acc = add(acc, mul(wv, xv))
            read += K
            r += 1
    return weight_rows


__all__ = ["DotTables", "dot_tables", "memory_accesses"]
