"""Desugaring: Python as people write it -> the small core the checker and code generator know.

transform.py gives a tree with the surface constructs (tuples, unpacking, ``zip``/``enumerate``
/``reversed``, generator expressions and comprehensions of any shape, slices, keyword and
default arguments, lambdas as ``key=``, loop ``else`` clauses, ``in``, ``sorted``, ``divmod``,
...). This pass rewrites each into core nodes, with CPython's semantics:

- a tuple is an immutable list of a length known at compile time (a tuple of ints is a
  ``list[int]``; tuples of tuples are lists of lists);
- unpacking goes through the elements (``a, b = b, a`` evaluates the right side first), with a
  length check where the length is not evident (CPython's ValueError stops the run);
- ``for`` over ``zip``/``enumerate``/``reversed`` becomes a loop over indexes; where the loop
  variables are plain reads of the lists they are substituted, so that ``sum(w * x for w, x in
  zip(row, xs))`` is the dot-product pattern that compiles to one ``mac``;
- a comprehension or generator that the core cannot express inline (several ``for`` clauses,
  tuple targets over a list of tuples, ``any``/``all`` that must stop early) becomes a helper
  function of the module taking the enclosing function's variables it reads (lambda lifting);
- builtins with no instruction of their own (slices, ``sorted``, ``reversed``, ``in`` on a list,
  ...) become calls of prelude.py's functions, compiled like the program's own helpers.

Everything this pass cannot rewrite becomes a :class:`~zkvm.compiler.transform.Rejected` node
(with its parts, so the checker reports what is inside it too), never an exception.
"""

from __future__ import annotations

from dataclasses import replace

from zkvm.compiler import ast as A
from zkvm.compiler import prelude
from zkvm.compiler.desugar_classes import ClassesMixin, ClassInfo, field_of
from zkvm.compiler.transform import LiteralData, Rejected, RejectedStmt
from zkvm.source import Span

VIEW_FUNCS = ("zip", "enumerate", "reversed")
KEY_BUILTINS = ("abs", "len", "sum", "min", "max")
MATERIALIZE = ("list", "tuple")


class _Fn:
    """What the pass knows of the function being rewritten: its local names (for the free
    variables of lifted comprehensions) and a counter for fresh names."""

    def __init__(self, name: str, locals_: set[str]) -> None:
        self.name = name
        self.locals = locals_
        self.count = 0
        # local names bound once to a function (f = double, sq = lambda v: v * v): their calls
        # become calls of that function (a lambda's free variables passed as arguments)
        self.aliases: dict[str, A.Expr] = {}

    def fresh(self, kind: str) -> str:
        self.count += 1
        name = f"{kind}.{self.count}"  # never a Python identifier: no clash with the program's names
        self.locals.add(name)
        return name


