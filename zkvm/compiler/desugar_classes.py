"""Classes for desugar.py: a class whose instances hold a model's weights, with methods.

An instance is not a value in memory but a set of variables, one per field: ``LAYER1 =
Linear(W, B)`` at module level makes the constants ``LAYER1.weights`` and ``LAYER1.bias`` (the
assignments of ``__init__``, its parameters replaced by the arguments); inside a function, the
same with local variables (``__init__``'s body inlined). A method is a module-level function
whose first parameters are the fields (``self.weights``, ``self.bias``), then its own; a method
call passes the instance's field variables. ``self.f`` reads a field, ``self.m(x)`` calls
another method, ``obj(x)`` calls ``__call__``, and a class attribute is a constant
(``Linear.SCALE``).

What a set of variables cannot be is rejected with a message: inheritance beyond ``object``,
an instance used as a value (passed, returned, in a list), a method that assigns a field (the
change would be lost: CPython changes the object), ``__init__`` with statements other than
field assignments for an instance made at module level.
"""

from __future__ import annotations

from dataclasses import replace

from zkvm.compiler import ast as A
from zkvm.compiler.desugar_tree import map_children, none_params
from zkvm.compiler.transform import Rejected, RejectedStmt


class ClassInfo:
    """A class of the program: its fields (in the order ``__init__`` assigns them), methods
    and class attributes."""

    def __init__(self, node: A.ClassDef) -> None:
        self.node = node
        self.name = node.name
        self.methods: dict[str, A.FunctionDef] = {}
        self.attributes: dict[str, A.Expr] = {}
        self.problems: list[A.Stmt] = []
        for s in node.body:
            if isinstance(s, A.FunctionDef):
                self.methods[s.name] = s
            elif isinstance(s, A.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], A.Name):
                self.attributes[s.targets[0].id] = s.value
            elif not isinstance(s, A.Pass):
                self.problems.append(s)
        init = self.methods.get("__init__")
        self.fields: list[str] = []
        if init is not None:
            for n in A.walk(init.body):
                if isinstance(n, A.Assign):
                    for t in n.targets:
                        f = field_of(t, _self_name(init))
                        if f is not None and f not in self.fields:
                            self.fields.append(f)
        # fields set to None somewhere (self.lo = None, then a value): a value and a flag field
        # "f.none", as a function's variables that may be None are (desugar.py)
        self.optional: set[str] = set()
        for m in self.methods.values():
            for n in A.walk(m.body):
                if isinstance(n, A.Assign) and isinstance(n.value, A.NoneLit):
                    self.optional |= {f for t in n.targets if (f := field_of(t, _self_name(m))) in self.fields}
        self.fields = [x for f in self.fields for x in ((f, f"{f}.none") if f in self.optional else (f,))]
        # the placeholder an optional field holds while it is None (0, or [] for a list field)
        self.placeholder = {f: "list" if any(isinstance(n, A.Assign) and isinstance(n.value, (A.ListLit, A.ListComp, A.Comprehension))
                                             and any(field_of(t, _self_name(m)) == f for t in n.targets)
                                             for m in self.methods.values() for n in A.walk(m.body)) else "int"
                            for f in self.optional}

    def mutated(self, name: str, seen: frozenset = frozenset()) -> list[str]:
        """The fields method ``name`` assigns (itself, or through the methods it calls on self),
        in field order: such a method returns them with its value, and each call writes them
        back into the instance's variables (Python changes the object)."""
        m = self.methods.get(name)
        if m is None or m.static or name in seen or name == "__init__":
            return []
        me = _self_name(m)
        found: set[str] = set()
        for n in A.walk(m.body):
            if isinstance(n, (A.Assign, A.AugAssign)):
                for target in (n.targets if isinstance(n, A.Assign) else (n.target,)):
                    for t in A.walk(target):  # (self.a, self.b = ...: both)
                        f = field_of(t, me)
                        if f is not None and (t is target or not isinstance(target, A.Subscript)):
                            found |= {f, f"{f}.none"}
            if isinstance(n, A.Call) and n.receiver is not None and isinstance(n.receiver, A.Name) and n.receiver.id == me:
                found |= set(self.mutated(n.func, seen | {name}))
        return [f for f in self.fields if f in found]


