"""Symbolic constraint expressions, written once and read three ways.

An AIR writes each constraint with ordinary operators over column references, challenges,
public inputs and integer constants. The same expression DAG is then:

* compiled into a Numba kernel that evaluates all constraints over the LDE domain (prover,
  :mod:`zkvm.stark.codegen`),
* evaluated at one out-of-domain extension-field point (verifier, :mod:`zkvm.stark.evaluate`),
* evaluated on the raw trace to name failing constraints and rows (:mod:`zkvm.stark.debug`).

Leaves: trace columns (main, base field; aux, extension), challenges, public inputs (scalars),
public columns (columns the verifier knows, e.g. a program's code: not committed, evaluated by
the verifier itself), and constants.

Degrees are computed, never declared: a column reference has degree 1, constants, challenges
and public inputs degree 0, a product the sum of its factors' degrees. A node is *extension*
valued when it involves an auxiliary column or a challenge; everything else stays in the base
field, which is what keeps the prover's kernels cheap.

Verifier-safe: pure Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zkvm.errors import ParameterError
from zkvm.field.goldilocks import P

# node kinds
CONST = "const"
MAIN = "main"
AUX = "aux"
CHALLENGE = "challenge"
PUBLIC = "public"
PUBCOL = "pubcol"
ADD = "add"
SUB = "sub"
MUL = "mul"
NEG = "neg"
POW = "pow"

LEAVES = (CONST, MAIN, AUX, CHALLENGE, PUBLIC, PUBCOL)


class Expr:
    """A node of the constraint DAG. Build with operators; never mutate."""

    __slots__ = ("kind", "args", "value", "offset", "degree", "is_ext", "_key")

    def __init__(self, kind: str, args: tuple["Expr", ...] = (), value: int = 0, offset: int = 0) -> None:
        self.kind = kind
        self.args = args
        self.value = value  # constant value, column/challenge/public index, or exponent
        self.offset = offset  # 0 = current row, 1 = next row (column references only)
        self._key: tuple | None = None
        if kind == CONST:
            self.degree, self.is_ext = 0, False
        elif kind == MAIN:
            self.degree, self.is_ext = 1, False
        elif kind == AUX:
            self.degree, self.is_ext = 1, True
        elif kind == CHALLENGE:
            self.degree, self.is_ext = 0, True
        elif kind == PUBLIC:
            self.degree, self.is_ext = 0, False
        elif kind == PUBCOL:
            self.degree, self.is_ext = 1, False
        elif kind in (ADD, SUB):
            self.degree = max(a.degree for a in args)
            self.is_ext = any(a.is_ext for a in args)
        elif kind == MUL:
            self.degree = args[0].degree + args[1].degree
            self.is_ext = args[0].is_ext or args[1].is_ext
        elif kind == NEG:
            self.degree, self.is_ext = args[0].degree, args[0].is_ext
        elif kind == POW:
            self.degree, self.is_ext = args[0].degree * value, args[0].is_ext
        else:
            raise ParameterError("kind", f"unknown expression kind {kind!r}")

    # --- construction ----------------------------------------------------------------------
    @staticmethod
    def lift(x: "Expr | int") -> "Expr":
        if isinstance(x, Expr):
            return x
        if isinstance(x, bool) or not isinstance(x, int):
            raise ParameterError("expression", f"cannot use {type(x).__name__} in a constraint")
        return Expr(CONST, value=x % P)

    def __add__(self, o: "Expr | int") -> "Expr":
        return Expr(ADD, (self, Expr.lift(o)))

    def __radd__(self, o: int) -> "Expr":
        return Expr(ADD, (Expr.lift(o), self))

    def __sub__(self, o: "Expr | int") -> "Expr":
        return Expr(SUB, (self, Expr.lift(o)))

    def __rsub__(self, o: int) -> "Expr":
        return Expr(SUB, (Expr.lift(o), self))

    def __mul__(self, o: "Expr | int") -> "Expr":
        return Expr(MUL, (self, Expr.lift(o)))

    def __rmul__(self, o: int) -> "Expr":
        return Expr(MUL, (Expr.lift(o), self))

    def __neg__(self) -> "Expr":
        return Expr(NEG, (self,))

    def __pow__(self, e: int) -> "Expr":
        if not isinstance(e, int) or e < 1:
            raise ParameterError("exponent", "constraint powers need a positive integer exponent")
        return self if e == 1 else Expr(POW, (self,), value=e)

    # --- identity (structural) -----------------------------------------------------------
    def key(self) -> tuple:
        """A structural key: equal keys mean equal expressions (used for CSE and digests)."""
        if self._key is None:
            if self.kind in LEAVES:
                self._key = (self.kind, self.value, self.offset)
            else:
                self._key = (self.kind, self.value, tuple(a.key() for a in self.args))
        return self._key

    def __repr__(self) -> str:
        return render(self)

    def __bool__(self) -> bool:
        raise TypeError("constraint expressions have no truth value (did you mean to build a constraint?)")


def const(v: int) -> Expr:
    return Expr.lift(v)


def render(e: Expr, names: dict[tuple[str, int], str] | None = None) -> str:
    """Readable infix text of an expression (for messages and the AIR digest)."""
    if e.kind == CONST:
        return str(e.value)
    if e.kind in (MAIN, AUX):
        name = (names or {}).get((e.kind, e.value), f"{e.kind}[{e.value}]")
        return f"{name}'" if e.offset else name
    if e.kind == CHALLENGE:
        return f"challenge[{e.value}]"
    if e.kind == PUBLIC:
        return (names or {}).get((PUBLIC, e.value), f"public[{e.value}]")
    if e.kind == PUBCOL:
        return (names or {}).get((PUBCOL, e.value), f"pubcol[{e.value}]")
    if e.kind == NEG:
        return f"-({render(e.args[0], names)})"
    if e.kind == POW:
        return f"({render(e.args[0], names)})^{e.value}"
    sym = {ADD: "+", SUB: "-", MUL: "*"}[e.kind]
    return f"({render(e.args[0], names)} {sym} {render(e.args[1], names)})"


def topological(roots: Iterable[Expr]) -> list[Expr]:
    """Distinct nodes (by structure) of the DAGs under ``roots``, children before parents."""
    order: list[Expr] = []
    seen: dict[tuple, Expr] = {}
    stack: list[tuple[Expr, bool]] = [(r, False) for r in reversed(list(roots))]
    while stack:
        node, expanded = stack.pop()
        k = node.key()
        if k in seen:
            continue
        if expanded or node.kind in LEAVES:
            seen[k] = node
            order.append(node)
            continue
        stack.append((node, True))
        for a in reversed(node.args):
            if a.key() not in seen:
                stack.append((a, False))
    return order


@dataclass(frozen=True)
class Constraint:
    """A named polynomial constraint that must vanish on a set of trace rows.

    ``kind`` is ``"transition"`` (every row but the last, relating a row to the next),
    ``"cyclic"`` (every row, the last one related to the first) or ``"boundary"`` (one row:
    ``row`` is ``"first"``, ``"last"`` or a row index).
    """

    name: str
    expr: Expr
    kind: str
    row: str | int | None = None

    @property
    def degree(self) -> int:
        return self.expr.degree
