"""Which lists may change length behind a name's back: a whole-program alias analysis.

The code generator uses list lengths known at compile time (to fold ``len()``, fuse dot
products into ``mac``, elide bounds checks, size outputs). A length read from a variable's
assignments is only true if no other reference to the same list grows it: ``q = p;
q.append(1)`` grows ``p``, and so do ``row = m[0]; row.append(1)`` (``m``'s rows),
``for r in m: r.append(1)``, ``m[0] = [1]``, a helper that appends to its parameter through a
local alias, a helper that returns its parameter, and ``W.append(1)`` on a module constant.

This module groups every list-valued name of the program (each function's parameters, locals
and return value, and the constants) into classes of names that may share a list object or
hold lists of each other's rows: flow-insensitive and context-insensitive, so it
over-approximates. A class in which a list may grow (``append``, ``+=``, storing a row) is
*unstable*: no name in it keeps a compile-time length. One exemption keeps the common case
precise: appending to a *fresh* local list (a list literal or comprehension that never
escapes its function while it is built, see :func:`fresh_lists`) grows only that local's own
list, whose length the function's own analysis already tracks, so it does not make its
class unstable.
"""

from __future__ import annotations

from zkvm.compiler import ast as A
from zkvm.compiler.types import from_annotation

BUILTINS = ("len", "range", "sum", "min", "max", "abs", "print")
RET = "<return>"
CONST = "<const>"


def _children(n):
    for f in n.__dataclass_fields__:
        v = getattr(n, f)
        if isinstance(v, A.Node):
            yield v
        elif isinstance(v, tuple):
            for x in v:
                if isinstance(x, A.Node):
                    yield x


def walk(n):
    """Every node under n (n included), iteratively."""
    stack = [n]
    while stack:
        x = stack.pop()
        if isinstance(x, A.Node):
            yield x
            stack.extend(reversed(list(_children(x))))


def walk_stmts(stmts):
    for s in stmts:
        yield from walk(s)


def fresh_lists(fn: A.FunctionDef, functions) -> set[str]:
    """Local list variables that can never share their list with another variable: every
    assignment gives them a new list (a literal or a comprehension) and the name never
    appears where its list could escape (assigned to another name, passed to a function,
    stored in a list, appended, an operand of a conditional or and/or expression)."""
    params = {p.name for p in fn.params}
    candidates: dict[str, bool] = {}
    escaping: set[str] = set()
    for n in walk_stmts(fn.body):
        if isinstance(n, (A.Assign, A.AnnAssign)):
            targets = n.targets if isinstance(n, A.Assign) else (n.target,)
            for t in targets:
                if isinstance(t, A.Name):
                    ok = isinstance(n.value, (A.ListLit, A.ListComp)) and all(
                        not isinstance(x, A.Name) for x in getattr(n.value, "elts", ()))
                    candidates[t.id] = candidates.get(t.id, True) and ok
            if isinstance(n.value, A.Name):
                escaping.add(n.value.id)
        elif isinstance(n, A.Call):
            # (min and max of several values may return a list argument itself)
            escaping.update(x.id for x in n.args if isinstance(x, A.Name)
                            and not (n.func in ("len", "range", "sum", "abs") and n.receiver is None)
                            and not (n.func in ("min", "max") and n.receiver is None and len(n.args) == 1))
        elif isinstance(n, A.ListLit):
            escaping.update(x.id for x in n.elts if isinstance(x, A.Name))
        elif isinstance(n, (A.For, A.AugAssign)):
            t = n.target if isinstance(n, A.For) else (n.target.id if isinstance(n.target, A.Name) else None)
            if t is not None:
                candidates[t] = False
        elif isinstance(n, A.ListComp):
            candidates[n.target] = False
            if isinstance(n.elt, A.Name):
                escaping.add(n.elt.id)
        elif isinstance(n, A.IfExp):
            escaping.update(x.id for x in (n.body, n.orelse) if isinstance(x, A.Name))
        elif isinstance(n, A.BoolOp):
            escaping.update(x.id for x in n.values if isinstance(x, A.Name))
    return {k for k, ok in candidates.items() if ok and k not in params and k not in escaping}


