"""Epochs of frozen memory (issue 19; docs/tables.md): which memory cells the prover takes out
of the memory argument, and for which stretch of time, so that the dot-product table can read a
mac's activations with one lookup each.

Input: the run's memory accesses by the CPU (time, address; times 4 clk + 1, 2, 3, ascending)
and its macs over memory (row clk, first address, length; ascending). A mac reads its cells at
time ``4 (clk + 1)``, after its own row's accesses and before the next row's.

Epochs are chosen greedily: a mac joins the open epoch unless one of its cells, or a cell the
epoch already holds, was accessed by the CPU since the epoch began; then the epoch closes at the
read time of its last mac and a new one begins with this mac. So every epoch ``[t_s, t_e]``
holds its cells untouched by the CPU throughout, which is what the frozen-memory table
(zkvm/air/frozen_table.py) proves.

Output (:class:`EpochPlan`): each mac's epoch, one frozen row per (cell, epoch) with the time
of the cell's last tuple before the epoch and how many reads it answers, and the re-stamped
accesses: the first access of a cell after its epoch consumes the frozen row's emission, so its
previous time becomes the epoch's end (likewise a cell's final time in the memory table when no
access follows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass
class EpochPlan:
    mac_t_s: np.ndarray  # per mac: its epoch's start
    mac_t_e: np.ndarray  # per mac: its epoch's end
    frozen_addr: np.ndarray  # per frozen row: the cell
    frozen_t_s: np.ndarray
    frozen_t_e: np.ndarray
    frozen_t_prev: np.ndarray  # the time of the cell's last tuple before the epoch (0: its initial value)
    frozen_reads: np.ndarray  # how many mac reads the row answers
    frozen_first_read: np.ndarray  # the index (over all macs' reads, in order) of its first read
    restamp_access: np.ndarray  # accesses whose previous tuple is a frozen emission...
    restamp_time: np.ndarray  # ...and that emission's time (the epoch's end)
    final_addr: np.ndarray  # cells whose last tuple is a frozen emission...
    final_time: np.ndarray  # ...and its time (the memory table's final time)


def plan_epochs(access_time: np.ndarray, access_addr: np.ndarray, mac_clk: np.ndarray, mac_start: np.ndarray,
                mac_len: np.ndarray, memory_size: int) -> EpochPlan:
    """Choose the epochs for these accesses and macs (see the module docstring)."""
    access_time = np.ascontiguousarray(access_time, dtype=np.int64)
    access_addr = np.ascontiguousarray(access_addr, dtype=np.int64)
    mac_clk = np.ascontiguousarray(mac_clk, dtype=np.int64)
    mac_start = np.ascontiguousarray(mac_start, dtype=np.int64)
    mac_len = np.ascontiguousarray(mac_len, dtype=np.int64)
    reads = int(mac_len.sum()) if mac_len.size else 0
    out = _plan(access_time, access_addr, mac_clk, mac_start, mac_len, np.int64(memory_size), np.int64(reads))
    (mac_t_s, mac_t_e, f_addr, f_t_s, f_t_e, f_prev, f_reads, f_first, nf, r_acc, r_time, nr, fin_addr, fin_time,
     nfin) = out
    return EpochPlan(mac_t_s, mac_t_e, f_addr[:nf], f_t_s[:nf], f_t_e[:nf], f_prev[:nf], f_reads[:nf], f_first[:nf],
                     r_acc[:nr], r_time[:nr], fin_addr[:nfin], fin_time[:nfin])


@njit(cache=True)
def _plan(access_time, access_addr, mac_clk, mac_start, mac_len, memory_size, reads):
    n_mac = mac_clk.shape[0]
    n_acc = access_time.shape[0]
    last = np.zeros(memory_size, dtype=np.int64)  # time of each cell's last tuple
    row_of = np.full(memory_size, -1, dtype=np.int64)  # the open epoch's frozen row of a cell, or -1
    pending = np.full(memory_size, -1, dtype=np.int64)  # a closed epoch's emission the next access consumes
    mac_t_s = np.zeros(n_mac, dtype=np.int64)
    mac_t_e = np.zeros(n_mac, dtype=np.int64)
    f_addr = np.empty(reads, dtype=np.int64)
    f_t_s = np.empty(reads, dtype=np.int64)
    f_t_e = np.empty(reads, dtype=np.int64)
    f_prev = np.empty(reads, dtype=np.int64)
    f_reads = np.zeros(reads, dtype=np.int64)
    f_first = np.empty(reads, dtype=np.int64)
    read = 0  # reads so far, over all macs
    r_acc = np.empty(n_acc, dtype=np.int64)
    r_time = np.empty(n_acc, dtype=np.int64)
    nf = 0
    nr = 0
    open_start = -1  # the open epoch's start (-1: none open)
    first_row = 0  # the open epoch's first frozen row
    first_mac = 0
    last_read = 0  # the open epoch's last mac's read time
    a = 0
    for m in range(n_mac + 1):
        t_read = 4 * (mac_clk[m] + 1) if m < n_mac else np.int64(1) << np.int64(62)
        # the CPU's accesses before this mac's row ends; one touching a held cell closes the epoch
        while a < n_acc and access_time[a] < t_read:
            cell = access_addr[a]
            if open_start >= 0 and row_of[cell] >= 0:
                _close(open_start, last_read, first_row, nf, first_mac, m, f_addr, f_t_e, row_of, pending, mac_t_e)
                open_start = -1
            if pending[cell] >= 0:
                r_acc[nr] = a
                r_time[nr] = pending[cell]
                nr += 1
                pending[cell] = -1
            last[cell] = access_time[a]
            a += 1
        if m == n_mac:
            break
        # a cell of this mac touched since the open epoch began: the mac starts a new epoch
        lo, hi = mac_start[m], mac_start[m] + mac_len[m]
        if open_start >= 0:
            for cell in range(lo, hi):
                if row_of[cell] < 0 and last[cell] >= open_start:
                    _close(open_start, last_read, first_row, nf, first_mac, m, f_addr, f_t_e, row_of, pending, mac_t_e)
                    open_start = -1
                    break
        if open_start < 0:
            open_start = t_read
            first_row = nf
            first_mac = m
        for cell in range(lo, hi):
            r = row_of[cell]
            if r < 0:
                r = nf
                nf += 1
                row_of[cell] = r
                f_addr[r] = cell
                f_t_s[r] = open_start
                f_prev[r] = last[cell] if pending[cell] < 0 else pending[cell]
                f_first[r] = read
                pending[cell] = -1
            f_reads[r] += 1
            read += 1
        mac_t_s[m] = open_start
        last_read = t_read
    if open_start >= 0:
        _close(open_start, last_read, first_row, nf, first_mac, n_mac, f_addr, f_t_e, row_of, pending, mac_t_e)
    fin_addr = np.empty(memory_size, dtype=np.int64)
    fin_time = np.empty(memory_size, dtype=np.int64)
    nfin = 0
    for cell in range(memory_size):
        if pending[cell] >= 0:
            fin_addr[nfin] = cell
            fin_time[nfin] = pending[cell]
            nfin += 1
    return mac_t_s, mac_t_e, f_addr, f_t_s, f_t_e, f_prev, f_reads, f_first, nf, r_acc, r_time, nr, fin_addr, fin_time, nfin


@njit(cache=True)
def _close(start, end, first_row, nf, first_mac, stop_mac, f_addr, f_t_e, row_of, pending, mac_t_e):
    """Close the open epoch [start, end]: its rows end at ``end``, its cells' next access
    consumes that emission."""
    for r in range(first_row, nf):
        f_t_e[r] = end
        row_of[f_addr[r]] = -1
        pending[f_addr[r]] = end
    for m in range(first_mac, stop_mac):
        mac_t_e[m] = end


__all__ = ["EpochPlan", "plan_epochs"]
