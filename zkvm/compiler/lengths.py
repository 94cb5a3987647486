"""Types and list lengths of a function's variables, for code generation.

:class:`LengthAnalysis` infers, flow-insensitively, the type of every variable of one
specialization of a function (int, None, a list of a given depth) and the lengths of lists
known at compile time (a dot product over lists of known length becomes one ``mac``);
:class:`CountedAppends` recognizes a list built by appends in counted loops, whose length is
known where it is returned. Both read the syntax tree and ask the function compiler
(codegen.FunctionCompiler) for what it knows (its variables, constants, the specializations of
called functions): they emit no code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkvm.compiler import ast as A
from zkvm.compiler.ir import CodegenError, a_type
from zkvm.compiler.tree import is_range_call, root_name, walk_all
from zkvm.compiler.types import INT, NONE, VType, from_annotation, list_of, mixed, unify

if TYPE_CHECKING:  # pragma: no cover
    from zkvm.compiler.codegen import FunctionCompiler


def mixed_tuple(types) -> tuple[str, str]:
    """The message and help for a tuple whose elements mix ints or lists with lists of lists
    (three levels of lists)."""
    return (f"unsupported: a tuple that mixes {', '.join(a_type(t) for t in types)}",
            "a tuple may mix ints, lists and lists of lists; values nest at most three deep: keep the parts apart "
            "(return them separately, or as two tuples)")


def constant_type(c) -> VType:
    """The type of a nested constant (constants.ConstValue): a boxed tuple, or depth 3."""
    if c.depth == 2:
        return VType("list", 2, len(c.value), None, c.boxed)
    item = VType("list", 2, len(c.value[0]), None, c.item_boxed) if c.item_boxed and c.value else VType("list", 2)
    return VType("list", 3, len(c.value), item=item)


def whole_tuple(node: A.Node, t: VType, what: str) -> None:
    """Refuse to treat a tuple mixing ints and lists as a sequence of one element type (its
    positions have different types: Python would compare an int with a list, or the result
    could not be typed)."""
    if t.is_tuple:
        raise CodegenError(node.span, f"unsupported: {what} a tuple that mixes ints and lists ({t.describe()})",
                           "read its parts with constant indexes (t[0], t[-1]) or unpack it (score, path = t)")


class _Pending(Exception):
    """A call's argument whose type the analysis has not inferred yet."""


