"""Interval arithmetic: the values of the range analysis (ranges.py).

An :class:`Interval` is the set of exact integers lo..hi; its bounds may lie outside the value
range [-H, H], which is how the result of an operation that may overflow is told apart
(``fits``). A :class:`Lst` is a list value: the allocation sites it may be (what the sites
hold is the analysis' business). The functions here give sound bounds for the exact result of
each integer operator of the DSL (``binop``) from bounds of its operands; ``join`` and ``leq``
order values, and ``NEGATE``/``FLIP`` turn comparisons around for refining intervals by them.

Nothing here knows the syntax tree or the program: the range analysis (ranges.py), the bounds
main declares (bounds.py) and the overflow guards (guards.py) build on it.
"""

from __future__ import annotations

from dataclasses import dataclass

H = (0xFFFF_FFFF_0000_0001 - 1) // 2
MAX_LENGTH = 1 << 28
"""A proof's trace has at most 2^28 rows (zkvm.stark.proof.MAX_LOG_TRACE), and every address
is below the trace length: no list of a provable run is longer, and no loop of a provable run
turns more often (each turn costs at least one row). So every loop has at most this many turns,
which bounds accumulators even where the program's own bounds are unknown."""


@dataclass(frozen=True)
class Interval:
    """The integers lo..hi (inclusive); bounds may lie outside [-H, H] for an exact result."""

    lo: int
    hi: int

    def join(self, other: "Interval | None") -> "Interval":
        if other is None:
            return self
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))

    def meet(self, lo: int | None = None, hi: int | None = None) -> "Interval | None":
        lo2 = self.lo if lo is None else max(self.lo, lo)
        hi2 = self.hi if hi is None else min(self.hi, hi)
        return Interval(lo2, hi2) if lo2 <= hi2 else None

    def fits(self) -> bool:
        """Within the value range: the operation producing it cannot overflow."""
        return -H <= self.lo and self.hi <= H

    def clamp(self) -> "Interval":
        """What a value can be once computed (an overflowing result stops the run)."""
        lo, hi = max(self.lo, -H), min(self.hi, H)
        return Interval(lo, hi) if lo <= hi else TOP

    def contains(self, v: int) -> bool:
        return self.lo <= v <= self.hi

    @property
    def magnitude(self) -> int:
        return max(abs(self.lo), abs(self.hi))


TOP = Interval(-H, H)
BOOL = Interval(0, 1)
LENGTHS = Interval(0, MAX_LENGTH)


def point(v: int) -> Interval:
    return Interval(v, v)


@dataclass(frozen=True)
class Lst:
    """A list value: the allocation sites it may be."""

    sites: frozenset

    def join(self, other: "Lst | None") -> "Lst":
        return self if other is None else Lst(self.sites | other.sites)


Value = Interval | Lst | None  # None: no value (the None of a function without a return)


def join(a: Value, b: Value) -> Value:
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Interval) and isinstance(b, Interval):
        return a.join(b)
    if isinstance(a, Lst) and isinstance(b, Lst):
        return a.join(b)
    return TOP if isinstance(a, Interval) or isinstance(b, Interval) else a


def leq(a: Value, b: Value) -> bool:
    """a is contained in b."""
    if a is None:
        return True
    if b is None:
        return False
    if isinstance(a, Interval) and isinstance(b, Interval):
        return b.lo <= a.lo and a.hi <= b.hi
    if isinstance(a, Lst) and isinstance(b, Lst):
        return a.sites <= b.sites
    return False


# --- arithmetic on intervals (exact integer results) ---------------------------------------------

