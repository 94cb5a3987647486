"""Expressions for desugar.py: tuples and starred displays, ``in``, slices, strings, and
comprehensions (inline when the core's one-clause comprehension expresses them, else lifted into
a helper function)."""

from __future__ import annotations

from dataclasses import replace

from zkvm.compiler import ast as A
from zkvm.compiler import prelude
from zkvm.compiler.desugar_tree import (
    free_names,
    cheap,
    is_string,
    match,
    may_mutate,
    simple,
    substitute,
)
from zkvm.compiler.transform import LiteralData, Rejected
from zkvm.source import Span


class ExpressionsMixin:
    """The expression half of the Desugarer."""

    # --- expressions -----------------------------------------------------------------------
    def expr(self, e):
        if isinstance(e, A.Name) and e.id in self.fn.optional:
            # a read of a variable that may be None: its value, or a stop where Python would
            # use None (in arithmetic, an index, a comparison: a TypeError there)
            return self.call_prelude("some", e.span, e, A.Name(e.span, f"{e.id}.none"))
        if e is None or isinstance(e, (A.IntLit, A.BoolLit, A.NoneLit, A.Name, LiteralData)):
            return e
        if isinstance(e, A.Unsupported) and e.construct == "string":
            return A.IntLit(e.span, self.string_code(e.text))
        if isinstance(e, (A.DictLit, A.DictComp)):
            parts = e.keys + e.values if isinstance(e, A.DictLit) else ()
            return Rejected(e.span, "dict", "a dict is a module-level table of constant keys, TABLE = {key: value, ...}, "
                            "or a local variable that is only ever assigned dicts (d = {}; d[k] = v; d.get(k, 0)); "
                            "it is not a value to pass, return or store", "", tuple(self.expr(x) for x in parts))
        if isinstance(e, (A.SetLit, A.SetComp)):
            return Rejected(e.span, "set", "a set is a local variable that is only ever assigned sets (seen = set(); "
                            "seen.add(x); x in seen); it is not a value to pass, return or store: use a list", "",
                            tuple(self.expr(x) for x in e.elts) if isinstance(e, A.SetLit) else ())
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
            return A.TupleLit(e.span, tuple(self.expr(x) for x in e.elts))
        if isinstance(e, A.ListLit):
            if any(isinstance(x, A.Starred) for x in e.elts):
                return self.starred_display(e)
            return A.ListLit(e.span, tuple(self.expr(x) for x in e.elts))
        if isinstance(e, A.BinOp):
            text = next((x for x in (e.left, e.right) if is_string(x)), None)
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
        if e.ops[0] in ("is", "is not") and len(e.ops) == 1 and isinstance(e.comparators[0], A.NoneLit) \
                and isinstance(e.left, Rejected) and e.left.construct.startswith("attribute .") and e.left.parts:
            inst = self.instance_of(e.left.parts[0])
            if inst is not None and e.left.text in inst[1].optional:  # obj.lo is None: its flag
                flag = A.Name(e.left.span, f"{inst[0]}.{e.left.text}.none")
                return flag if e.ops[0] == "is" else A.UnaryOp(e.span, "not", flag)
        if e.ops[0] in ("is", "is not") and isinstance(e.left, A.Name) and e.left.id in self.fn.optional:
            flag = A.Name(e.left.span, f"{e.left.id}.none")
            return flag if e.ops[0] == "is" else A.UnaryOp(e.span, "not", flag)
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
        if isinstance(seq, (A.Tuple, A.ListLit)) and not isinstance(seq, LiteralData) and simple(cx) and \
                not any(isinstance(v, A.Starred) for v in seq.elts) and len(seq.elts) <= 16:
            if not seq.elts:
                return A.Compare(span, cx, ("!=",), (cx,))  # False, once x is read (it may be unbound)
            tests = tuple(A.Compare(span, cx, ("==",), (self.expr(v),)) for v in seq.elts)
            return tests[0] if len(tests) == 1 else A.BoolOp(span, "or", tests)
        if isinstance(seq, A.Call) and seq.func == "range" and seq.receiver is None and len(seq.args) in (1, 2) and simple(cx) \
                and all(simple(self.expr(a)) for a in seq.args):
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
            if name in info.optional and e.help != "raw":  # a field that may be None: its value, checked
                return self.call_prelude("some", e.span, A.Name(e.span, f"{obj}.{name}"), A.Name(e.span, f"{obj}.{name}.none"))
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
        # an element read such as w[j] in zip(w[j], x) is read where it is used instead of once
        # before: the same value, since nothing in the comprehension can change w or j, and its
        # length stays known (so sum(a * b for a, b in zip(w[j], x)) is still a mac)
        self.hold_cheap = not may_mutate(tuple(x for x in (elt, cond) if x is not None), self.functions)
        view = self.view(it, pre, span)
        self.hold_cheap = False
        if view is None:
            if not isinstance(target, A.Name):
                return None
            fresh = self.fn.fresh(target.id)  # the comprehension's own scope, as in Python 3
            sub = {target.id: A.Name(target.span, fresh)}
            elt2 = substitute(elt, sub)
            cond2 = substitute(cond, sub) if cond is not None else None
            return A.ListComp(span, self.expr(elt2), fresh, target.span, self.iterable(it),
                              self.expr(cond2) if cond2 is not None else None)
        if pre:
            return None  # operands to evaluate once first: a lifted function takes them as arguments
        length, element = view
        i = A.Name(span, self.fn.fresh("i"))
        pairs = match(target, element(i))
        if pairs is None or not all(cheap(v) for v in pairs.values()):
            return None
        elt2 = substitute(elt, pairs)
        cond2 = substitute(cond, pairs) if cond is not None else None
        return A.ListComp(span, self.expr(elt2), i.id, span, A.Call(span, "range", (length,)),
                          self.expr(cond2) if cond2 is not None else None)

    def own_targets(self, c: A.Comprehension) -> A.Comprehension:
        """The comprehension with the names its clauses bind renamed to fresh ones: they are
        its own in Python 3 (``[r for r in row]`` inside a loop over rows ``r``), while each
        clause's iterable still reads the names bound before it (the first one, the enclosing
        scope's)."""
        sub: dict[str, A.Expr] = {}
        clauses = []
        for cl in c.clauses:
            if isinstance(cl, A.CompFor):
                it = substitute(cl.iter, sub)
                names = [n.id for n in A.walk(cl.target) if isinstance(n, A.Name)]
                for n in names:  # (numbered across the module: the lifted function numbers its own)
                    self.own_count = getattr(self, "own_count", 0) + 1
                    sub = {**sub, n: A.Name(cl.target.span, f"{n}.own{self.own_count}")}
                clauses.append(replace(cl, target=substitute(cl.target, sub), iter=it))
            else:
                clauses.append(replace(cl, cond=substitute(cl.cond, sub)))
        return replace(c, elt=substitute(c.elt, sub), clauses=tuple(clauses))

    def lift_comprehension(self, c: A.Comprehension, mode: str) -> A.Expr:
        """A helper function that computes the comprehension with statements: ``mode`` "list"
        builds the list, "any"/"all" stop at the first deciding element."""
        span = c.span
        c = self.own_targets(c)
        free = sorted(free_names(c) & self.fn.locals)
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