class Desugarer(ClassesMixin):
    def __init__(self, module: A.Module) -> None:
        self.module = module
        self.functions = {s.name: s for s in module.body if isinstance(s, A.FunctionDef)}
        self.classes = {s.name: ClassInfo(s) for s in module.body if isinstance(s, A.ClassDef)}
        self.instances: dict[str, ClassInfo] = {}  # module-level instances
        self.local_instances: dict[str, ClassInfo] = {}  # instances of the function being rewritten
        for info in self.classes.values():
            for m in info.methods.values():
                me = m.params[0].name if m.params else "self"
                self.functions[f"{info.name}.{m.name}"] = A.FunctionDef(
                    m.span, f"{info.name}.{m.name}", (*(A.Param(m.span, f"{me}.{f}", None) for f in info.fields), *m.params[1:]),
                    m.returns, m.body)
        for s in module.body:
            if isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Name) and \
                    isinstance(s.value, A.Call) and s.value.receiver is None and s.value.func in self.classes:
                self.instances[s.targets[0].id] = self.classes[s.value.func]
        self.module_names = set(self.functions) | set(self.classes) | set(self.instances)
        for s in module.body:
            if isinstance(s, (A.Assign, A.AnnAssign)):
                for t in (s.targets if isinstance(s, A.Assign) else (s.target,)):
                    self.module_names.update(_bound_names(t))
        self.strings: dict[str, int] = {}  # string literals (dict keys) -> their int codes
        self.dicts: dict[str, _Table] = {}  # module-level dicts of constant keys
        for s in module.body:
            if isinstance(s, (A.Assign, A.AnnAssign)) and isinstance(s.value, A.DictLit):
                targets = s.targets if isinstance(s, A.Assign) else (s.target,)
                if len(targets) == 1 and isinstance(targets[0], A.Name):
                    self.dicts[targets[0].id] = _Table(targets[0].id, s.value)
        self.extra: list[A.FunctionDef] = []  # lifted helpers
        self.prelude_used: set[str] = set()
        self.lift_count = 0
        self._fparams: dict[str, set[str]] = {}
        self._current_body: tuple = ()
        self._current_params: set[str] = set()
        self._lambdas: dict[tuple, str] = {}
        self.fn: _Fn = _Fn("<module>", set())

    # --- module ----------------------------------------------------------------------------
    def run(self) -> A.Module:
        body: list[A.Stmt] = []
        for s in self.module.body:
            if isinstance(s, A.FunctionDef) and s.name != "main" and (self.function_params(s) or _none_params(s)):
                continue  # compiled once per function passed to it (call_with_functions)
            if isinstance(s, A.FunctionDef):
                self.local_instances = {}
                body.append(self.function(s))
            elif isinstance(s, A.ClassDef):
                self.fn = _Fn("<module>", set())
                body.extend(self.class_def(s))
            else:
                self.fn = _Fn("<module>", set())
                body.extend(self.module_stmt(s))
        body.extend(self.extra)
        done: set[str] = set()
        while self.prelude_used - done:  # prelude functions may use others
            for name in sorted(self.prelude_used - done):
                done.add(name)
                body.append(self.function(prelude.functions()[name]))
        return A.Module(self.module.span, tuple(body))

    def module_stmt(self, s: A.Stmt) -> list[A.Stmt]:
        if isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Name) and \
                s.targets[0].id in self.instances and isinstance(s.value, A.Call) and s.value.func in self.classes:
            return self.construction(s.targets[0], s.value, module_level=True)
        if isinstance(s, (A.Assign, A.AnnAssign)) and isinstance(s.value, A.DictLit):
            targets = s.targets if isinstance(s, A.Assign) else (s.target,)
            table = self.dicts.get(targets[0].id) if isinstance(targets[0], A.Name) else None
            if table is not None:
                return self.table_constants(table, s)
        if isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Tuple):
            target = s.targets[0]
            if isinstance(s.value, A.Tuple) and len(s.value.elts) == len(target.elts) and \
                    all(isinstance(t, A.Name) for t in target.elts):
                return [A.Assign(s.span, (t,), self.expr(v)) for t, v in zip(target.elts, s.value.elts)]
        if isinstance(s, A.Assign):
            return [A.Assign(s.span, s.targets, self.expr(s.value))]
        if isinstance(s, A.AnnAssign) and s.value is not None:
            return [A.AnnAssign(s.span, s.target, s.annotation, self.expr(s.value))]
        return [s]

    def table_constants(self, table: "_Table", s: A.Stmt) -> list[A.Stmt]:
        """``D = {k: v, ...}``: the constants ``D.keys`` and ``D.values`` (keys known at compile
        time: ints, strings, tuples of those; a later duplicate key replaces the value, as in
        CPython)."""
        d = table.node
        keys: list = []
        values: list[A.Expr] = []
        for k, v in zip(d.keys, d.values):
            key = self.constant_key(k)
            if key is None:
                return [RejectedStmt(k.span, "dict", "a dict's keys must be known when the program is compiled: "
                                     "ints, strings or tuples of those", (self.expr(v),))]
            if key in keys:
                values[keys.index(key)] = self.expr(v)
            else:
                keys.append(key)
                values.append(self.expr(v))
        table.keys = keys
        span = s.span
        return [A.Assign(span, (A.Name(span, table.keys_name),), _key_list(keys, span)),
                A.Assign(span, (A.Name(span, table.values_name),), A.ListLit(span, tuple(values)))]

    def constant_key(self, k: A.Expr):
        """A dict key as a Python value (strings as their codes), or None if not a constant."""
        if isinstance(k, A.IntLit):
            return k.value
        if isinstance(k, A.BoolLit):
            return int(k.value)
        if isinstance(k, A.UnaryOp) and k.op == "-" and isinstance(k.operand, A.IntLit):
            return -k.operand.value
        if isinstance(k, A.Unsupported) and k.construct == "string":  # (a Rejected without parts)
            return self.string_code(k.text)
        if isinstance(k, A.Tuple) and not any(isinstance(x, A.Starred) for x in k.elts):
            parts = [self.constant_key(x) for x in k.elts]
            return None if any(p is None for p in parts) else tuple(parts)
        return None

    def string_code(self, text: str) -> int:
        """The int a string literal is compiled to: strings only serve as dict keys and in ==,
        so distinct strings need distinct codes, far from the ints programs use as keys."""
        if text not in self.strings:
            self.strings[text] = STRING_BASE + len(self.strings)
        return self.strings[text]

    def function(self, fn: A.FunctionDef) -> A.FunctionDef:
        outer = self.fn
        # (defaults stay for the checker's arity message; call sites pass every argument)
        params = tuple(A.Param(p.span, p.name, p.annotation, self.expr(p.default)) for p in fn.params)
        self.fn = _Fn(fn.name, {p.name for p in fn.params} | _assigned_names(fn.body))
        self.fn.aliases = self.function_aliases(fn)
        self._current_body, self._current_params = fn.body, {p.name for p in fn.params}
        body = self.stmts(fn.body)
        self.fn = outer
        return A.FunctionDef(fn.span, fn.name, params, fn.returns, tuple(body))

    # --- statements ------------------------------------------------------------------------
    def stmts(self, stmts) -> list[A.Stmt]:
        out: list[A.Stmt] = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s: A.Stmt) -> list[A.Stmt]:
        if isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Name) \
                and s.targets[0].id in self.fn.aliases:
            return []  # f = lambda ...: its calls call the lifted lambda
        if isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Name) and \
                isinstance(s.value, A.Call) and s.value.receiver is None and s.value.func in self.classes:
            name = s.targets[0].id
            if name in self.local_instances or _assign_count(self._current_body, name) != 1:
                return [RejectedStmt(s.span, "instance", f"{name} is assigned an instance and something else: an "
                                     "instance variable is assigned once")]
            self.local_instances[name] = self.classes[s.value.func]
            return self.construction(s.targets[0], s.value, module_level=False)
        if isinstance(s, A.Assign):
            return self.assign(s)
        if isinstance(s, A.AugAssign):
            return [A.AugAssign(s.span, self.target(s.target), s.op, self.expr(s.value))]
        if isinstance(s, A.AnnAssign):
            if s.value is None:
                return [s]
            if isinstance(s.target, (A.Name, A.Subscript)):
                return [A.AnnAssign(s.span, self.target(s.target), s.annotation, self.expr(s.value))]
            return self.assign(A.Assign(s.span, (s.target,), s.value))
        if isinstance(s, A.ExprStmt):
            return self.expr_stmt(s)
        if isinstance(s, A.Return):
            return [A.Return(s.span, self.expr(s.value) if s.value is not None else None)]
        if isinstance(s, A.If):
            return [A.If(s.span, self.expr(s.test), tuple(self.stmts(s.body)), tuple(self.stmts(s.orelse)))]
        if isinstance(s, A.While):
            return [A.While(s.span, self.expr(s.test), tuple(self.stmts(s.body)))]
        if isinstance(s, A.WhileElse):
            flag = self.fn.fresh("broke")
            loop = A.While(s.span, s.test, _flag_breaks(s.body, flag))
            return self.with_else(loop, s.orelse, flag, s.span)
        if isinstance(s, A.For):
            return self.for_loop(A.Name(s.target_span, s.target), s.iter, s.body, None, s.span)
        if isinstance(s, A.ForLoop):
            return self.for_loop(s.target, s.iter, s.body, s.orelse, s.span)
        if isinstance(s, A.Assert):
            return [A.Assert(s.span, self.expr(s.test), s.msg)]
        if isinstance(s, A.FunctionDef):
            return [self.function(s)]
        if isinstance(s, A.ClassDef):
            return [RejectedStmt(s.span, "class inside a function", "define classes at module level",
                                 body=tuple(x for x in s.body if not isinstance(x, A.FunctionDef)), assigns=(s.name,))]
        if isinstance(s, RejectedStmt):
            return [replace(s, parts=tuple(self.expr(p) for p in s.parts), body=tuple(self.stmts(s.body)))]
        return [s]

    def with_else(self, loop: A.Stmt, orelse, flag: str, span: Span) -> list[A.Stmt]:
        """A loop with an ``else`` clause: the clause runs unless a ``break`` left the loop
        (always, if the loop has no ``break`` of its own)."""
        if not _has_break(loop.body):
            return [*self.stmt(loop), *self.stmts(orelse)]
        init = A.Assign(span, (A.Name(span, flag),), A.BoolLit(span, False))
        after = A.If(span, A.UnaryOp(span, "not", A.Name(span, flag)), tuple(orelse), ())
        return [init, *self.stmt(loop), *self.stmt(after)]

    def expr_stmt(self, s: A.ExprStmt) -> list[A.Stmt]:
        e = s.value
        if isinstance(e, A.Call) and e.receiver is not None and e.func == "extend" and len(e.args) == 1:
            v = A.Name(e.span, self.fn.fresh("item"))
            append = A.ExprStmt(e.span, A.Call(e.span, "append", (v,), receiver=e.receiver))
            return self.for_loop(v, e.args[0], (append,), None, s.span)
        if isinstance(e, A.Call) and e.receiver is not None and e.func in ("sort", "reverse") and isinstance(e.receiver, A.Name):
            kw = {a.name: a.value for a in e.args if isinstance(a, A.Keyword)}
            if e.func == "sort":
                new = A.Call(e.span, "sorted", (e.receiver, *(A.Keyword(v.span, k, v) for k, v in kw.items())))
            else:
                new = A.Call(e.span, "reversed", (e.receiver,))
            tmp = A.Name(e.span, self.fn.fresh("sorted"))
            i = A.Name(e.span, self.fn.fresh("i"))
            copy = A.For(e.span, i.id, e.span, A.Call(e.span, "range", (A.Call(e.span, "len", (e.receiver,)),)),
                         (A.Assign(e.span, (A.Subscript(e.span, e.receiver, i),), A.Subscript(e.span, tmp, i)),))
            return [A.Assign(e.span, (tmp,), self.expr(new)), copy]
        return [A.ExprStmt(s.span, self.expr(e))]

    # --- assignment and unpacking ------------------------------------------------------------
    def assign(self, s: A.Assign) -> list[A.Stmt]:
        if all(isinstance(t, (A.Name, A.Subscript)) for t in s.targets):
            return [A.Assign(s.span, tuple(self.target(t) for t in s.targets), self.expr(s.value))]
        if len(s.targets) == 1 and _is_pattern(s.targets[0]) and isinstance(s.value, A.Tuple) \
                and not any(isinstance(v, A.Starred) for v in s.value.elts):
            return self.parallel(s.targets[0], s.value, s.span)
        tmp = A.Name(s.value.span, self.fn.fresh("value"))
        out: list[A.Stmt] = [A.Assign(s.span, (tmp,), self.expr(s.value))]
        for t in s.targets:
            out.extend(self.assign_to(t, tmp, s.span))
        return out

    def parallel(self, target: A.Expr, value: A.Tuple, span: Span) -> list[A.Stmt]:
        """``a, b = x, y``: every value is evaluated before any target is assigned."""
        elts = _pattern_elts(target)
        if any(isinstance(t, A.Starred) for t in elts):
            tmp = A.Name(value.span, self.fn.fresh("value"))
            return [A.Assign(span, (tmp,), self.expr(value)), *self.assign_to(target, tmp, span)]
        if len(elts) != len(value.elts):
            return [RejectedStmt(span, "unpacking", f"{len(value.elts)} values cannot be unpacked into {len(elts)} targets "
                                 "(CPython raises ValueError)", tuple(self.expr(v) for v in value.elts))]
        reads = [_names_read(v) for v in value.elts]
        direct = all(isinstance(t, A.Name) for t in elts) and not any(
            elts[k].id in set().union(*reads[k + 1:]) for k in range(len(elts)))
        out: list[A.Stmt] = []
        if direct:
            for t, v in zip(elts, value.elts):
                out.append(A.Assign(span, (t,), self.expr(v)))
            return out
        temps = []
        for v in value.elts:
            tmp = A.Name(v.span, self.fn.fresh("value"))
            out.append(A.Assign(span, (tmp,), self.expr(v)))
            temps.append(tmp)
        for t, tmp in zip(elts, temps):
            out.extend(self.assign_to(t, tmp, span))
        return out

    def assign_to(self, target: A.Expr, src: A.Name, span: Span) -> list[A.Stmt]:
        """Assign the value held in the name ``src`` to a target (a name, an element, or a
        pattern of them, unpacked with CPython's length check)."""
        if isinstance(target, (A.Name, A.Subscript)):
            return [A.Assign(span, (self.target(target),), src)]
        if not _is_pattern(target):
            return [RejectedStmt(target.span, "assignment target", "assign to a name, an element xs[i], or a tuple of them")]
        elts = _pattern_elts(target)
        stars = [k for k, t in enumerate(elts) if isinstance(t, A.Starred)]
        if len(stars) > 1:
            return [RejectedStmt(target.span, "unpacking", "one starred target at most (as in CPython)")]
        out: list[A.Stmt] = []
        n = len(elts)
        length = A.Call(span, "len", (src,))
        if stars:
            k = stars[0]
            after = n - k - 1
            out.append(A.Assert(span, A.Compare(span, length, (">=",), (A.IntLit(span, n - 1),)),
                                _message(span, f"not enough values to unpack (expected at least {n - 1})")))
            for j in range(k):
                out.extend(self.bind(elts[j], A.Subscript(span, src, A.IntLit(span, j)), span))
            rest = self.call_prelude("slice1", span, src, A.IntLit(span, k),
                                     A.BinOp(span, "-", length, A.IntLit(span, after)), A.IntLit(span, 1), A.IntLit(span, 1))
            out.extend(self.bind(elts[k].value, rest, span))
            for j in range(after):
                idx = A.BinOp(span, "-", length, A.IntLit(span, after - j))
                out.extend(self.bind(elts[k + 1 + j], A.Subscript(span, src, idx), span))
            return out
        out.append(A.Assert(span, A.Compare(span, length, ("==",), (A.IntLit(span, n),)),
                            _message(span, f"wrong number of values to unpack (expected {n})")))
        for j, t in enumerate(elts):
            out.extend(self.bind(t, A.Subscript(span, src, A.IntLit(span, j)), span))
        return out

    def bind(self, target: A.Expr, value: A.Expr, span: Span) -> list[A.Stmt]:
        """target = value, with value already in core form."""
        if isinstance(target, (A.Name, A.Subscript)):
            return [A.Assign(span, (self.target(target),), value)]
        tmp = A.Name(span, self.fn.fresh("value"))
        return [A.Assign(span, (tmp,), value), *self.assign_to(target, tmp, span)]

    def target(self, t: A.Expr) -> A.Expr:
        if isinstance(t, Rejected) and t.construct.startswith("attribute .") and t.parts:
            inst = self.instance_of(t.parts[0])
            if inst is not None and inst[0] in self.local_instances and t.text in inst[1].fields and \
                    f"{inst[0]}.{t.text}" not in {p for p in self._current_params}:
                return A.Name(t.span, f"{inst[0]}.{t.text}")
            return self.expr(t)
        if isinstance(t, A.Subscript):
            if isinstance(t.index, A.Slice):
                bounds = tuple(self.expr(x) for x in (t.index.lower, t.index.upper, t.index.step) if x is not None)
                return Rejected(t.index.span, "slice assignment", "assign the elements one by one in a loop "
                                "(a list's length is fixed by its appends)", "", (self.expr(t.value), *bounds))
            return A.Subscript(t.span, self.expr(t.value), self.expr(t.index))
        return t

    # --- loops -----------------------------------------------------------------------------
    def for_loop(self, target: A.Expr, it: A.Expr, body, orelse, span: Span) -> list[A.Stmt]:
        it = self.table_view(it) or it
        if orelse is not None:
            flag = self.fn.fresh("broke")
            loop = A.ForLoop(span, target, it, _flag_breaks(body, flag), None)
            return self.with_else(loop, orelse, flag, span)
        pre: list[A.Stmt] = []
        view = self.view(it, pre, span)
        if view is None:  # a list (or range) expression
            core_iter = self.iterable(it)
            if isinstance(target, A.Name):
                return [*pre, A.For(span, target.id, target.span, core_iter, tuple(self.stmts(body)))]
            item = A.Name(target.span, self.fn.fresh("item"))
            unpack = self.assign_to(target, item, target.span)
            return [*pre, A.For(span, item.id, item.span, core_iter, tuple(unpack + self.stmts(body)))]
        length, element = view
        i = A.Name(span, self.fn.fresh("i"))
        subst = self.substitution(target, element(i), body)
        if subst is not None:
            new_body = _substitute_stmts(tuple(body), subst)
            return [*pre, A.For(span, i.id, span, A.Call(span, "range", (length,)), tuple(self.stmts(new_body)))]
        binds = self.bind_parts(target, element(i), span)
        return [*pre, A.For(span, i.id, span, A.Call(span, "range", (length,)), tuple(binds + self.stmts(body)))]

    def bind_parts(self, target: A.Expr, element, span: Span) -> list[A.Stmt]:
        if isinstance(element, _Parts) and isinstance(target, A.Name):
            return self.bind(target, _as_tuple(element, span), span)
        if isinstance(element, _Parts):
            elts = _pattern_elts(target) if _is_pattern(target) else None
            if elts is None or len(elts) != len(element.items) or any(isinstance(t, A.Starred) for t in elts):
                return [RejectedStmt(target.span, "unpacking", f"the loop gives {len(element.items)} values at a time: "
                                     f"unpack them into {len(element.items)} names")]
            out: list[A.Stmt] = []
            for t, part in zip(elts, element.items):
                out.extend(self.bind_parts(t, part, span))
            return out
        return self.bind(target, element, span)

    def substitution(self, target: A.Expr, element, body) -> dict[str, A.Expr] | None:
        """Loop variables replaced by the reads they stand for (``w`` by ``row[i]``), when that
        cannot be told apart: the body never assigns them, never stores into a list, appends or
        calls the program's functions (which could change the elements), and each read is a
        plain element or index."""
        pairs = _match(target, element)
        if pairs is None or not all(_cheap(v) for v in pairs.values()):
            return None
        assigned = _assigned_names(body)
        if assigned & set(pairs) or _may_mutate(body, self.functions):
            return None
        return pairs

    def view(self, it: A.Expr, pre: list[A.Stmt], span: Span):
        """An iterable that is walked by index: (length, element of index) for zip, enumerate
        and reversed; None for a plain list or a range. Operands that are not plain names are
        evaluated once, before the loop, into temporaries appended to ``pre``."""
        if not (isinstance(it, A.Call) and it.receiver is None and it.func in VIEW_FUNCS):
            return None
        args = [a for a in it.args if not isinstance(a, A.Keyword)]
        kws = {a.name: a.value for a in it.args if isinstance(a, A.Keyword)}

        def hold(e: A.Expr) -> A.Expr:
            core = self.iterable(e)
            if _simple(core):
                return core
            tmp = A.Name(e.span, self.fn.fresh("seq"))
            pre.append(A.Assign(e.span, (tmp,), core))
            return tmp

        if it.func == "zip":
            if len(args) == 1 and isinstance(args[0], A.Starred):
                rows = hold(args[0].value)
                return (self.call_prelude("min_len", span, rows),
                        lambda i: self.call_prelude("column", span, rows, i))
            if not args or any(isinstance(a, A.Starred) for a in args) or set(kws) - {"strict"}:
                return None
            seqs = [hold(a) for a in args]
            lens = [A.Call(span, "len", (s,)) for s in seqs]
            length = lens[0] if len(lens) == 1 else A.Call(span, "min", tuple(lens))
            return length, lambda i: _Parts(tuple(A.Subscript(span, s, i) for s in seqs))
        if it.func == "enumerate":
            if len(args) not in (1, 2) or set(kws) - {"start"}:
                return None
            seq = hold(args[0])
            start = args[1] if len(args) == 2 else kws.get("start")
            if start is not None and not _simple(self.expr(start)):
                tmp = A.Name(span, self.fn.fresh("start"))
                pre.append(A.Assign(span, (tmp,), self.expr(start)))
                start = tmp
            elif start is not None:
                start = self.expr(start)

            def element(i):
                index = i if start is None or (isinstance(start, A.IntLit) and start.value == 0) else A.BinOp(span, "+", i, start)
                return _Parts((index, A.Subscript(span, seq, i)))

            return A.Call(span, "len", (seq,)), element
        if it.func == "reversed" and len(args) == 1 and not kws:
            seq = hold(args[0])
            n = A.Name(span, self.fn.fresh("n"))
            pre.append(A.Assign(span, (n,), A.Call(span, "len", (seq,))))
            return n, lambda i: A.Subscript(span, seq, A.BinOp(span, "-", A.BinOp(span, "-", n, A.IntLit(span, 1)), i))
        return None

    def iterable(self, it: A.Expr) -> A.Expr:
        """An iterable in core form: range(...) stays a range, anything else becomes a list."""
        if isinstance(it, A.Call) and it.receiver is None and it.func == "range" and not any(
                isinstance(a, (A.Keyword, A.Starred)) for a in it.args):
            return A.Call(it.span, "range", tuple(self.expr(a) for a in it.args))
        return self.as_list(it)

    def as_list(self, it: A.Expr) -> A.Expr:
        """An iterable as a list value (a range, zip, enumerate or reversed made into one)."""
        view = self.table_view(it)
        if view is not None:
            return self.as_list(view) if isinstance(view, A.Call) else view
        if isinstance(it, A.Call) and it.receiver is None and it.func == "range" and not any(
                isinstance(a, (A.Keyword, A.Starred)) for a in it.args):
            v = A.Name(it.span, self.fn.fresh("v"))
            return A.ListComp(it.span, v, v.id, v.span, self.iterable(it), None)
        if isinstance(it, A.Call) and it.receiver is None and it.func in VIEW_FUNCS:
            v = A.Name(it.span, self.fn.fresh("v"))
            return self.comprehension(A.Comprehension(it.span, "list", _tuple_of_target(v, it), (A.CompFor(it.span, _target_for(v, it), it),)))
        return self.expr(it)

    # --- expressions -----------------------------------------------------------------------
    def expr(self, e):
        if e is None or isinstance(e, (A.IntLit, A.BoolLit, A.NoneLit, A.Name, LiteralData)):
            return e
        if isinstance(e, A.Unsupported) and e.construct == "string":
            return A.IntLit(e.span, self.string_code(e.text))
        if isinstance(e, A.DictLit):
            return Rejected(e.span, "dict", "a dict of constant keys is a module-level constant, TABLE = {key: value, ...} "
                            "(read with TABLE[k], TABLE.get(k, default), in, and loops over its keys, values or items); "
                            "a dict built at run time is not supported: use lists indexed by integers", "",
                            tuple(self.expr(x) for x in e.keys + e.values))
        if isinstance(e, Rejected) and e.construct.startswith("attribute .") and e.parts:
            read = self.attribute(e)
            if read is not None:
                return read
        if isinstance(e, A.Name) and self.instance_of(e) is not None:
            return Rejected(e.span, "instance as a value", f"{e.id} is an instance: use its fields and methods "
                            f"({e.id}.field, {e.id}.method(...)) where it is, not as a value passed or stored", "", ())
        if isinstance(e, A.Name) and self.table(e) is not None:
            return Rejected(e.span, "dict used as a value", f"read the dict {e.id} where it is used: {e.id}[k], "
                            f"{e.id}.get(k, default), k in {e.id}, len({e.id}), or loop over {e.id}, {e.id}.values(), "
                            f"{e.id}.items()", "", ())
        if isinstance(e, A.Tuple):
            if any(isinstance(x, A.Starred) for x in e.elts):
                return self.starred_display(e)
            return A.ListLit(e.span, tuple(self.expr(x) for x in e.elts))
        if isinstance(e, A.ListLit):
            if any(isinstance(x, A.Starred) for x in e.elts):
                return self.starred_display(e)
            return A.ListLit(e.span, tuple(self.expr(x) for x in e.elts))
        if isinstance(e, A.BinOp):
            text = next((x for x in (e.left, e.right) if _is_string(x)), None)
            if text is not None:
                return Rejected(text.span, "string operation", "strings serve as dict keys and in comparisons (==, !=, in); "
                                "there is no string arithmetic: use integer codes", "", (self.expr(e.left), self.expr(e.right)))
            return A.BinOp(e.span, e.op, self.expr(e.left), self.expr(e.right))
        if isinstance(e, A.UnaryOp):
            return A.UnaryOp(e.span, e.op, self.expr(e.operand))
        if isinstance(e, A.BoolOp):
            return A.BoolOp(e.span, e.op, tuple(self.expr(v) for v in e.values))
        if isinstance(e, A.IfExp):
            return A.IfExp(e.span, self.expr(e.test), self.expr(e.body), self.expr(e.orelse))
        if isinstance(e, A.Compare):
            return self.compare(e)
        if isinstance(e, A.Subscript):
            if isinstance(e.index, A.Slice):
                return self.slice(e)
            table = self.table(e.value)
            if table is not None:
                return self.lookup(table, e.index, None, e.span)
            return A.Subscript(e.span, self.expr(e.value), self.expr(e.index))
        if isinstance(e, A.ListComp):
            return self.comprehension(A.Comprehension(e.span, "list", e.elt, (
                A.CompFor(e.span, A.Name(e.target_span, e.target), e.iter), *((A.CompIf(e.cond.span, e.cond),) if e.cond else ()))))
        if isinstance(e, A.Comprehension):
            if e.kind == "generator":  # (a call's argument is handled by call())
                return Rejected(e.span, "generator", "a generator expression is supported as the argument of a call, "
                                "sum(v * v for v in xs); to keep its values, use a list comprehension [... for ... in ...]",
                                "", (self.comprehension(e),))
            return self.comprehension(e)
        if isinstance(e, A.Call):
            return self.call(e)
        if isinstance(e, A.Lambda):
            defaults = tuple(self.expr(p.default) for p in e.params if p.default is not None)
            return Rejected(e.span, "lambda", "a lambda is supported as the key= of sorted(), min() and max(); "
                            "elsewhere define a function with def", "", (*defaults, self.expr(e.body)), tuple(p.name for p in e.params))
        if isinstance(e, A.Starred):
            return Rejected(e.span, "starred expression", "unpack with * only in a list or tuple display, a call of "
                            "zip(*rows), or an assignment target", "", (self.expr(e.value),))
        if isinstance(e, A.Slice):
            return Rejected(e.span, "slice", "a slice is only an index: xs[a:b]", "", tuple(self.expr(x) for x in (e.lower, e.upper, e.step) if x is not None))
        if isinstance(e, A.Keyword):
            return Rejected(e.span, "keyword argument", "not here", "", (self.expr(e.value),))
        if isinstance(e, Rejected):
            return replace(e, parts=tuple(self.expr(p) if isinstance(p, A.Expr) else p for p in e.parts),
                           call=self.call(e.call) if e.call is not None else None)
        return e

    def starred_display(self, e) -> A.Expr:
        """[*xs, y, *ys]: the concatenation of the pieces."""
        pieces: list[A.Expr] = []
        run: list[A.Expr] = []
        for x in e.elts:
            if isinstance(x, A.Starred):
                if run:
                    pieces.append(A.ListLit(e.span, tuple(run)))
                    run = []
                pieces.append(self.call_prelude("copy", x.span, self.as_list(x.value)))
            else:
                run.append(self.expr(x))
        if run:
            pieces.append(A.ListLit(e.span, tuple(run)))
        out = pieces[0]
        for p in pieces[1:]:
            out = A.BinOp(e.span, "+", out, p)
        return out

    def compare(self, e: A.Compare) -> A.Expr:
        if e.ops[0] in ("is", "is not"):
            return Rejected(e.span, "is operator", "'is' is supported as 'p is None' for a parameter p whose default is "
                            "None (each call decides it when the program is compiled); a variable keeps one type, so "
                            "nothing else can be None: compare values with == or !=", "", (self.expr(e.left),))
        if not any(op in ("in", "not in") for op in e.ops):
            return A.Compare(e.span, self.expr(e.left), e.ops, tuple(self.expr(c) for c in e.comparators))
        if len(e.ops) != 1:
            return Rejected(e.span, "in operator", "a chained comparison with 'in': split it with 'and'", "",
                            (self.expr(e.left), *(self.expr(c) for c in e.comparators)))
        x, seq = e.left, e.comparators[0]
        test = self.contains(seq, x, e.span)
        return A.UnaryOp(e.span, "not", test) if e.ops[0] == "not in" else test

    def contains(self, seq: A.Expr, x: A.Expr, span: Span) -> A.Expr:
        seq = self.table_view(seq) or seq
        cx = self.expr(x)
        if isinstance(seq, (A.Tuple, A.ListLit)) and not isinstance(seq, LiteralData) and _simple(cx) and \
                not any(isinstance(v, A.Starred) for v in seq.elts) and len(seq.elts) <= 16:
            if not seq.elts:
                return A.BoolLit(span, False)
            tests = tuple(A.Compare(span, cx, ("==",), (self.expr(v),)) for v in seq.elts)
            return tests[0] if len(tests) == 1 else A.BoolOp(span, "or", tests)
        if isinstance(seq, A.Call) and seq.func == "range" and seq.receiver is None and len(seq.args) in (1, 2) and _simple(cx) \
                and all(_simple(self.expr(a)) for a in seq.args):
            lo, hi = (A.IntLit(span, 0), self.expr(seq.args[0])) if len(seq.args) == 1 else (self.expr(seq.args[0]), self.expr(seq.args[1]))
            return A.Compare(span, lo, ("<=", "<"), (cx, hi))
        return self.call_prelude("contains", span, self.as_list(seq), cx)

    def slice(self, e: A.Subscript) -> A.Expr:
        s = e.index
        seq = self.expr(e.value)
        zero = A.IntLit(s.span, 0)
        flag = lambda v: A.IntLit(s.span, int(v is not None))  # noqa: E731
        lo = self.expr(s.lower) if s.lower is not None else zero
        hi = self.expr(s.upper) if s.upper is not None else zero
        if s.step is None or (isinstance(s.step, A.IntLit) and s.step.value == 1):
            return self.call_prelude("slice1", e.span, seq, lo, hi, flag(s.lower), flag(s.upper))
        return self.call_prelude("slice", e.span, seq, lo, hi, self.expr(s.step), flag(s.lower), flag(s.upper))

    def call_prelude(self, name: str, span: Span, *args: A.Expr) -> A.Call:
        full = prelude.PREFIX + name
        self.prelude_used.add(full)
        return A.Call(span, full, tuple(args))

    def attribute(self, e: Rejected) -> A.Expr | None:
        """``obj.f`` of an instance (its field variable), ``C.attr`` or ``obj.attr`` (a class
        attribute, a constant); None for any other attribute."""
        value, name = e.parts[0], e.text
        inst = self.instance_of(value)
        if inst is not None:
            obj, info = inst
            if name in info.fields:
                return A.Name(e.span, f"{obj}.{name}")
            if name in info.attributes:
                return A.Name(e.span, f"{info.name}.{name}")
            return Rejected(e.span, f"attribute .{name}", f"{info.name} has no field {name!r} (its fields: "
                            f"{', '.join(info.fields) or 'none'}); a method is called, {obj}.{name}(...)", "", ())
        if isinstance(value, A.Name) and value.id in self.classes and value.id not in self.fn.locals:
            info = self.classes[value.id]
            if name in info.attributes:
                return A.Name(e.span, f"{info.name}.{name}")
        return None

    # --- dicts of constant keys ---------------------------------------------------------------
    def table(self, e) -> "_Table | None":
        """The module-level dict a name stands for (unless a local variable shadows it)."""
        if isinstance(e, A.Name) and e.id in self.dicts and e.id not in self.fn.locals:
            return self.dicts[e.id]
        return None

    def lookup(self, table: "_Table", key: A.Expr, default: A.Expr | None, span: Span) -> A.Expr:
        """``D[k]`` / ``D.get(k, default)``: a constant key is looked up now, any other by a
        search over the keys (a missing key stops the run, as CPython's KeyError does)."""
        values = A.Name(span, table.values_name)
        const = self.constant_key(key) if not isinstance(key, A.Name) else self.constant_name_key(key)
        if const is not None and table.keys is not None:
            if const in table.keys:
                return A.Subscript(span, values, A.IntLit(span, table.keys.index(const)))
            if default is not None:
                return self.expr(default)
        k = self.expr(key)
        keys = A.Name(span, table.keys_name)
        if default is None:
            return self.call_prelude("dict_get", span, keys, values, k)
        return self.call_prelude("dict_lookup", span, keys, values, k, self.expr(default))

    def constant_name_key(self, key: A.Name):
        return None

    def table_view(self, e) -> A.Expr | None:
        """What iterating over a dict's view gives: its keys, values or (key, value) pairs."""
        if isinstance(e, A.Call) and e.receiver is not None and not e.args:
            table = self.table(e.receiver)
            if table is not None:
                span = e.span
                if e.func == "keys":
                    return A.Name(span, table.keys_name)
                if e.func == "values":
                    return A.Name(span, table.values_name)
                if e.func == "items":
                    return A.Call(span, "zip", (A.Name(span, table.keys_name), A.Name(span, table.values_name)))
        table = self.table(e)
        return A.Name(e.span, table.keys_name) if table is not None else None

    # --- comprehensions --------------------------------------------------------------------
    def comprehension(self, c: A.Comprehension) -> A.Expr:
        """A list comprehension or generator (as a list): inline when the core's one-clause
        comprehension can express it, else a lifted helper function."""
        fors = [k for k, cl in enumerate(c.clauses) if isinstance(cl, A.CompFor)]
        if len(fors) == 1 and fors[0] == 0:
            first = c.clauses[0]
            conds = [cl.cond for cl in c.clauses[1:]]
            cond = None if not conds else conds[0] if len(conds) == 1 else A.BoolOp(c.span, "and", tuple(conds))
            inline = self.inline_comprehension(first.target, first.iter, c.elt, cond, c.span)
            if inline is not None:
                return inline
        return self.lift_comprehension(c, "list")

    def inline_comprehension(self, target, it, elt, cond, span):
        it = self.table_view(it) or it
        pre: list[A.Stmt] = []
        view = self.view(it, pre, span)
        if view is None:
            if not isinstance(target, A.Name):
                return None
            fresh = self.fn.fresh(target.id)  # the comprehension's own scope, as in Python 3
            sub = {target.id: A.Name(target.span, fresh)}
            elt2 = _substitute(elt, sub)
            cond2 = _substitute(cond, sub) if cond is not None else None
            return A.ListComp(span, self.expr(elt2), fresh, target.span, self.iterable(it),
                              self.expr(cond2) if cond2 is not None else None)
        if pre:
            return None  # operands to evaluate once first: a lifted function takes them as arguments
        length, element = view
        i = A.Name(span, self.fn.fresh("i"))
        pairs = _match(target, element(i))
        if pairs is None or not all(_cheap(v) for v in pairs.values()):
            return None
        elt2 = _substitute(elt, pairs)
        cond2 = _substitute(cond, pairs) if cond is not None else None
        return A.ListComp(span, self.expr(elt2), i.id, span, A.Call(span, "range", (length,)),
                          self.expr(cond2) if cond2 is not None else None)

    def lift_comprehension(self, c: A.Comprehension, mode: str) -> A.Expr:
        """A helper function that computes the comprehension with statements: ``mode`` "list"
        builds the list, "any"/"all" stop at the first deciding element."""
        span = c.span
        free = sorted((_names_read(c) - _comprehension_bound(c)) & self.fn.locals)
        self.lift_count += 1
        name = f"{self.fn.name}.{'comprehension' if mode == 'list' else mode}{self.lift_count}"
        out = A.Name(span, "out.0")
        if mode == "list":
            inner: list[A.Stmt] = [A.ExprStmt(span, A.Call(span, "append", (c.elt,), receiver=out))]
        elif mode == "any":
            inner = [A.If(span, c.elt, (A.Return(span, A.BoolLit(span, True)),), ())]
        else:
            inner = [A.If(span, A.UnaryOp(span, "not", c.elt), (A.Return(span, A.BoolLit(span, False)),), ())]
        for cl in reversed(c.clauses):
            if isinstance(cl, A.CompIf):
                inner = [A.If(cl.span, cl.cond, tuple(inner), ())]
            else:
                inner = [A.ForLoop(cl.span, cl.target, cl.iter, tuple(inner), None)]
        if mode == "list":
            body = [A.Assign(span, (out,), A.ListLit(span, ())), *inner, A.Return(span, out)]
        else:
            body = [*inner, A.Return(span, A.BoolLit(span, mode == "all"))]
        fn = A.FunctionDef(span, name, tuple(A.Param(span, v, None) for v in free), None, tuple(body))
        self.extra.append(self.function(fn))
        self.functions[name] = fn
        return A.Call(span, name, tuple(A.Name(span, v) for v in free))

    # --- calls -----------------------------------------------------------------------------
    def call(self, e: A.Call) -> A.Expr:
        if e.receiver is not None:
            return self.method(e)
        f = e.func
        if f in ("print", "load"):  # their string arguments stay strings (load's file and array names)
            return A.Call(e.span, f, tuple(a if isinstance(a, A.Unsupported) and a.construct == "string" else self.expr(a)
                                           for a in e.args))
        if f == "len" and len(e.args) == 1 and self.table(e.args[0]) is not None:
            return A.IntLit(e.span, len(self.dicts[e.args[0].id].keys or ()))
        kws = {a.name: a.value for a in e.args if isinstance(a, A.Keyword)}
        args = [a for a in e.args if not isinstance(a, A.Keyword)]
        if f in self.fn.aliases:
            return self.alias_call(e, args, kws)
        inst = self.instance_of(A.Name(e.span, f)) if f not in self.functions else None
        if inst is not None:  # obj(x): __call__
            return self.method(A.Call(e.span, "__call__", e.args, receiver=A.Name(e.span, f)))
        if f in self.classes and f not in self.fn.locals:
            return Rejected(e.span, "instance as a value", f"an instance of {f} is assigned to a name, obj = {f}(...), "
                            "and used through its fields and methods", "", tuple(self.expr(a) for a in args))
        if f in self.functions and f not in self.fn.locals:
            args = [A.Comprehension(a.span, "list", a.elt, a.clauses) if isinstance(a, A.Comprehension) else a for a in args]
            return self.user_call(e, args, kws)
        if f in ("min", "max") and len(args) == 1 and isinstance(args[0], A.Starred):
            args = [args[0].value]  # max(*xs) is max(xs)
        star = next((a for a in args if isinstance(a, A.Starred)), None)
        if star is not None and f != "zip":
            return Rejected(star.span, "star argument", "pass the arguments one by one (max(*xs) and zip(*rows) work)", "",
                            tuple(self.expr(a.value if isinstance(a, A.Starred) else a) for a in e.args))
        span = e.span
        if f in ("sum", "min", "max", "any", "all", "sorted", "list", "tuple", "len") and len(args) == 1 \
                and isinstance(args[0], A.Comprehension) and args[0].kind == "generator":
            gen = args[0]
            if f in ("any", "all") and not kws:
                return self.lift_comprehension(gen, f)
            args = [A.Comprehension(gen.span, "list", gen.elt, gen.clauses)]
        elif f in ("zip", "enumerate", "reversed", "sorted", "list", "tuple", "min", "max", "sum", "any", "all"):
            # a generator given to a builtin that consumes it whole: its list
            args = [A.Comprehension(a.span, "list", a.elt, a.clauses) if isinstance(a, A.Comprehension) else a for a in args]
        if f in ("sorted", "min", "max") and ("key" in kws or "reverse" in kws or "default" in kws):
            return self.keyed(e, f, args, kws)
        if kws:
            if f == "sum" and set(kws) == {"start"} and len(args) == 1:  # sum(xs, start=s) is s + sum(xs)
                return A.BinOp(span, "+", self.expr(kws["start"]), A.Call(span, "sum", (self.as_list(args[0]),)))
            return Rejected(span, "keyword argument", f"{f}() takes no keyword argument {sorted(kws)[0]!r} in the DSL", "",
                            tuple(self.expr(a) for a in e.args))
        if f == "sum" and len(args) == 2:
            return A.BinOp(span, "+", self.expr(args[1]), A.Call(span, "sum", (self.as_list(args[0]),)))
        if f in ("list", "tuple"):
            if not args:
                return A.ListLit(span, ())
            if len(args) == 1:
                a = args[0]
                if isinstance(a, (A.Comprehension, A.ListComp)) or (isinstance(a, A.Call) and a.func in VIEW_FUNCS + ("range",)):
                    return self.as_list(a)
                return self.call_prelude("copy", span, self.expr(a))
        if f == "sorted" and len(args) == 1:
            return self.call_prelude("sorted", span, self.as_list(args[0]), A.BoolLit(span, False))
        if f == "reversed" and len(args) == 1:
            return self.call_prelude("reversed", span, self.as_list(args[0]))
        if f in ("any", "all") and len(args) == 1:
            return self.call_prelude(f, span, self.as_list(args[0]))
        if f == "divmod" and len(args) == 2:
            a, b = self.expr(args[0]), self.expr(args[1])
            if _simple(a) and _simple(b):
                return A.ListLit(span, (A.BinOp(span, "//", a, b), A.BinOp(span, "%", a, b)))
            return self.call_prelude("divmod", span, a, b)
        if f == "int" and len(args) == 1:
            return A.BinOp(span, "+", A.IntLit(span, 0), self.expr(args[0]))  # an int or a bool: its int value
        if f == "pow" and len(args) in (2, 3):
            p = A.BinOp(span, "**", self.expr(args[0]), self.expr(args[1]))
            return p if len(args) == 2 else A.BinOp(span, "%", p, self.expr(args[2]))
        if f in ("sum", "min", "max") and len(args) == 1:
            a = args[0]
            if isinstance(a, A.Call) and a.receiver is None and a.func in VIEW_FUNCS + ("range",) or isinstance(a, A.Comprehension):
                return A.Call(span, f, (self.as_list(a),))
        if f == "zip" or f == "enumerate":
            return self.as_list(e)
        return A.Call(span, f, tuple(self.expr(a) for a in args))

    def keyed(self, e: A.Call, f: str, args, kws) -> A.Expr:
        span = e.span
        unknown = set(kws) - ({"key", "reverse"} if f == "sorted" else {"key", "default"})
        if unknown:
            return Rejected(span, "keyword argument", f"{f}() takes no keyword argument {sorted(unknown)[0]!r}", "",
                            tuple(self.expr(a) for a in e.args))
        if f != "sorted" and len(args) > 1:
            seq: A.Expr = A.ListLit(span, tuple(self.expr(a) for a in args))
        elif len(args) == 1:
            seq = self.as_list(args[0])
        else:
            return Rejected(span, "call", f"{f}() takes an iterable", "", tuple(self.expr(a) for a in e.args))
        key = kws.get("key")
        if isinstance(key, A.NoneLit):
            key = None
        holder: list[A.Stmt] = []
        if key is not None and not _simple(seq):
            # the sequence is read twice (for its keys, then its elements): a lifted function
            # evaluates it once, as its argument
            return self.lift_call(e, f, args, kws)
        keys = self.keys_of(key, seq, span) if key is not None else None
        if isinstance(keys, Rejected):
            return replace(keys, parts=keys.parts + (seq,))
        if f == "sorted":
            reverse = self.expr(kws.get("reverse", A.BoolLit(span, False)))
            if keys is None:
                return self.call_prelude("sorted", span, seq, reverse)
            return self.call_prelude("sorted_by", span, seq, keys, reverse)
        largest = A.BoolLit(span, f == "max")
        if "default" in kws:
            if not _simple(seq):
                return self.lift_call(e, f, args, kws)
            best = self.call_prelude("best_by", span, seq, keys, largest) if keys is not None else A.Call(span, f, (seq,))
            return A.IfExp(span, A.Compare(span, A.Call(span, "len", (seq,)), (">",), (A.IntLit(span, 0),)),
                           best, self.expr(kws["default"]))
        del holder
        if keys is None:
            return A.Call(span, f, (seq,))
        return self.call_prelude("best_by", span, seq, keys, largest)

    def lift_call(self, e: A.Call, f: str, args, kws) -> A.Expr:
        """``f(seq, key=...)`` with ``seq`` an expression: a helper taking ``seq`` as a parameter
        (and the enclosing variables the call reads), so that it is evaluated once."""
        span = e.span
        seq_name = A.Name(span, "seq.0")
        free = sorted((_names_read(e) - _lambda_bound(e)) & self.fn.locals)
        self.lift_count += 1
        name = f"{self.fn.name}.{f}{self.lift_count}"
        seq_arg = args[0] if len(args) == 1 else A.Tuple(span, tuple(args))
        inner = A.Call(span, f, (seq_name, *(A.Keyword(v.span, k, v) for k, v in kws.items())))
        fn = A.FunctionDef(span, name, (A.Param(span, seq_name.id, None), *(A.Param(span, v, None) for v in free)), None,
                           (A.Return(span, inner),))
        self.functions[name] = fn
        self.extra.append(self.function(fn))
        return A.Call(span, name, (self.as_list(seq_arg), *(A.Name(span, v) for v in free)))

    def keys_of(self, key: A.Expr, seq: A.Expr, span: Span):
        """The list of key(x) for x in seq (seq a plain name): a lambda's body or a call."""
        v = A.Name(span, self.fn.fresh("x"))
        if isinstance(key, A.Lambda):
            if len(key.params) != 1:
                return Rejected(key.span, "lambda", "a key function takes one argument", "", ())
            body = _substitute(key.body, {key.params[0].name: v})
        elif isinstance(key, A.Name) and (key.id in self.functions or key.id in KEY_BUILTINS) and key.id not in self.fn.locals:
            body = A.Call(span, key.id, (v,))
        else:
            return Rejected(key.span, "key function", "key= takes a lambda or the name of a function", "", (self.expr(key),))
        return A.ListComp(span, self.expr(body), v.id, v.span, seq, None)

    def user_call(self, e: A.Call, args, kws) -> A.Expr:
        """Keyword arguments bound to their parameters and defaults filled in, as CPython binds them."""
        fn = self.functions[e.func]
        params = fn.params
        if any(isinstance(a, A.Starred) for a in args):
            return Rejected(e.span, "star argument", "pass the arguments one by one", "", tuple(self.expr(a) for a in e.args))
        if not kws and all(p.default is None for p in params) and not self.function_params(fn) and not _none_params(fn):
            return A.Call(e.span, e.func, tuple(self.expr(a) for a in args))
        bound: list[A.Expr | None] = [None] * len(params)
        if len(args) > len(params):
            return A.Call(e.span, e.func, tuple(self.expr(a) for a in args))  # the checker reports the arity
        for k, a in enumerate(args):
            bound[k] = a
        names = [p.name for p in params]
        for k, v in kws.items():
            if k not in names:
                return Rejected(v.span, "keyword argument", f"{e.func}() has no parameter {k!r}", "",
                                tuple(self.expr(a) for a in e.args))
            j = names.index(k)
            if bound[j] is not None:
                return Rejected(v.span, "keyword argument", f"{e.func}() got multiple values for argument {k!r}", "",
                                tuple(self.expr(a) for a in e.args))
            bound[j] = v
        for j, p in enumerate(params):
            if bound[j] is None:
                if p.default is None:
                    return Rejected(e.span, "call", f"{e.func}() missing required argument {p.name!r}", "",
                                    tuple(self.expr(a) for a in e.args))
                bound[j] = p.default
        if any(not isinstance(a, A.Keyword) for a in e.args[len(args):]):
            pass
        fparams = self.function_params(fn)
        if fparams or _none_params(fn):
            return self.call_with_functions(e, fn, bound, fparams)
        return A.Call(e.span, e.func, tuple(self.expr(a) for a in bound))

    # --- functions as values ---------------------------------------------------------------
    def function_params(self, fn: A.FunctionDef) -> set[str]:
        """The parameters a function calls (``act(x)``) or passes on to a parameter that is
        called: they take functions, and the function is compiled once per function passed."""
        if fn.name not in self._fparams:
            self._fparams[fn.name] = set()  # (recursion: assume none while computing)
            names = {p.name for p in fn.params}
            found = set()
            for n in A.walk(fn.body):
                if isinstance(n, A.Call) and n.receiver is None and n.func in names:
                    found.add(n.func)
                elif isinstance(n, A.Call) and n.receiver is None and n.func in self.functions and n.func != fn.name:
                    callee = self.functions[n.func]
                    inner = self.function_params(callee)
                    for p, a in zip(callee.params, n.args):
                        if p.name in inner and isinstance(a, A.Name) and a.id in names:
                            found.add(a.id)
            self._fparams[fn.name] = found
        return self._fparams[fn.name]

    def function_aliases(self, fn: A.FunctionDef) -> dict[str, A.Expr]:
        """Local names assigned once, to a lambda or a function's name, and only called."""
        counts: dict[str, int] = {}
        values: dict[str, A.Expr] = {}
        for n in A.walk(fn.body):
            if isinstance(n, A.Assign):
                for t in n.targets:
                    for name in _bound_names(t):
                        counts[name] = counts.get(name, 0) + 1
                if len(n.targets) == 1 and isinstance(n.targets[0], A.Name):
                    values[n.targets[0].id] = n.value
            elif isinstance(n, (A.AugAssign, A.AnnAssign, A.ForLoop, A.For)):
                for name in (_bound_names(n.target) if not isinstance(n, A.For) else {n.target}):
                    counts[name] = counts.get(name, 2) + 2
        params = {p.name for p in fn.params}
        out = {}
        for name, v in values.items():
            if counts.get(name) != 1 or name in params:
                continue
            if isinstance(v, A.Lambda) or (isinstance(v, A.Name) and v.id in self.functions and v.id not in params):
                reads = [n for n in A.walk(fn.body) if isinstance(n, A.Name) and n.id == name]
                called = any(isinstance(n, A.Call) and n.receiver is None and n.func == name for n in A.walk(fn.body))
                if len(reads) == 1 and called:  # only the assignment's target: used in calls alone
                    out[name] = v
        return out

    def alias_call(self, e: A.Call, args, kws) -> A.Expr:
        """``f(x)`` with f a local alias of a function or a lambda."""
        v = self.fn.aliases[e.func]
        if isinstance(v, A.Name):
            return self.call(replace(e, func=v.id))
        free = sorted((_names_read(v.body) - {p.name for p in v.params}) & self.fn.locals)
        name = self.lift_lambda(v, free)
        lam = self.functions[name]
        return self.call(A.Call(e.span, name, (*e.args, *(A.Keyword(e.span, f, A.Name(e.span, f)) for f in free))))

    def lift_lambda(self, a: A.Lambda, free: list[str]) -> str:
        """A lambda as a module-level function; its free variables (locals of the enclosing
        function) become parameters after its own."""
        key = (a.span.file, a.span.line, a.span.col)
        if key not in self._lambdas:
            self.lift_count += 1
            name = f"{self.fn.name}.lambda{self.lift_count}"
            params = (*(A.Param(p.span, p.name, None, p.default) for p in a.params), *(A.Param(a.span, f, None) for f in free))
            fn = A.FunctionDef(a.span, name, params, None, (A.Return(a.span, a.body),))
            self._lambdas[key] = name
            self.functions[name] = fn
            outer = self.fn
            self.extra.append(self.function(fn))
            self.fn = outer
        return self._lambdas[key]

    def known_none(self, a: A.Expr) -> bool | None:
        """Whether an argument is None (True), certainly not None (False), or cannot be told."""
        if isinstance(a, A.NoneLit):
            return True
        if isinstance(a, A.Name):
            if a.id in self.fn.locals:
                assigned_none = any(isinstance(n, A.Assign) and isinstance(n.value, A.NoneLit) and
                                    any(isinstance(t, A.Name) and t.id == a.id for t in n.targets)
                                    for n in A.walk(self._current_body))
                return None if assigned_none or a.id in self._current_params else False
            return False  # a constant or a function: never None
        if isinstance(a, (A.Call,)) and a.receiver is None and a.func in self.functions:
            return None  # a function may return None
        return False  # literals, lists, arithmetic, comparisons: never None

    def function_value(self, a: A.Expr) -> str | None:
        """The module-level function an argument stands for: a function's name, a builtin's,
        or a lambda (lifted to a function of its own). None if it is no function."""
        if isinstance(a, A.Name) and a.id not in self.fn.locals and (a.id in self.functions or a.id in KEY_BUILTINS):
            return a.id
        if isinstance(a, A.Lambda):
            if (_names_read(a.body) - {p.name for p in a.params}) & self.fn.locals:
                return None  # it reads the caller's variables (a closure)
            return self.lift_lambda(a, [])
        if isinstance(a, A.Name) and a.id in self.fn.aliases:
            return self.function_value(self.fn.aliases[a.id])
        return None

    def call_with_functions(self, e: A.Call, fn: A.FunctionDef, bound: list, fparams: set[str]) -> A.Expr:
        """A call passing functions: the version of ``fn`` for those functions (made once),
        called with the other arguments."""
        chosen: dict[str, str] = {}
        nones: dict[str, bool] = {}
        for p, a in zip(fn.params, bound):
            if p.name in _none_params(fn) and p.name not in fparams:
                is_none = self.known_none(a)
                if is_none is None:
                    return Rejected(a.span, "None test", f"{fn.name}() tests whether {p.name!r} is None: pass None "
                                    "itself or a value that is clearly not None (a variable keeps one type)", "",
                                    tuple(self.expr(x) for x in bound))
                nones[p.name] = is_none
            if p.name in fparams:
                g = self.function_value(a)
                if g is None:
                    return Rejected(a.span, "function argument", f"{fn.name}() calls its parameter {p.name!r}: pass a "
                                    "function defined with def, a builtin, or a lambda that reads only its parameters "
                                    "and module constants (pass the values it needs as further arguments)", "", tuple(self.expr(x) for x in bound))
                chosen[p.name] = g
        tags = [f"{k}={v}" for k, v in sorted(chosen.items())] + [f"{k}{'=' if v else '!='}None" for k, v in sorted(nones.items())]
        name = f"{fn.name}[{','.join(tags)}]"
        if name not in self.functions:
            body = _substitute_stmts(_rename_calls(fn.body, chosen), {k: A.Name(fn.span, v) for k, v in chosen.items()})
            body = _fold_tests(_decide_none(body, nones))
            clone = A.FunctionDef(fn.span, name, tuple(p for p in fn.params if p.name not in chosen), fn.returns, body)
            self.functions[name] = clone
            outer = self.fn
            self.extra.append(self.function(clone))
            self.fn = outer
        args = [a for p, a in zip(fn.params, bound) if p.name not in chosen]
        return A.Call(e.span, name, tuple(self.expr(a) for a in args))

    def method(self, e: A.Call) -> A.Expr:
        inst = self.instance_of(e.receiver)
        if inst is not None:
            obj, info = inst
            if e.func not in info.methods or e.func == "__init__":
                return Rejected(e.span, f"method .{e.func}()", f"{info.name} has no method {e.func}()", "",
                                tuple(self.expr(a) for a in e.args if not isinstance(a, A.Keyword)))
            fields = tuple(A.Name(e.span, f"{obj}.{f}") for f in info.fields)
            return self.call(A.Call(e.span, f"{info.name}.{e.func}", (*fields, *e.args)))
        table = self.table(e.receiver)
        if table is not None:
            args = [a for a in e.args if not isinstance(a, A.Keyword)]
            if e.func == "get" and len(args) in (1, 2) and len(args) == len(e.args):
                return self.lookup(table, args[0], args[1] if len(args) == 2 else A.NoneLit(e.span), e.span)
            if e.func in ("keys", "values", "items") and not e.args:
                return self.as_list(e)
            return Rejected(e.span, f"dict method .{e.func}()", "a dict of constant keys is read only: D[k], "
                            "D.get(k, default), k in D, len(D), D.keys(), D.values(), D.items()", "",
                            tuple(self.expr(a) for a in args))
        recv = self.expr(e.receiver)
        args = tuple(self.expr(a) for a in e.args if not isinstance(a, A.Keyword))
        if e.func in ("index", "count") and len(args) == 1:
            return self.call_prelude(e.func, e.span, recv, args[0])
        if e.func == "copy" and not args:
            return self.call_prelude("copy", e.span, recv)
        return A.Call(e.span, e.func, args, receiver=recv)


