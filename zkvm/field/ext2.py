"""The degree-2 extension F_p[phi] / (phi^2 - 7) of Goldilocks, on Python ints.

Out-of-domain points, FRI folding challenges and argument challenges live here: about 128 bits
of field, enough that Schwartz-Zippel style failure probabilities stay below 2^-100 for the
domain sizes we use. 7 is a quadratic non-residue mod p, so phi^2 - 7 is irreducible.

:class:`Ext2` is an immutable value with ordinary operators, mixing freely with Python ints
(base-field elements), so the verifier can evaluate the same symbolic constraints on either.
Verifier-safe: no Numba. Array arithmetic for the prover is in :mod:`zkvm.field.kernels`.
"""

from __future__ import annotations

from zkvm.errors import FieldError
from zkvm.field.goldilocks import P

NONRESIDUE = 7
"""W in phi^2 = W."""


class Ext2:
    """An element c0 + c1*phi of the quadratic extension (both coordinates canonical)."""

    __slots__ = ("c0", "c1")

    def __init__(self, c0: int, c1: int = 0) -> None:
        self.c0 = c0 % P
        self.c1 = c1 % P

    @classmethod
    def lift(cls, x: "Ext2 | int") -> "Ext2":
        return x if isinstance(x, Ext2) else cls(x, 0)

    # --- arithmetic ------------------------------------------------------------------
    def __add__(self, o: "Ext2 | int") -> "Ext2":
        if isinstance(o, Ext2):
            return Ext2(self.c0 + o.c0, self.c1 + o.c1)
        return Ext2(self.c0 + o, self.c1)

    __radd__ = __add__

    def __sub__(self, o: "Ext2 | int") -> "Ext2":
        if isinstance(o, Ext2):
            return Ext2(self.c0 - o.c0, self.c1 - o.c1)
        return Ext2(self.c0 - o, self.c1)

    def __rsub__(self, o: int) -> "Ext2":
        return Ext2(o - self.c0, -self.c1)

    def __neg__(self) -> "Ext2":
        return Ext2(-self.c0, -self.c1)

    def __mul__(self, o: "Ext2 | int") -> "Ext2":
        if isinstance(o, Ext2):
            a0, a1, b0, b1 = self.c0, self.c1, o.c0, o.c1
            return Ext2(a0 * b0 + NONRESIDUE * a1 * b1, a0 * b1 + a1 * b0)
        return Ext2(self.c0 * o, self.c1 * o)

    __rmul__ = __mul__

    def __pow__(self, e: int) -> "Ext2":
        if e < 0:
            return self.inverse() ** (-e)
        result = Ext2(1)
        base = self
        while e:
            if e & 1:
                result = result * base
            base = base * base
            e >>= 1
        return result

    def inverse(self) -> "Ext2":
        """1/self via the norm: (c0 - c1 phi) / (c0^2 - 7 c1^2)."""
        norm = (self.c0 * self.c0 - NONRESIDUE * self.c1 * self.c1) % P
        if norm == 0:
            raise FieldError("zero has no multiplicative inverse")
        n_inv = pow(norm, -1, P)
        return Ext2(self.c0 * n_inv, -self.c1 * n_inv)

    def __truediv__(self, o: "Ext2 | int") -> "Ext2":
        return self * Ext2.lift(o).inverse()

    def __rtruediv__(self, o: int) -> "Ext2":
        return Ext2(o) * self.inverse()

    # --- comparisons and conversions ----------------------------------------------------
    def __eq__(self, o: object) -> bool:
        if isinstance(o, Ext2):
            return self.c0 == o.c0 and self.c1 == o.c1
        if isinstance(o, int):
            return self.c1 == 0 and self.c0 == o % P
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.c0, self.c1))

    def __repr__(self) -> str:
        return f"Ext2({self.c0}, {self.c1})"

    def is_zero(self) -> bool:
        return self.c0 == 0 and self.c1 == 0

    def to_pair(self) -> tuple[int, int]:
        return (self.c0, self.c1)


ZERO = Ext2(0)
ONE = Ext2(1)


def ext_batch_inverse(values: list[Ext2]) -> list[Ext2]:
    """Inverses of many extension elements with a single inversion."""
    prefix = []
    acc = ONE
    for v in values:
        if v.is_zero():
            raise FieldError("zero has no multiplicative inverse")
        prefix.append(acc)
        acc = acc * v
    acc_inv = acc.inverse()
    out = [ZERO] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = acc_inv * prefix[i]
        acc_inv = acc_inv * values[i]
    return out
