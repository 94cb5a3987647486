"""Goldilocks and extension-field arithmetic on uint64 numpy arrays, numpy only (verifier-safe).

The verifier must not import Numba, yet a few of its steps (evaluating the public columns at
the out-of-domain point) touch a million field elements; this module does that arithmetic with
plain numpy ufuncs. The prover's kernels (:mod:`zkvm.field.kernels`) are faster; these are
exact, dependency-light and fast enough for a verifier.

Multiplication without a 128-bit type: split both operands into 32-bit limbs, form the four
limb products (each < 2^64), assemble the 128-bit product as (hi, lo) 64-bit words with explicit
carries, then reduce with 2^64 = 2^32 - 1 and 2^96 = -1 (mod p):

    hi * 2^64 + lo = hi_hi * 2^96 + hi_lo * 2^64 + lo = lo - hi_hi + hi_lo * (2^32 - 1)   (mod p)

All functions accept any uint64 values as inputs to :func:`mul` (the result is canonical, in
``[0, p)``); :func:`add`, :func:`sub` and :func:`neg` need canonical inputs. Arrays broadcast
as in numpy. Extension elements c0 + c1*phi (phi^2 = 7, see :mod:`zkvm.field.ext2`) are pairs
of base-field arrays ``(c0, c1)``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from zkvm.errors import FieldError

P_INT = 0xFFFF_FFFF_0000_0001
P = np.uint64(P_INT)
EPSILON = np.uint64(0xFFFF_FFFF)  # 2^64 mod p = 2^32 - 1
_M32 = np.uint64(0xFFFF_FFFF)
_S32 = np.uint64(32)
_ONE = np.uint64(1)
NONRESIDUE = 7  # phi^2 = 7, as in zkvm.field.ext2
_U64 = np.uint64


def asarray(a) -> np.ndarray:
    """``a`` as a uint64 array (Python ints must be in [0, 2^64))."""
    if isinstance(a, np.ndarray) and a.dtype == _U64:
        return a
    if isinstance(a, int):
        return np.asarray(_U64(a))
    return np.asarray(a, dtype=_U64)


def _scalars(f, a, b):
    """Apply f to two 0-d arrays through 1-element arrays (numpy scalars warn on wrap-around)."""
    return f(a.reshape(1), b.reshape(1)).reshape(())


def add(a, b) -> np.ndarray:
    """(a + b) mod p for canonical a, b."""
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 and b.ndim == 0:
        return _scalars(add, a, b)
    s = a + b  # wraps mod 2^64 when a + b >= 2^64; then a + b - p = s + 2^64 - p = s - p (mod 2^64)
    fix = s < a
    fix |= s >= P
    s -= fix * P
    return s


def sub(a, b) -> np.ndarray:
    """(a - b) mod p for canonical a, b."""
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 and b.ndim == 0:
        return _scalars(sub, a, b)
    d = a - b  # wraps when a < b; then adding p (mod 2^64) gives a - b + p
    d += (a < b) * P
    return d


def neg(a) -> np.ndarray:
    """-a mod p for canonical a."""
    a = asarray(a)
    return np.where(a == 0, _U64(0), P - a)


_CHUNK = 1 << 15  # elements per block: the ~8 scratch arrays of a block stay in cache


def mul(a, b) -> np.ndarray:
    """(a * b) mod p, canonical, for any uint64 a, b (broadcasting)."""
    a, b = asarray(a), asarray(b)
    if a.shape == b.shape and a.ndim == 1:
        shape, fa, fb = a.shape, a, b
    elif a.ndim == 0 and b.ndim == 0:
        return _scalars(mul, a, b)
    else:
        shape = np.broadcast_shapes(a.shape, b.shape)
        fa, fb = _flat(a, shape), _flat(b, shape)
    size = math.prod(shape)
    out = np.empty(size, dtype=_U64)
    block = max(min(_CHUNK, size), 1)
    scratch = list(np.empty((5, block), dtype=_U64)) + list(np.empty((2, block), dtype=bool))
    for i in range(0, size, block):
        j = min(i + block, size)
        _mul_block(
            fa if fa.ndim == 0 else fa[i:j],
            fb if fb.ndim == 0 else fb[i:j],
            out[i:j],
            scratch if j - i == block else [t[: j - i] for t in scratch],
        )
    return out.reshape(shape)


def _flat(x: np.ndarray, shape: tuple) -> np.ndarray:
    """x as a 1-D array of the broadcast size, or a 0-d array if x is a single value."""
    if x.size == 1:
        return x.reshape(())
    if x.shape != shape:
        x = np.broadcast_to(x, shape)
    return x.reshape(-1)


def _mul_block(a, b, out, scratch) -> None:
    """out = a * b mod p on one block, through five uint64 and two bool scratch arrays.

    The 128-bit product hh 2^64 + (lh + hl) 2^32 + ll of the 32-bit limbs is formed as two
    words (hi, lo) with explicit carries, then reduced: hi 2^64 + lo = lo - hi_hi + hi_lo (2^32 - 1)
    (mod p), where hi = hi_hi 2^32 + hi_lo."""
    t1, t2, t3, t4, t5, c1, c2 = scratch
    np.bitwise_and(a, _M32, out=t1)  # a_lo
    np.right_shift(a, _S32, out=t2)  # a_hi
    np.right_shift(b, _S32, out=t4)  # b_hi
    np.multiply(t1, t4, out=t3)  # lh
    np.bitwise_and(b, _M32, out=t5)  # b_lo
    np.multiply(t2, t4, out=t4)  # hh
    np.multiply(t1, t5, out=t1)  # ll
    np.multiply(t2, t5, out=t5)  # hl
    np.add(t3, t5, out=t3)  # mid = lh + hl (mod 2^64)
    np.less(t3, t5, out=c1)  # mid wrapped: 2^64 * 2^32 more, i.e. 2^32 more in hi
    np.left_shift(t3, _S32, out=t5)
    np.add(t1, t5, out=t5)  # lo = ll + (mid << 32) (mod 2^64)
    np.less(t5, t1, out=c2)  # lo wrapped: 1 more in hi
    np.right_shift(t3, _S32, out=t3)
    np.add(t4, t3, out=t4)
    np.add(t4, c2, out=t4, casting="unsafe")
    np.left_shift(c1, _S32, out=t3, casting="unsafe")
    np.add(t4, t3, out=t4)  # hi (the product is < 2^128: no overflow)
    # reduce hi = t4, lo = t5
    np.right_shift(t4, _S32, out=t1)  # hi_hi
    np.bitwise_and(t4, _M32, out=t4)  # hi_lo
    np.less(t5, t1, out=c1)
    np.subtract(t5, t1, out=t5)  # t0 = lo - hi_hi (mod 2^64)
    np.multiply(c1, EPSILON, out=t1, casting="unsafe")
    np.subtract(t5, t1, out=t5)  # if it wrapped, it gained 2^64 = EPSILON (mod p): take that back
    np.left_shift(t4, _S32, out=t1)
    np.subtract(t1, t4, out=t1)  # hi_lo * (2^32 - 1) < 2^64
    np.add(t5, t1, out=out)
    np.less(out, t1, out=c1)
    np.multiply(c1, EPSILON, out=t1, casting="unsafe")
    np.add(out, t1, out=out)  # if the sum wrapped, add its lost 2^64 = EPSILON back (cannot wrap again)
    np.greater_equal(out, P, out=c1)
    np.multiply(c1, P, out=t1, casting="unsafe")
    np.subtract(out, t1, out=out)  # out < 2^64 < 2p: one subtraction makes it canonical


def square(a) -> np.ndarray:
    return mul(a, a)


def scalar_pow(x: int, e: int) -> int:
    return pow(x % P_INT, e, P_INT)


_CACHE_MAX = 1 << 17  # powers tables up to this length are cached (and shared read-only)


def powers(base: int, count: int) -> np.ndarray:
    """[1, base, base^2, ..., base^(count-1)] mod p (a fresh array)."""
    base %= P_INT
    return _powers_cached(base, count).copy() if count <= _CACHE_MAX else _powers_build(base, count)


def _powers_table(base: int, count: int) -> np.ndarray:
    """The powers table, read-only; tables of up to 2^17 entries are cached (pow_indices asks
    for the same two tables for every trace of the same length)."""
    return _powers_cached(base, count) if count <= _CACHE_MAX else _powers_build(base, count)


@lru_cache(maxsize=32)
def _powers_cached(base: int, count: int) -> np.ndarray:
    return _powers_build(base, count)


def _powers_build(base: int, count: int) -> np.ndarray:
    """Python ints for short tables, else by doubling (out[k:2k] = out[:k] * base^k)."""
    if count <= 256:
        vals, acc = [], 1
        for _ in range(count):
            vals.append(acc)
            acc = acc * base % P_INT
        out = np.array(vals, dtype=_U64)
    else:
        out = np.empty(count, dtype=_U64)
        out[0] = 1
        filled = 1
        step = base  # base^filled
        while filled < count:
            take = min(filled, count - filled)
            out[filled : filled + take] = mul(out[:take], _U64(step))
            filled += take
            step = step * step % P_INT
    out.flags.writeable = False
    return out


def pow_indices(base: int, exponents: np.ndarray, bound: int) -> np.ndarray:
    """base^j mod p for each j in ``exponents`` (int64 in [0, bound)): two tables of about
    sqrt(bound) powers each and one multiplication per entry."""
    exponents = np.asarray(exponents, dtype=np.int64)
    bits = max(int(bound - 1).bit_length(), 1)
    lo_bits = (bits + 1) // 2
    lo_table = _powers_table(base % P_INT, 1 << lo_bits)
    hi_table = _powers_table(scalar_pow(base, 1 << lo_bits), 1 << (bits - lo_bits))
    return mul(lo_table[exponents & ((1 << lo_bits) - 1)], hi_table[exponents >> lo_bits])


_PYTHON_BELOW = 32  # finish the product tree in Python ints below this many elements


def batch_inverse(a) -> np.ndarray:
    """1/a elementwise (1-D, any uint64 values, none zero mod p): a product tree up,
    one inversion at the root, and back down; about 3 multiplications per element.
    Raises :class:`FieldError` if any element is zero mod p."""
    a = asarray(a)
    if a.ndim != 1:
        raise ValueError("batch_inverse takes a 1-D array")
    levels = []
    cur = a
    while cur.size > _PYTHON_BELOW:
        size = cur.size
        if size & 1:
            cur = np.append(cur, _ONE)
        levels.append((cur, size))
        cur = mul(cur[0::2], cur[1::2])
    small = [int(v) % P_INT for v in cur.tolist()]
    if any(v == 0 for v in small):
        raise FieldError("zero has no multiplicative inverse")
    # Montgomery's trick on the few remaining values
    prefix, acc = [], 1
    for v in small:
        prefix.append(acc)
        acc = acc * v % P_INT
    acc_inv = pow(acc, P_INT - 2, P_INT)
    inv_small = [0] * len(small)
    for i in range(len(small) - 1, -1, -1):
        inv_small[i] = acc_inv * prefix[i] % P_INT
        acc_inv = acc_inv * small[i] % P_INT
    inv = np.array(inv_small, dtype=_U64)
    for level, size in reversed(levels):
        nxt = np.empty(level.size, dtype=_U64)
        nxt[0::2] = mul(inv, level[1::2])  # 1/x0 = (1/(x0 x1)) * x1
        nxt[1::2] = mul(inv, level[0::2])
        inv = nxt[:size]  # drop the padding's inverse
    return inv


def sum_mod(a) -> int:
    """The sum of a uint64 array mod p, exactly (as a Python int; up to 2^32 elements)."""
    return segment_sums(asarray(a).reshape(-1), [0])[0]


def segment_sums(a: np.ndarray, starts) -> list[int]:
    """Exact sums mod p of the segments a[starts[k]:starts[k+1]] (the last runs to the end) of
    a 1-D uint64 array, as Python ints; segments may be empty. Sums 32-bit halves in uint64,
    exact for up to 2^32 elements."""
    a = asarray(a)
    if a.size >= 1 << 32:
        raise ValueError("segment_sums: too many elements for exact 32-bit limb sums")
    starts = [int(s) for s in starts]
    ends = starts[1:] + [a.size]
    nonempty = [k for k in range(len(starts)) if ends[k] > starts[k]]
    out = [0] * len(starts)
    if not nonempty:
        return out
    idx = np.array([starts[k] for k in nonempty], dtype=np.intp)
    lo = np.add.reduceat(a & _M32, idx, dtype=_U64).tolist()
    hi = np.add.reduceat(a >> _S32, idx, dtype=_U64).tolist()
    for k, l, h in zip(nonempty, lo, hi):
        out[k] = ((h << 32) + l) % P_INT
    return out


# --- the degree-2 extension, elements as pairs (c0, c1) of arrays --------------------------


def ext_add(a, b):
    return add(a[0], b[0]), add(a[1], b[1])


def ext_sub(a, b):
    return sub(a[0], b[0]), sub(a[1], b[1])


def ext_mul(a, b):
    """(a0 + a1 phi)(b0 + b1 phi) = (a0 b0 + 7 a1 b1) + (a0 b1 + a1 b0) phi (Karatsuba)."""
    a0, a1 = asarray(a[0]), asarray(a[1])
    b0, b1 = asarray(b[0]), asarray(b[1])
    v0 = mul(a0, b0)
    v1 = mul(a1, b1)
    cross = mul(add(a0 % P, a1 % P), add(b0 % P, b1 % P))  # (a0 + a1)(b0 + b1)
    c1 = sub(sub(cross, v0), v1)
    c0 = add(v0, mul(v1, _U64(NONRESIDUE)))
    return c0, c1


def ext_batch_inverse(a):
    """1/(c0 + c1 phi) = (c0 - c1 phi) / (c0^2 - 7 c1^2), with one base-field batch inversion
    of the norms. Raises :class:`FieldError` if any element is zero."""
    c0, c1 = asarray(a[0]), asarray(a[1])
    norm = sub(mul(c0, c0), mul(mul(c1, c1), _U64(NONRESIDUE)))
    n_inv = batch_inverse(np.atleast_1d(norm))
    return mul(c0, n_inv), neg(mul(c1, n_inv))
