"""Numba kernels building LogUp columns (prover only)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkvm.field.kernels import ZERO, add, add_into, ext_batch_inverse_into, ext_mul_into


def _ext_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    ext_mul_into(a, b, out)
    return out


def _ext_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    add_into(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out


@njit(cache=True, parallel=True)
def _batch_invert(dens, out):
    """Invert every (k, n, 2) element in independent chunks (both cores); returns the index
    of a zero element or -1."""
    k, n, _ = dens.shape
    chunk = 1 << 12
    per = (n + chunk - 1) // chunk
    bad = np.full(k * per, -1, dtype=np.int64)
    for t in prange(k * per):
        i = t // per
        lo = (t % per) * chunk
        hi = min(n, lo + chunk)
        bad[t] = ext_batch_inverse_into(dens[i, lo:hi], out[i, lo:hi])
    for t in range(k * per):
        if bad[t] >= 0:
            return t
    return -1


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


