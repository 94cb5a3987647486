"""Scalar arithmetic in the Goldilocks field, p = 2^64 - 2^32 + 1, on Python ints.

This module is verifier-safe: it imports neither Numba nor numpy's heavy paths, so a light
verifier process can do the few thousand field operations it needs without any JIT. Whole-array
arithmetic for the prover lives in :mod:`zkvm.field.kernels`.

Elements are canonical Python ints in ``[0, p)``. Signed integers (the DSL's values) map to
field elements by reduction modulo p; :func:`to_signed` maps back using the symmetric range
``(-p/2, p/2)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zkvm.errors import FieldError, ParameterError

P = 0xFFFF_FFFF_0000_0001
"""The Goldilocks prime 2^64 - 2^32 + 1."""

TWO_ADICITY = 32
"""p - 1 = 2^32 * (2^32 - 1): subgroups of every power-of-two order up to 2^32 exist."""

GENERATOR = 7
"""A generator of the multiplicative group (also the default coset offset)."""

HALF_P = P // 2


def add(a: int, b: int) -> int:
    return (a + b) % P


def sub(a: int, b: int) -> int:
    return (a - b) % P


def neg(a: int) -> int:
    return (-a) % P


def mul(a: int, b: int) -> int:
    return (a * b) % P


def power(a: int, e: int) -> int:
    """a^e; negative exponents invert first (raises :class:`FieldError` for 0^-k)."""
    if e < 0:
        return pow(inv(a), -e, P)
    return pow(a, e, P)


def inv(a: int) -> int:
    """Multiplicative inverse; raises :class:`FieldError` for zero."""
    a %= P
    if a == 0:
        raise FieldError("zero has no multiplicative inverse")
    return pow(a, -1, P)  # extended Euclid: a few times faster than a^(p-2)


def batch_inverse(values: Sequence[int]) -> list[int]:
    """Inverses of many elements with one exponentiation (Montgomery's trick)."""
    prefix = []
    acc = 1
    for v in values:
        if v % P == 0:
            raise FieldError("zero has no multiplicative inverse")
        prefix.append(acc)
        acc = acc * v % P
    acc_inv = pow(acc, -1, P)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = acc_inv * prefix[i] % P
        acc_inv = acc_inv * values[i] % P
    return out


def from_signed(x: int) -> int:
    """Map a Python integer (any sign) to its field element."""
    return x % P


def to_signed(a: int) -> int:
    """Map a field element to the integer in (-p/2, p/2) congruent to it."""
    a %= P
    return a - P if a > HALF_P else a


def root_of_unity(log_n: int) -> int:
    """A primitive 2^log_n-th root of unity (the same one every part of zkvm uses)."""
    if not 0 <= log_n <= TWO_ADICITY:
        raise ParameterError("log_n", f"must be in [0, {TWO_ADICITY}], got {log_n}")
    return _ROOTS[log_n]


def powers(base: int, count: int, start: int = 1) -> list[int]:
    """[start, start*base, start*base^2, ...] of the given length."""
    out = []
    acc = start % P
    for _ in range(count):
        out.append(acc)
        acc = acc * base % P
    return out


def check_canonical(values: Iterable[int], what: str) -> None:
    """Raise :class:`FieldError` unless every value is a canonical element."""
    for v in values:
        if not (isinstance(v, int) and 0 <= v < P):
            raise FieldError(f"{what}: {v!r} is not a canonical Goldilocks element")


_ROOTS = [pow(GENERATOR, (P - 1) >> k, P) for k in range(TWO_ADICITY + 1)]