# --- helpers -----------------------------------------------------------------------------------
STRING_BASE = 1 << 52  # string codes: 2^52, 2^52 + 1, ... (ints programs use as keys are far smaller)


class _Table:
    """A module-level dict of constant keys: its keys (Python values, strings as codes, known
    once its statement is desugared) and the names of the two list constants it becomes."""

    def __init__(self, name: str, node: A.DictLit) -> None:
        self.name = name
        self.node = node
        self.keys: list | None = None
        self.keys_name = f"{name}.keys"
        self.values_name = f"{name}.values"


def _key_list(keys: list, span: Span) -> A.Expr:
    def lit(k):
        if isinstance(k, tuple):
            return A.ListLit(span, tuple(lit(x) for x in k))
        return A.IntLit(span, k)

    return A.ListLit(span, tuple(lit(k) for k in keys))

class _Parts:
    """The element of a zip or enumerate: a tuple of expressions, never built as a list."""

    def __init__(self, items: tuple) -> None:
        self.items = items


def _is_string(e) -> bool:
    return isinstance(e, A.Unsupported) and e.construct in ("string", "f-string")


def _as_tuple(element, span: Span) -> A.Expr:
    if isinstance(element, _Parts):
        return A.ListLit(span, tuple(_as_tuple(x, span) for x in element.items))
    return element


