"""Evaluate constraint expressions at one point (verifier side, Python ints and Ext2).

Used for the out-of-domain check: the verifier receives the trace polynomials' values at z and
z*g, evaluates every constraint from the same expressions the prover compiled, and recombines
them exactly as the prover's composition polynomial did.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkvm.field.ext2 import NONRESIDUE, Ext2
from zkvm.field.goldilocks import P
from zkvm.stark.expr import ADD, AUX, CHALLENGE, CONST, MAIN, MUL, NEG, POW, PUBCOL, PUBLIC, SUB, Expr, topological

Value = int | Ext2


def evaluate_all(
    roots: Sequence[Expr],
    main_cur: Sequence[Value],
    main_next: Sequence[Value],
    aux_cur: Sequence[Value],
    aux_next: Sequence[Value],
    challenges: Sequence[Ext2],
    publics: Sequence[int],
    order: Sequence[Expr] | None = None,
    pubcols: Sequence[Value] = (),
) -> list[Value]:
    """Values of ``roots`` given the values of every leaf kind (ints or Ext2). ``order`` may
    pass the DAG's topological order when the caller has it cached."""
    values: dict[tuple, Value] = {}
    for node in order if order is not None else topological(roots):
        k = node.kind
        if k == CONST:
            v: Value = node.value
        elif k == MAIN:
            v = (main_next if node.offset else main_cur)[node.value]
        elif k == AUX:
            v = (aux_next if node.offset else aux_cur)[node.value]
        elif k == CHALLENGE:
            v = challenges[node.value]
        elif k == PUBLIC:
            v = publics[node.value] % P
        elif k == PUBCOL:
            v = pubcols[node.value]
        else:
            a = values[node.args[0].key()]
            if k == NEG:
                v = -a if isinstance(a, Ext2) else (-a) % P
            elif k == POW:
                v = a**node.value if isinstance(a, Ext2) else pow(a, node.value, P)
            else:
                b = values[node.args[1].key()]
                if isinstance(a, int) and isinstance(b, int):
                    v = (a + b) % P if k == ADD else (a - b) % P if k == SUB else a * b % P
                elif k == ADD:
                    v = Ext2.lift(a) + b
                elif k == SUB:
                    v = Ext2.lift(a) - b
                elif k == MUL:
                    v = Ext2.lift(a) * b
                else:  # pragma: no cover - exhaustive
                    raise AssertionError(k)
        values[node.key()] = v
    return [values[r.key()] for r in roots]


_LEAF, _CONST, _ADD, _SUB, _MUL, _NEG, _POW = range(7)
_LEAF_GROUPS = ((MAIN, 0), (MAIN, 1), (AUX, 0), (AUX, 1), (CHALLENGE, 0), (PUBLIC, 0), (PUBCOL, 0))
_BINARY = {ADD: _ADD, SUB: _SUB, MUL: _MUL}