def field_of(e, obj: str | None) -> str | None:
    """``obj.f`` -> "f" (an attribute read of the name ``obj``), else None."""
    if obj is not None and isinstance(e, Rejected) and e.construct.startswith("attribute .") and e.parts \
            and isinstance(e.parts[0], A.Name) and e.parts[0].id == obj:
        return e.text
    return None


def _self_name(fn: A.FunctionDef) -> str | None:
    return fn.params[0].name if fn.params else None


class ClassesMixin:
    """The class half of the Desugarer (needs self.classes, self.instances, self.fn, ...)."""

    # --- definitions -------------------------------------------------------------------------
    def class_def(self, c: A.ClassDef) -> list[A.Stmt]:
        """A class: its methods as functions, its attributes as constants."""
        info = self.classes[c.name]
        out: list[A.Stmt] = []
        for b in c.bases:
            if not (isinstance(b, A.Name) and b.id == "object"):
                out.append(RejectedStmt(b.span, "inheritance", "a class may only derive from object: copy the methods "
                                        "it needs, or use functions"))
        for s in info.problems:
            out.append(RejectedStmt(s.span, "class body statement", "a class body holds methods (def) and "
                                    "attributes NAME = value"))
        for name, value in info.attributes.items():
            out.append(A.Assign(value.span, (A.Name(value.span, f"{c.name}.{name}"),), self.expr(value)))
        for m in info.methods.values():
            if m.name == "__init__":
                continue
            fn = self.method_function(info, m)
            if fn is not None:
                out.append(fn)
        return out

    def method_function(self, info: ClassInfo, m: A.FunctionDef) -> A.FunctionDef | None:
        """``def forward(self, x)`` -> ``def Linear.forward(self.weights, self.bias, x)``; a
        static method keeps its parameters."""
        if m.static:
            fn = A.FunctionDef(m.span, f"{info.name}.{m.name}", m.params, m.returns, m.body)
            self.functions[fn.name] = fn
            return self.function(fn)
        me = _self_name(m)
        if me is None:
            return A.FunctionDef(m.span, f"{info.name}.{m.name}", (), None,
                                 (RejectedStmt(m.span, "method without self", "a method's first parameter is self"),))
        params = (*(A.Param(m.span, f"{me}.{f}", None) for f in info.fields), *m.params[1:])
        body = self.optional_fields(m.body, me, info)
        changed = info.mutated(m.name)
        if changed:  # return the fields it changes with its value: the calls write them back
            body = _returning_fields(body, me, changed, m.span)
        fn = A.FunctionDef(m.span, f"{info.name}.{m.name}", params, m.returns if not changed else None, tuple(body))
        self.functions[fn.name] = fn
        self.method_owner[fn.name] = (me, info)
        if self.function_params(fn) or none_params(fn):
            return None  # compiled once per function passed to it (call_with_functions), as functions are
        outer_instances = dict(self.local_instances)
        self.local_instances = {me: info}
        out = self.function(fn)
        self.local_instances = outer_instances
        return out

    def optional_fields(self, body, me: str, info: ClassInfo) -> list:
        """A method's (or __init__'s) body with its fields that may be None (``self.lo = None``,
        then a value) kept as a value and a flag: ``self.lo is None`` reads the flag, an
        assignment sets both, and any other read stops the run while the field is None
        (Python would use None as a number there: a TypeError)."""
        if not info.optional:
            return list(body)

        def optional(e) -> str | None:
            f = field_of(e, me)
            return f if f in info.optional else None

        def expr(e):
            if isinstance(e, A.Compare) and len(e.ops) == 1 and e.ops[0] in ("is", "is not") \
                    and isinstance(e.comparators[0], A.NoneLit) and optional(e.left):
                flag = field_node(e.span, me, f"{optional(e.left)}.none")
                return flag if e.ops[0] == "is" else A.UnaryOp(e.span, "not", flag)
            f = optional(e)
            if f is not None:
                return self.call_prelude("some", e.span, field_node(e.span, me, f), field_node(e.span, me, f"{f}.none"))
            return map_children(e, expr)

        def stmt(s) -> list:
            span = s.span
            if isinstance(s, (A.Assign, A.AugAssign)):
                targets = s.targets if isinstance(s, A.Assign) else (s.target,)
                if len(targets) == 1 and optional(targets[0]):
                    f = optional(targets[0])
                    flag = field_node(span, me, f"{f}.none")
                    if isinstance(s, A.Assign) and isinstance(s.value, A.NoneLit):
                        hold = A.ListLit(span, ()) if info.placeholder[f] == "list" else A.IntLit(span, 0)
                        return [A.Assign(span, (targets[0],), hold), A.Assign(span, (flag,), A.BoolLit(span, True))]
                    value = expr(s.value) if isinstance(s, A.Assign) else A.BinOp(span, s.op, expr(targets[0]), expr(s.value))
                    return [A.Assign(span, (targets[0],), value), A.Assign(span, (flag,), A.BoolLit(span, False))]
            out = {}
            for name in s.__dataclass_fields__:
                v = getattr(s, name)
                if isinstance(v, tuple) and v and all(isinstance(x, A.Stmt) for x in v):
                    out[name] = tuple(x for st in v for x in stmt(st))
                elif isinstance(v, A.Expr) and name not in ("targets", "target"):
                    out[name] = expr(v)
                elif isinstance(v, tuple) and v and all(isinstance(x, A.Expr) for x in v) and name != "targets":
                    out[name] = tuple(expr(x) for x in v)
            return [replace(s, **out) if out else s]

        return [x for s in body for x in stmt(s)]

    def mutating_call(self, s: A.Stmt) -> list[A.Stmt] | None:
        """``obj.m(...)`` (a statement, ``x = obj.m(...)`` or ``return obj.m(...)``) of a method
        that changes fields: the call, then the fields written back into the instance."""
        call = s.value if isinstance(s, (A.ExprStmt, A.Return)) else s.value if isinstance(s, A.Assign) else None
        if not (isinstance(call, A.Call) and call.receiver is not None):
            return None
        inst = self.instance_of(call.receiver)
        if inst is None:
            return None
        obj, info = inst
        changed = info.mutated(call.func)
        if not changed:
            return None
        span = s.span
        if obj not in self.local_instances:
            return [RejectedStmt(span, "method changing a module-level instance", f"{call.func}() changes fields of "
                                 f"{obj}, whose fields are constants: make the instance in the function that uses it")]
        if isinstance(s, A.Assign) and not (len(s.targets) == 1 and isinstance(s.targets[0], A.Name)):
            return None
        valued = any(isinstance(n, A.Return) and n.value is not None for n in A.walk(info.methods[call.func].body))
        result = A.Name(span, self.fn.fresh("state"))
        self.writing_back = True  # (desugar_calls.method: this call may change the instance)
        out = self.stmt(A.Assign(span, (result,), replace(call, receiver=A.Name(call.receiver.span, obj))))
        self.writing_back = False
        shift = 1 if valued else 0
        for k, f in enumerate(changed):
            out.append(A.Assign(span, (A.Name(span, f"{obj}.{f}"),), A.Subscript(span, result, A.IntLit(span, k + shift))))
        value = A.Subscript(span, result, A.IntLit(span, 0)) if valued else A.NoneLit(span)
        if isinstance(s, A.Assign):
            out.extend(self.stmt(A.Assign(span, s.targets, value)))
        elif isinstance(s, A.Return):
            out.append(A.Return(span, value))
        return out

    # --- instances -----------------------------------------------------------------------------
    def instance_of(self, e) -> tuple[str, ClassInfo] | None:
        """(name, class) when ``e`` names an instance: a local one, or a module-level one."""
        if not isinstance(e, A.Name):
            return None
        if e.id in self.local_instances:
            return e.id, self.local_instances[e.id]
        if e.id in self.instances and e.id not in self.fn.locals:
            return e.id, self.instances[e.id]
        return None

    def construction(self, target: A.Name, call: A.Call, module_level: bool) -> list[A.Stmt]:
        """``obj = C(args)``: one assignment per field."""
        info = self.classes[call.func]
        init = info.methods.get("__init__")
        if init is None:
            return []
        me = _self_name(init)
        params = init.params[1:]
        args = [a for a in call.args if not isinstance(a, A.Keyword)]
        kws = {a.name: a.value for a in call.args if isinstance(a, A.Keyword)}
        bound = {}
        for p, a in zip(params, args):
            bound[p.name] = a
        for p in params:
            if p.name in kws:
                bound[p.name] = kws[p.name]
            elif p.name not in bound:
                if p.default is None:
                    return [RejectedStmt(call.span, "call", f"{info.name}() missing required argument {p.name!r}")]
                bound[p.name] = p.default
        if len(args) > len(params) or set(kws) - {p.name for p in params}:
            return [RejectedStmt(call.span, "call", f"{info.name}() takes {len(params)} argument(s)")]
        fields = {f: A.Name(target.span, f"{target.id}.{f}") for f in info.fields}
        out: list[A.Stmt] = []
        init = replace(init, body=tuple(self.optional_fields(init.body, me, info)))
        if module_level:
            for s in init.body:
                if isinstance(s, A.Pass):
                    continue
                f = field_of(s.targets[0], me) if isinstance(s, A.Assign) and len(s.targets) == 1 else None
                if f is None:
                    out.append(RejectedStmt(s.span, "statement in __init__", "an instance made at module level is a "
                                            "set of constants: __init__ may only assign fields, self.f = expression"))
                    continue
                value = _replace_names(s.value, bound)
                out.append(A.Assign(s.span, (fields[f],), self.expr(_fields_to_names(value, me, fields))))
            return out
        temps = {}
        for p in params:  # arguments first, in order, as a call evaluates them
            t = A.Name(call.span, self.fn.fresh(p.name))
            out.extend(self.stmt(A.Assign(call.span, (t,), bound[p.name])))
            temps[p.name] = t
        local = {n: A.Name(call.span, self.fn.fresh(n)) for n in _assigned_in(init.body) if n not in temps}
        for f in fields.values():
            self.fn.locals.add(f.id)
        body = tuple(_fields_to_names(_replace_names(s, {**temps, **local}), me, fields) for s in init.body)
        out.extend(self.stmts(body))
        return out