def _message(span: Span, text: str) -> A.Expr:
    return A.Unsupported(span, "string", "", text)


def _is_pattern(t) -> bool:
    return isinstance(t, A.Tuple) or (isinstance(t, A.ListLit) and not isinstance(t, LiteralData))


def _pattern_elts(t) -> tuple:
    return t.elts


def _bound_names(t) -> set[str]:
    if isinstance(t, A.Name):
        return {t.id}
    if isinstance(t, A.Starred):
        return _bound_names(t.value)
    if _is_pattern(t):
        return set().union(*(_bound_names(x) for x in t.elts)) if t.elts else set()
    return set()


def _assigned_names(stmts) -> set[str]:
    out: set[str] = set()
    for n in A.walk(tuple(stmts)):
        if isinstance(n, A.Assign):
            for t in n.targets:
                out |= _bound_names(t)
        elif isinstance(n, (A.AnnAssign, A.AugAssign)):
            out |= _bound_names(n.target)
        elif isinstance(n, A.For):
            out.add(n.target)
        elif isinstance(n, A.ForLoop):
            out |= _bound_names(n.target)
        elif isinstance(n, RejectedStmt):
            out |= set(n.assigns)
    return out


def _names_read(e) -> set[str]:
    return {n.id for n in A.walk(e) if isinstance(n, A.Name)}


