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
        body = list(m.body)
        for n in A.walk(tuple(body)):
            if isinstance(n, (A.Assign, A.AugAssign)):
                targets = n.targets if isinstance(n, A.Assign) else (n.target,)
                for t in targets:
                    root = t
                    while isinstance(root, A.Subscript):
                        root = root.value
                    if field_of(root, me) is not None and root is t:
                        body = [RejectedStmt(t.span, "field assignment in a method",
                                             f"only __init__ assigns fields: a method that changes self.{root.text} would "
                                             "change the object in CPython; return the new value instead")] + body
        fn = A.FunctionDef(m.span, f"{info.name}.{m.name}", params, m.returns, tuple(body))
        self.functions[fn.name] = fn
        self.method_owner[fn.name] = (me, info)
        if self.function_params(fn) or none_params(fn):
            return None  # compiled once per function passed to it (call_with_functions), as functions are
        outer_instances = dict(self.local_instances)
        self.local_instances = {me: info}
        out = self.function(fn)
        self.local_instances = outer_instances
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

