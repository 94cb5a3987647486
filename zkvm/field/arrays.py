"""Whole-array Goldilocks and extension arithmetic with validated inputs (prover side).

Thin wrappers over :mod:`zkvm.field.kernels` that check dtypes, shapes and canonical values
and allocate outputs, for callers outside the hot kernels (tests, the trace builder, tools).
Base-field arrays are uint64 of any shape; extension arrays have a trailing axis of length 2.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from zkvm.errors import FieldError, ParameterError
from zkvm.field import goldilocks as gl
from zkvm.field import kernels as k


def _as_field(a: np.ndarray | Iterable[int], name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype != np.uint64:
        if arr.dtype.kind not in "iu" and arr.size:
            raise ParameterError(name, f"expected integer field elements, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0):
            raise FieldError(f"{name}: negative values are not field elements (use from_signed)")
        arr = arr.astype(np.uint64)
    if arr.size and arr.max() >= np.uint64(gl.P):
        raise FieldError(f"{name}: values must be canonical (< p)")
    return np.ascontiguousarray(arr)


def _pair(a, b):
    a = _as_field(a, "a")
    b = _as_field(b, "b")
    if a.shape != b.shape:
        raise ParameterError("b", f"shape {b.shape} does not match {a.shape}")
    return a, b, np.empty_like(a)


def add(a, b) -> np.ndarray:
    a, b, out = _pair(a, b)
    k.add_into(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out


def sub(a, b) -> np.ndarray:
    a, b, out = _pair(a, b)
    k.sub_into(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out


def mul(a, b) -> np.ndarray:
    a, b, out = _pair(a, b)
    k.mul_into_parallel(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out


def neg(a) -> np.ndarray:
    a = _as_field(a, "a")
    out = np.empty_like(a)
    k.neg_into(a.reshape(-1), out.reshape(-1))
    return out


def scale(a, s: int) -> np.ndarray:
    a = _as_field(a, "a")
    out = np.empty_like(a)
    k.scale_into(a.reshape(-1), np.uint64(s % gl.P), out.reshape(-1))
    return out


def power(a, e: int) -> np.ndarray:
    """Element-wise a^e; a negative e inverts first."""
    a = _as_field(a, "a")
    if e < 0:
        a = batch_inverse(a)
        e = -e
    out = np.empty_like(a)
    k.power_into(a.reshape(-1), np.uint64(e % (gl.P - 1) if e else 0), out.reshape(-1))
    if e and e % (gl.P - 1) == 0:
        # x^(k(p-1)) = 1 for x != 0 and 0 for x = 0
        out = (a != 0).astype(np.uint64)
    return out


def batch_inverse(a) -> np.ndarray:
    """Element-wise inverse with one field inversion; raises FieldError on a zero."""
    a = _as_field(a, "a")
    out = np.empty_like(a)
    bad = k.batch_inverse_into(a.reshape(-1), out.reshape(-1))
    if bad >= 0:
        raise FieldError(f"element {bad} is zero and has no inverse")
    return out


inverse = batch_inverse


def from_signed(values) -> np.ndarray:
    """Signed integers (int64 range or Python ints) to field elements."""
    arr = np.asarray(values)
    if arr.dtype == object or arr.dtype.kind not in "iu":
        return np.array([int(v) % gl.P for v in np.ravel(arr)], dtype=np.uint64).reshape(arr.shape)
    if arr.dtype.kind == "u":
        return _as_field(arr, "values")
    arr = arr.astype(np.int64)
    out = arr.astype(np.uint64)
    negative = arr < 0
    # x < 0 maps to p + x = (x mod 2^64) - (2^64 - p)
    out[negative] = out[negative] - np.uint64(2**64 - gl.P)
    return out


def to_signed(a) -> np.ndarray:
    """Field elements to the int64 in (-p/2, p/2) congruent to them (saturating is not done:
    elements outside int64 range raise FieldError)."""
    a = _as_field(a, "a")
    half = np.uint64(gl.HALF_P)
    high = a > half
    # p - a for high values; must fit int64
    mag = np.where(high, np.uint64(gl.P) - a, a)
    if mag.size and mag.max() > np.uint64(2**63 - 1):
        raise FieldError("value outside the signed 64-bit range")
    out = mag.astype(np.int64)
    out[high] = -out[high]
    return out


# --- extension field arrays (trailing axis of 2) ---------------------------------------
def _ext(a, name: str) -> np.ndarray:
    arr = _as_field(a, name)
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ParameterError(name, "extension arrays need a trailing axis of length 2")
    return arr


def ext_add(a, b) -> np.ndarray:
    return add(_ext(a, "a"), _ext(b, "b"))


def ext_sub(a, b) -> np.ndarray:
    return sub(_ext(a, "a"), _ext(b, "b"))


def ext_neg(a) -> np.ndarray:
    return neg(_ext(a, "a"))


def ext_mul(a, b) -> np.ndarray:
    a, b = _ext(a, "a"), _ext(b, "b")
    if a.shape != b.shape:
        raise ParameterError("b", f"shape {b.shape} does not match {a.shape}")
    out = np.empty_like(a)
    k.ext_mul_into(a.reshape(-1, 2), b.reshape(-1, 2), out.reshape(-1, 2))
    return out


def ext_batch_inverse(a) -> np.ndarray:
    a = _ext(a, "a")
    out = np.empty_like(a)
    bad = k.ext_batch_inverse_into(a.reshape(-1, 2), out.reshape(-1, 2))
    if bad >= 0:
        raise FieldError(f"element {bad} is zero and has no inverse")
    return out


def ext_power(a, e: int) -> np.ndarray:
    """Element-wise a^e in the extension (square and multiply over whole arrays)."""
    a = _ext(a, "a")
    if e < 0:
        a = ext_batch_inverse(a)
        e = -e
    flat = a.reshape(-1, 2)
    result = np.zeros_like(flat)
    result[:, 0] = 1
    base = flat.copy()
    tmp = np.empty_like(flat)
    while e:
        if e & 1:
            k.ext_mul_into(result, base, tmp)
            result, tmp = tmp, result
        e >>= 1
        if e:
            k.ext_mul_into(base, base, tmp)
            base, tmp = tmp, base
    return result.reshape(a.shape)