def _comprehension_bound(c: A.Comprehension) -> set[str]:
    out: set[str] = set()
    for n in A.walk(c):
        if isinstance(n, A.CompFor):
            out |= _bound_names(n.target)
        elif isinstance(n, A.ListComp):
            out.add(n.target)
        elif isinstance(n, A.Lambda):
            out |= {p.name for p in n.params}
    return out


def _lambda_bound(e) -> set[str]:
    out: set[str] = set()
    for n in A.walk(e):
        if isinstance(n, A.Lambda):
            out |= {p.name for p in n.params}
        elif isinstance(n, A.CompFor):
            out |= _bound_names(n.target)
        elif isinstance(n, A.ListComp):
            out.add(n.target)
    return out


def _simple(e) -> bool:
    """A value that can be read twice at no cost and with no effect: a name or a literal."""
    return isinstance(e, (A.Name, A.IntLit, A.BoolLit)) or (
        isinstance(e, A.UnaryOp) and e.op == "-" and isinstance(e.operand, A.IntLit))


def _cheap(e) -> bool:
    """An element read worth repeating instead of binding: xs[i], xs[i][j], i + k, names."""
    if _simple(e):
        return True
    if isinstance(e, A.Subscript):
        return _cheap(e.value) and _simple(e.index) or (_cheap(e.value) and isinstance(e.index, A.BinOp) and _cheap(e.index))
    if isinstance(e, A.BinOp) and e.op in ("+", "-"):
        return _simple(e.left) and _simple(e.right) or (_cheap(e.left) and _simple(e.right))
    return False