class _Depths:
    """Syntactic list depths of one function's names: 0 = never a list; anything else (1, 2,
    or unknown) may be a list. Only used to leave ints out of the alias classes."""

    def __init__(self, fn: A.FunctionDef, functions, constants, param_hints: dict | None = None) -> None:
        self.functions = functions
        self.constants = constants
        self.maybe: dict[str, set] = {}
        hints = param_hints or {}
        for p in fn.params:
            d = from_annotation(p.annotation) if p.annotation is not None else None
            if d is None and len(hints.get((fn.name, p.name), ())) == 1:
                self.maybe[p.name] = set(hints[(fn.name, p.name)])  # every call passes one depth
            else:
                self.maybe[p.name] = {d.depth if d is not None and d.is_list else (0 if d is not None else None)}
        binds = []
        for n in walk_stmts(fn.body):
            if isinstance(n, (A.Assign, A.AnnAssign)) and n.value is not None:
                for t in (n.targets if isinstance(n, A.Assign) else (n.target,)):
                    if isinstance(t, A.Name):
                        binds.append((t.id, n.value, 0))
            elif isinstance(n, A.AugAssign) and isinstance(n.target, A.Name):
                binds.append((n.target.id, n.value, 0))
            elif isinstance(n, A.For):
                binds.append((n.target, n.iter, 1))
            elif isinstance(n, A.ListComp):
                binds.append((n.target, n.iter, 1))
            elif isinstance(n, A.Call) and n.receiver is not None and isinstance(n.receiver, A.Name) and n.args \
                    and n.func == "append":
                binds.append((n.receiver.id, n.args[0], -1))
        self.locals = set(self.maybe) | {name for name, _, shift in binds if shift != -1}
        binds = [b for b in binds if b[0] in self.locals]
        for _ in range(4):
            changed = False
            for name, e, shift in binds:
                if shift == 1 and _is_range(e):
                    d = 0
                else:
                    d = self.depth(e)
                    if d is not None:
                        d = d - shift if shift == 1 else (d + 1 if shift == -1 else d)
                        if d < 0:
                            d = 0
                s = self.maybe.setdefault(name, set())
                if d not in s:
                    s.add(d)
                    changed = True
            if not changed:
                break

    def is_int(self, name: str) -> bool:
        s = self.maybe.get(name)
        if s is None:
            c = self.constants.get(name)
            return c is None or c.is_int
        return s == {0}

    def depth(self, e) -> int | None:
        if isinstance(e, (A.IntLit, A.BoolLit, A.NoneLit, A.Compare, A.UnaryOp)):
            return 0
        if isinstance(e, A.Name):
            s = self.maybe.get(e.id)
            if s is None:
                c = self.constants.get(e.id)
                if c is None or c.is_int:
                    return 0
                return len(c.shape) if not c.boxed else 2
            known = {d for d in s if d is not None}
            if None in s or len(known) != 1:
                return 0 if s == {0} else None
            return known.pop()
        if isinstance(e, A.Subscript):
            d = self.depth(e.value)
            return d - 1 if d is not None and d >= 1 else None
        if isinstance(e, A.ListLit):
            if not e.elts:
                return None
            d = self.depth(e.elts[0])
            return d + 1 if d is not None else None
        if isinstance(e, A.ListComp):
            d = self.depth(e.elt)
            return d + 1 if d is not None else None
        if isinstance(e, A.BinOp):
            if e.op not in ("+", "*"):
                return 0
            ds = [self.depth(e.left), self.depth(e.right)]
            if ds == [0, 0]:
                return 0
            known = [d for d in ds if d]
            return max(known) if known and None not in ds else None
        if isinstance(e, (A.IfExp, A.BoolOp)):
            vals = (e.body, e.orelse) if isinstance(e, A.IfExp) else e.values
            ds = {self.depth(v) for v in vals}
            return ds.pop() if len(ds) == 1 else None
        if isinstance(e, A.Call):
            if e.receiver is None and e.func in ("min", "max") and e.args:
                return self.depth(_min_max_pick(e))
            if e.receiver is not None or e.func in BUILTINS:
                return 0
            f = self.functions.get(e.func)
            if f is not None and f.returns is not None:
                d = from_annotation(f.returns)
                if d is not None:
                    return d.depth if d.is_list else 0
            return None
        return None


