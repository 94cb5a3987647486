"""Numba kernels for Goldilocks and its quadratic extension over whole uint64 arrays.

Prover only (imports Numba). The scalar functions here (``mul``, ``add``, ...) take and return
``np.uint64`` and are meant to be called from other kernels, where LLVM inlines them into
vectorized loops. The multiply splits operands into 32-bit limbs: on this machine that form
vectorizes to AVX-512 ``vpmuludq`` and beats a 128-bit intrinsic in loops
(../shared/PERF-NOTES.md, advice 2).

Extension elements are stored as the last axis of length 2: ``x[..., 0] + x[..., 1] * phi`` with
``phi^2 = 7``.

Every kernel is a module-level ``@njit(cache=True)`` function with constants as globals of fixed
value, so the on-disk cache is reused between processes.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

P = np.uint64(0xFFFF_FFFF_0000_0001)
EPS = np.uint64(0xFFFF_FFFF)  # 2^64 - p = 2^32 - 1
MASK32 = np.uint64(0xFFFF_FFFF)
SHIFT32 = np.uint64(32)
ZERO = np.uint64(0)
ONE = np.uint64(1)
SEVEN = np.uint64(7)
P_MINUS_2 = np.uint64(0xFFFF_FFFE_FFFF_FFFF)


# --------------------------------------------------------------------------------------
# Scalar base-field operations (inlined into the array kernels below)
# --------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def reduce128(lo, hi):
    """(hi * 2^64 + lo) mod p, using 2^64 = 2^32 - 1 and 2^96 = -1 (mod p)."""
    hi_hi = hi >> SHIFT32
    hi_lo = hi & MASK32
    t0 = lo - hi_hi
    if lo < hi_hi:
        t0 -= EPS
    t1 = hi_lo * EPS
    t2 = t0 + t1
    if t2 < t1:
        t2 += EPS
    if t2 >= P:
        t2 -= P
    return t2


@njit(cache=True, inline="always")
def mul(a, b):
    """a * b mod p for canonical a, b."""
    a0 = a & MASK32
    a1 = a >> SHIFT32
    b0 = b & MASK32
    b1 = b >> SHIFT32
    p00 = a0 * b0
    p01 = a0 * b1
    p10 = a1 * b0
    p11 = a1 * b1
    mid = (p00 >> SHIFT32) + (p01 & MASK32) + (p10 & MASK32)
    lo = (p00 & MASK32) | (mid << SHIFT32)
    hi = p11 + (p01 >> SHIFT32) + (p10 >> SHIFT32) + (mid >> SHIFT32)
    return reduce128(lo, hi)


@njit(cache=True, inline="always")
def add(a, b):
    s = a + b
    if s < a:
        s += EPS
    if s >= P:
        s -= P
    return s


@njit(cache=True, inline="always")
def sub(a, b):
    d = a - b
    if a < b:
        d -= EPS
    return d


@njit(cache=True, inline="always")
def neg(a):
    if a == ZERO:
        return ZERO
    return P - a


@njit(cache=True)
def power(a, e):
    """a^e for a uint64 exponent (square and multiply)."""
    result = ONE
    base = a
    while e > ZERO:
        if e & ONE:
            result = mul(result, base)
        base = mul(base, base)
        e >>= ONE
    return result


@njit(cache=True)
def inverse(a):
    """a^(p-2); returns 0 for 0 (callers check for zero where it matters)."""
    return power(a, P_MINUS_2)


# --------------------------------------------------------------------------------------
# Scalar extension-field operations on (c0, c1) pairs
# --------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def ext_mul(a0, a1, b0, b1):
    """(a0 + a1 phi)(b0 + b1 phi) with phi^2 = 7."""
    t = mul(a1, b1)
    c0 = add(mul(a0, b0), mul(t, SEVEN))
    c1 = add(mul(a0, b1), mul(a1, b0))
    return c0, c1


@njit(cache=True)
def ext_inverse(a0, a1):
    norm = sub(mul(a0, a0), mul(SEVEN, mul(a1, a1)))
    n_inv = inverse(norm)
    return mul(a0, n_inv), neg(mul(a1, n_inv))


@njit(cache=True)
def ext_power(a0, a1, e):
    r0, r1 = ONE, ZERO
    b0, b1 = a0, a1
    while e > ZERO:
        if e & ONE:
            r0, r1 = ext_mul(r0, r1, b0, b1)
        b0, b1 = ext_mul(b0, b1, b0, b1)
        e >>= ONE
    return r0, r1


# --------------------------------------------------------------------------------------
# Whole-array kernels (flat, contiguous arrays; callers reshape)
# --------------------------------------------------------------------------------------
@njit(cache=True)
def mul_into(a, b, out):
    for i in range(a.shape[0]):
        out[i] = mul(a[i], b[i])


@njit(cache=True)
def add_into(a, b, out):
    for i in range(a.shape[0]):
        out[i] = add(a[i], b[i])


@njit(cache=True)
def sub_into(a, b, out):
    for i in range(a.shape[0]):
        out[i] = sub(a[i], b[i])


@njit(cache=True)
def neg_into(a, out):
    for i in range(a.shape[0]):
        out[i] = neg(a[i])


@njit(cache=True)
def scale_into(a, s, out):
    for i in range(a.shape[0]):
        out[i] = mul(a[i], s)


@njit(cache=True)
def power_into(a, e, out):
    for i in range(a.shape[0]):
        out[i] = power(a[i], e)


@njit(cache=True, parallel=True)
def mul_into_parallel(a, b, out):
    n = a.shape[0]
    chunk = 1 << 16
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        hi = min(n, lo + chunk)
        mul_into(a[lo:hi], b[lo:hi], out[lo:hi])


@njit(cache=True)
def batch_inverse_into(a, out):
    """Montgomery's trick: one inversion and 3 multiplications per element.

    Returns the index of the first zero element, or -1 when all are invertible (then ``out``
    holds the inverses).
    """
    n = a.shape[0]
    if n == 0:
        return -1
    acc = ONE
    for i in range(n):
        if a[i] == ZERO:
            return i
        out[i] = acc
        acc = mul(acc, a[i])
    acc_inv = inverse(acc)
    for i in range(n - 1, -1, -1):
        out[i] = mul(out[i], acc_inv)
        acc_inv = mul(acc_inv, a[i])
    return -1


@njit(cache=True)
def powers_into(base, start, out):
    """out[i] = start * base^i."""
    acc = start
    for i in range(out.shape[0]):
        out[i] = acc
        acc = mul(acc, base)


@njit(cache=True, parallel=True)
def powers_parallel(base, start, n):
    """start * base^i for i < n, in independent chunks so both cores work."""
    out = np.empty(n, dtype=np.uint64)
    chunk = 1 << 15
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        hi = min(n, lo + chunk)
        first = mul(start, power(base, np.uint64(lo)))
        powers_into(base, first, out[lo:hi])
    return out


@njit(cache=True)
def ext_mul_into(a, b, out):
    """Element-wise product of (n, 2) extension arrays."""
    for i in range(a.shape[0]):
        c0, c1 = ext_mul(a[i, 0], a[i, 1], b[i, 0], b[i, 1])
        out[i, 0] = c0
        out[i, 1] = c1


@njit(cache=True)
def ext_batch_inverse_into(a, out):
    """Montgomery's trick over (n, 2) extension arrays; returns first zero index or -1."""
    n = a.shape[0]
    acc0, acc1 = ONE, ZERO
    for i in range(n):
        if a[i, 0] == ZERO and a[i, 1] == ZERO:
            return i
        out[i, 0] = acc0
        out[i, 1] = acc1
        acc0, acc1 = ext_mul(acc0, acc1, a[i, 0], a[i, 1])
    inv0, inv1 = ext_inverse(acc0, acc1)
    for i in range(n - 1, -1, -1):
        o0, o1 = ext_mul(out[i, 0], out[i, 1], inv0, inv1)
        out[i, 0] = o0
        out[i, 1] = o1
        inv0, inv1 = ext_mul(inv0, inv1, a[i, 0], a[i, 1])
    return -1
