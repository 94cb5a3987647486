"""Calls for desugar.py: the builtins rewritten into the core or into prelude.py's functions
(sorted, min/max with key=, list, divmod, ...), keyword and default arguments, functions as
values (a helper compiled per function passed to it, ``p is None`` decided per call), method
calls, and module-level dicts of constant keys."""

from __future__ import annotations

from dataclasses import replace

from zkvm.compiler import ast as A
from zkvm.compiler.desugar_tree import (
    free_names,
    KEY_BUILTINS,
    Table,
    VIEW_FUNCS,
    bound_names,
    decide_none,
    fold_tests,
    none_params,
    rename_calls,
    simple,
    substitute,
    substitute_stmts,
)
from zkvm.compiler.transform import Rejected
from zkvm.source import Span


class CallsMixin:
    """The call half of the Desugarer."""

    # --- dicts of constant keys ---------------------------------------------------------------
    def table(self, e) -> "Table | None":
        """The module-level dict a name stands for (unless a local variable shadows it)."""
        if isinstance(e, A.Name) and e.id in self.dicts and e.id not in self.fn.locals:
            return self.dicts[e.id]
        return None

    def lookup(self, table: "Table", key: A.Expr, default: A.Expr | None, span: Span) -> A.Expr:
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


    # --- calls -----------------------------------------------------------------------------
    def call(self, e: A.Call) -> A.Expr:
        if e.receiver is not None:
            return self.method(e)
        f = e.func
        if f == "print":  # nothing is printed in the VM: strings and f-strings are left out
            return A.Call(e.span, f, tuple(self.expr(a) for a in e.args if not isinstance(a, A.Keyword)
                                           and not (isinstance(a, A.Unsupported) and a.construct in ("string", "f-string"))))
        if f in ("load", "load_private"):  # its string arguments stay strings (the file and the array's name)
            return A.Call(e.span, f, tuple(a if isinstance(a, A.Unsupported) and a.construct == "string" else self.expr(a)
                                           for a in e.args))
        if f in self.math_names and f not in self.fn.locals and f not in self.functions:
            return self.math_call(e, self.math_names[f])
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
                if self.table_view(a) is not None:  # list(D), list(D.values()): a copy of the keys (values)
                    return self.call_prelude("copy", span, self.as_list(a))
                return self.call_prelude("copy", span, self.expr(a))
        if f == "sorted" and len(args) == 1:
            return self.call_prelude("sorted", span, self.as_list(args[0]), A.BoolLit(span, False))
        if f == "reversed" and len(args) == 1:
            return self.call_prelude("reversed", span, self.as_list(args[0]))
        if f in ("any", "all") and len(args) == 1:
            return self.call_prelude(f, span, self.as_list(args[0]))
        if f == "divmod" and len(args) == 2:
            a, b = self.expr(args[0]), self.expr(args[1])
            if simple(a) and simple(b):
                return A.ListLit(span, (A.BinOp(span, "//", a, b), A.BinOp(span, "%", a, b)))
            return self.call_prelude("divmod", span, a, b)
        if f == "bool" and len(args) == 1 and f not in self.fn.locals:  # an int or a list: its truth, True or False
            return A.UnaryOp(span, "not", A.UnaryOp(span, "not", self.expr(args[0])))
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
        if key is not None and not simple(seq):
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
            if not simple(seq):
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
        free = sorted(free_names(e) & self.fn.locals)
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
            body = substitute(key.body, {key.params[0].name: v})
        elif isinstance(key, A.Name) and (key.id in self.functions or key.id in KEY_BUILTINS) and key.id not in self.fn.locals:
            body = A.Call(span, key.id, (v,))
        elif isinstance(key, Rejected) and key.construct in ("attribute .__getitem__", "attribute .get") and key.parts \
                and (key.text == "__getitem__" or self.table(key.parts[0]) is not None):
            body = A.Subscript(span, key.parts[0], v)  # key=xs.__getitem__ (argmax), key=D.get
        else:
            return Rejected(key.span, "key function", "key= takes a lambda or the name of a function", "", (self.expr(key),))
        return A.ListComp(span, self.expr(body), v.id, v.span, seq, None)

    def user_call(self, e: A.Call, args, kws) -> A.Expr:
        """Keyword arguments bound to their parameters and defaults filled in, as CPython binds them."""
        fn = self.functions[e.func]
        params = fn.params
        if any(isinstance(a, A.Starred) for a in args):
            spread = self.spread_star(e, fn, args, kws)
            if isinstance(spread, Rejected):
                return spread
            args = spread
        if not kws and all(p.default is None for p in params) and not self.function_params(fn) and not none_params(fn) \
                and e.func not in self.positional:
            return A.Call(e.span, e.func, tuple(self.expr(a) for a in args))
        bound: list[A.Expr | None] = [None] * len(params)
        most = self.positional.get(e.func)
        if most is not None and len(args) > most:
            return Rejected(e.span, "call", f"{e.func}() takes {most} positional argument(s) but {len(args)} were given "
                            "(the parameters after * are passed by keyword)", "", tuple(self.expr(a) for a in e.args))
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
        fparams = self.function_params(fn)
        if fparams or none_params(fn):
            return self.call_with_functions(e, fn, bound, fparams)
        order = [names.index(k) for k in kws]
        if order != sorted(order) and sum(1 for v in kws.values() if not simple(v)) > 1:
            return self.reordering_call(e, fn, [*args, *kws.values()], [*range(len(args)), *order])
        return A.Call(e.span, e.func, tuple(self.expr(a) for a in bound))

    def reordering_call(self, e: A.Call, fn: A.FunctionDef, written: list, slots: list[int]) -> A.Expr:
        """``f(y=g(), x=h())``: Python evaluates the arguments in the order written, then binds
        them; a helper taking them in that order calls ``f`` with them in its order."""
        span = e.span
        self.lift_count += 1
        name = f"{fn.name}.keywords{self.lift_count}"
        params = tuple(A.Param(span, f"arg.{k}", None) for k in range(len(written)))
        by_slot = {slot: A.Name(span, f"arg.{k}") for k, slot in enumerate(slots)}
        inner = tuple(by_slot.get(j, p.default) for j, p in enumerate(fn.params))
        wrapper = A.FunctionDef(span, name, params, None, (A.Return(span, A.Call(span, fn.name, inner)),))
        self.functions[name] = wrapper
        outer = self.fn
        self.extra.append(self.function(wrapper))
        self.fn = outer
        return A.Call(span, name, tuple(self.expr(a) for a in written))

    def spread_star(self, e: A.Call, fn: A.FunctionDef, args, kws):
        """``f(x, *t)``: the starred sequence fills the parameters left after the other
        positional and the keyword arguments, ``f(x, t[0], t[1], ...)``, and those it does not
        reach take their defaults (``t[2] if len(t) > 2 else default``); its length is checked
        at run time first (CPython's TypeError stops the run)."""
        stars = [k for k, a in enumerate(args) if isinstance(a, A.Starred)]
        parts = tuple(self.expr(a.value if isinstance(a, A.Starred) else a) for a in args)
        if len(stars) > 1 or stars[0] != len(args) - 1:
            return Rejected(args[stars[0]].span, "star argument", "one *sequence, as the last positional argument: "
                            "f(x, *t); or pass the arguments one by one", "", parts)
        star = args[-1]
        free = [p for p in fn.params[len(args) - 1:] if p.name not in kws]
        value = star.value  # (the call's arguments are desugared with the others)
        if not _pure(value):  # (it is read once per parameter it fills)
            return Rejected(star.span, "star argument", "unpack a name or a slice of one: t = ...; f(x, *t)", "", parts)
        if not free:
            return Rejected(star.span, "star argument", f"{fn.name}() has no parameter left for *t: remove it", "", parts)
        if any(p.name in kws for p in fn.params[len(args) - 1:len(args) - 1 + len(free)]):
            return Rejected(star.span, "star argument", "*t and a keyword argument for the same parameters: pass the "
                            "arguments one by one", "", parts)
        required = sum(1 for p in free if p.default is None)
        span = star.span
        checked = self.call_prelude("star", span, value, A.IntLit(span, required), A.IntLit(span, len(free)))
        spread: list[A.Expr] = []
        for k, p in enumerate(free):
            seq = checked if k == 0 else value  # (the check runs first, whatever the first item is)
            if p.default is None:
                spread.append(A.Subscript(span, seq, A.IntLit(span, k)))
            else:
                given = A.Compare(span, A.Call(span, "len", (seq,)), (">",), (A.IntLit(span, k),))
                spread.append(A.IfExp(span, given, A.Subscript(span, value, A.IntLit(span, k)), p.default))
        return [*args[:-1], *spread]

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
                    for name in bound_names(t):
                        counts[name] = counts.get(name, 0) + 1
                if len(n.targets) == 1 and isinstance(n.targets[0], A.Name):
                    values[n.targets[0].id] = n.value
            elif isinstance(n, (A.AugAssign, A.AnnAssign, A.ForLoop, A.For)):
                for name in (bound_names(n.target) if not isinstance(n, A.For) else {n.target}):
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
        free = sorted(free_names(v) & self.fn.locals)
        name = self.lift_lambda(v, free)
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
                if assigned_none:
                    return None
                if a.id in self._current_params:
                    return None if self.param_may_be_none(self.fn.name, a.id) else False
                return False
            return False  # a constant or a function: never None
        if isinstance(a, (A.Call,)) and a.receiver is None and a.func in self.functions:
            return None  # a function may return None
        return False  # literals, lists, arithmetic, comparisons: never None

    def param_may_be_none(self, fname: str, pname: str, seen: frozenset = frozenset()) -> bool:
        """May the parameter ``pname`` of ``fname`` be None at some call? main's parameters are
        inputs (never None); another function's may be None if its default is None, or if some
        call passes None, a variable that may be None, a call's result, or (the same question,
        asked of the caller) a parameter of the caller. A function used as a value may be called
        with anything."""
        if fname == "main":
            return False
        fn = next((s for s in self.module.body if isinstance(s, A.FunctionDef) and s.name == fname), None)
        if fn is None or (fname, pname) in seen:
            return fn is None
        seen = seen | {(fname, pname)}
        names = [p.name for p in fn.params]
        if pname not in names:
            return True
        k = names.index(pname)
        default = fn.params[k].default
        callers = [s for s in self.module.body if isinstance(s, A.FunctionDef)]
        for caller in callers:
            locals_none = {t.id for n in A.walk(caller.body) if isinstance(n, A.Assign) and isinstance(n.value, A.NoneLit)
                           for t in n.targets if isinstance(t, A.Name)}
            caller_params = {p.name for p in caller.params}
            for n in A.walk(caller.body):
                if isinstance(n, A.Name) and n.id == fname:
                    return True  # passed as a value
                if not (isinstance(n, A.Call) and n.receiver is None and n.func == fname):
                    continue
                if any(isinstance(a, A.Starred) for a in n.args):
                    return True
                positional = [a for a in n.args if not isinstance(a, A.Keyword)]
                given = {a.name: a.value for a in n.args if isinstance(a, A.Keyword)}
                arg = positional[k] if k < len(positional) else given.get(pname, default)
                if arg is None or self._may_be_none(arg, caller.name, caller_params, locals_none, seen):
                    return True
        return False

    def _may_be_none(self, e, caller: str, params: set, locals_none: set, seen: frozenset) -> bool:
        if isinstance(e, A.NoneLit):
            return True
        if isinstance(e, A.Name):
            if e.id in locals_none:
                return True
            return e.id in params and self.param_may_be_none(caller, e.id, seen)
        if isinstance(e, A.IfExp):
            return any(self._may_be_none(x, caller, params, locals_none, seen) for x in (e.body, e.orelse))
        if isinstance(e, A.BoolOp):
            return any(self._may_be_none(x, caller, params, locals_none, seen) for x in e.values)
        return isinstance(e, A.Call) and e.receiver is None and e.func in self.functions

    def function_value(self, a: A.Expr) -> str | None:
        """The module-level function an argument stands for: a function's name, a builtin's,
        or a lambda (lifted to a function of its own). None if it is no function."""
        if isinstance(a, A.Name) and a.id not in self.fn.locals and (a.id in self.functions or a.id in KEY_BUILTINS):
            return a.id
        if isinstance(a, A.Lambda):
            if free_names(a) & self.fn.locals:
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
            if p.name in none_params(fn) and p.name not in fparams:
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
            body = substitute_stmts(rename_calls(fn.body, chosen), {k: A.Name(fn.span, v) for k, v in chosen.items()})
            body = fold_tests(decide_none(body, nones))
            clone = A.FunctionDef(fn.span, name, tuple(p for p in fn.params if p.name not in chosen), fn.returns, body)
            self.functions[name] = clone
            outer, outer_instances = self.fn, self.local_instances
            if fn.name in self.method_owner:  # a method's version: self is its instance again
                me, info = self.method_owner[fn.name]
                self.method_owner[name] = (me, info)
                self.local_instances = {me: info}
            self.extra.append(self.function(clone))
            self.fn, self.local_instances = outer, outer_instances
        args = [a for p, a in zip(fn.params, bound) if p.name not in chosen]
        return A.Call(e.span, name, tuple(self.expr(a) for a in args))

    def math_call(self, e: A.Call, name: str) -> A.Expr:
        """math.isqrt, gcd, prod, factorial, floor, ceil, trunc on ints (the others work on floats)."""
        args = [self.expr(a) for a in e.args if not isinstance(a, A.Keyword)]
        span = e.span
        if name in ("isqrt", "factorial") and len(args) == 1:
            return self.call_prelude(name, span, args[0])
        if name in ("floor", "ceil", "trunc") and len(args) == 1:
            return A.BinOp(span, "+", A.IntLit(span, 0), args[0])  # of an int: the int
        if name == "gcd":
            if not args:
                return A.IntLit(span, 0)
            out = A.Call(span, "abs", (args[0],))
            for a in args[1:]:
                out = self.call_prelude("gcd", span, out, a)
            return out
        if name == "prod" and len(args) == 1:
            start = next((self.expr(a.value) for a in e.args if isinstance(a, A.Keyword) and a.name == "start"), A.IntLit(span, 1))
            return self.call_prelude("prod", span, self.as_list(e.args[0]), start)
        return Rejected(span, f"math.{name}", f"math.{name}() is not available: the VM has integers only (math.isqrt, gcd, "
                        "prod, factorial, floor, ceil and trunc are); use scaled integers", "", tuple(args))

    def method(self, e: A.Call) -> A.Expr:
        if isinstance(e.receiver, A.Name) and e.receiver.id in self.math_modules and e.receiver.id not in self.fn.locals:
            return self.math_call(replace(e, receiver=None), e.func)
        inst = self.instance_of(e.receiver)
        if inst is not None:
            obj, info = inst
            if e.func not in info.methods or e.func == "__init__":
                return Rejected(e.span, f"method .{e.func}()", f"{info.name} has no method {e.func}()", "",
                                tuple(self.expr(a) for a in e.args if not isinstance(a, A.Keyword)))
            if info.mutated(e.func) and not self.writing_back:
                return Rejected(e.span, f"call of {info.name}.{e.func}() in an expression", f"{e.func}() changes fields of "
                                f"{obj}: call it as a statement ({obj}.{e.func}(...), or v = {obj}.{e.func}(...)) so that "
                                "the changes are written back", "", tuple(self.expr(a) for a in e.args))
            fields = tuple(A.Name(e.span, f"{obj}.{f}") for f in info.fields) if not info.methods[e.func].static else ()
            return self.call(A.Call(e.span, f"{info.name}.{e.func}", (*fields, *e.args)))
        if isinstance(e.receiver, A.Name) and e.receiver.id in self.classes and e.receiver.id not in self.fn.locals:
            info = self.classes[e.receiver.id]
            m = info.methods.get(e.func)
            if m is not None and m.static:  # C.helper(x)
                return self.call(A.Call(e.span, f"{info.name}.{e.func}", e.args))
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
        if len(args) == len(e.args) and (e.func, len(args)) in _SHRINKING_METHODS:
            return self.call_prelude(_SHRINKING_METHODS[e.func, len(args)], e.span, recv, *args)
        return A.Call(e.span, e.func, args, receiver=recv)


# list methods that move or remove elements, as prelude functions: (method, arguments) -> name
_SHRINKING_METHODS = {("pop", 0): "pop", ("pop", 1): "pop_at", ("insert", 2): "insert", ("remove", 1): "remove",
                      ("clear", 0): "clear"}


def _pure(e) -> bool:
    """An expression that can be evaluated again with the same value and no effect: names,
    constants, indexes and slices of them, arithmetic (no call)."""
    if isinstance(e, (A.Name, A.IntLit, A.BoolLit)):
        return True
    if isinstance(e, A.Subscript):
        return _pure(e.value) and _pure(e.index)
    if isinstance(e, A.Slice):
        return all(x is None or _pure(x) for x in (e.lower, e.upper, e.step))
    if isinstance(e, A.UnaryOp):
        return _pure(e.operand)
    if isinstance(e, A.BinOp):
        return e.op not in ("//", "%", "**", "<<", ">>") and _pure(e.left) and _pure(e.right)
    return False
