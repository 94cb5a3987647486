"""Definite assignment: every read of a local variable must follow an assignment on every path.

Python decides at compile time which names are local to a function (those it assigns anywhere:
assignment targets, augmented and annotated targets, ``for`` targets) and raises
UnboundLocalError when one is read before it is assigned. The VM has no such check, so a read
of an unassigned slot would silently give a stale value. This pass is a conservative
flow analysis over a function body:

* after ``if``/``else`` a name is assigned if both branches assign it (a branch that ends in
  ``return``, ``break`` or ``continue`` does not count against it);
* a loop body may run zero times: names first assigned inside a ``for`` or ``while`` body are
  not assigned after the loop, except after a ``for`` over a non-empty range with constant
  bounds and after ``while True`` (left only through ``break``);
* the target of a ``for`` loop is assigned after the loop only if the loop ran. Reading it
  there (``for i in range(n): ...`` then ``return i``) is allowed, with a run-time check that
  stops execution when the loop did not run, as Python would.

A read that may be unassigned is a compile error (file:line:col, with advice); a read that is
unassigned only when a loop ran zero times is returned as a run-time check for the code
generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkvm.compiler import ast as A
from zkvm.errors import Diagnostic

# (D, L): D = names assigned on every path; L = the same, counting a for loop's target as
# assigned after the loop. None = unreachable code.
State = "tuple[frozenset[str], frozenset[str]] | None"


def _meet(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return (a[0] & b[0], a[1] & b[1])


def _add(state, name: str):
    if state is None:
        return None
    return (state[0] | {name}, state[1] | {name})


@dataclass
class _Loop:
    breaks: list = field(default_factory=list)
    continues: list = field(default_factory=list)


def local_names(fn: A.FunctionDef) -> set[str]:
    """The names Python treats as local to the function: parameters and every name it assigns."""
    out = {p.name for p in fn.params if p.name.isidentifier()}
    stack = list(fn.body)
    while stack:
        n = stack.pop()
        if isinstance(n, A.Assign):
            out.update(t.id for t in n.targets if isinstance(t, A.Name))
        elif isinstance(n, (A.AugAssign, A.AnnAssign)) and isinstance(n.target, A.Name):
            out.add(n.target.id)
        elif isinstance(n, A.For):
            out.add(n.target)
        if isinstance(n, (A.If, A.While, A.For)):
            stack.extend(n.body)
            stack.extend(getattr(n, "orelse", ()))
    return out


class DefiniteAssignment:
    def __init__(self, fn: A.FunctionDef, constants: set[str], int_constants: dict[str, int]) -> None:
        self.fn = fn
        self.constants = constants
        self.int_constants = int_constants
        self.locals = local_names(fn)
        self.diags: list[Diagnostic] = []
        self.reported: set[str] = set()
        self.runtime_checks: dict[tuple[int, int], str] = {}
        self.loops: list[_Loop] = []

    def run(self) -> "DefiniteAssignment":
        params = frozenset(p.name for p in self.fn.params)
        self.block(self.fn.body, (params, params))
        return self

    # --- statements ----------------------------------------------------------------------
    def block(self, stmts, state):
        for s in stmts:
            if state is None:
                break  # unreachable code: Python never runs it
            state = self.stmt(s, state)
        return state

    def stmt(self, s, state):
        if isinstance(s, A.Assign):
            self.read(s.value, state)
            for t in s.targets:
                if not isinstance(t, A.Name):
                    self.read(t, state)
            for t in s.targets:
                if isinstance(t, A.Name):
                    state = _add(state, t.id)
            return state
        if isinstance(s, A.AnnAssign):
            if s.value is None:
                return state
            self.read(s.value, state)
            if isinstance(s.target, A.Name):
                return _add(state, s.target.id)
            self.read(s.target, state)
            return state
        if isinstance(s, A.AugAssign):
            self.read(s.target, state)
            self.read(s.value, state)
            return state
        if isinstance(s, A.ExprStmt):
            self.read(s.value, state)
            return state
        if isinstance(s, A.Return):
            self.read(s.value, state)
            return None
        if isinstance(s, A.Assert):
            self.read(s.test, state)
            return state
        if isinstance(s, A.If):
            self.read(s.test, state)
            return _meet(self.block(s.body, state), self.block(s.orelse, state))
        if isinstance(s, A.While):
            self.read(s.test, state)
            loop = _Loop()
            self.loops.append(loop)
            inside = state
            for name in s.binds:
                inside = _add(inside, name)
            self.block(s.body, inside)
            self.loops.pop()
            if _truthy_constant(s.test):
                out = None  # while True: left only through break
                for b in loop.breaks:
                    out = _meet(out, b)
                return out
            return (state[0], state[1] | set(s.binds)) if s.binds else state
        if isinstance(s, A.For):
            self.read(s.iter, state)
            loop = _Loop()
            self.loops.append(loop)
            inside = _add(state, s.target)
            for name in s.binds:
                inside = _add(inside, name)
            end = self.block(s.body, inside)
            self.loops.pop()
            if self.runs_at_least_once(s.iter):
                out = end
                for b in loop.breaks + loop.continues:
                    out = _meet(out, b)
                return out
            return (state[0], state[1] | {s.target} | set(s.binds))
        if isinstance(s, A.Break):
            if self.loops:
                self.loops[-1].breaks.append(state)
            return None
        if isinstance(s, A.Continue):
            if self.loops:
                self.loops[-1].continues.append(state)
            return None
        return state  # pass, and constructs the checker rejects

    def runs_at_least_once(self, it) -> bool:
        if isinstance(it, A.ListLit):
            return bool(it.elts)
        if not (isinstance(it, A.Call) and it.func == "range" and it.receiver is None and 1 <= len(it.args) <= 3):
            return False
        vals = [self.const_int(a) for a in it.args]
        if any(v is None for v in vals) or (len(vals) == 3 and vals[2] == 0):
            return False
        return len(range(*vals)) > 0

    def const_int(self, e) -> int | None:
        if isinstance(e, A.IntLit):
            return e.value
        if isinstance(e, A.UnaryOp) and e.op == "-" and isinstance(e.operand, A.IntLit):
            return -e.operand.value
        if isinstance(e, A.Name) and e.id not in self.locals:
            return self.int_constants.get(e.id)
        return None

    # --- expressions ---------------------------------------------------------------------
    def read(self, e, state, bound: frozenset[str] = frozenset()) -> None:
        if e is None or state is None or not isinstance(e, A.Node):
            return
        if isinstance(e, A.Name):
            name = e.id
            if name in bound or name not in self.locals or name in state[0]:
                return
            if name in state[1]:
                self.runtime_checks[(e.span.line, e.span.col)] = name
                return
            self.unassigned(e)
            return
        if isinstance(e, A.ListComp):
            self.read(e.iter, state, bound)
            inner = bound | {e.target}
            self.read(e.elt, state, inner)
            self.read(e.cond, state, inner)
            return
        for f in e.__dataclass_fields__:
            v = getattr(e, f)
            if isinstance(v, A.Node):
                self.read(v, state, bound)
            elif isinstance(v, tuple):
                for x in v:
                    if isinstance(x, A.Node):
                        self.read(x, state, bound)

    def unassigned(self, e: A.Name) -> None:
        if e.id in self.reported:
            return
        self.reported.add(e.id)
        if e.id in self.constants:
            help = (f"{self.fn.name}() assigns {e.id!r}, which makes it a local variable in the whole function "
                    f"(Python raises UnboundLocalError here): give the local variable another name")
        else:
            help = ("assign it before this line on every path, for example an initial value before the if or the "
                    "loop (a loop may run zero times; Python raises UnboundLocalError here)")
        self.diags.append(Diagnostic(e.span, f"{e.id!r} may be used before it is assigned", help))


def _truthy_constant(e) -> bool:
    return (isinstance(e, A.BoolLit) and e.value) or (isinstance(e, A.IntLit) and e.value != 0)


def check_function(fn: A.FunctionDef, constants: set[str], int_constants: dict[str, int]):
    """(diagnostics, {(line, col): name} of the reads that need a run-time check)."""
    d = DefiniteAssignment(fn, constants, int_constants).run()
    return d.diags, d.runtime_checks
