"""Numba kernels for Goldilocks and its quadratic extension over whole uint64 arrays.

Prover only (imports Numba). The scalar functions here (``mul``, ``add``, ...) take and return
``np.uint64`` and can only be called from other kernels: they are LLVM IR intrinsics, expanded
in place and vectorized with the caller's loops. The multiply splits operands into 32-bit
limbs: on this machine that form vectorizes to AVX-512 ``vpmuludq`` and beats a 128-bit intrinsic in loops
(../shared/PERF-NOTES.md, advice 2).

Extension elements are stored as the last axis of length 2: ``x[..., 0] + x[..., 1] * phi`` with
``phi^2 = 7``.

Every kernel is a module-level ``@njit(cache=True)`` function with constants as globals of fixed
value, so the on-disk cache is reused between processes.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core.errors import TypingError
from numba.extending import intrinsic

P = np.uint64(0xFFFF_FFFF_0000_0001)
EPS = np.uint64(0xFFFF_FFFF)  # 2^64 - p = 2^32 - 1
MASK32 = np.uint64(0xFFFF_FFFF)
SHIFT32 = np.uint64(32)
ZERO = np.uint64(0)
ONE = np.uint64(1)
SEVEN = np.uint64(7)
P_MINUS_2 = np.uint64(0xFFFF_FFFE_FFFF_FFFF)


# --------------------------------------------------------------------------------------
# Scalar base-field operations, as LLVM IR intrinsics
#
# Each expands to a few dozen i64 instructions right in the calling kernel, where LLVM
# vectorizes them with the surrounding loop. They were inline="always" Numba functions before:
# the same machine code, but Numba re-types and re-lowers every inlined copy, which made these
# six functions cost about 16 s of the prover's 52 s of first-run compilation.
# --------------------------------------------------------------------------------------
_I64 = ir.IntType(64)
_P_IR = ir.Constant(_I64, int(P))
_EPS_IR = ir.Constant(_I64, int(EPS))
_MASK_IR = ir.Constant(_I64, int(MASK32))
_32_IR = ir.Constant(_I64, 32)
_ZERO_IR = ir.Constant(_I64, 0)


def _as_u64(context, builder, value, ty):
    return context.cast(builder, value, ty, types.uint64)


def _check_ints(*tys) -> None:
    if not all(isinstance(t, types.Integer) for t in tys):
        raise TypingError(f"Goldilocks operations take integers, got {tys}")


def _ir_reduce128(builder, lo, hi):
    """(hi * 2^64 + lo) mod p, using 2^64 = 2^32 - 1 and 2^96 = -1 (mod p); canonical result."""
    hi_hi = builder.lshr(hi, _32_IR)
    hi_lo = builder.and_(hi, _MASK_IR)
    t0 = builder.sub(lo, hi_hi)
    t0 = builder.select(builder.icmp_unsigned("<", lo, hi_hi), builder.sub(t0, _EPS_IR), t0)
    t1 = builder.mul(hi_lo, _EPS_IR)
    t2 = builder.add(t0, t1)
    t2 = builder.select(builder.icmp_unsigned("<", t2, t1), builder.add(t2, _EPS_IR), t2)
    return builder.select(builder.icmp_unsigned(">=", t2, _P_IR), builder.sub(t2, _P_IR), t2)


def _ir_mul(builder, a, b):
    """a * b mod p through 32-bit limbs (the form that vectorizes to vpmuludq)."""
    a0, a1 = builder.and_(a, _MASK_IR), builder.lshr(a, _32_IR)
    b0, b1 = builder.and_(b, _MASK_IR), builder.lshr(b, _32_IR)
    p00, p01 = builder.mul(a0, b0), builder.mul(a0, b1)
    p10, p11 = builder.mul(a1, b0), builder.mul(a1, b1)
    mid = builder.add(builder.add(builder.lshr(p00, _32_IR), builder.and_(p01, _MASK_IR)), builder.and_(p10, _MASK_IR))
    lo = builder.or_(builder.and_(p00, _MASK_IR), builder.shl(mid, _32_IR))
    hi = builder.add(builder.add(p11, builder.lshr(p01, _32_IR)), builder.add(builder.lshr(p10, _32_IR), builder.lshr(mid, _32_IR)))
    return _ir_reduce128(builder, lo, hi)


def _ir_add(builder, a, b):
    s = builder.add(a, b)
    s = builder.select(builder.icmp_unsigned("<", s, a), builder.add(s, _EPS_IR), s)
    return builder.select(builder.icmp_unsigned(">=", s, _P_IR), builder.sub(s, _P_IR), s)


def _ir_sub(builder, a, b):
    d = builder.sub(a, b)
    return builder.select(builder.icmp_unsigned("<", a, b), builder.sub(d, _EPS_IR), d)


def _binary_intrinsic(emit, doc: str):
    def typer(typingctx, a, b):
        _check_ints(a, b)
        sig = types.uint64(a, b)

        def codegen(context, builder, signature, args):
            x = _as_u64(context, builder, args[0], signature.args[0])
            y = _as_u64(context, builder, args[1], signature.args[1])
            return emit(builder, x, y)

        return sig, codegen

    typer.__doc__ = doc
    return intrinsic(typer)


reduce128 = _binary_intrinsic(_ir_reduce128, "(hi * 2^64 + lo) mod p: reduce128(lo, hi).")
mul = _binary_intrinsic(_ir_mul, "a * b mod p for canonical a, b.")
add = _binary_intrinsic(_ir_add, "a + b mod p for canonical a, b.")
sub = _binary_intrinsic(_ir_sub, "a - b mod p for canonical a, b.")


@intrinsic
def neg(typingctx, a):
    """-a mod p for canonical a."""
    _check_ints(a)
    sig = types.uint64(a)

    def codegen(context, builder, signature, args):
        x = _as_u64(context, builder, args[0], signature.args[0])
        is_zero = builder.icmp_unsigned("==", x, _ZERO_IR)
        return builder.select(is_zero, _ZERO_IR, builder.sub(_P_IR, x))

    return sig, codegen


@intrinsic
def ext_mul(typingctx, a0, a1, b0, b1):
    """(a0 + a1 phi)(b0 + b1 phi) with phi^2 = 7, as a (c0, c1) tuple."""
    _check_ints(a0, a1, b0, b1)
    sig = types.UniTuple(types.uint64, 2)(a0, a1, b0, b1)

    def codegen(context, builder, signature, args):
        x0, x1, y0, y1 = (_as_u64(context, builder, v, t) for v, t in zip(args, signature.args))
        t = _ir_mul(builder, x1, y1)
        c0 = _ir_add(builder, _ir_mul(builder, x0, y0), _ir_mul(builder, t, ir.Constant(_I64, 7)))
        c1 = _ir_add(builder, _ir_mul(builder, x0, y1), _ir_mul(builder, x1, y0))
        return context.make_tuple(builder, signature.return_type, [c0, c1])

    return sig, codegen


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