def _corners(a: Interval, b: Interval, f) -> Interval:
    vals = [f(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Interval(min(vals), max(vals))


def add(a: Interval, b: Interval) -> Interval:
    return Interval(a.lo + b.lo, a.hi + b.hi)


def sub(a: Interval, b: Interval) -> Interval:
    return Interval(a.lo - b.hi, a.hi - b.lo)


def mul(a: Interval, b: Interval) -> Interval:
    return _corners(a, b, lambda x, y: x * y)


def floordiv(a: Interval, b: Interval) -> Interval:
    """a // b over the non-zero divisors of b (a zero divisor stops the run)."""
    parts = []
    if b.hi >= 1:
        pos = Interval(max(b.lo, 1), b.hi)
        parts.append(_corners(a, pos, lambda x, y: x // y))
    if b.lo <= -1:
        neg = Interval(b.lo, min(b.hi, -1))
        parts.append(_corners(a, neg, lambda x, y: x // y))
    if not parts:
        return point(0)  # only a zero divisor: the run stops
    out = parts[0]
    for p in parts[1:]:
        out = out.join(p)
    return out


def mod(a: Interval, b: Interval) -> Interval:
    """a % b: the sign of the divisor, below its magnitude (and between 0 and a for a small
    non-negative a and a positive divisor)."""
    lo = 0 if b.lo >= 1 else -(b.magnitude - 1)
    hi = 0 if b.hi <= -1 else b.magnitude - 1
    if b.lo >= 1 and a.lo >= 0:
        hi = min(hi, a.hi)
    return Interval(lo, max(lo, hi))


def power(a: Interval, e: Interval) -> Interval:
    """a ** e for non-negative exponents (a negative one stops the run)."""
    e = e.meet(lo=0)
    if e is None:
        return point(1)
    if a.lo >= -1 and a.hi <= 1:  # 0, 1 and -1 stay within {-1, 0, 1}
        return Interval(-1 if a.lo < 0 else 0, 1)
    if e.hi > 64:  # some |a| >= 2 with a large exponent: the result leaves the value range
        return Interval(-4 * H, 4 * H)
    vals = [1] if e.lo == 0 else []
    for k in range(max(e.lo, 1), e.hi + 1):
        vals += [a.lo ** k, a.hi ** k]
        if a.lo < 0 < a.hi:
            vals.append(0)
    return Interval(min(vals), max(vals))


def shift_left(a: Interval, k: Interval) -> Interval:
    k = k.meet(lo=0)
    if k is None:
        return point(0)
    scale = Interval(1 << min(k.lo, 70), 1 << min(k.hi, 70))  # past 2^70 any non-zero a overflows anyway
    return _corners(a, scale, lambda x, y: x * y).join(point(0) if a.contains(0) else None)


def shift_right(a: Interval, k: Interval) -> Interval:
    k = k.meet(lo=0)
    if k is None:
        return point(0)
    lo, hi = min(k.lo, 70), min(k.hi, 70)
    return Interval(min(a.lo >> lo, a.lo >> hi), max(a.hi >> lo, a.hi >> hi))


def bitwise(op: str, a: Interval, b: Interval) -> Interval:
    if op == "&":
        if a.lo >= 0 and b.lo >= 0:
            return Interval(0, min(a.hi, b.hi))
        if a.lo >= 0:
            return Interval(0, a.hi)
        if b.lo >= 0:
            return Interval(0, b.hi)
    if a.lo >= 0 and b.lo >= 0:
        bits = max(a.hi, b.hi).bit_length()
        return Interval(0, (1 << bits) - 1)
    bits = max(a.magnitude, b.magnitude).bit_length()
    return Interval(-(1 << bits), (1 << bits) - 1)


def binop(op: str, a: Interval, b: Interval) -> Interval:
    if op == "+":
        return add(a, b)
    if op == "-":
        return sub(a, b)
    if op == "*":
        return mul(a, b)
    if op == "//":
        return floordiv(a, b)
    if op == "%":
        return mod(a, b)
    if op == "**":
        return power(a, b)
    if op == "<<":
        return shift_left(a, b)
    if op == ">>":
        return shift_right(a, b)
    if op in ("&", "|", "^"):
        return bitwise(op, a, b)
    return Interval(-2 * H, 2 * H)  # unknown: may overflow


# a comparison turned around: its negation, and the same comparison read from the right
NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


__all__ = ["Interval", "TOP", "H", "binop"]