class PointEvaluator:
    """The constraint DAG flattened once into slot operations, evaluated at one extension
    point on pairs of Python ints (no Ext2 objects, no dictionary of keys): the verifier's
    out-of-domain evaluation, equal to :func:`evaluate_all` at a fraction of its cost.

    Leaves read one flat list of values: main(z), main(zg), aux(z), aux(zg), challenges,
    public inputs, public columns(z), in that order."""

    def __init__(self, roots: Sequence[Expr], order: Sequence[Expr], widths: Sequence[int]) -> None:
        starts, total = {}, 0
        for group, width in zip(_LEAF_GROUPS, widths):
            starts[group] = total
            total += width
        self.leaf_count = total
        slot: dict[tuple, int] = {}
        ops: list[tuple[int, int, int]] = []
        for node in order:
            k = node.kind
            if k == CONST:
                op = (_CONST, node.value % P, 0)
            elif k in (MAIN, AUX):
                op = (_LEAF, starts[(k, 1 if node.offset else 0)] + node.value, 0)
            elif k in (CHALLENGE, PUBLIC, PUBCOL):
                op = (_LEAF, starts[(k, 0)] + node.value, 0)
            elif k == NEG:
                op = (_NEG, slot[node.args[0].key()], 0)
            elif k == POW:
                op = (_POW, slot[node.args[0].key()], node.value)
            else:
                op = (_BINARY[k], slot[node.args[0].key()], slot[node.args[1].key()])
            slot[node.key()] = len(ops)
            ops.append(op)
        self.ops = ops
        self.roots = [slot[r.key()] for r in roots]
        self._compiled = _compile(ops, self.roots)

    def __call__(self, leaves: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """The roots' values, as (c0, c1) pairs, from the leaves' values as pairs."""
        if len(leaves) != self.leaf_count:
            raise ValueError(f"expected {self.leaf_count} leaf values, got {len(leaves)}")
        return self._compiled(leaves)

    def interpret(self, leaves: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """:meth:`__call__` one operation at a time (the reference for the compiled form)."""
        if len(leaves) != self.leaf_count:
            raise ValueError(f"expected {self.leaf_count} leaf values, got {len(leaves)}")
        v0: list[int] = []
        v1: list[int] = []
        w = NONRESIDUE
        for k, a, b in self.ops:
            if k == _MUL:
                x0, x1, y0, y1 = v0[a], v1[a], v0[b], v1[b]
                v0.append((x0 * y0 + w * x1 * y1) % P)
                v1.append((x0 * y1 + x1 * y0) % P)
            elif k == _ADD:
                v0.append((v0[a] + v0[b]) % P)
                v1.append((v1[a] + v1[b]) % P)
            elif k == _SUB:
                v0.append((v0[a] - v0[b]) % P)
                v1.append((v1[a] - v1[b]) % P)
            elif k == _LEAF:
                c0, c1 = leaves[a]
                v0.append(c0 % P)
                v1.append(c1 % P)
            elif k == _CONST:
                v0.append(a)
                v1.append(0)
            elif k == _NEG:
                v0.append(-v0[a] % P)
                v1.append(-v1[a] % P)
            else:  # _POW
                e = Ext2(v0[a], v1[a]) ** b
                v0.append(e.c0)
                v1.append(e.c1)
        return [(v0[r], v1[r]) for r in self.roots]


def _compile(ops: Sequence[tuple[int, int, int]], roots: Sequence[int]):
    """The operations as one straight-line Python function of the leaves (compiled once per
    AIR from our own constraint expressions, never from proof data): a few times faster than
    interpreting them. Sums and differences are left unreduced (Python integers do not
    overflow); products and the returned roots are reduced."""
    lines = ["def evaluate(L):"]
    const = {}
    for i, (k, a, b) in enumerate(ops):
        x, y = f"a{i}", f"b{i}"
        if k == _CONST:
            const[i] = a
            lines.append(f" {x} = {a}; {y} = 0")
        elif k == _LEAF:
            lines.append(f" {x}, {y} = L[{a}]")
        elif k == _ADD:
            lines.append(f" {x} = a{a} + a{b}; {y} = b{a} + b{b}")
        elif k == _SUB:
            lines.append(f" {x} = a{a} - a{b}; {y} = b{a} - b{b}")
        elif k == _NEG:
            lines.append(f" {x} = -a{a}; {y} = -b{a}")
        elif k == _MUL:
            if a in const or b in const:
                c, other = (const[a], b) if a in const else (const[b], a)
                lines.append(f" {x} = a{other} * {c} % P; {y} = b{other} * {c} % P")
            else:
                lines.append(f" {x} = (a{a} * a{b} + {NONRESIDUE} * b{a} * b{b}) % P; {y} = (a{a} * b{b} + b{a} * a{b}) % P")
        else:  # _POW
            lines.append(f" {x}, {y} = _power(a{a}, b{a}, {b})")
    lines.append(" return [" + ", ".join(f"(a{r} % P, b{r} % P)" for r in roots) + "]")
    namespace = {"P": P, "_power": _power}
    exec(compile("\n".join(lines), "<constraint evaluator>", "exec"), namespace)  # noqa: S102 (our own expressions)
    return namespace["evaluate"]


def _power(c0: int, c1: int, e: int) -> tuple[int, int]:
    v = Ext2(c0, c1) ** e
    return v.c0, v.c1
