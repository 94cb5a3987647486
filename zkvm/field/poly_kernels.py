"""Prover-side polynomial kernels: evaluate many columns at one extension-field point."""

from __future__ import annotations

import numpy as np
from numba import njit

from zkvm import threads
from zkvm.errors import ParameterError
from zkvm.field.kernels import ONE, ZERO, add, ext_mul, mul


@njit(cache=True)
def _ext_powers(z0, z1, n):
    out = np.empty((n, 2), dtype=np.uint64)
    a0, a1 = ONE, ZERO
    for i in range(n):
        out[i, 0] = a0
        out[i, 1] = a1
        a0, a1 = ext_mul(a0, a1, z0, z1)
    return out


@njit(cache=True)
def _accumulate(coeffs, zpow, lo, hi, acc0, acc1):
    """acc[c] += sum_{i in [lo, hi)} coeffs[i, c] * zpow[i] (extension times base)."""
    cols = coeffs.shape[1]
    for i in range(lo, hi):
        p0 = zpow[i, 0]
        p1 = zpow[i, 1]
        row = coeffs[i]
        for c in range(cols):
            acc0[c] = add(acc0[c], mul(row[c], p0))
            acc1[c] = add(acc1[c], mul(row[c], p1))


@njit(cache=True, nogil=True)
def _accumulate_parts(coeffs, zpow, step, t0, t1, partial0, partial1):
    n = coeffs.shape[0]
    for t in range(t0, t1):
        lo = t * step
        hi = min(n, lo + step)
        if lo < hi:
            _accumulate(coeffs, zpow, lo, hi, partial0[t], partial1[t])


@njit(cache=True)
def _sum_partials(partial0, partial1):
    parts, cols = partial0.shape
    out = np.zeros((cols, 2), dtype=np.uint64)
    for t in range(parts):
        for c in range(cols):
            out[c, 0] = add(out[c, 0], partial0[t, c])
            out[c, 1] = add(out[c, 1], partial1[t, c])
    return out


def _evaluate_columns(coeffs: np.ndarray, zpow: np.ndarray, parts: int) -> np.ndarray:
    """Row ranges on Python threads (see :mod:`zkvm.threads` for why not parallel=True)."""
    n, cols = coeffs.shape
    partial0 = np.zeros((parts, cols), dtype=np.uint64)
    partial1 = np.zeros((parts, cols), dtype=np.uint64)
    step = (n + parts - 1) // parts
    threads.run(lambda t0, t1: _accumulate_parts(coeffs, zpow, step, t0, t1, partial0, partial1), parts)
    return _sum_partials(partial0, partial1)


def ext_powers(z: tuple[int, int], n: int) -> np.ndarray:
    """[1, z, z^2, ..., z^(n-1)] as an (n, 2) extension array."""
    return _ext_powers(np.uint64(z[0]), np.uint64(z[1]), n)


def evaluate_columns(coeffs: np.ndarray, z: tuple[int, int], zpow: np.ndarray | None = None) -> np.ndarray:
    """Evaluate every column's polynomial (coefficients in natural order) at the point z.

    ``coeffs`` is (n, cols) uint64 (base field); returns (cols, 2): one extension value per
    column. ``zpow`` may pass precomputed powers of z to share them between calls.
    """
    if coeffs.ndim != 2 or coeffs.dtype != np.uint64:
        raise ParameterError("coeffs", "expected a (n, cols) uint64 matrix")
    n = coeffs.shape[0]
    if zpow is None:
        zpow = ext_powers(z, n)
    parts = 16 if n >= 1 << 12 else 1
    return _evaluate_columns(np.ascontiguousarray(coeffs), zpow, parts)