def _match(target, element) -> dict[str, A.Expr] | None:
    """Names of a loop target mapped to the parts of a zip/enumerate element they take."""
    if isinstance(target, A.Name):
        if isinstance(element, _Parts):
            return None
        return {target.id: element}
    if not _is_pattern(target) or any(isinstance(t, A.Starred) for t in target.elts):
        return None
    if isinstance(element, _Parts):
        if len(element.items) != len(target.elts):
            return None
        out: dict[str, A.Expr] = {}
        for t, part in zip(target.elts, element.items):
            m = _match(t, part)
            if m is None or set(m) & set(out):
                return None
            out.update(m)
        return out
    return None  # a tuple target over a list element: bound with its length checked


def _may_mutate(stmts, functions) -> bool:
    for n in A.walk(tuple(stmts)):
        if isinstance(n, (A.Assign, A.AugAssign)):
            targets = n.targets if isinstance(n, A.Assign) else (n.target,)
            if any(not isinstance(t, A.Name) for t in targets):
                return True
        if isinstance(n, A.Call) and (n.receiver is not None or n.func in functions):
            return True
        if isinstance(n, (RejectedStmt, Rejected)):
            return True
    return False


def _substitute(e, sub: dict[str, A.Expr]):
    """``e`` with the names of ``sub`` replaced (not where a comprehension or lambda inside
    binds the same name again)."""
    if e is None or not sub:
        return e
    if isinstance(e, A.Name):
        return sub.get(e.id, e)
    if isinstance(e, LiteralData):
        return e
    if isinstance(e, A.Lambda):
        inner = {k: v for k, v in sub.items() if k not in {p.name for p in e.params}}
        return A.Lambda(e.span, e.params, _substitute(e.body, inner))
    if isinstance(e, A.Comprehension):
        bound = _comprehension_bound(e)
        if bound & set(sub):
            inner = {k: v for k, v in sub.items() if k not in bound}
            # the first iterable is evaluated in the enclosing scope
            first = e.clauses[0]
            clauses = (A.CompFor(first.span, first.target, _substitute(first.iter, sub)),
                       *(_substitute_node(cl, inner) for cl in e.clauses[1:]))
            return A.Comprehension(e.span, e.kind, _substitute(e.elt, inner), clauses)
    if isinstance(e, A.ListComp) and e.target in sub:
        inner = {k: v for k, v in sub.items() if k != e.target}
        return A.ListComp(e.span, _substitute(e.elt, inner), e.target, e.target_span, _substitute(e.iter, sub),
                          _substitute(e.cond, inner))
    return _substitute_node(e, sub)