class AliasAnalysis:
    def __init__(self, functions: dict[str, A.FunctionDef], constants: dict) -> None:
        self.functions = functions
        self.constants = constants
        self.parent: dict = {}
        self.grown_roots: set = set()
        self.fresh: dict[str, set[str]] = {}
        self.param_hints = _parameter_depths(functions, constants)
        growth = []
        self._stores: list = []
        for fn in functions.values():
            growth.extend(self._function(fn))
        for node in growth:
            self.grown_roots.add(self.find(node))
        written_roots = self.grown_roots | {self.find(node) for node in self._stores}
        self.written_constants: set[str] = {
            name for (scope, name) in list(self.parent) if scope == CONST and self.find((scope, name)) in written_roots}
        self.unstable: dict[str, set[str]] = {}
        self.unstable_constants: set[str] = set()
        for node in list(self.parent):
            if self.find(node) in self.grown_roots:
                scope, name = node
                if scope == CONST:
                    self.unstable_constants.add(name)
                else:
                    self.unstable.setdefault(scope, set()).add(name)

    # --- union-find ---------------------------------------------------------------------------
    def find(self, x):
        p = self.parent.setdefault(x, x)
        if p == x:
            return x
        root = self.find(p)
        self.parent[x] = root
        return root

    def union(self, nodes) -> None:
        nodes = list(nodes)
        if len(nodes) < 2:
            for n in nodes:
                self.find(n)
            return
        r = self.find(nodes[0])
        for n in nodes[1:]:
            s = self.find(n)
            if s != r:
                self.parent[s] = r

    # --- one function ---------------------------------------------------------------------------
    def _function(self, fn: A.FunctionDef) -> list:
        depths = _Depths(fn, self.functions, self.constants, self.param_hints)
        fresh = self.fresh[fn.name] = fresh_lists(fn, self.functions)
        local = depths.locals
        growth = []

        def node(name: str):
            if name in local:
                return None if depths.is_int(name) else (fn.name, name)
            c = self.constants.get(name)
            return (CONST, name) if c is not None and not c.is_int else None

        def roots(e) -> list:
            if isinstance(e, A.Name):
                n = node(e.id)
                return [n] if n is not None else []
            if isinstance(e, A.Subscript):
                return [] if depths.depth(e.value) == 1 else roots(e.value)
            if isinstance(e, A.ListLit):
                return [r for x in e.elts for r in roots(x)]
            if isinstance(e, A.ListComp):
                return roots(e.elt)
            if isinstance(e, A.BinOp):
                if e.op not in ("+", "*") or depths.depth(e) in (0, 1):
                    return []  # ints, or a new list of ints
                return roots(e.left) + roots(e.right)
            if isinstance(e, A.IfExp):
                return roots(e.body) + roots(e.orelse)
            if isinstance(e, A.BoolOp):
                return [r for v in e.values for r in roots(v)]
            if isinstance(e, A.Call) and e.receiver is None and e.func in self.functions:
                return [] if depths.depth(e) == 0 else [(e.func, RET)]
            if isinstance(e, A.Call) and e.receiver is None and e.func in ("min", "max") and e.args:
                if len(e.args) > 1:
                    return [r for a in e.args for r in roots(a)]  # one of the lists
                return roots(_min_max_pick(e))  # one of the rows (or an int)
            return []

        def bind(name: str, e) -> None:
            n = node(name)
            if n is not None:
                self.union([n] + roots(e))

        def stored(target) -> None:
            """The lists an assignment target stores into (its subscripted containers)."""
            if isinstance(target, A.Subscript):
                self._stores.extend(roots(target.value))
                stored(target.value)
            elif isinstance(target, (A.ListLit, A.Tuple)):
                for x in target.elts:
                    stored(x)
            elif isinstance(target, A.Starred):
                stored(target.value)

        for n in walk_stmts(fn.body):
            if isinstance(n, (A.Assign, A.AnnAssign, A.AugAssign, A.Delete)):
                for t in _targets(n):
                    stored(t)
            if isinstance(n, (A.Assign, A.AnnAssign)):
                if n.value is None:
                    continue
                for t in (n.targets if isinstance(n, A.Assign) else (n.target,)):
                    if isinstance(t, A.Name):
                        bind(t.id, n.value)
                    elif isinstance(t, A.Subscript):
                        container = roots(t.value)
                        self.union(container + roots(n.value))
                        if depths.depth(n.value) != 0:
                            growth.extend(container)  # m[i] = row: the rows' lengths change
            elif isinstance(n, A.AugAssign):
                if isinstance(n.target, A.Name) and not depths.is_int(n.target.id):
                    bind(n.target.id, n.value)
                    nd = node(n.target.id)
                    if nd is not None:
                        growth.append(nd)  # xs += ys
            elif isinstance(n, (A.For, A.ListComp)):
                bind(n.target, n.iter)
            elif isinstance(n, A.Call):
                if n.receiver is not None:
                    target = roots(n.receiver)
                    self.union(target + [r for a in n.args for r in roots(a)])
                    if not (isinstance(n.receiver, A.Name) and n.receiver.id in fresh):
                        growth.extend(target)
                elif n.func in self.functions:
                    callee = self.functions[n.func]
                    for p, a in zip(callee.params, n.args):
                        self.union([(callee.name, p.name)] + roots(a))
            elif isinstance(n, A.Return) and n.value is not None:
                self.union([(fn.name, RET)] + roots(n.value))
        return growth

    def shares_any(self, fn_name: str, name: str, others) -> bool:
        """May any of ``others`` (names read in ``fn_name``: locals, parameters or constants)
        share a list with ``name`` (be it, hold it, or be held by it)?"""
        root = self.find((fn_name, name))
        for o in others:
            if o == name:
                return True
            for node in ((fn_name, o), (CONST, o)):
                if node in self.parent and self.find(node) == root:
                    return True
        return False

    def unstable_names(self, fn_name: str) -> set[str]:
        return self.unstable.get(fn_name, set())


