"""Evaluate constraint expressions at one point (verifier side, Python ints and Ext2).

Used for the out-of-domain check: the verifier receives the trace polynomials' values at z and
z*g, evaluates every constraint from the same expressions the prover compiled, and recombines
them exactly as the prover's composition polynomial did.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkvm.field.ext2 import Ext2
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
