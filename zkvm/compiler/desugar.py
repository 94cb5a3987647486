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

This module holds the module, statement, unpacking and loop rewrites; the expressions and
comprehensions are desugar_exprs.py's, the calls, builtins, functions as values and dicts
desugar_calls.py's, classes desugar_classes.py's, and the tree utilities desugar_tree.py's.
"""

from __future__ import annotations

from dataclasses import replace

from zkvm.compiler import ast as A
from zkvm.compiler import prelude
from zkvm.compiler.desugar_calls import CallsMixin
from zkvm.compiler.desugar_tables import TableRewriter, local_tables, table_only_functions
from zkvm.compiler.desugar_classes import ClassesMixin, ClassInfo
from zkvm.compiler.desugar_exprs import ExpressionsMixin
from zkvm.compiler.desugar_tree import (
    Parts,
    STRING_BASE,
    Table,
    VIEW_FUNCS,
    as_tuple,
    assign_count,
    assigned_names,
    bound_names,
    cheap,
    flag_breaks,
    is_pattern,
    key_list,
    match,
    may_mutate,
    read_elsewhere,
    message,
    names_read,
    none_params,
    optional_names,
    pattern_elts,
    simple,
    substitute_stmts,
    target_for,
    tuple_of_target,
)
from zkvm.compiler.transform import LiteralData, Rejected, RejectedStmt
from zkvm.compiler.tree import breaks
from zkvm.source import Span

MATERIALIZE = ("list", "tuple")


# the functions of the math module that work on ints (desugar_calls.math_call)
MATH_FUNCTIONS = ("isqrt", "gcd", "prod", "factorial", "floor", "ceil", "trunc")


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
        # local names assigned None and other values (best = None, then an int): a value and
        # a flag "<name>.none"; name -> the placeholder value while it is None (0 or [])
        self.optional: dict[str, A.Expr] = {}

    def fresh(self, kind: str) -> str:
        self.count += 1
        name = f"{kind}.{self.count}"  # never a Python identifier: no clash with the program's names
        self.locals.add(name)
        return name


class Desugarer(ExpressionsMixin, CallsMixin, ClassesMixin):
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
        # the math module: `import math` (its alias) and `from math import isqrt` (local names)
        self.math_modules: set[str] = set()
        self.math_names: dict[str, str] = {}
        for s in module.body:
            if isinstance(s, RejectedStmt) and s.construct == "import math":
                self.math_modules.update(s.assigns)
            elif isinstance(s, A.ImportFrom) and s.module == "math":
                for n in s.names:
                    name, _, alias = n.partition(" as ")
                    if name in MATH_FUNCTIONS:  # (the others are reported at the import)
                        self.math_names[alias or name] = name
        self.module_names = set(self.functions) | set(self.classes) | set(self.instances)
        for s in module.body:
            if isinstance(s, (A.Assign, A.AnnAssign)):
                for t in (s.targets if isinstance(s, A.Assign) else (s.target,)):
                    self.module_names.update(bound_names(t))
        self.strings: dict[str, int] = {}  # string literals (dict keys) -> their int codes
        self.dicts: dict[str, Table] = {}  # module-level dicts of constant keys
        for s in module.body:
            if isinstance(s, (A.Assign, A.AnnAssign)) and isinstance(s.value, (A.DictLit, A.SetLit)):
                targets = s.targets if isinstance(s, A.Assign) else (s.target,)
                if len(targets) == 1 and isinstance(targets[0], A.Name):
                    node = s.value if isinstance(s.value, A.DictLit) else A.DictLit(s.value.span, s.value.elts, s.value.elts)
                    self.dicts[targets[0].id] = Table(targets[0].id, node, is_set=isinstance(s.value, A.SetLit))
        self.extra: list[A.FunctionDef] = []  # lifted helpers
        # a default that is a list display is one list shared by every call, as in Python: a
        # module-level constant "f.p.default" (appends to it are seen by the next calls)
        self.shared_defaults: list[A.Stmt] = []
        # def f(a, *, b): the marker is dropped; f's calls may pass only a by position
        self.positional: dict[str, int] = {}
        for name, fn in list(self.functions.items()):
            marks = [k for k, p in enumerate(fn.params) if p.name == A.KWONLY]
            if marks:
                self.positional[name] = marks[0]
                self.functions[name] = fn = replace(fn, params=tuple(p for p in fn.params if p.name != A.KWONLY))
        for name, fn in list(self.functions.items()):
            if any(isinstance(p.default, (A.ListLit, A.ListComp, A.Comprehension)) for p in fn.params):
                params = []
                for p in fn.params:
                    if isinstance(p.default, (A.ListLit, A.ListComp, A.Comprehension)):
                        const = A.Name(p.default.span, f"{name}.{p.name}.default")
                        self.shared_defaults.append(A.Assign(p.default.span, (const,), p.default))
                        p = replace(p, default=const)
                    params.append(p)
                self.functions[name] = replace(fn, params=tuple(params))
        self.prelude_used: set[str] = set()
        self.lift_count = 0
        self._fparams: dict[str, set[str]] = {}
        self.method_owner: dict[str, tuple] = {}
        self.rebound: set[str] = set()  # names the loop being rewritten assigns (see for_loop)
        self.hold_cheap = False  # view(): read cheap operands (w[j]) in place (see inline_comprehension)
        self.table_only = table_only_functions(module)
        self.writing_back = False  # a method's function -> (its self name, its class)
        self._current_body: tuple = ()
        self._current_params: set[str] = set()
        self._lambdas: dict[tuple, str] = {}
        self.fn: _Fn = _Fn("<module>", set())

    # --- module ----------------------------------------------------------------------------
    def run(self) -> A.Module:
        body: list[A.Stmt] = []
        self.fn = _Fn("<module>", set())
        for s in self.shared_defaults:
            body.extend(self.module_stmt(s))
        for s in self.module.body:
            if isinstance(s, A.FunctionDef):
                s = self.functions.get(s.name, s)
            if isinstance(s, A.FunctionDef) and s.name != "main" and (self.function_params(s) or none_params(s)):
                continue  # compiled once per function passed to it (call_with_functions)
            if isinstance(s, A.FunctionDef) and s.name in self.table_only:
                continue  # compiled for the dicts and sets passed to it (desugar_tables.TableRewriter.table_call)
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
                fn = prelude.functions()[name]
                self.prelude_used.update(n.func for n in A.walk(fn.body) if isinstance(n, A.Call) and n.receiver is None
                                         and prelude.is_prelude(n.func))  # (one builtin calling another by name)
                body.append(self.function(fn))
        return A.Module(self.module.span, tuple(body))

    def module_stmt(self, s: A.Stmt) -> list[A.Stmt]:
        if isinstance(s, A.ImportFrom) and s.module == "math":
            unknown = [n.partition(" as ")[0] for n in s.names if n.partition(" as ")[0] not in MATH_FUNCTIONS]
            if unknown:
                return [RejectedStmt(s.span, f"math.{unknown[0]}", f"math.{unknown[0]} works on floats, and the VM has "
                                     f"integers only: use scaled integers ({', '.join(MATH_FUNCTIONS)} are available)",
                                     assigns=tuple(n.partition(" as ")[2] or n for n in s.names))]
            return []
        if isinstance(s, RejectedStmt) and s.construct == "import math":
            return []  # its integer functions are builtins (desugar_calls.py)
        if isinstance(s, A.ImportFrom) and s.module in ANNOTATION_ONLY_MODULES:
            return []  # typing's names appear in annotations only (types.from_annotation reads them)
        if isinstance(s, RejectedStmt) and s.construct in ("import typing", "import __future__"):
            return []
        if isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Name) and \
                s.targets[0].id in self.instances and isinstance(s.value, A.Call) and s.value.func in self.classes:
            return self.construction(s.targets[0], s.value, module_level=True)
        if isinstance(s, (A.Assign, A.AnnAssign)) and isinstance(s.value, (A.DictLit, A.SetLit)):
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

    def table_constants(self, table: "Table", s: A.Stmt) -> list[A.Stmt]:
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
        if table.is_set:
            # a set constant: its elements in the order CPython iterates them (for ints and tuples
            # of ints its hash order is fixed; strings are codes here, and CPython's order of
            # strings changes from run to run anyway)
            order = list(set(keys))
            values = [values[keys.index(k)] for k in order]
            keys = order
        table.keys = keys
        span = s.span
        return [A.Assign(span, (A.Name(span, table.keys_name),), key_list(keys, span)),
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
        params = tuple(A.Param(p.span, p.name, _typing_names(p.annotation) if fn.name == "main" else _annotation(p.annotation),
                               self.expr(p.default)) for p in fn.params)
        self.fn = _Fn(fn.name, {p.name for p in fn.params} | assigned_names(fn.body))
        self.fn.aliases = self.function_aliases(fn)
        self.fn.optional = optional_names(fn)
        self.fn.locals |= {f"{n}.none" for n in self.fn.optional}
        source = fn.body
        dicts, sets = local_tables(fn)
        if dicts or sets:  # d = {}, seen = set(): lists, rewritten before the rest (desugar_tables.py)
            self.fn.locals |= {f"{n}.keys" for n in dicts} | {f"{n}.vals" for n in dicts} | {f"{n}.items" for n in sets}
            source = TableRewriter(self, dicts, sets).body(fn.body)
        saved = self._current_body, self._current_params  # (a lifted helper is rewritten inside)
        self._current_body, self._current_params = source, {p.name for p in fn.params}
        body = self.stmts(source)
        self.fn = outer
        self._current_body, self._current_params = saved
        return A.FunctionDef(fn.span, fn.name, params, _annotation(fn.returns), tuple(body))

    # --- statements ------------------------------------------------------------------------
    def stmts(self, stmts) -> list[A.Stmt]:
        out: list[A.Stmt] = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s: A.Stmt) -> list[A.Stmt]:
        if isinstance(s, (A.ExprStmt, A.Assign, A.Return)) and not self.writing_back:
            written = self.mutating_call(s)
            if written is not None:
                return written
        if isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Name) \
                and s.targets[0].id in self.fn.aliases:
            return []  # f = lambda ...: its calls call the lifted lambda
        if isinstance(s, (A.Assign, A.AugAssign)) and self.fn.optional:
            optional = self.optional_assign(s)
            if optional is not None:
                return optional
        if isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Name) and \
                isinstance(s.value, A.Call) and s.value.receiver is None and s.value.func in self.classes:
            name = s.targets[0].id
            if name in self.local_instances or assign_count(self._current_body, name) != 1:
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
            loop = A.While(s.span, s.test, flag_breaks(s.body, flag))
            return self.with_else(loop, s.orelse, flag, s.span)
        if isinstance(s, A.For):
            return self.for_loop(A.Name(s.target_span, s.target), s.iter, s.body, None, s.span)
        if isinstance(s, A.ForLoop):
            return self.for_loop(s.target, s.iter, s.body, s.orelse, s.span)
        if isinstance(s, A.Assert):
            return [A.Assert(s.span, self.expr(s.test), s.msg)]
        if isinstance(s, A.Delete):
            return [x for t in s.targets for x in self.delete(t)]
        if isinstance(s, A.FunctionDef):
            return [self.function(s)]
        if isinstance(s, A.ClassDef):
            return [RejectedStmt(s.span, "class inside a function", "define classes at module level",
                                 body=tuple(x for x in s.body if not isinstance(x, A.FunctionDef)), assigns=(s.name,))]
        if isinstance(s, RejectedStmt):
            return [replace(s, parts=tuple(self.expr(p) for p in s.parts), body=tuple(self.stmts(s.body)))]
        return [s]

    def delete(self, t: A.Expr) -> list[A.Stmt]:
        """``del xs[i]`` and ``del xs[a:b]`` shrink the list in place (as Python does, every
        alias sees it); names stay bound and dicts are read only."""
        if not isinstance(t, A.Subscript) or self.table(t.value) is not None:
            what = "a name" if isinstance(t, A.Name) else "a dict entry" if isinstance(t, A.Subscript) else "this target"
            return [RejectedStmt(t.span, f"del of {what}", "del removes list elements (del xs[i], del xs[a:b]); "
                                 "a name stays bound (assign it a new value) and a dict of constant keys is read only",
                                 (self.expr(t),))]
        if isinstance(t.index, A.Slice):
            sl = t.index
            if sl.step is not None:
                return [RejectedStmt(t.span, "del of a slice with a step", "keep what stays: xs = [v for k, v in "
                                     "enumerate(xs) if ...] (or delete the elements one by one)",
                                     (self.expr(t.value), self.expr(sl.step)))]
            zero = A.IntLit(t.span, 0)
            call = self.call_prelude("del_slice", t.span, self.expr(t.value),
                                     self.expr(sl.lower) if sl.lower is not None else zero,
                                     self.expr(sl.upper) if sl.upper is not None else zero,
                                     A.BoolLit(t.span, sl.lower is not None), A.BoolLit(t.span, sl.upper is not None))
        else:
            call = self.call_prelude("pop_at", t.span, self.expr(t.value), self.expr(t.index))
        return [A.ExprStmt(t.span, call)]

    def store(self, target: A.Expr, value: A.Expr, span: Span) -> list[A.Stmt]:
        """target = value (value in core form), clearing the None flag of a name that has one."""
        out: list[A.Stmt] = [A.Assign(span, (self.target(target),), value)]
        if isinstance(target, A.Name) and target.id in self.fn.optional:
            out.append(A.Assign(span, (A.Name(span, f"{target.id}.none"),), A.BoolLit(span, False)))
        return out

    def optional_assign(self, s) -> list[A.Stmt] | None:
        """An assignment to a name that is sometimes None: the value and its flag."""
        targets = s.targets if isinstance(s, A.Assign) else (s.target,)
        names = [t.id for t in targets if isinstance(t, A.Name) and t.id in self.fn.optional]
        if not names:
            return None
        if len(targets) != 1:
            return [RejectedStmt(s.span, "None", "assign a variable that may be None on its own: x = None")]
        name = names[0]
        span = s.span
        flag = A.Name(span, f"{name}.none")
        target = A.Name(targets[0].span, name)
        if isinstance(s, A.Assign) and isinstance(s.value, A.NoneLit):
            return [A.Assign(span, (target,), self.fn.optional[name]), A.Assign(span, (flag,), A.BoolLit(span, True))]
        if isinstance(s, A.Assign):
            value = self.expr(s.value)
        else:  # x += v: reading x when it is None stops, as Python's TypeError
            value = A.BinOp(span, s.op, self.expr(A.Name(target.span, name)), self.expr(s.value))
        return [A.Assign(span, (target,), value), A.Assign(span, (flag,), A.BoolLit(span, False))]

    def with_else(self, loop: A.Stmt, orelse, flag: str, span: Span) -> list[A.Stmt]:
        """A loop with an ``else`` clause: the clause runs unless a ``break`` left the loop
        (always, if the loop has no ``break`` of its own)."""
        if not breaks(loop.body):
            return [*self.stmt(loop), *self.stmts(orelse)]
        init = A.Assign(span, (A.Name(span, flag),), A.BoolLit(span, False))
        after = A.If(span, A.UnaryOp(span, "not", A.Name(span, flag)), tuple(orelse), ())
        return [init, *self.stmt(loop), *self.stmt(after)]

    def expr_stmt(self, s: A.ExprStmt) -> list[A.Stmt]:
        e = s.value
        if isinstance(e, A.Call) and e.receiver is not None and e.func == "extend" and len(e.args) == 1 \
                and self.table(e.receiver) is None and self.instance_of(e.receiver) is None:
            # the items as they are when the call starts (xs.extend(xs) doubles xs, as in Python):
            # the iterable is evaluated once, its length read once
            span = e.span
            items, n, k = (A.Name(span, self.fn.fresh(kind)) for kind in ("items", "n", "k"))
            append = A.ExprStmt(span, A.Call(span, "append", (A.Subscript(span, items, k),), receiver=e.receiver))
            return [A.Assign(span, (items,), self.as_list(e.args[0])),
                    A.Assign(span, (n,), A.Call(span, "len", (items,))),
                    *self.stmt(A.For(span, k.id, span, A.Call(span, "range", (n,)), (append,)))]
        if isinstance(e, A.Call) and e.receiver is not None and e.func in ("sort", "reverse") and isinstance(e.receiver, A.Name):
            kw = {a.name: a.value for a in e.args if isinstance(a, A.Keyword)}
            if e.func == "sort":
                new = A.Call(e.span, "sorted", (e.receiver, *(A.Keyword(v.span, k, v) for k, v in kw.items())))
            else:
                new = A.Call(e.span, "reversed", (e.receiver,))
            tmp = A.Name(e.span, self.fn.fresh("sorted"))
            i = A.Name(e.span, self.fn.fresh("i"))
            if e.func == "sort" and "key" in kw:
                # the key function runs while the list is being sorted: CPython shows it empty
                # then, and a list changed meanwhile is a ValueError
                span = e.span
                items = A.Name(span, self.fn.fresh("items"))
                keyed = A.Call(span, "sorted", (items, *(A.Keyword(v.span, k, v) for k, v in kw.items())))
                unchanged = A.Compare(span, A.Call(span, "len", (e.receiver,)), ("==",), (A.IntLit(span, 0),))
                return [A.Assign(span, (items,), self.call_prelude("copy", span, e.receiver)),
                        A.ExprStmt(span, self.call_prelude("clear", span, e.receiver)),
                        A.Assign(span, (tmp,), self.expr(keyed)),
                        A.Assert(span, unchanged, message(span, "ValueError: list modified during sort")),
                        A.For(span, i.id, span, A.Call(span, "range", (A.Call(span, "len", (tmp,)),)),
                              (A.ExprStmt(span, A.Call(span, "append", (A.Subscript(span, tmp, i),), receiver=e.receiver)),))]
            copy = A.For(e.span, i.id, e.span, A.Call(e.span, "range", (A.Call(e.span, "len", (e.receiver,)),)),
                         (A.Assign(e.span, (A.Subscript(e.span, e.receiver, i),), A.Subscript(e.span, tmp, i)),))
            return [A.Assign(e.span, (tmp,), self.expr(new)), copy]
        return [A.ExprStmt(s.span, self.expr(e))]

    # --- assignment and unpacking ------------------------------------------------------------
    def assign(self, s: A.Assign) -> list[A.Stmt]:
        fields = tuple(self.field_targets(t) for t in s.targets)
        if fields != s.targets:  # obj.f = v, self.f = v: the field's variable
            s = A.Assign(s.span, fields, s.value)
        if all(isinstance(t, (A.Name, A.Subscript)) for t in s.targets):
            return [A.Assign(s.span, tuple(self.target(t) for t in s.targets), self.expr(s.value))]
        if len(s.targets) == 1 and is_pattern(s.targets[0]) and isinstance(s.value, A.Tuple) \
                and not any(isinstance(v, A.Starred) for v in s.value.elts):
            return self.parallel(s.targets[0], s.value, s.span)
        tmp = A.Name(s.value.span, self.fn.fresh("value"))
        out: list[A.Stmt] = [A.Assign(s.span, (tmp,), self.expr(s.value))]
        for t in s.targets:
            out.extend(self.assign_to(t, tmp, s.span))
        return out

    def parallel(self, target: A.Expr, value: A.Tuple, span: Span) -> list[A.Stmt]:
        """``a, b = x, y``: every value is evaluated before any target is assigned."""
        elts = pattern_elts(target)
        if any(isinstance(t, A.Starred) for t in elts):
            tmp = A.Name(value.span, self.fn.fresh("value"))
            return [A.Assign(span, (tmp,), self.expr(value)), *self.assign_to(target, tmp, span)]
        if len(elts) != len(value.elts):
            return [RejectedStmt(span, "unpacking", f"{len(value.elts)} values cannot be unpacked into {len(elts)} targets "
                                 "(CPython raises ValueError)", tuple(self.expr(v) for v in value.elts))]
        reads = [names_read(v) for v in value.elts]
        direct = all(isinstance(t, A.Name) for t in elts) and not any(
            elts[k].id in set().union(*reads[k + 1:]) for k in range(len(elts)))
        out: list[A.Stmt] = []
        if direct:
            for t, v in zip(elts, value.elts):
                out.extend(self.store(t, self.expr(v), span))
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
            return self.store(target, src, span)
        if not is_pattern(target):
            return [RejectedStmt(target.span, "assignment target", "assign to a name, an element xs[i], or a tuple of them")]
        elts = pattern_elts(target)
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
                                message(span, f"not enough values to unpack (expected at least {n - 1})")))
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
                            message(span, f"wrong number of values to unpack (expected {n})")))
        for j, t in enumerate(elts):
            out.extend(self.bind(t, A.Subscript(span, src, A.IntLit(span, j)), span))
        return out

    def bind(self, target: A.Expr, value: A.Expr, span: Span) -> list[A.Stmt]:
        """target = value, with value already in core form."""
        if isinstance(target, (A.Name, A.Subscript)):
            return self.store(target, value, span)
        tmp = A.Name(span, self.fn.fresh("value"))
        return [A.Assign(span, (tmp,), value), *self.assign_to(target, tmp, span)]

    def field_targets(self, t):
        """``t`` with its instance fields (also inside a tuple of targets) as their variables."""
        if self.field_target(t):
            return self.target(t)
        if isinstance(t, (A.Tuple, A.ListLit)) and not isinstance(t, LiteralData):
            return replace(t, elts=tuple(self.field_targets(x) for x in t.elts))
        if isinstance(t, A.Starred):
            return replace(t, value=self.field_targets(t.value))
        return t

    def field_target(self, t) -> bool:
        """Is ``t`` a field of an instance of this function (``obj.f``, or ``self.f`` in a method)?"""
        if isinstance(t, Rejected) and t.construct.startswith("attribute .") and t.parts:
            inst = self.instance_of(t.parts[0])
            return inst is not None and inst[0] in self.local_instances and t.text in inst[1].fields
        return False

    def target(self, t: A.Expr) -> A.Expr:
        if isinstance(t, Rejected) and t.construct.startswith("attribute .") and t.parts:
            inst = self.instance_of(t.parts[0])
            if inst is not None and inst[0] in self.local_instances and t.text in inst[1].fields:
                return A.Name(t.span, f"{inst[0]}.{t.text}")  # (in a method: a field it returns)
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
            loop = A.ForLoop(span, target, it, flag_breaks(body, flag), None)
            return self.with_else(loop, orelse, flag, span)
        pre: list[A.Stmt] = []
        # (a name the body rebinds is read once, before the loop: zip and enumerate hold the
        # object they were given, as Python's do)
        self.rebound = assigned_names(body)
        view = self.view(it, pre, span)
        self.rebound = set()
        if view is None:  # a list (or range) expression
            core_iter = self.iterable(it)
            if isinstance(target, A.Name):
                return [*pre, A.For(span, target.id, target.span, core_iter, tuple(self.stmts(body)))]
            item = A.Name(target.span, self.fn.fresh("item"))
            unpack = self.assign_to(target, item, target.span)
            return [*pre, A.For(span, item.id, item.span, core_iter, tuple(unpack + self.stmts(body)),
                                tuple(sorted(bound_names(target))))]
        length, element = view
        i = A.Name(span, self.fn.fresh("i"))
        if isinstance(it, A.Call) and it.func in ("zip", "enumerate") and may_mutate(body, self.functions):
            # the body may append to the lists: as in Python, the loop sees their new elements
            # (their lengths are read again before each turn)
            binds = self.bind_parts(target, element(i), span)
            step = A.AugAssign(span, i, "+", A.IntLit(span, 1))
            test = A.Compare(span, A.BinOp(span, "+", i, A.IntLit(span, 1)), ("<",), (length,))
            return [*pre, A.Assign(span, (i,), A.IntLit(span, -1)),
                    A.While(span, test, (step, *binds, *self.stmts(body)), tuple(sorted(bound_names(target))))]
        subst = self.substitution(target, element(i), body)
        if subst is not None:
            new_body = substitute_stmts(tuple(body), subst)
            return [*pre, A.For(span, i.id, span, A.Call(span, "range", (length,)), tuple(self.stmts(new_body)))]
        binds = self.bind_parts(target, element(i), span)
        return [*pre, A.For(span, i.id, span, A.Call(span, "range", (length,)), tuple(binds + self.stmts(body)),
                            tuple(sorted(bound_names(target))))]

    def bind_parts(self, target: A.Expr, element, span: Span) -> list[A.Stmt]:
        if isinstance(element, Parts) and isinstance(target, A.Name):
            return self.bind(target, as_tuple(element, span), span)
        if isinstance(element, Parts):
            elts = pattern_elts(target) if is_pattern(target) else None
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
        pairs = match(target, element)
        if pairs is None or not all(cheap(v) for v in pairs.values()):
            return None
        assigned = assigned_names(body)
        if assigned & set(pairs) or may_mutate(body, self.functions):
            return None
        if read_elsewhere(self._current_body, set(pairs), body):
            return None  # read after the loop (Python leaves them bound): assigned in the loop instead
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
            if (simple(core) or (self.hold_cheap and cheap(core))) and not (
                    isinstance(core, A.Name) and core.id in self.rebound):
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
            return length, lambda i: Parts(tuple(A.Subscript(span, s, i) for s in seqs))
        if it.func == "enumerate":
            if len(args) not in (1, 2) or set(kws) - {"start"}:
                return None
            seq = hold(args[0])
            start = args[1] if len(args) == 2 else kws.get("start")
            if start is not None and not simple(self.expr(start)):
                tmp = A.Name(span, self.fn.fresh("start"))
                pre.append(A.Assign(span, (tmp,), self.expr(start)))
                start = tmp
            elif start is not None:
                start = self.expr(start)

            def element(i):
                index = i if start is None or (isinstance(start, A.IntLit) and start.value == 0) else A.BinOp(span, "+", i, start)
                return Parts((index, A.Subscript(span, seq, i)))

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
        if isinstance(it, A.Comprehension):  # a generator consumed whole: its list
            return self.comprehension(A.Comprehension(it.span, "list", it.elt, it.clauses))
        if isinstance(it, A.Call) and it.receiver is None and it.func == "range" and not any(
                isinstance(a, (A.Keyword, A.Starred)) for a in it.args):
            v = A.Name(it.span, self.fn.fresh("v"))
            return A.ListComp(it.span, v, v.id, v.span, self.iterable(it), None)
        if isinstance(it, A.Call) and it.receiver is None and it.func in VIEW_FUNCS:
            v = A.Name(it.span, self.fn.fresh("v"))
            return self.comprehension(A.Comprehension(it.span, "list", tuple_of_target(v, it), (A.CompFor(it.span, target_for(v, it), it),)))
        return self.expr(it)


BARE_CONTAINERS = frozenset({"list", "tuple", "List", "Tuple", "Sequence"})
ANNOTATION_ONLY_MODULES = frozenset({"typing", "__future__", "collections.abc"})
"""Modules whose imports only serve annotations (``from typing import List``, ``from __future__
import annotations``): the imports are dropped."""


def _annotation(ann: A.Expr | None) -> A.Expr | None:
    """A bare ``list`` or ``tuple`` annotation (no element type) says no more than none: like
    CPython, which does not enforce annotations, the types come from the values (main's
    parameters keep theirs: they fix the input's layout)."""
    ann = _typing_names(ann)
    return None if isinstance(ann, A.Name) and ann.id in BARE_CONTAINERS else ann


def _typing_names(ann: A.Expr | None) -> A.Expr | None:
    """``typing.List[int]`` read as ``List[int]`` (an attribute of typing or collections.abc,
    anywhere in an annotation)."""
    if isinstance(ann, Rejected) and ann.construct.startswith("attribute .") and len(ann.parts) == 1 \
            and isinstance(ann.parts[0], A.Name) and ann.parts[0].id in ("typing", "abc", "t"):
        return A.Name(ann.span, ann.construct[len("attribute ."):])
    if isinstance(ann, A.Subscript):
        return replace(ann, value=_typing_names(ann.value), index=_typing_names(ann.index))
    if isinstance(ann, A.Tuple):
        return replace(ann, elts=tuple(_typing_names(e) for e in ann.elts))
    if isinstance(ann, Rejected) and ann.construct == "tuple":  # Tuple[int, int]: see types._tuple_annotation
        return replace(ann, parts=tuple(_typing_names(e) for e in ann.parts))
    return ann


def desugar(module: A.Module) -> A.Module:
    """The module with every surface construct rewritten into the core (or Rejected)."""
    return Desugarer(module).run()
