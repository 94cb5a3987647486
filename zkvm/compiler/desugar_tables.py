"""Dicts and sets built inside a function, for desugar.py: counting votes, marking visited nodes.

A local dict ``d`` (every assignment to the name is a dict display, a dict comprehension or
``dict()``) becomes two local lists, ``d.keys`` and ``d.vals``, in insertion order as Python
keeps them; a local set ``s`` (``set()``, ``set(xs)``, a display or a comprehension) one list
``s.items`` of distinct elements. Reads search the keys (a linear scan: these are the small
tables of inference code, not databases), writes append or update in place. The rewrite runs
on the function's surface tree, before the rest of the desugaring, so that what it produces
(loops over ``zip(d.keys, d.vals)``, prelude calls, appends) is desugared like the program's
own code.

Only uses whose meaning the lists keep are accepted: ``d[k]``, ``d[k] = v``, ``d[k] += v``,
``del d[k]``, ``k in d``, ``len(d)``, ``d.get``, ``d.keys()/values()/items()``, ``d.pop``,
``d.setdefault``, ``d.clear()``, loops and order-free builtins over the keys; ``s.add``,
``s.discard``, ``s.remove``, ``s.update``, ``x in s``, ``len(s)`` and the order-free builtins
(``sorted``, ``min``, ``max``, ``sum``, ``any``, ``all``) over a set. A table passed to a
function, returned, stored or compared is rejected (the callee would index a list), and so is
a loop over a set (CPython's order is its hash order, not the insertion order).
"""

from __future__ import annotations

from dataclasses import replace

from zkvm.compiler import ast as A
from zkvm.compiler.transform import Rejected, RejectedStmt

# builtins that read a table's keys (a set's elements) as an iterable
KEY_READERS = ("len", "sorted", "min", "max", "sum", "any", "all", "list", "tuple", "enumerate", "zip", "reversed",
               "print", "bool")
ORDER_FREE = ("len", "sorted", "min", "max", "sum", "any", "all", "print", "bool")
_AS_VALUE = ("a dict or set built in a function is used where it is made: d[k], d.get(k, v), k in d, len(d), "
             "loops over d, d.items(); it cannot be passed to a function, returned, stored or compared (pass "
             "the lists list(d.keys()) and list(d.values()) instead)")


def _is_dict_value(e) -> bool:
    return isinstance(e, (A.DictLit, A.DictComp)) or (isinstance(e, A.Call) and e.receiver is None and e.func == "dict"
                                                      and len(e.args) <= 1 and not any(isinstance(a, A.Keyword) for a in e.args))


def _is_set_value(e) -> bool:
    return isinstance(e, (A.SetLit, A.SetComp)) or (isinstance(e, A.Call) and e.receiver is None and e.func == "set"
                                                    and len(e.args) <= 1)


def local_tables(fn: A.FunctionDef) -> tuple[set[str], set[str]]:
    """The names of ``fn`` that hold a dict (a set) built in it: every assignment to the name
    is a dict (set) value, and it is not a parameter."""
    values: dict[str, list] = {}
    others: set[str] = {p.name for p in fn.params}
    for n in A.walk(fn.body):
        if isinstance(n, A.Assign) and len(n.targets) == 1 and _parallel(n.targets[0], n.value):
            for t, v in zip(n.targets[0].elts, n.value.elts):  # seen, order = set(), []
                if isinstance(t, A.Name):
                    values.setdefault(t.id, []).append(v)
                else:
                    others.update(x.id for x in A.walk(t) if isinstance(x, A.Name))
        elif isinstance(n, (A.Assign, A.AnnAssign)) and n.value is not None:
            for t in (n.targets if isinstance(n, A.Assign) else (n.target,)):
                if isinstance(t, A.Name):
                    values.setdefault(t.id, []).append(n.value)
                else:
                    others.update(x.id for x in A.walk(t) if isinstance(x, A.Name) and t is not x and
                                  not isinstance(t, A.Subscript))
        elif isinstance(n, (A.For, A.ForLoop)):
            target = n.target
            others.update([target] if isinstance(target, str) else
                          (x.id for x in A.walk(target) if isinstance(x, A.Name)))
        elif isinstance(n, A.AugAssign) and isinstance(n.target, A.Name):
            others.add(n.target.id)
    dicts = {k for k, vs in values.items() if k not in others and all(_is_dict_value(v) for v in vs)}
    sets = {k for k, vs in values.items() if k not in others and all(_is_set_value(v) for v in vs)}
    return dicts, sets


