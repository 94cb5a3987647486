"""Questions about the checked syntax tree that the code generator's modules share (walking a
node, whether a loop body breaks, whether an expression mentions a name, ...).

Pure functions of the tree: no compiler state, no code emitted.
"""

from __future__ import annotations

from zkvm.compiler import ast as A


def walk_all(n):
    return A.walk(n)


def is_range_call(e) -> bool:
    return isinstance(e, A.Call) and e.func == "range" and e.receiver is None


def root_name(e) -> str | None:
    while isinstance(e, A.Subscript):
        e = e.value
    return e.id if isinstance(e, A.Name) else None


def mentions(e, name: str) -> bool:
    if isinstance(e, A.Name):
        return e.id == name
    if isinstance(e, A.Node):
        for f in e.__dataclass_fields__:
            v = getattr(e, f)
            if isinstance(v, A.Node) and mentions(v, name):
                return True
            if isinstance(v, tuple) and any(isinstance(x, A.Node) and mentions(x, name) for x in v):
                return True
    return False


def breaks(stmts) -> bool:
    """Does a break of this loop (not of a nested loop) occur in these statements?"""
    for st in stmts:
        if isinstance(st, A.Break):
            return True
        if isinstance(st, A.If) and (breaks(st.body) or breaks(st.orelse)):
            return True
        if isinstance(st, (A.ForLoop, A.WhileElse)) and st.orelse and breaks(st.orelse):
            return True  # (a nested loop's else clause runs as part of this loop's body)
    return False
