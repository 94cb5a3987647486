"""Numba kernels building LogUp columns (prover only)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkvm.field.kernels import ZERO, add, ext_batch_inverse_into


@njit(cache=True)
def _prefix_sum(inc):
    """s_0 = 0, s_{i+1} = s_i + inc_i."""
    n = inc.shape[0]
    out = np.empty_like(inc)
    s0 = ZERO
    s1 = ZERO
    for i in range(n):
        out[i, 0] = s0
        out[i, 1] = s1
        s0 = add(s0, inc[i, 0])
        s1 = add(s1, inc[i, 1])
    return out




@njit(cache=True)
def _helper_rows(nums, dens, cols, lo, hi, inv_scratch):
    k = nums.shape[0]
    pairs = k // 2
    for f in range(k):
        ext_batch_inverse_into(dens[f, lo:hi], inv_scratch[f, : hi - lo])
    for i in range(lo, hi):
        j = i - lo
        t0 = ZERO
        t1 = ZERO
        for p in range(pairs):
            a0, a1 = _mul(nums[2 * p, i, 0], nums[2 * p, i, 1], inv_scratch[2 * p, j, 0], inv_scratch[2 * p, j, 1])
            b0, b1 = _mul(nums[2 * p + 1, i, 0], nums[2 * p + 1, i, 1], inv_scratch[2 * p + 1, j, 0], inv_scratch[2 * p + 1, j, 1])
            h0 = add(a0, b0)
            h1 = add(a1, b1)
            cols[i, p, 0] = h0
            cols[i, p, 1] = h1
            t0 = add(t0, h0)
            t1 = add(t1, h1)
        if k % 2:
            c0, c1 = _mul(nums[k - 1, i, 0], nums[k - 1, i, 1], inv_scratch[k - 1, j, 0], inv_scratch[k - 1, j, 1])
            t0 = add(t0, c0)
            t1 = add(t1, c1)
        # the running-sum increments, summed up afterwards
        cols[i, pairs, 0] = t0
        cols[i, pairs, 1] = t1


from zkvm.field.kernels import ext_mul as _mul  # noqa: E402


@njit(cache=True, parallel=True)
def _helpers_parallel(nums, dens, cols, bad):
    k, n, _ = nums.shape
    chunk = 1 << 12
    tasks = (n + chunk - 1) // chunk
    for t in prange(tasks):
        lo = t * chunk
        hi = min(n, lo + chunk)
        scratch = np.empty((k, hi - lo, 2), dtype=np.uint64)
        # a zero denominator leaves a zero in its slot; check before inverting
        for f in range(k):
            for i in range(lo, hi):
                if dens[f, i, 0] == ZERO and dens[f, i, 1] == ZERO:
                    bad[t] = i
        if bad[t] < 0:
            _helper_rows(nums, dens, cols, lo, hi, scratch)


def helper_columns(nums, dens, cols, with_running_sum: bool = True) -> int:
    """cols[:, p] = n_{2p}/d_{2p} + n_{2p+1}/d_{2p+1} for each pair, and cols[:, last] the
    running sum of all fractions (s_0 = 0); with ``with_running_sum=False``, cols[:, last]
    holds each row's increment instead (for windows of a trace, summed up by
    :func:`running_sum`). ``cols`` is (rows, pairs + 1, 2), the auxiliary matrix's own layout,
    so a window of it is written in place. Returns a row with a zero denominator, or -1."""
    n = nums.shape[1]
    tasks = (n + (1 << 12) - 1) >> 12
    bad = np.full(tasks, -1, dtype=np.int64)
    _helpers_parallel(nums, dens, cols, bad)
    hit = bad[bad >= 0]
    if hit.size:
        return int(hit[0])
    if with_running_sum:
        cols[:, -1] = running_sum(np.ascontiguousarray(cols[:, -1]))
    return -1


def running_sum(increments: np.ndarray) -> np.ndarray:
    """s_0 = 0, s_{i+1} = s_i + inc_i over an (n, 2) extension column."""
    return _prefix_sum(increments)