def _bound(t) -> list[str]:
    """The names an assignment target rebinds (not those it only indexes: d[k] = v)."""
    if isinstance(t, A.Name):
        return [t.id]
    if isinstance(t, (A.Tuple, A.ListLit)):
        return [n for x in t.elts for n in _bound(x)]
    if isinstance(t, A.Starred):
        return _bound(t.value)
    return []


def table_only_functions(module: A.Module) -> set[str]:
    """Functions called with a dict or set built in a function as an argument, and never
    otherwise: they are compiled only in the versions those calls make (TableRewriter)."""
    functions = {s.name: s for s in module.body if isinstance(s, A.FunctionDef)}
    with_tables, without = set(), set()
    for fn in functions.values():
        dicts, sets = local_tables(fn)
        tables = dicts | sets
        for n in A.walk(fn.body):
            if isinstance(n, A.Call) and n.receiver is None and n.func in functions:
                (with_tables if any(isinstance(a, A.Name) and a.id in tables for a in n.args) else without).add(n.func)
            elif isinstance(n, A.Name) and n.id in functions:
                without.add(n.id)  # (passed as a value)
    return with_tables - without - {"main"}


def _parallel(target, value) -> bool:
    return isinstance(target, A.Tuple) and isinstance(value, A.Tuple) and len(target.elts) == len(value.elts) \
        and not any(isinstance(x, A.Starred) for x in target.elts + value.elts)


