"""The bounds ``main`` declares for the elements of its list inputs, read from its first
statements (``for p in pixels: assert 0 <= p <= 16``).

The range analysis (ranges.py) starts from them. The asserts themselves are compiled as any
others (one ``chk`` each, codegen.FunctionCompiler.assert_range), so every provable run
satisfies them. This module only reads the syntax tree: it knows nothing of the analysis nor
of code generation.
"""

from __future__ import annotations

from zkvm.compiler import ast as A
from zkvm.compiler.intervals import FLIP, TOP, Interval, point

_walk = A.walk


def declared_bounds(main: A.FunctionDef, constants: dict[str, object]) -> dict[str, Interval]:
    """The bounds main declares for its list parameters' elements, as plain Python: its first
    statements, before anything else runs, may be asserts and loops of asserts over a list
    parameter (``for v in xs: assert 0 <= v <= 255``, or two nested loops for a list of
    lists). Such a prologue only reads, and a provable run passes every assert in it, so from
    the start every element lies in the bounds (the intersection of the asserted ones).
    Scalar parameters need no declaration: an assert anywhere refines them where it holds."""
    params = {p.name for p in main.params}
    out: dict[str, Interval] = {}
    for stmt in main.body:
        if isinstance(stmt, A.Pass):
            continue
        if isinstance(stmt, A.Assert) and _side_effect_free(stmt):
            continue
        target = _element_asserts(stmt, params, constants)
        if target is None:
            break
        name, bound = target
        if bound is not None:
            out[name] = out[name].meet(bound.lo, bound.hi) or point(bound.lo) if name in out else bound
    return out


def _side_effect_free(stmt: A.Assert) -> bool:
    return all(not isinstance(n, A.Call) or (n.func == "len" and n.receiver is None) for n in _walk(stmt))


def _element_asserts(stmt: A.Stmt, params: set[str], constants: dict) -> tuple[str, Interval | None] | None:
    """``for v in P: <asserts on v>`` (or ``for row in P: for v in row: <asserts on v>``) ->
    (P, the bound they impose on v); None if the statement is not such a loop."""
    if not (isinstance(stmt, A.For) and isinstance(stmt.iter, A.Name) and stmt.iter.id in params):
        return None
    var, body = stmt.target, stmt.body
    if len(body) == 1 and isinstance(body[0], A.For) and isinstance(body[0].iter, A.Name) and body[0].iter.id == var:
        var, body = body[0].target, body[0].body
    bound: Interval | None = TOP
    for s in body:
        if isinstance(s, A.Pass):
            continue
        if not isinstance(s, A.Assert) or not _side_effect_free(s):
            return None
        b = _bound_of(s.test, var, constants)
        if b is not None:
            bound = bound.meet(b.lo, b.hi) if bound is not None else None
    return stmt.iter.id, (bound if bound is not None and bound != TOP else None)


def _bound_of(test: A.Expr, var: str, constants: dict) -> Interval | None:
    """The interval ``test`` confines ``var`` to, for comparisons of var with integer literals
    (chains and ``and`` included); None if it says nothing usable."""
    if isinstance(test, A.BoolOp) and test.op == "and":
        out = TOP
        for v in test.values:
            b = _bound_of(v, var, constants)
            if b is not None:
                out = out.meet(b.lo, b.hi) or out
        return out
    if not isinstance(test, A.Compare):
        return None
    out = TOP
    items = [test.left, *test.comparators]
    for left, o, right in zip(items, test.ops, items[1:]):
        lc, rc = _literal(left, constants), _literal(right, constants)
        if isinstance(left, A.Name) and left.id == var and rc is not None:
            o, c = o, rc
        elif isinstance(right, A.Name) and right.id == var and lc is not None:
            o, c = FLIP[o], lc
        else:
            continue
        new = {"<": out.meet(hi=c - 1), "<=": out.meet(hi=c), ">": out.meet(lo=c + 1), ">=": out.meet(lo=c),
               "==": out.meet(c, c)}.get(o, out)
        if new is not None:
            out = new
    return out


def _literal(e: A.Expr, constants: dict | None = None) -> int | None:
    """The value of a constant integer expression: literals, module int constants, and
    arithmetic on them (10 ** 6, -2 ** 15, LIMIT - 1)."""
    from zkvm.compiler.constants import int_binop

    if isinstance(e, A.IntLit):
        return e.value
    if isinstance(e, A.BoolLit):
        return int(e.value)
    if isinstance(e, A.Name) and constants and e.id in constants and isinstance(getattr(constants[e.id], "value", None), int):
        return constants[e.id].value
    if isinstance(e, A.UnaryOp) and e.op in ("-", "+"):
        v = _literal(e.operand, constants)
        return None if v is None else (-v if e.op == "-" else v)
    if isinstance(e, A.BinOp):
        a, b = _literal(e.left, constants), _literal(e.right, constants)
        if a is None or b is None:
            return None
        try:
            return int_binop(e.op, a, b)
        except (ZeroDivisionError, ValueError, OverflowError, ArithmeticError):
            return None
    return None


__all__ = ["declared_bounds"]