def _substitute_node(n, sub):
    if not isinstance(n, A.Node) or not sub:
        return n
    changes = {}
    for name in n.__dataclass_fields__:
        v = getattr(n, name)
        if isinstance(v, A.Node):
            nv = _substitute(v, sub) if isinstance(v, A.Expr) else _substitute_node(v, sub)
        elif isinstance(v, tuple) and v and any(isinstance(x, A.Node) for x in v):
            nv = tuple(_substitute(x, sub) if isinstance(x, A.Expr) else _substitute_node(x, sub) for x in v)
        else:
            continue
        if nv is not v:
            changes[name] = nv
    return replace(n, **changes) if changes else n


def _substitute_stmts(stmts: tuple, sub) -> tuple:
    return tuple(_substitute_node(s, sub) for s in stmts)


def _assign_count(body, name: str) -> int:
    return sum(1 for n in A.walk(tuple(body)) if isinstance(n, A.Assign) for t in n.targets if _bound_names(t) & {name})


def _none_params(fn: A.FunctionDef) -> set[str]:
    """Parameters the body tests with ``p is None`` / ``p is not None``."""
    names = {p.name for p in fn.params}
    return {n.left.id for n in A.walk(fn.body) if isinstance(n, A.Compare) and n.ops[0] in ("is", "is not")
            and isinstance(n.left, A.Name) and n.left.id in names}


