"""The constraint debugger: evaluate every constraint on a raw trace and explain failures.

A wrong trace otherwise produces a proof that simply fails to verify. Run before proving (the
prover does so in debug mode), this names each failing constraint and row; an optional hook
maps a row to a description such as "pc 12 (model.py:7)".

Prover side (uses the Numba array kernels), but it only evaluates on the n trace rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from zkvm.errors import ZkvmError
from zkvm.field import kernels as k
from zkvm.stark.air import Air, resolve_row
from zkvm.stark.expr import ADD, AUX, CHALLENGE, CONST, MAIN, MUL, NEG, POW, PUBCOL, PUBLIC, SUB, topological


@dataclass(frozen=True)
class ConstraintFailure:
    constraint: str
    row: int
    value: tuple[int, int]
    where: str = ""
    table: str = ""

    def __str__(self) -> str:
        at = f" ({self.where})" if self.where else ""
        v = self.value[0] if self.value[1] == 0 else self.value
        of = f"table {self.table!r}: " if self.table else ""
        return f"{of}constraint {self.constraint!r} fails at row {self.row}{at}: evaluates to {v}"


class ConstraintViolation(ZkvmError):
    """The trace does not satisfy the AIR; ``failures`` lists the first failing (constraint, row)."""

    def __init__(self, failures: list[ConstraintFailure], total: int) -> None:
        self.failures = failures
        self.total = total
        shown = "\n  ".join(str(f) for f in failures)
        more = f"\n  ... {total - len(failures)} more" if total > len(failures) else ""
        super().__init__(f"the trace violates {total} constraint row(s):\n  {shown}{more}")


def _full(n: int, v: int) -> np.ndarray:
    return np.full(n, v, dtype=np.uint64)


def _ext(x: tuple[str, np.ndarray], n: int) -> np.ndarray:
    if x[0] == "e":
        return x[1]
    out = np.zeros((n, 2), dtype=np.uint64)
    out[:, 0] = x[1]
    return out


def _binary(op: str, a, b, n: int):
    if a[0] == "b" and b[0] == "b":
        out = np.empty(n, dtype=np.uint64)
        {ADD: k.add_into, SUB: k.sub_into, MUL: k.mul_into}[op](a[1], b[1], out)
        return ("b", out)
    if op == MUL and (a[0] == "b" or b[0] == "b"):
        base, ext = (a[1], b[1]) if a[0] == "b" else (b[1], a[1])
        out = np.empty((n, 2), dtype=np.uint64)
        k.mul_into(ext[:, 0].copy(), base, out[:, 0])
        k.mul_into(ext[:, 1].copy(), base, out[:, 1])
        return ("e", out)
    x, y = _ext(a, n), _ext(b, n)
    out = np.empty((n, 2), dtype=np.uint64)
    if op == MUL:
        k.ext_mul_into(x, y, out)
    else:
        f = k.add_into if op == ADD else k.sub_into
        f(x.reshape(-1), y.reshape(-1), out.reshape(-1))
    return ("e", out)


def evaluate_expressions(
    exprs: Sequence,
    main: np.ndarray,
    aux: np.ndarray | None,
    challenges: Sequence[tuple[int, int]],
    publics: Sequence[int],
    pubcols: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Each expression's value on every row, as an (n, 2) array (row i uses rows i and i + 1,
    wrapping at the end)."""
    n = main.shape[0]
    vals: dict[tuple, tuple[str, np.ndarray]] = {}
    nxt = np.roll(np.arange(n), -1)
    for node in topological(exprs):
        kind = node.kind
        if kind == CONST:
            v = ("b", _full(n, node.value))
        elif kind == MAIN:
            col = np.ascontiguousarray(main[:, node.value])
            v = ("b", col[nxt] if node.offset else col)
        elif kind == AUX:
            assert aux is not None
            pair = np.ascontiguousarray(aux[:, 2 * node.value : 2 * node.value + 2])
            v = ("e", pair[nxt] if node.offset else pair)
        elif kind == CHALLENGE:
            c0, c1 = challenges[node.value]
            pair = np.empty((n, 2), dtype=np.uint64)
            pair[:, 0], pair[:, 1] = c0, c1
            v = ("e", pair)
        elif kind == PUBLIC:
            v = ("b", _full(n, int(publics[node.value])))
        elif kind == PUBCOL:
            assert pubcols is not None
            v = ("b", np.ascontiguousarray(pubcols[:, node.value]))
        elif kind == NEG:
            a = vals[node.args[0].key()]
            zero = ("b", _full(n, 0))
            v = _binary(SUB, zero, a, n)
        elif kind == POW:
            a = vals[node.args[0].key()]
            result = a
            for _ in range(node.value - 1):
                result = _binary(MUL, result, a, n)
            v = result
        else:
            v = _binary(kind, vals[node.args[0].key()], vals[node.args[1].key()], n)
        vals[node.key()] = v
    return [_ext(vals[e.key()], n) for e in exprs]


def evaluate_on_trace(
    air: Air,
    main: np.ndarray,
    aux: np.ndarray | None,
    challenges: Sequence[tuple[int, int]],
    publics: Sequence[int],
    pubcols: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Each constraint's value on every row, as an (n, 2) array (the wrap row is ignored for
    transitions)."""
    return evaluate_expressions([c.expr for c in air.constraints], main, aux, challenges, publics, pubcols)


def check_constraints(
    air: Air,
    main: np.ndarray,
    aux: np.ndarray | None = None,
    challenges: Sequence[tuple[int, int]] = (),
    publics: Sequence[int] = (),
    max_failures: int = 10,
    describe_row: Callable[[int], str] | None = None,
    pubcols: np.ndarray | None = None,
) -> list[ConstraintFailure]:
    """All (constraint, row) pairs where the trace breaks the AIR, first rows first (up to
    ``max_failures`` are described; the rest are only counted by :func:`assert_satisfied`)."""
    failures, _ = _collect(air, main, aux, challenges, publics, max_failures, describe_row, pubcols)
    return failures


def _collect(air, main, aux, challenges, publics, max_failures, describe_row, pubcols=None, table=""):
    n = main.shape[0]
    values = evaluate_on_trace(air, main, aux, challenges, publics, pubcols)
    found: list[tuple[int, int, str, tuple[int, int]]] = []
    total = 0
    for ci, (c, v) in enumerate(zip(air.constraints, values)):
        nonzero = (v[:, 0] != 0) | (v[:, 1] != 0)
        if c.kind == "transition":
            rows = np.flatnonzero(nonzero[: n - 1])
        elif c.kind == "cyclic":
            rows = np.flatnonzero(nonzero)
        else:
            r = resolve_row(c.row, n)
            rows = np.array([r]) if nonzero[r] else np.array([], dtype=np.int64)
        total += rows.size
        for r in rows[:max_failures]:
            found.append((int(r), ci, c.name, (int(v[r, 0]), int(v[r, 1]))))
    found.sort()
    failures = [
        ConstraintFailure(name, row, value, describe_row(row) if describe_row else "", table)
        for row, _, name, value in found[:max_failures]
    ]
    return failures, total


def assert_satisfied(air, main, aux=None, challenges=(), publics=(), max_failures=10, describe_row=None, pubcols=None,
                     table: str = "") -> None:
    """Raise :class:`ConstraintViolation` naming the first failures (and ``table``, in a
    multi-table proof), if any."""
    failures, total = _collect(air, main, aux, challenges, publics, max_failures, describe_row, pubcols, table)
    if total:
        raise ConstraintViolation(failures, total)