class LengthAnalysis:
    """Flow-insensitive types and list lengths of a function's variables.

    A variable's length is known when every assignment to it gives the same known length and
    its list is never grown (no append on it or on an alias, never passed to a function that
    may grow it); computed by iterating to a fixed point."""

    def __init__(self, fc: FunctionCompiler, param_types: list[VType]) -> None:
        self.fc = fc
        self.params = dict(zip((p.name for p in fc.fn.params), param_types))
        self.running = False
        self.guessed = False
        self.types: dict[str, VType] = {}
        self.assigns: dict[str, list[tuple[str, A.Expr]]] = {}
        self.grown: set[str] = set()
        self.aliases: list[tuple[str, str]] = []
        self.appended: dict[str, list[tuple[int, A.Expr | None]]] = {}
        self.depth_hints: dict[str, set[int]] = {}  # list depths of parameters a name is passed as

    def run(self) -> "LengthAnalysis":
        for s in self.fc.fn.body:
            self.collect(s)
        grown = set(self.grown)
        changed = True
        while changed:
            changed = False
            for a, b in self.aliases:
                if (a in grown) != (b in grown):
                    grown |= {a, b}
                    changed = True
        # lists that another name may grow (aliases.py): no compile-time lengths either
        aliases = getattr(self.fc.prog, "aliases", None)
        if aliases is not None:
            grown |= aliases.unstable_names(self.fc.fn.name)
        self.grown = grown
        self.types = {k: (v if k not in grown or not v.is_list else v.unknown_lengths()) for k, v in self.params.items()}
        base = dict(self.types)
        self.running = True
        for _ in range(len(self.assigns) + 6):
            new = dict(self.types)
            for name, items in self.assigns.items():
                # a parameter that is reassigned keeps a length only if every assignment agrees
                t = base.get(name)
                ok = True
                for kind, e in items:
                    try:
                        # source order: earlier assignments of this round are already visible
                        self.guessed = False
                        et = self.expr_type(e, new)
                    except _Pending:
                        continue  # decided in a later round, once the argument's type is known
                    if self.guessed:
                        continue  # it reads a name not inferred yet: decided in a later round
                    if kind == "elem":
                        whole_tuple(e, et, "a loop over")
                        et = et.element() if et.is_list else INT
                    u = unify(t, et) if t is not None else et
                    if u is None:
                        ok = False
                        break
                    t = u
                    if name not in new or new[name] != t and name not in self.types:
                        new[name] = t  # later items may refer to the name itself (xs = xs + ys)
                for levels, arg in self.appended.get(name, ()):
                    # xs.append(v) makes xs a list of v's type (xs[i].append(v): one level deeper)
                    try:
                        self.guessed = False
                        et = self.expr_type(arg, new) if arg is not None else INT
                    except _Pending:
                        continue
                    if self.guessed:
                        continue  # (g.append(zs) before zs is inferred: a later round)
                    depth = (max(et.depth, 1) if et.is_list else 0) + 1 + levels  # ([] appended: a row)
                    grown_t = list_of(et.unknown_lengths()) if levels == 0 and et.is_list and et.depth == 2 \
                        else VType("list", min(depth, 3))
                    u = unify(t, grown_t) if t is not None else grown_t
                    if u is not None:
                        t = u
                for depth in self.depth_hints.get(name, ()):
                    if t is not None and t.is_list and t.depth == 0:
                        t = VType("list", depth, t.length)  # [] passed as a list[...] parameter
                if ok and t is not None:
                    if name in grown and t.is_list:
                        t = t.unknown_lengths()
                    new[name] = t
            if new == self.types:
                break
            self.types = new
        self.running = False
        return self

    def collect(self, s) -> None:
        if isinstance(s, (A.Assign, A.AnnAssign)):
            targets = s.targets if isinstance(s, A.Assign) else (s.target,)
            value = s.value
            if value is None:
                return
            for t in targets:
                if isinstance(t, A.Name):
                    self.assigns.setdefault(t.id, []).append(("value", value))
                    if isinstance(value, A.Name):
                        self.aliases.append((t.id, value.id))
                else:
                    self.scan(t)
            self.scan(value)
        elif isinstance(s, A.AugAssign):
            if isinstance(s.target, A.Name):
                self.grown.add(s.target.id)  # xs += [...] grows a list; ints are unaffected
                self.assigns.setdefault(s.target.id, []).append(("value", A.BinOp(s.span, s.op, s.target, s.value)))
            else:
                self.scan(s.target)
            self.scan(s.value)
        elif isinstance(s, A.For):
            self.assigns.setdefault(s.target, []).append(("elem", s.iter) if not is_range_call(s.iter) else ("value", A.IntLit(s.span, 0)))
            if not is_range_call(s.iter):
                self.row_used(s.iter)
            self.scan(s.iter)
            for x in s.body:
                self.collect(x)
        elif isinstance(s, (A.If, A.While)):
            self.scan(s.test)
            for x in s.body:
                self.collect(x)
            for x in getattr(s, "orelse", ()):
                self.collect(x)
        elif isinstance(s, (A.ExprStmt, A.Return, A.Assert)):
            v = s.value if not isinstance(s, A.Assert) else s.test
            if v is not None:
                self.scan(v)

    def row_used(self, e) -> None:
        """``e`` is used where a list is needed: if it is ``xs[i]``, xs holds lists (a hint
        for a list that is never given elements, such as ``g = []``, whose rows are used)."""
        if isinstance(e, A.Subscript) and isinstance(e.value, A.Name):
            self.depth_hints.setdefault(e.value.id, set()).add(2)

    def scan(self, e) -> None:
        if isinstance(e, A.Subscript):
            self.row_used(e.value)
        elif isinstance(e, A.ListComp) and not is_range_call(e.iter):
            self.row_used(e.iter)
        elif isinstance(e, A.Call) and e.receiver is None and e.func in ("len", "sum", "min", "max") and len(e.args) == 1:
            self.row_used(e.args[0])
        if isinstance(e, A.Call):
            if e.receiver is not None and e.func == A.SET_LENGTH:
                root = root_name(e.receiver)
                if root is not None:
                    self.grown.add(root)  # a shrinking list has no compile-time length either
            elif e.receiver is not None and e.func == "append":
                root = root_name(e.receiver)
                if root is not None:
                    self.grown.add(root)
                    levels = 0
                    r = e.receiver
                    while isinstance(r, A.Subscript):
                        levels += 1
                        r = r.value
                    self.appended.setdefault(root, []).append((levels, e.args[0] if e.args else None))
            elif e.func in self.fc.prog.functions:
                for a, p in zip(e.args, self.fc.prog.functions[e.func].params):
                    declared = from_annotation(p.annotation)
                    if isinstance(a, A.Name) and declared is not None and declared.is_list:
                        self.depth_hints.setdefault(a.id, set()).add(declared.depth)
                grows = self.fc.prog.grows_params(e.func)
                for k, a in enumerate(e.args):
                    if k in grows:
                        root = root_name(a)
                        if root is not None:
                            self.grown.add(root)
        if isinstance(e, A.Node):
            for f in e.__dataclass_fields__:
                v = getattr(e, f)
                if isinstance(v, A.Node):
                    self.scan(v)
                elif isinstance(v, tuple):
                    for x in v:
                        if isinstance(x, A.Node):
                            self.scan(x)

    def expr_type(self, e: A.Expr, env: dict[str, VType]) -> VType:
        prog = self.fc.prog
        if isinstance(e, (A.IntLit, A.BoolLit, A.Compare)):
            return INT
        if isinstance(e, A.NoneLit):
            return NONE
        if isinstance(e, A.Name):
            if e.id in env:
                return env[e.id]
            if e.id in self.fc.vars:
                return self.fc.vars[e.id].type
            if self.running and e.id in self.assigns and e.id not in prog.constants:
                self.guessed = True  # a local whose type is not inferred yet: int is a guess
            if e.id in prog.constants:
                c = prog.constants[e.id]
                if c.is_int:
                    return INT
                shape = c.shape
                aliases = getattr(prog, "aliases", None)
                if len(shape) == 3 or c.boxed:
                    return constant_type(c)
                if aliases is not None and e.id in aliases.unstable_constants:
                    return VType("list", len(shape))  # a constant list the program grows
                if len(shape) == 1:
                    return VType("list", 1, shape[0])
                return VType("list", 2, shape[0], shape[1])
            return INT
        if isinstance(e, A.UnaryOp):
            return INT
        if isinstance(e, A.BoolOp):
            ts = [self.expr_type(v, env) for v in e.values]
            out = ts[0]
            for t in ts[1:]:
                out = unify(out, t) or INT
            return out
        if isinstance(e, A.IfExp):
            return unify(self.expr_type(e.body, env), self.expr_type(e.orelse, env)) or INT
        if isinstance(e, A.BinOp):
            lt, rt = self.expr_type(e.left, env), self.expr_type(e.right, env)
            whole_tuple(e, lt if lt.is_tuple else rt, f"'{e.op}' on")
            if e.op == "+" and lt.is_list and rt.is_list:
                n = lt.length + rt.length if lt.length is not None and rt.length is not None else None
                both = unify(lt.with_length(None), rt.with_length(None))
                return VType("list", max(lt.depth, rt.depth), n, lt.inner if lt.inner == rt.inner else None,
                             item=both.item if both is not None else None)
            if e.op == "*" and (lt.is_list or rt.is_list):
                lst, other = (lt, e.right) if lt.is_list else (rt, e.left)
                k = self.fc.const_value(other)
                n = lst.length * max(0, k) if lst.length is not None and k is not None else None
                return VType("list", lst.depth, n, lst.inner, item=lst.item)
            return INT
        if isinstance(e, A.Subscript):
            t = self.expr_type(e.value, env)
            if t.is_tuple:
                return t.part(self.fc.tuple_position(e, t))
            if t.is_list and t.depth == 0 and self.running:
                self.guessed = True  # an element of a list not typed yet (xs = [] then appends): a later round
            return t.element() if t.is_list else INT
        if isinstance(e, A.ListLit):
            if not e.elts:
                return VType("list", 0, 0)
            ts = [self.expr_type(x, env) for x in e.elts]
            if isinstance(e, A.TupleLit) and any(t.is_list != ts[0].is_list or (t.is_list and t.depth and ts[0].depth
                                                                                   and t.depth != ts[0].depth) for t in ts):
                vt = mixed(ts)
                if vt is None:
                    raise CodegenError(e.span, *mixed_tuple(ts))
                return vt
            if ts[0].is_list and any(t.is_list and t.depth == 2 for t in ts):
                item = ts[0].unknown_lengths() if ts[0].depth else None  # (lengths may differ: rows of rows)
                for t in ts[1:]:
                    item = unify(item, t.unknown_lengths()) if item is not None else t.unknown_lengths()
                    if item is None:
                        raise CodegenError(e.span, *mixed_tuple(ts))
                return VType("list", 3, len(ts), item=item)
            if ts[0].is_list:
                inner = ts[0].length if all(t.length == ts[0].length for t in ts) else None
                return VType("list", 2, len(ts), inner)
            return VType("list", 1, len(ts))
        if isinstance(e, A.ListComp):
            inner_env = dict(env)
            if is_range_call(e.iter):
                inner_env[e.target] = INT
                n = self.fc.static_range_length(e.iter) if e.cond is None else None
            else:
                it = self.expr_type(e.iter, env)
                whole_tuple(e.iter, it, "a comprehension over")
                if it.is_list and it.depth == 0:
                    return VType("list", 0, 0)  # over a list that stays empty: empty, no element type
                inner_env[e.target] = it.element() if it.is_list else INT
                n = it.length if e.cond is None else None
            if isinstance(e.elt, A.Subscript):
                vt = self.expr_type(e.elt.value, inner_env)
                if vt.is_list and vt.depth == 0:
                    return VType("list", 0, 0)  # elements of a list that stays empty: none, or IndexError
            et = self.expr_type(e.elt, inner_env)
            if et.is_list:
                lt = list_of(et.unknown_lengths() if et.depth == 2 else et, n, et.length)
                if lt is None:
                    raise CodegenError(e.elt.span, "unsupported: a list nested four deep", "lists nest at most three deep")
                return lt
            return VType("list", 1, n)
        if isinstance(e, A.Call):
            if e.receiver is not None:
                return NONE
            if e.func in ("len", "abs", "print"):
                return INT
            if e.func in ("min", "max", "sum"):
                ts = [self.expr_type(a, env) for a in e.args]
                for a, t in zip(e.args, ts):
                    whole_tuple(a, t, f"{e.func}() of")
            if e.func == "sum":
                return INT
            if e.func in ("min", "max"):
                if len(ts) == 1 and ts[0].is_list and ts[0].depth >= 2:
                    return ts[0].element()  # the smallest or largest row
                if len(ts) > 1 and ts[0].is_list:
                    out = ts[0]
                    for t in ts[1:]:
                        out = unify(out, t) or out
                    return out  # one of the lists
                return INT
            if e.func in prog.functions:
                outer, self.guessed = self.guessed, False
                arg_types = [self.expr_type(a, env) for a in e.args]
                if self.running and any(isinstance(a, A.Name) and t.is_list and t.depth == 0 and a.id in self.appended
                                        for a, t in zip(e.args, arg_types)):
                    self.guessed = True  # ([] with appends later in the function: its rows not typed yet)
                if self.guessed and self.running:
                    # an argument's type is not known yet (xs + ys, ys not inferred yet):
                    # specializing now would guess, so decide in a later round
                    raise _Pending(e.func)
                self.guessed = outer
                try:
                    compiled = prog.specialize(prog.functions[e.func], arg_types, e.span,
                                               self.fc.int_constants(prog.functions[e.func], e.args), self.fc.site)
                except CodegenError:
                    raise
                return compiled.returns
            return INT
        return INT


