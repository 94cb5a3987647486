"""Small polynomial helpers for the verifier: evaluation and interpolation on Python ints.

Verifier-safe (no Numba). Values may be base-field ints or :class:`~zkvm.field.ext2.Ext2`
elements; coefficient lists are in ascending order of degree.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkvm.errors import FieldError
from zkvm.field.ext2 import Ext2
from zkvm.field.goldilocks import P

Scalar = int | Ext2


def evaluate(coeffs: Sequence[Scalar], x: Scalar) -> Scalar:
    """Horner evaluation of sum coeffs[i] * x^i."""
    if isinstance(x, int) and all(isinstance(c, int) for c in coeffs):
        acc = 0
        for c in reversed(coeffs):
            acc = (acc * x + c) % P
        return acc
    acc: Scalar = Ext2(0)
    for c in reversed(coeffs):
        acc = acc * x + c
    return acc


def interpolate(xs: Sequence[Scalar], ys: Sequence[Scalar]) -> list[Scalar]:
    """Coefficients of the unique polynomial of degree < len(xs) through (xs[i], ys[i]).

    Lagrange's formula; O(n^2), meant for the handful of points a verifier handles.
    Raises FieldError if two xs coincide.
    """
    n = len(xs)
    if n != len(ys):
        raise FieldError("interpolate: xs and ys differ in length")
    use_ext = any(isinstance(v, Ext2) for v in (*xs, *ys))
    one = Ext2(1) if use_ext else 1
    zero = Ext2(0) if use_ext else 0
    coeffs = [zero] * n
    for i in range(n):
        # numerator polynomial prod_{j != i} (X - x_j), and denominator prod (x_i - x_j)
        num = [one]
        denom = one
        for j in range(n):
            if j == i:
                continue
            num = _mul_linear(num, xs[j], zero)
            denom = _mul(denom, _sub(xs[i], xs[j]))
        if (denom == 0) if not isinstance(denom, Ext2) else denom.is_zero():
            raise FieldError("interpolate: repeated x value")
        scale = _mul(ys[i], _inv(denom))
        for d in range(n):
            coeffs[d] = _add(coeffs[d], _mul(num[d], scale))
    return coeffs


def _mul_linear(poly: list[Scalar], root: Scalar, zero: Scalar) -> list[Scalar]:
    """poly * (X - root)."""
    out = [zero] * (len(poly) + 1)
    for d, c in enumerate(poly):
        out[d + 1] = _add(out[d + 1], c)
        out[d] = _sub(out[d], _mul(c, root))
    return out


def _add(a: Scalar, b: Scalar) -> Scalar:
    if isinstance(a, int) and isinstance(b, int):
        return (a + b) % P
    return Ext2.lift(a) + b


def _sub(a: Scalar, b: Scalar) -> Scalar:
    if isinstance(a, int) and isinstance(b, int):
        return (a - b) % P
    return Ext2.lift(a) - b


def _mul(a: Scalar, b: Scalar) -> Scalar:
    if isinstance(a, int) and isinstance(b, int):
        return a * b % P
    return Ext2.lift(a) * b


def _inv(a: Scalar) -> Scalar:
    if isinstance(a, int):
        if a % P == 0:
            raise FieldError("zero has no multiplicative inverse")
        return pow(a, P - 2, P)
    return a.inverse()
