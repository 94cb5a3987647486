"""Numba kernels that fold a whole FRI layer (prover only).

A codeword over the domain ``s * <w_M>`` is stored in bit-reversed order, so the values at x and
-x sit in rows 2t and 2t+1, with x = s * w_M^bitrev(t) (bit-reversal over log2(M/2) bits).
Folding by two with challenge beta gives the codeword of f_even + beta * f_odd over
``s^2 * <w_{M/2}>``, again in bit-reversed order:

    f'(x^2) = ((f(x) + f(-x)) + beta * (f(x) - f(-x)) / x) / 2

Folding by 2^r is r binary folds with beta, beta^2, beta^4, ...
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkvm.field import goldilocks as gl
from zkvm.field.kernels import add, ext_mul, mul, sub
from zkvm.field.ntt import bitrev_powers_kernel


@njit(cache=True)
def _fold2_range(values, out, beta0, beta1, inv_points, inv2, lo, hi):
    for t in range(lo, hi):
        inv_x = inv_points[t]
        a0 = values[2 * t, 0]
        a1 = values[2 * t, 1]
        b0 = values[2 * t + 1, 0]
        b1 = values[2 * t + 1, 1]
        s0 = add(a0, b0)
        s1 = add(a1, b1)
        d0 = mul(sub(a0, b0), inv_x)
        d1 = mul(sub(a1, b1), inv_x)
        e0, e1 = ext_mul(beta0, beta1, d0, d1)
        out[t, 0] = mul(add(s0, e0), inv2)
        out[t, 1] = mul(add(s1, e1), inv2)


@njit(cache=True, parallel=True)
def _fold2(values, out, beta0, beta1, inv_points, inv2):
    half = out.shape[0]
    chunk = 1 << 14
    for c in prange((half + chunk - 1) // chunk):
        lo = c * chunk
        hi = min(half, lo + chunk)
        _fold2_range(values, out, beta0, beta1, inv_points, inv2, lo, hi)


INV2 = (gl.P + 1) // 2


def fold(codeword: np.ndarray, beta: tuple[int, int], shift: int, factor: int) -> np.ndarray:
    """Fold an (M, 2) extension codeword over ``shift * <w_M>`` by ``factor`` (a power of 2)."""
    current = codeword
    b0, b1 = beta
    s = shift
    steps = factor.bit_length() - 1
    for _ in range(steps):
        m = current.shape[0]
        half = m // 2
        log_half = half.bit_length() - 1
        # 1/x for the pair (2t, 2t+1): x = s * w_m^bitrev(t), bit-reversal over log2(m/2) bits
        w_inv = gl.inv(gl.root_of_unity(log_half + 1))
        inv_points = bitrev_powers_kernel(np.uint64(w_inv), log_half, np.uint64(gl.inv(s)))
        out = np.empty((half, 2), dtype=np.uint64)
        _fold2(current, out, np.uint64(b0), np.uint64(b1), inv_points, np.uint64(INV2))
        current = out
        # next binary fold uses beta^2 and the squared domain
        b0, b1 = (b0 * b0 + 7 * b1 * b1) % gl.P, (2 * b0 * b1) % gl.P
        s = s * s % gl.P
    return current