def _decide_none(stmts, nones: dict[str, bool]) -> tuple:
    """``p is None`` tests replaced by their answer for this version of the function."""
    def visit(n):
        if isinstance(n, A.Compare) and n.ops[0] in ("is", "is not") and isinstance(n.left, A.Name) and n.left.id in nones:
            return A.BoolLit(n.span, nones[n.left.id] == (n.ops[0] == "is"))
        return _map_children(n, visit)

    return tuple(visit(s) for s in stmts)


def _fold_tests(stmts) -> tuple:
    """Branches decided by a constant test kept alone (the other may not even type-check:
    ``series[0] if start is None else start`` with start None)."""
    def const(e):
        if isinstance(e, A.BoolLit):
            return e.value
        if isinstance(e, A.UnaryOp) and e.op == "not":
            v = const(e.operand)
            return None if v is None else not v
        if isinstance(e, A.BoolOp):
            vals = [const(v) for v in e.values]
            if e.op == "and" and False in vals and all(v is not None for v in vals[:vals.index(False)]):
                return False
            if e.op == "or" and True in vals and all(v is not None for v in vals[:vals.index(True)]):
                return True
            if all(v is not None for v in vals):
                return all(vals) if e.op == "and" else any(vals)
        return None

    def expr(n):
        n = _map_children(n, expr)
        if isinstance(n, A.IfExp) and const(n.test) is not None:
            return n.body if const(n.test) else n.orelse
        return n

    def stmts_(body):
        out = []
        for s in body:
            if isinstance(s, A.If) and const(expr(s.test)) is not None:
                out.extend(stmts_(s.body if const(expr(s.test)) else s.orelse))
                continue
            s = _map_children(s, expr)
            if isinstance(s, (A.If,)):
                s = replace(s, body=tuple(stmts_(s.body)), orelse=tuple(stmts_(s.orelse)))
            elif isinstance(s, (A.While, A.For, A.ForLoop, A.WhileElse)):
                s = replace(s, body=tuple(stmts_(s.body)))
            out.append(s)
        return out

    return tuple(stmts_(stmts))


def _map_children(n, f):
    if not isinstance(n, A.Node):
        return n
    changes = {}
    for name in n.__dataclass_fields__:
        v = getattr(n, name)
        if isinstance(v, A.Node):
            nv = f(v)
        elif isinstance(v, tuple) and any(isinstance(x, A.Node) for x in v):
            nv = tuple(f(x) for x in v)
        else:
            continue
        if nv is not v:
            changes[name] = nv
    return replace(n, **changes) if changes else n


def _rename_calls(stmts, names: dict[str, str]) -> tuple:
    """Calls of the parameters in ``names`` made calls of the functions they stand for."""
    def visit(n):
        if not isinstance(n, A.Node):
            return n
        changes = {}
        for f in n.__dataclass_fields__:
            v = getattr(n, f)
            if isinstance(v, A.Node):
                nv = visit(v)
            elif isinstance(v, tuple) and any(isinstance(x, A.Node) for x in v):
                nv = tuple(visit(x) for x in v)
            else:
                continue
            if nv is not v:
                changes[f] = nv
        if isinstance(n, A.Call) and n.receiver is None and n.func in names:
            changes["func"] = names[n.func]
        return replace(n, **changes) if changes else n

    return tuple(visit(s) for s in stmts)


def _has_break(body) -> bool:
    """Whether a loop body has a ``break`` of its own (not one of a nested loop)."""
    for s in body:
        if isinstance(s, A.Break):
            return True
        if isinstance(s, A.If) and (_has_break(s.body) or _has_break(s.orelse)):
            return True
    return False


def _flag_breaks(body, flag: str) -> tuple:
    """The loop body with each of its own ``break`` statements setting ``flag`` first."""
    out = []
    for s in body:
        if isinstance(s, A.Break):
            out.append(A.Assign(s.span, (A.Name(s.span, flag),), A.BoolLit(s.span, True)))
            out.append(s)
        elif isinstance(s, A.If):
            out.append(A.If(s.span, s.test, _flag_breaks(s.body, flag), _flag_breaks(s.orelse, flag)))
        elif isinstance(s, RejectedStmt) and not s.construct.startswith(("for", "while")):
            out.append(replace(s, body=_flag_breaks(s.body, flag)))
        else:
            out.append(s)
    return tuple(out)


def _target_for(v: A.Name, it: A.Call) -> A.Expr:
    """The loop target that takes a view's element whole: a tuple of names for zip and
    enumerate, a name for reversed."""
    if it.func == "reversed":
        return v
    n = 2 if it.func == "enumerate" else len([a for a in it.args if not isinstance(a, A.Keyword)])
    if it.func == "zip" and len(it.args) == 1 and isinstance(it.args[0], A.Starred):
        return v
    return A.Tuple(v.span, tuple(A.Name(v.span, f"{v.id}.{k}") for k in range(n)))


def _tuple_of_target(v: A.Name, it: A.Call) -> A.Expr:
    t = _target_for(v, it)
    return t if isinstance(t, A.Name) else A.Tuple(t.span, t.elts)


def desugar(module: A.Module) -> A.Module:
    """The module with every surface construct rewritten into the core (or Rejected)."""
    return Desugarer(module).run()