class TableRewriter:
    """Rewrites one function's body (see the module docstring); ``d`` is the Desugarer, for
    fresh names and prelude calls."""

    def __init__(self, d, dicts: set[str], sets: set[str]) -> None:
        self.d = d
        self.dicts = dicts
        self.sets = sets

    # --- names --------------------------------------------------------------------------------
    def keys(self, name: str, span) -> A.Name:
        return A.Name(span, f"{name}.keys" if name in self.dicts else f"{name}.items")

    def vals(self, name: str, span) -> A.Name:
        return A.Name(span, f"{name}.vals")

    def table(self, e) -> str | None:
        if isinstance(e, A.Name) and (e.id in self.dicts or e.id in self.sets):
            return e.id
        return None

    def item(self, e) -> tuple[str, A.Expr] | None:
        """(dict name, key expression) for ``d[k]`` and ``d[a, b]`` (a tuple key) of a local
        dict, else None."""
        if isinstance(e, A.Subscript) and self.table(e.value) in self.dicts:
            return e.value.id, e.index
        if isinstance(e, Rejected) and e.construct == "tuple" and len(e.parts) > 2 and self.table(e.parts[0]) in self.dicts:
            return e.parts[0].id, A.Tuple(e.span, tuple(e.parts[1:]))
        return None

    def fresh(self, kind: str) -> str:
        """A new local name, of kinds the rest of the desugaring never uses (a function
        version made here is desugared with its own counter)."""
        return self.d.fn.fresh("table." + kind)

    def temp(self, kind: str, value: A.Expr, out: list) -> A.Name:
        name = A.Name(value.span, self.fresh(kind))
        out.append(A.Assign(value.span, (name,), value))
        return name

    # --- statements -----------------------------------------------------------------------------
    def body(self, stmts) -> tuple:
        out: list = []
        for s in stmts:
            out.extend(self.stmt(s))
        return tuple(out)

    def stmt(self, s) -> list:
        span = s.span
        if isinstance(s, (A.Assign, A.AnnAssign)) and s.value is not None:
            targets = s.targets if isinstance(s, A.Assign) else (s.target,)
            if len(targets) == 1 and _parallel(targets[0], s.value) and any(self.table(t) for t in targets[0].elts):
                out = []
                temps = [None if self.table(t) else self.temp("v", self.expr(v), out)
                         for t, v in zip(targets[0].elts, s.value.elts)]  # the values first, in order
                for t, v, tmp in zip(targets[0].elts, s.value.elts, temps):
                    out.extend(self.build(t.id, v, span) if tmp is None else self.stmt(A.Assign(span, (t,), tmp)))
                return out
            if len(targets) == 1:
                t = targets[0]
                name = self.table(t)
                if name is not None:
                    return self.build(name, s.value, span)
                if self.item(t) is not None:
                    name, key = self.item(t)
                    out: list = []
                    v = self.temp("v", self.expr(s.value), out)  # (Python evaluates the value first)
                    k = self.temp("k", self.expr(key), out)
                    return out + self.store(name, k, v, span)
        if isinstance(s, A.AugAssign) and self.item(s.target) is not None:
            name, key = self.item(s.target)
            out = []
            k = self.temp("k", self.expr(key), out)
            old = self.get(name, k, span)
            v = self.temp("v", A.BinOp(span, s.op, old, self.expr(s.value)), out)
            return out + self.store(name, k, v, span)
        if isinstance(s, A.Delete) and len(s.targets) == 1 and self.item(s.targets[0]) is not None:
            name, key = self.item(s.targets[0])
            return [A.ExprStmt(span, self.d.call_prelude("dict_pop", span, self.keys(name, span),
                                                         self.vals(name, span), self.expr(key)))]
        if isinstance(s, A.ExprStmt) and isinstance(s.value, A.Call) and s.value.receiver is not None:
            done = self.method_stmt(s.value)
            if done is not None:
                return done
        if isinstance(s, (A.For, A.ForLoop)):
            name = self.table(s.iter)
            if name in self.sets:
                return [RejectedStmt(s.iter.span, "loop over a set", "CPython visits a set in its hash order, not in "
                                     f"insertion order: loop over sorted({name})", (), self.body(s.body))]
        fields = {}
        for f in s.__dataclass_fields__:
            v = getattr(s, f)
            if isinstance(v, tuple) and v and all(isinstance(x, A.Stmt) for x in v):
                fields[f] = self.body(v)
            elif isinstance(v, A.Expr):
                fields[f] = self.expr(v, allowed=f in ("test", "iter"))
            elif isinstance(v, tuple) and v and all(isinstance(x, A.Expr) for x in v):
                fields[f] = tuple(self.expr(x) for x in v)
        return [replace(s, **fields) if fields else s]

    def build(self, name: str, value, span) -> list:
        """``name = {...}``: fresh lists, then the items inserted in order."""
        out: list = []
        keys = self.keys(name, span)
        out.append(A.Assign(span, (keys,), A.ListLit(span, ())))
        if name in self.dicts:
            out.append(A.Assign(span, (self.vals(name, span),), A.ListLit(span, ())))
        if isinstance(value, A.DictLit):
            for k, v in zip(value.keys, value.values):
                kk = self.temp("k", self.expr(k), out)
                vv = self.temp("v", self.expr(v), out)
                out.extend(self.store(name, kk, vv, span))
        elif isinstance(value, A.DictComp):
            impure = [n for n in A.walk((value.key, value.value)) if isinstance(n, A.Call) and
                      (n.receiver is not None or n.func in self.d.functions)]
            if impure:
                return [RejectedStmt(impure[0].span, "call in a dict comprehension's key or value",
                                     "compute the value before: vals = [f(x) for x in xs], then "
                                     "{k: v for k, v in zip(keys, vals)}", (), ())]
            ks = self.temp("ks", self.expr(A.Comprehension(span, "list", value.key, value.clauses)), out)
            vs = self.temp("vs", self.expr(A.Comprehension(span, "list", value.value, value.clauses)), out)
            out.extend(self.insert_all(name, ks, vs, span))
        elif isinstance(value, A.Call) and value.func == "dict" and value.args:
            # dict(zip(names, row)), dict(pairs), dict(other): the pairs in order
            k, v = (A.Name(span, self.fresh(n)) for n in ("k", "v"))
            self.d.fn.locals |= {k.id, v.id}
            src = value.args[0]
            src = self.keys(src.id, span) if self.table(src) in self.sets else \
                A.Call(span, "zip", (self.keys(src.id, span), self.vals(src.id, span))) if self.table(src) in self.dicts else src
            out.extend(self.stmt(A.ForLoop(span, A.Tuple(span, (k, v)), src,
                                           (A.Assign(span, (A.Subscript(span, A.Name(span, name), k),), v),), None)))
        elif isinstance(value, A.SetLit):
            for x in value.elts:
                out.extend(self.add(name, self.temp("x", self.expr(x), out), span))
        elif isinstance(value, A.SetComp):
            xs = self.temp("xs", self.expr(A.Comprehension(span, "list", value.elt, value.clauses)), out)
            out.extend(self.insert_all(name, xs, None, span))
        elif isinstance(value, A.Call) and value.args:  # set(xs)
            xs = self.temp("xs", A.Call(span, "list", (self.expr(value.args[0], allowed=True),)), out)
            out.extend(self.insert_all(name, xs, None, span))
        return out

    def insert_all(self, name: str, ks: A.Name, vs: A.Name | None, span) -> list:
        i = self.fresh("i")
        k = A.Subscript(span, ks, A.Name(span, i))
        body = self.store(name, k, A.Subscript(span, vs, A.Name(span, i)), span) if vs is not None \
            else self.add(name, k, span)
        return [A.For(span, i, span, A.Call(span, "range", (A.Call(span, "len", (ks,)),)), tuple(body))]

    def store(self, name: str, k: A.Expr, v: A.Expr, span) -> list:
        """d[k] = v with k and v evaluated already (names): update in place or append. (Each
        use of a list gets a Name node of its own: later passes tell uses apart by identity.)"""
        at = A.Name(span, self.fresh("at"))
        find = A.Assign(span, (at,), self.d.call_prelude("find", span, self.keys(name, span), k))
        new = (A.ExprStmt(span, A.Call(span, "append", (k,), receiver=self.keys(name, span))),
               A.ExprStmt(span, A.Call(span, "append", (v,), receiver=self.vals(name, span))))
        update = (A.Assign(span, (A.Subscript(span, self.vals(name, span), at),), v),)
        return [find, A.If(span, A.Compare(span, at, ("<",), (A.IntLit(span, 0),)), new, update)]

    def add(self, name: str, x: A.Expr, span) -> list:
        return [A.If(span, A.Compare(span, x, ("not in",), (self.keys(name, span),)),
                     (A.ExprStmt(span, A.Call(span, "append", (x,), receiver=self.keys(name, span))),), ())]

    def get(self, name: str, k: A.Expr, span) -> A.Expr:
        return self.d.call_prelude("dict_get", span, self.keys(name, span), self.vals(name, span), k)

    def method_stmt(self, call: A.Call) -> list | None:
        """Table methods used as statements (those that change the table)."""
        span = call.span
        inner = call.receiver
        if isinstance(inner, A.Call) and inner.func == "setdefault" and self.table(inner.receiver) in self.dicts \
                and len(inner.args) == 2:
            # d.setdefault(k, []).append(x)
            out: list = []
            name = inner.receiver.id
            k = self.temp("k", self.expr(inner.args[0]), out)
            out.extend(self.setdefault(name, k, inner.args[1], span))
            out.append(A.ExprStmt(span, replace(call, receiver=self.get(name, k, span),
                                                args=tuple(self.expr(a) for a in call.args))))
            return out
        name = self.table(inner)
        if name is None:
            return None
        args = call.args
        if name in self.sets:
            items = self.keys(name, span)
            if call.func == "add" and len(args) == 1:
                out = []
                return out + self.add(name, self.temp("x", self.expr(args[0]), out), span)
            if call.func in ("discard", "remove") and len(args) == 1:
                out = []
                x = self.temp("x", self.expr(args[0]), out)
                remove = A.ExprStmt(span, self.d.call_prelude("remove", span, items, x))
                if call.func == "remove":
                    return out + [remove]
                return out + [A.If(span, A.Compare(span, x, ("in",), (items,)), (remove,), ())]
            if call.func == "update" and len(args) == 1:
                out = []
                xs = self.temp("xs", A.Call(span, "list", (self.expr(args[0], allowed=True),)), out)
                return out + self.insert_all(name, xs, None, span)
            if call.func == "clear" and not args:
                return [A.ExprStmt(span, self.d.call_prelude("clear", span, items))]
            return None
        if call.func == "setdefault" and len(args) == 2:
            out = []
            return out + self.setdefault(name, self.temp("k", self.expr(args[0]), out), args[1], span)
        if call.func == "clear" and not args:
            return [A.ExprStmt(span, self.d.call_prelude("clear", span, self.keys(name, span))),
                    A.ExprStmt(span, self.d.call_prelude("clear", span, self.vals(name, span)))]
        if call.func == "update" and len(args) == 1 and self.table(args[0]) in self.dicts:
            other = args[0].id
            return self.insert_all(name, self.keys(other, span), self.vals(other, span), span)
        return None

    def setdefault(self, name: str, k: A.Name, default: A.Expr, span) -> list:
        return [A.If(span, A.Compare(span, k, ("not in",), (self.keys(name, span),)),
                     (A.ExprStmt(span, A.Call(span, "append", (k,), receiver=self.keys(name, span))),
                      A.ExprStmt(span, A.Call(span, "append", (self.expr(default),), receiver=self.vals(name, span)))),
                     ())]

    # --- expressions ----------------------------------------------------------------------------
    def expr(self, e, allowed: bool = False):
        """``e`` with table reads rewritten; ``allowed``: a bare table name here reads its keys
        (an iterable position: a loop, ``in``, a builtin's argument, a truth test)."""
        if e is None:
            return None
        name = self.table(e)
        if name is not None:
            if allowed:
                return self.keys(name, e.span)
            return Rejected(e.span, "dict or set used as a value", _AS_VALUE, "", ())
        span = getattr(e, "span", None)
        if self.item(e) is not None:
            name, key = self.item(e)
            return self.get(name, self.expr(key), span)
        if isinstance(e, A.Call) and e.receiver is not None and self.table(e.receiver) is not None:
            return self.method(self.table(e.receiver), e)
        if isinstance(e, A.Call) and e.receiver is None and e.func in self.d.functions \
                and any(self.table(a) for a in e.args):
            return self.table_call(e)
        if isinstance(e, A.Call) and e.receiver is None and e.func in KEY_READERS:
            set_args = [a for a in e.args if self.table(a) in self.sets]
            if set_args and e.func not in ORDER_FREE:
                return Rejected(set_args[0].span, f"{e.func}() of a set", "CPython orders a set by hash, not by "
                                f"insertion: use sorted({set_args[0].id})", "", ())
            args = tuple(self.key_function(a) if isinstance(a, A.Keyword) else self.expr(a, allowed=True)
                         for a in e.args)
            return replace(e, args=args)
        if isinstance(e, A.Compare):
            comps = tuple(self.expr(c, allowed=o in ("in", "not in")) for o, c in zip(e.ops, e.comparators))
            return replace(e, left=self.expr(e.left), comparators=comps)
        if isinstance(e, A.UnaryOp) and e.op == "not":
            return replace(e, operand=self.expr(e.operand, allowed=True))
        if isinstance(e, A.IfExp):
            return replace(e, test=self.expr(e.test, allowed=True), body=self.expr(e.body), orelse=self.expr(e.orelse))
        if isinstance(e, (A.CompFor, A.ListComp)) and self.table(e.iter) in self.sets:
            return Rejected(e.iter.span, "comprehension over a set", "CPython visits a set in its hash order, not in "
                            f"insertion order: iterate sorted({e.iter.id})", "", ())
        if isinstance(e, A.CompFor):
            return replace(e, target=e.target, iter=self.expr(e.iter, allowed=True))
        if isinstance(e, A.ListComp):
            return replace(e, iter=self.expr(e.iter, allowed=True), elt=self.expr(e.elt), cond=self.expr(e.cond))
        if isinstance(e, A.Node):
            fields = {}
            for f in e.__dataclass_fields__:
                v = getattr(e, f)
                if isinstance(v, A.Node):
                    fields[f] = self.expr(v)
                elif isinstance(v, tuple) and any(isinstance(x, A.Node) for x in v):
                    fields[f] = tuple(self.expr(x) if isinstance(x, A.Node) else x for x in v)
            return replace(e, **fields) if fields else e
        return e

    def table_call(self, e: A.Call):
        """``score(applicant)`` with a local dict (set) as a positional argument: a version of
        the function whose parameter is that table's lists (shared with the caller, so that
        its changes are seen, as in Python), made once per function and table position."""
        fn = self.d.functions[e.func]
        if any(isinstance(a, (A.Keyword, A.Starred)) for a in e.args) or len(e.args) > len(fn.params):
            return Rejected(e.span, "dict or set used as a value", "pass a dict or set built in a function as a "
                            "positional argument", "", ())
        kinds = {fn.params[k].name: ("dict" if self.table(a) in self.dicts else "set")
                 for k, a in enumerate(e.args) if self.table(a)}
        assigned = {n for s in A.walk(fn.body) if isinstance(s, (A.Assign, A.AugAssign))
                    for t in (s.targets if isinstance(s, A.Assign) else (s.target,)) for n in _bound(t)}
        if set(kinds) & assigned:
            return Rejected(e.span, "dict or set used as a value", f"{e.func}() assigns its parameter "
                            f"{sorted(set(kinds) & assigned)[0]!r}: pass the dict or set to a function that only reads "
                            "and changes it", "", ())
        name = f"{e.func}[{','.join(f'{p}={k}' for p, k in sorted(kinds.items()))}]"
        if name not in self.d.functions:
            params = []
            for p in fn.params:
                if kinds.get(p.name) == "dict":
                    params += [A.Param(p.span, f"{p.name}.keys", None), A.Param(p.span, f"{p.name}.vals", None)]
                elif kinds.get(p.name) == "set":
                    params.append(A.Param(p.span, f"{p.name}.items", None))
                else:
                    params.append(p)
            inner = TableRewriter(self.d, {p for p, k in kinds.items() if k == "dict"},
                                  {p for p, k in kinds.items() if k == "set"})
            clone = A.FunctionDef(fn.span, name, tuple(params), fn.returns, inner.body(fn.body))
            self.d.functions[name] = clone
            outer = self.d.fn
            self.d.extra.append(self.d.function(clone))
            self.d.fn = outer
        args = []
        for a in e.args:
            t = self.table(a)
            if t in self.dicts:
                args += [self.keys(t, a.span), self.vals(t, a.span)]
            elif t in self.sets:
                args.append(self.keys(t, a.span))
            else:
                args.append(self.expr(a))
        return A.Call(e.span, name, tuple(args))

    def key_function(self, kw: A.Keyword) -> A.Keyword:
        """``key=d.get`` (the argmax of votes): a lambda reading the dict."""
        v = kw.value
        if isinstance(v, Rejected) and v.construct == "attribute .get" and v.parts and self.table(v.parts[0]) in self.dicts:
            p = self.fresh("key")
            return replace(kw, value=A.Lambda(v.span, (A.Param(v.span, p, None),),
                                              self.get(v.parts[0].id, A.Name(v.span, p), v.span)))
        return replace(kw, value=self.expr(v))

    def method(self, name: str, e: A.Call):
        span = e.span
        args = tuple(self.expr(a) for a in e.args if not isinstance(a, A.Keyword))
        keys = self.keys(name, span)
        if name in self.dicts:
            vals = self.vals(name, span)
            if e.func == "get" and len(args) in (1, 2) and len(args) == len(e.args):
                default = args[1] if len(args) == 2 else A.NoneLit(span)
                return self.d.call_prelude("dict_lookup", span, keys, vals, args[0], default)
            if e.func == "keys" and not e.args:
                return keys
            if e.func == "values" and not e.args:
                return vals
            if e.func == "items" and not e.args:
                return A.Call(span, "zip", (keys, vals))
            if e.func == "pop" and len(args) == 1 and len(e.args) == 1:
                return self.d.call_prelude("dict_pop", span, keys, vals, args[0])
            if e.func == "pop" and len(args) == 2 and len(e.args) == 2:
                return self.d.call_prelude("dict_pop_or", span, keys, vals, args[0], args[1])
        return Rejected(span, f"method .{e.func}() of a dict or set built in a function",
                        "dicts support d[k], d.get(k, v), d.keys(), d.values(), d.items(), d.pop(k), d.setdefault(k, v), "
                        "d.update(other), d.clear() and del d[k]; sets support s.add(x), s.discard(x), s.remove(x), "
                        "s.update(xs), s.clear() and x in s", "", args)