def _parameter_depths(functions: dict, constants: dict, rounds: int = 6) -> dict:
    """The list depths the call sites pass to each unannotated parameter, {(function,
    parameter): {depth, ...}} (None: unknown), to a fixpoint: a helper ``dense(w, b, x)``
    called with a matrix, a vector and a vector has a matrix parameter and two vector ones, so
    that ``acc = b[j]`` is an int and joins no list's alias class."""
    hints: dict = {}
    for _ in range(rounds):
        found: dict = {}
        for fn in functions.values():
            depths = _Depths(fn, functions, constants, hints)
            for n in walk_stmts(fn.body):
                if isinstance(n, A.Call) and n.receiver is None and n.func in functions:
                    callee = functions[n.func]
                    for p, a in zip(callee.params, n.args):
                        found.setdefault((callee.name, p.name), set()).add(depths.depth(a))
                    for p in callee.params[len(n.args):]:
                        found.setdefault((callee.name, p.name), set()).add(None)  # (a keyword or default)
        if found == hints:
            break
        hints = found
    return hints


def _targets(n) -> tuple:
    """The targets of an assignment, augmented assignment or del statement."""
    if isinstance(n, A.Assign):
        return tuple(n.targets)
    if isinstance(n, A.Delete):
        return tuple(getattr(n, "targets", ()))
    return (n.target,)


def _min_max_pick(e: A.Call):
    """What min/max returns, as an expression of the same depth and lists: one of several
    arguments (the first stands for all: they share one type), or an element of the one."""
    if len(e.args) > 1:
        return e.args[0]
    return A.Subscript(e.span, e.args[0], A.IntLit(e.span, 0))


def _is_range(e) -> bool:
    return isinstance(e, A.Call) and e.func == "range" and e.receiver is None