class CountedAppends:
    """The length of a list built by appends in counted loops, at a return statement.

    Recognizes the idiom ``out = []`` then ``out.append(...)`` as a direct statement of a nest
    of ``for`` loops with compile-time trip counts (no if, while, break or continue around it),
    all before the ``return out`` at the top level of the function; the list must not be
    aliased, extended otherwise, or passed to a function that may grow it. The entry stub also
    checks the length at run time, so a wrong inference cannot produce a wrong output."""

    def __init__(self, fc: FunctionCompiler, name: str, ret: A.Return) -> None:
        self.fc = fc
        self.name = name
        self.ret = ret

    def length_type(self, vt: VType) -> VType | None:
        body = self.fc.fn.body
        if self.ret not in body:
            return None
        r_idx = body.index(self.ret)
        init_idx, init_expr = None, None
        for k, st in enumerate(body):
            for node in walk_all(st):
                if isinstance(node, (A.Assign, A.AnnAssign)):
                    targets = node.targets if isinstance(node, A.Assign) else (node.target,)
                    if any(isinstance(t, A.Name) and t.id == self.name for t in targets):
                        if init_idx is not None or node is not st:
                            return None
                        init_idx, init_expr = k, node.value
                    if isinstance(node.value, A.Name) and node.value.id == self.name:
                        return None  # aliased
                if isinstance(node, A.AugAssign) and isinstance(node.target, A.Name) and node.target.id == self.name:
                    return None
                if isinstance(node, A.Call) and node.receiver is None and node.func in self.fc.prog.functions:
                    for a in node.args:
                        if root_name(a) == self.name:
                            return None
        if init_idx is None or init_expr is None:
            return None
        start = self.fc.type_of(init_expr)
        if not start.is_list or start.length is None:
            return None
        total = start.length
        inner = start.inner
        for k, st in enumerate(body):
            count = self.count(st, 1, k < r_idx and k > init_idx)
            if count is None:
                return None
            total += count[0]
            if count[1] is not None:
                if inner is not None and start.length and inner != count[1]:
                    return None
                inner = count[1]
        return VType("list", vt.depth, total, inner if vt.depth == 2 else None, item=vt.item)

    def count(self, st, trips: int, allowed: bool):
        """(appends to the list made by st, row length of what they append); None if the
        appends are not countable."""
        if isinstance(st, A.ExprStmt) and isinstance(st.value, A.Call) and st.value.receiver is not None \
                and root_name(st.value.receiver) == self.name:
            if not (allowed and isinstance(st.value.receiver, A.Name)):
                return None
            t = self.fc.type_of(st.value.args[0])
            return trips, (t.length if t.is_list else None)
        if isinstance(st, A.For):
            inner = self.appends_inside(st)
            if not inner:
                return 0, None
            if any(isinstance(n, (A.Break, A.Continue)) for n in walk_all(st)):
                return None
            if is_range_call(st.iter):
                n = self.fc.static_range_length(st.iter)
            else:
                n = self.fc.type_of(st.iter).length
            if n is None:
                return None
            total, row = 0, None
            for x in st.body:
                c = self.count(x, trips * n, allowed)
                if c is None:
                    return None
                total += c[0]
                row = c[1] if c[1] is not None else row
            return total, row
        if self.appends_inside(st):
            return None  # an append under if/while: not countable
        return 0, None

    def appends_inside(self, st) -> bool:
        return any(isinstance(n, A.Call) and n.receiver is not None and root_name(n.receiver) == self.name for n in walk_all(st))