def field_node(span, me: str, f: str) -> Rejected:
    """``self.f`` as the parser writes it (an attribute read of ``me``), read raw: the value of
    a field that may be None, without the check a program's own read gets."""
    return Rejected(span, f"attribute .{f}", "raw", f, (A.Name(span, me),))


def _returning_fields(body, me: str, fields: list[str], span) -> list:
    """A method that changes fields returns them after its value: ``return e`` becomes
    ``return e, self.f, ...``, and a method without a value returns ``(self.f, ...)`` (at its
    end too)."""
    valued = any(isinstance(n, A.Return) and n.value is not None for n in A.walk(tuple(body)))
    state = tuple(field_node(span, me, f) for f in fields)

    def ret(value):
        return A.Return(span, A.Tuple(span, ((value,) if valued else ()) + state))

    def rewrite(stmts):
        out = []
        for s in stmts:
            if isinstance(s, A.Return):
                out.append(ret(s.value))
                continue
            fields_ = {}
            for name in s.__dataclass_fields__:
                v = getattr(s, name)
                if isinstance(v, tuple) and v and all(isinstance(x, A.Stmt) for x in v):
                    fields_[name] = tuple(rewrite(v))
            out.append(replace(s, **fields_) if fields_ else s)
        return out

    out = rewrite(body)
    if not valued:
        out.append(ret(None))
    return out


def _assigned_in(stmts) -> set[str]:
    out = set()
    for n in A.walk(tuple(stmts)):
        if isinstance(n, A.Assign):
            out |= {t.id for t in n.targets if isinstance(t, A.Name)}
        elif isinstance(n, (A.For,)):
            out.add(n.target)
    return out


def _replace_names(n, names: dict):
    """Names replaced by expressions (no scoping: __init__ bodies are small and flat)."""
    if isinstance(n, A.Name):
        return names.get(n.id, n)
    if isinstance(n, A.For) and n.target in names and isinstance(names[n.target], A.Name):
        n = replace(n, target=names[n.target].id)
    return map_children(n, lambda x: _replace_names(x, names))


def _fields_to_names(n, me: str | None, fields: dict):
    """``self.f`` (read or assigned) -> the field's variable."""
    f = field_of(n, me)
    if f is not None and f in fields:
        return fields[f]
    return map_children(n, lambda x: _fields_to_names(x, me, fields))

