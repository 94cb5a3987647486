"""The generic AIR interface: what a computation must declare to be proven by zkvm's STARK.

An AIR is built once with :class:`AirBuilder`:

1. name the main trace columns (base field) and, if the AIR uses permutation or LogUp
   arguments, the auxiliary columns (extension field, built after the prover has committed to
   the main trace and received ``num_challenges`` random challenges);
2. name the public inputs (base-field values known to the verifier);
3. add named constraints: ``transition`` constraints over the current row and the next
   (``b.main("a")`` and ``b.next("a")``), and ``boundary`` constraints on the first row, the
   last row or a given row.

Prover-only behaviour (building the auxiliary trace) is supplied as a function; the verifier
never calls it. :meth:`Air.digest` hashes the whole constraint system so that proofs are bound
to exactly this AIR.

Verifier-safe: pure Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import blake3

from zkvm.errors import ParameterError
from zkvm.stark.expr import AUX, CHALLENGE, MAIN, PUBCOL, PUBLIC, Constraint, Expr, render

AuxBuilder = Callable[..., object]
"""(main_trace (n, W) uint64, challenges list[(c0, c1)], public_inputs list[int],
public_columns (n, P) uint64) -> (n, 2A) uint64"""


@dataclass
class Air:
    """An algebraic intermediate representation (see the module docstring)."""

    name: str
    main_columns: tuple[str, ...]
    aux_columns: tuple[str, ...]
    num_challenges: int
    public_inputs: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    build_aux: AuxBuilder | None = None
    public_columns: tuple[str, ...] = ()
    _digest: bytes | None = field(default=None, repr=False)
    _topo: list | None = field(default=None, repr=False)
    _point: object | None = field(default=None, repr=False)
    _groups: list | None = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> int:
        return len(self.main_columns)

    @property
    def aux_width(self) -> int:
        """Auxiliary columns (each an extension element, i.e. two base columns when stored)."""
        return len(self.aux_columns)

    @property
    def max_degree(self) -> int:
        return max((c.degree for c in self.constraints), default=1)

    @property
    def composition_columns(self) -> int:
        """Number of degree-<n pieces the composition polynomial is split into.

        A transition constraint of degree d divided by its vanishing polynomial (degree n - 1,
        or n for a cyclic one) has degree below (d - 1) * n; a boundary constraint of degree d
        divided by (x - g^row) has degree below d * n.
        """
        pieces = 1
        for c in self.constraints:
            pieces = max(pieces, c.degree if c.kind == "boundary" else c.degree - 1)
        return pieces

    def transitions(self) -> list[Constraint]:
        return [c for c in self.constraints if c.kind in ("transition", "cyclic")]

    def boundary_rows(self, trace_length: int) -> list[int]:
        """The distinct rows that boundary constraints apply to, in first-seen order."""
        rows: list[int] = []
        for c in self.constraints:
            if c.kind == "boundary":
                r = resolve_row(c.row, trace_length)
                if r not in rows:
                    rows.append(r)
        return rows

    def topological_nodes(self) -> list:
        """Every distinct node of the constraint DAG, children first (computed once)."""
        if self._topo is None:
            from zkvm.stark.expr import topological

            self._topo = topological([c.expr for c in self.constraints])
        return self._topo

    def point_evaluator(self):
        """The constraints flattened for evaluation at one point (built once; verifier-safe)."""
        if self._point is None:
            from zkvm.stark.evaluate import PointEvaluator

            widths = (self.width, self.width, self.aux_width, self.aux_width, self.num_challenges,
                      len(self.public_inputs), len(self.public_columns))
            self._point = PointEvaluator([c.expr for c in self.constraints], self.topological_nodes(), widths)
        return self._point

    def constraint_groups(self) -> list[tuple[str, object, list[int]]]:
        """The constraints' indices by vanishing polynomial, in first-appearance order: the
        transitions, the cyclic ones, and the boundary constraints of each row (key "row:R"),
        as (key, row, indices); built once."""
        if self._groups is None:
            by_key: dict[str, tuple[str, object, list[int]]] = {}
            for i, c in enumerate(self.constraints):
                key = c.kind if c.kind in ("transition", "cyclic") else f"row:{c.row}"
                by_key.setdefault(key, (key, c.row, []))[2].append(i)
            self._groups = list(by_key.values())
        return self._groups

    def renamed(self, name: str) -> "Air":
        """The same constraints under another name: one more instance of a table (a tall table
        proven as several of power-of-two heights pads less than one)."""
        from dataclasses import replace

        return replace(self, name=name, _digest=None)

    def names(self) -> dict[tuple[str, int], str]:
        out: dict[tuple[str, int], str] = {(MAIN, i): n for i, n in enumerate(self.main_columns)}
        out.update({(AUX, i): n for i, n in enumerate(self.aux_columns)})
        out.update({(PUBLIC, i): n for i, n in enumerate(self.public_inputs)})
        out.update({(PUBCOL, i): n for i, n in enumerate(self.public_columns)})
        return out

    def describe(self) -> str:
        """A canonical text of the whole constraint system (the input of the digest)."""
        names = self.names()
        lines = [
            f"air {self.name}",
            "main " + ",".join(self.main_columns),
            "aux " + ",".join(self.aux_columns),
            f"challenges {self.num_challenges}",
            "public " + ",".join(self.public_inputs),
            "public columns " + ",".join(self.public_columns),
        ]
        for c in self.constraints:
            lines.append(f"{c.kind} {c.row} {c.name}: {render(c.expr, names)}")
        return "\n".join(lines)

    def digest(self) -> bytes:
        """blake3 of :meth:`describe`: any change to the constraints changes the digest."""
        if self._digest is None:
            self._digest = blake3.blake3(b"zkvm air v1\n" + self.describe().encode()).digest()
        return self._digest


def resolve_row(row: str | int | None, trace_length: int) -> int:
    if row == "first":
        return 0
    if row == "last":
        return trace_length - 1
    if isinstance(row, int) and not isinstance(row, bool):
        r = row if row >= 0 else trace_length + row
        if not 0 <= r < trace_length:
            raise ParameterError("row", f"boundary row {row} outside a trace of {trace_length} rows")
        return r
    raise ParameterError("row", f"boundary rows are 'first', 'last' or an index, got {row!r}")


class AirBuilder:
    """Collects columns and named constraints; :meth:`build` freezes them into an :class:`Air`."""

    def __init__(
        self,
        name: str,
        main: Sequence[str],
        aux: Sequence[str] = (),
        num_challenges: int = 0,
        public: Sequence[str] = (),
        public_columns: Sequence[str] = (),
    ) -> None:
        for group, names in (("main", main), ("aux", aux), ("public", public), ("public_columns", public_columns)):
            if len(set(names)) != len(names):
                raise ParameterError(group, "column and input names must be distinct")
        if aux and num_challenges < 1:
            raise ParameterError("num_challenges", "auxiliary columns need at least one challenge")
        self.name = name
        self._main = {n: i for i, n in enumerate(main)}
        self._aux = {n: i for i, n in enumerate(aux)}
        self._public = {n: i for i, n in enumerate(public)}
        self._pubcols = {n: i for i, n in enumerate(public_columns)}
        self.num_challenges = num_challenges
        self._constraints: list[Constraint] = []

    # --- references ------------------------------------------------------------------------
    def main(self, name: str) -> Expr:
        return Expr(MAIN, value=self._index(self._main, name, "main column"))

    def next(self, name: str) -> Expr:
        return Expr(MAIN, value=self._index(self._main, name, "main column"), offset=1)

    def aux(self, name: str) -> Expr:
        return Expr(AUX, value=self._index(self._aux, name, "aux column"))

    def aux_next(self, name: str) -> Expr:
        return Expr(AUX, value=self._index(self._aux, name, "aux column"), offset=1)

    def challenge(self, i: int) -> Expr:
        if not 0 <= i < self.num_challenges:
            raise ParameterError("challenge", f"index {i} outside [0, {self.num_challenges})")
        return Expr(CHALLENGE, value=i)

    def public(self, name: str) -> Expr:
        return Expr(PUBLIC, value=self._index(self._public, name, "public input"))

    def pubcol(self, name: str) -> Expr:
        """A public column (current row): known to the verifier, never committed."""
        return Expr(PUBCOL, value=self._index(self._pubcols, name, "public column"))

    def add_main(self, name: str) -> None:
        """Declare one more main column (after those given to the constructor)."""
        if name in self._main:
            raise ParameterError("main", f"duplicate main column {name!r}")
        self._main[name] = len(self._main)

    def add_aux(self, name: str) -> None:
        """Declare one more auxiliary (extension-field) column."""
        if name in self._aux:
            raise ParameterError("aux", f"duplicate aux column {name!r}")
        self._aux[name] = len(self._aux)

    def add_challenge(self) -> Expr:
        """Declare one more random challenge and return a reference to it."""
        self.num_challenges += 1
        return Expr(CHALLENGE, value=self.num_challenges - 1)

    @staticmethod
    def _index(table: dict[str, int], name: str, what: str) -> int:
        if name not in table:
            raise ParameterError(what, f"unknown {what} {name!r}")
        return table[name]

    # --- constraints -------------------------------------------------------------------------
    def transition(self, name: str, expr: Expr | int, cyclic: bool = False) -> None:
        """A constraint between each row and the next. It holds on every row but the last,
        or, with ``cyclic=True``, on every row with the last row followed by the first (the
        form running sums and grand products use: summed around the cycle they telescope,
        so no high-degree boundary check of the final value is needed)."""
        self._add(Constraint(name, Expr.lift(expr), "cyclic" if cyclic else "transition", None))

    def boundary(self, name: str, expr: Expr | int, row: str | int = "first") -> None:
        e = Expr.lift(expr)
        if _uses_next_row(e):
            raise ParameterError(name, "boundary constraints cannot refer to the next row")
        if not (row in ("first", "last") or (isinstance(row, int) and not isinstance(row, bool))):
            raise ParameterError(name, f"boundary rows are 'first', 'last' or an index, got {row!r}")
        self._add(Constraint(name, e, "boundary", row))

    def _add(self, c: Constraint) -> None:
        if any(existing.name == c.name for existing in self._constraints):
            raise ParameterError("constraint", f"duplicate constraint name {c.name!r}")
        if c.expr.degree == 0:
            raise ParameterError(c.name, "a constraint must involve at least one trace column")
        self._constraints.append(c)

    def build(self, build_aux: AuxBuilder | None = None) -> Air:
        if self._aux and build_aux is None:
            raise ParameterError("build_aux", "an AIR with auxiliary columns needs an aux-trace builder")
        return Air(
            name=self.name,
            main_columns=tuple(self._main),
            aux_columns=tuple(self._aux),
            num_challenges=self.num_challenges,
            public_inputs=tuple(self._public),
            constraints=tuple(self._constraints),
            build_aux=build_aux,
            public_columns=tuple(self._pubcols),
        )


def _uses_next_row(e: Expr) -> bool:
    stack = [e]
    while stack:
        n = stack.pop()
        if n.kind in (MAIN, AUX) and n.offset:
            return True
        stack.extend(n.args)
    return False


def uses_kind(e: Expr, kind: str) -> bool:
    stack = [e]
    while stack:
        n = stack.pop()
        if n.kind == kind:
            return True
        stack.extend(n.args)
    return False


__all__ = ["Air", "AirBuilder", "Constraint", "Expr", "resolve_row", "uses_kind", "CHALLENGE"]
