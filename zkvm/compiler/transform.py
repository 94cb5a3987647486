"""Lark parse tree -> DSL syntax tree (the only module that sees Lark trees).

Each grammar rule has a method; a rule without one is a bug and raises (``__default__``).
Constructs outside the subset become :class:`Rejected` nodes (an
:class:`~zkvm.compiler.ast.Unsupported` with its parts kept) with a precise name and help
text; the checker turns them into diagnostics, and checks their parts too, so that what is
inside a rejected slice, generator, lambda, tuple or loop ``else`` is reported in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from lark import Token, Transformer, v_args
from lark.exceptions import VisitError

from zkvm.compiler import ast as A
from zkvm.compiler.ast import KWONLY
from zkvm.source import Span

HELP = {
    "float": "floats are not supported: use scaled integers (for example multiply by 1000 and divide with //)",
    "string": "strings are not supported: use integer codes",
    "f-string": "f-strings are not supported (there are no strings): print the integers themselves, print(x, y)",
    "dict": "a dict of constant keys is a module-level constant, TABLE = {key: value, ...}; a dict built at run "
            "time is not supported: use lists indexed by integers",
    "set": "sets are not supported: use a list",
    "tuple": "tuples are not supported: use a list (and return a list)",
    "class": "classes are not supported: use functions and lists",
    "lambda": "lambdas are not supported: define a function with def",
    "generator": "generator expressions are not supported: use a list comprehension [... for ... in ...]",
    "yield": "generators (yield) are not supported: build a list with append and return it",
    "try": "exceptions are not supported: check conditions with if and assert",
    "raise": "a bare raise re-raises, and there is no except to catch anything: raise an exception by name "
             "(raise ValueError(\"...\")), which stops the run like a failed assert",
    "with": "with statements are not supported: there are no files or context managers; load weights with load() at module level",
    "global": "global is not supported: module-level names are constants; pass values as arguments and return results",
    "nonlocal": "nonlocal is not supported: nested functions are not supported either",
    "import": "only 'from zkvm.lang import ...' is supported",
    "del": "del is not supported: lists cannot shrink and names stay bound; build a new list instead",
    "decorator": "decorators are not supported: call the wrapped function explicitly",
    "async": "async functions are not supported: use a plain def",
    "await": "await is not supported: call the function directly",
    "slice": "slices are not supported: index elements or build the list with a comprehension",
    "keyword argument": "keyword arguments are not supported: pass arguments by position",
    "star argument": "*args and **kwargs are not supported",
    "default argument": "default parameter values are not supported: pass every argument",
    "walrus": "assignment expressions (:=) are not supported: assign in a separate statement",
    "ellipsis": "... is not supported: write pass for an empty body",
    "in operator": "'in' / 'not in' are not supported: loop over the list and compare",
    "is operator": "'is' / 'is not' are not supported: use == or !=",
    "true division": "'/' is not supported (it makes floats): use // for floor division",
    "matrix multiplication": "'@' is not supported: write the loops (dot products compile to the mac instruction)",
    "unpacking": "multiple assignment targets (tuple unpacking) are not supported: assign one name at a time",
    "for unpacking": "a for loop takes one name: loop over the indexes, for i in range(len(pairs)), and read "
                     "pairs[i][0] and pairs[i][1]",
    "starred expression": "unpacking with * is not supported: index the list, or concatenate lists with +",
    "starred assignment": "starred unpacking is not supported: assign one name at a time, first = xs[0], and build "
                          "the rest with a comprehension, rest = [xs[i] for i in range(1, len(xs))]",
    "while-else": "else clauses on loops are not supported: set a flag before break and test it after the loop",
    "for-else": "else clauses on loops are not supported: set a flag before break and test it after the loop",
    "attribute": "attributes are not supported: the only method is xs.append(v); use len(xs), indexing and loops",
    "call of an expression": "only functions called by name are supported: write f(x) with f defined by def",
    "nested comprehension": "a comprehension takes one 'for' (and one 'if'): nest comprehensions, [[... for j in ...] for i in ...], or write loops",
}


class LiteralData(A.ListLit):
    """A list display of integer literals (lists nested to any depth), read by the parser's
    fast path for literal data (``parser.literal_displays``) rather than by the grammar.

    Its ``values`` (nested Python lists of ints) and ``count`` (how many literals) are known
    without a syntax tree: the checker and the constant evaluator use them, so a weight matrix
    of a million literals costs no million nodes. The elements (the IntLit and ListLit nodes
    the grammar gives for the same text, spans included) are built the first time something
    reads ``elts``, and such a node compares equal to the ListLit the grammar would give.
    ``values`` is shared: readers copy it before changing anything.
    """

    def __init__(self, span: Span, values: list, count: int, build: Callable[[], A.ListLit]) -> None:
        object.__setattr__(self, "span", span)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_elts", None)

    @property
    def elts(self) -> tuple[A.Expr, ...]:  # type: ignore[override]
        if self._elts is None:
            node = self._build()
            if node.span != self.span:  # pragma: no cover - the two readers of the text disagree
                raise AssertionError(f"literal data at {self.span} rebuilt at {node.span}")
            object.__setattr__(self, "_elts", node.elts)
        return self._elts

    def __eq__(self, other: object) -> bool:
        if isinstance(other, A.ListLit):
            return (self.span, self.elts) == (other.span, other.elts)
        return NotImplemented

    __hash__ = A.ListLit.__hash__


@dataclass(frozen=True)
class Rejected(A.Unsupported):
    """An unsupported expression that keeps its parts, so that the checker checks them too.

    ``parts`` are checked in the enclosing scope plus ``scoped`` (the construct's own
    variables: a generator's or a lambda's); ``assigns`` are the names it assigns in the
    enclosing function (a walrus, unpacking targets). ``call`` is the call the construct was
    an argument of (a keyword argument, a generator), kept with its other arguments: it is
    checked as a call whose arity is not known.
    """

    parts: tuple[A.Node, ...] = ()
    scoped: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()
    call: A.Call | None = None


@dataclass(frozen=True)
class RejectedStmt(A.UnsupportedStmt):
    """An unsupported statement that keeps its parts: expressions (``parts``) and statements
    (``body``: a loop with its ``else`` clause, a try's blocks, a with's body, a decorated or
    async function) checked as if they stood in its place, and the names it assigns
    (``assigns``: unpacking targets, ``as`` names, imports, a class)."""

    parts: tuple[A.Expr, ...] = ()
    body: tuple[A.Stmt, ...] = ()
    assigns: tuple[str, ...] = ()


def _span(path: str, meta) -> Span:
    if getattr(meta, "empty", True):
        return Span(path, 1, 1)
    return Span(path, meta.line, meta.column, meta.end_line, meta.end_column)


def _tok_span(path: str, tok: Token) -> Span:
    return Span(path, tok.line or 1, tok.column or 1, tok.end_line, tok.end_column)


def _unsupported(span: Span, construct: str, parts=(), scoped=(), assigns=(), text: str = "", help: str = "",
                 call: A.Call | None = None) -> Rejected:
    kept = tuple(x for x in parts if isinstance(x, A.Node))
    return Rejected(span, construct, help or HELP.get(construct, "not supported in the DSL"), text, kept,
                    tuple(scoped), tuple(assigns), call)


def _unsupported_stmt(span: Span, construct: str, parts=(), body=(), assigns=(), help: str = "") -> RejectedStmt:
    kept = tuple(x for x in parts if isinstance(x, A.Node))
    return RejectedStmt(span, construct, help or HELP.get(construct, "not supported in the DSL"), kept,
                        tuple(x for x in body if isinstance(x, A.Node)), tuple(assigns))


def target_names(t) -> tuple[str, ...]:
    """The names an assignment or loop target binds (inside tuples, lists and stars)."""
    if isinstance(t, A.Name):
        return (t.id,)
    if isinstance(t, Rejected) and t.construct in ("tuple", "starred expression", "unpacking"):
        return tuple(n for p in t.parts for n in target_names(p)) + t.assigns
    if isinstance(t, A.ListLit) and not isinstance(t, LiteralData):
        return tuple(n for x in t.elts for n in target_names(x))
    return ()


def _target_reads(t) -> tuple[A.Expr, ...]:
    """The parts of a target that are read (the list and index of ``xs[i]``)."""
    if isinstance(t, Rejected) and t.construct in ("tuple", "starred expression", "unpacking"):
        return tuple(x for p in t.parts for x in _target_reads(p))
    if isinstance(t, A.ListLit) and not isinstance(t, LiteralData):
        return tuple(x for e in t.elts for x in _target_reads(e))
    if isinstance(t, A.Name):
        return ()
    return (t,)


def _starred(t) -> Rejected | None:
    if isinstance(t, Rejected) and t.construct == "starred expression":
        return t
    if isinstance(t, Rejected) and t.construct in ("tuple", "unpacking"):
        return next((s for p in t.parts if (s := _starred(p)) is not None), None)
    return None


def _star_text(star: Rejected) -> str:
    inner = star.parts[0] if star.parts else None
    return f"*{inner.id}" if isinstance(inner, A.Name) else "*..."


def _comprehension(clauses) -> tuple[tuple[A.Node, ...], tuple[str, ...]]:
    """The parts (iterables, conditions) and variables of a comprehension's clauses."""
    parts: list = []
    names: list[str] = []
    for clause in clauses:
        if clause[0] == "for":
            names.extend(target_names(clause[1]))
            parts.extend(_target_reads(clause[1]))
            parts.append(clause[2])
        else:
            parts.append(clause[1])
    return tuple(parts), tuple(names)


@v_args(meta=True)
class ToAst(Transformer):
    """Builds :mod:`zkvm.compiler.ast` nodes."""

    def __init__(self, path: str, literals: dict[str, A.Expr] | None = None) -> None:
        super().__init__(visit_tokens=False)
        self.path = path
        self.literals = literals or {}  # placeholder name -> the literal data it stands for
        self._receivers: dict[int, A.Expr] = {}  # attribute node -> the object it is read from

    def __default__(self, data, children, meta):  # pragma: no cover - every rule has a method
        raise NotImplementedError(f"no syntax-tree rule for {data!r}")

    def sp(self, meta) -> Span:
        return _span(self.path, meta)

    # --- module and statements -------------------------------------------------------------
    def file_input(self, meta, children):
        body = []
        for c in children:
            body.extend(c if isinstance(c, list) else [c])
        return A.Module(self.sp(meta), tuple(s for s in body if s is not None))

    def simple_stmt(self, meta, children):
        out = []
        for c in children:
            if c is None:
                continue
            if isinstance(c, A.Expr):
                if isinstance(c, A.Unsupported) and c.construct == "string":
                    out.append(A.Pass(c.span))  # a docstring or bare string: no effect
                    continue
                out.append(A.ExprStmt(c.span, c))
            else:
                out.append(c)
        return out

    def suite(self, meta, children):
        body = []
        for c in children:
            body.extend(c if isinstance(c, list) else [c])
        return tuple(s for s in body if s is not None)

    def assign(self, meta, children):
        *targets, value = children
        return A.Assign(self.sp(meta), tuple(self._target(t) for t in targets), value)

    def _target(self, t):
        """Targets stay as written: a tuple or list of targets is unpacking (desugar.py)."""
        return t

    def augassign(self, meta, children):
        target, op, value = children
        return A.AugAssign(self.sp(meta), target, str(op)[:-1], value)

    def annassign(self, meta, children):
        target, annotation, value = children
        return A.AnnAssign(self.sp(meta), self._target(target), annotation, value)

    def return_stmt(self, meta, children):
        return A.Return(self.sp(meta), children[0] if children else None)

    def pass_stmt(self, meta, children):
        return A.Pass(self.sp(meta))

    def break_stmt(self, meta, children):
        return A.Break(self.sp(meta))

    def continue_stmt(self, meta, children):
        return A.Continue(self.sp(meta))

    def assert_stmt(self, meta, children):
        test, msg = (children + [None])[:2]
        return A.Assert(self.sp(meta), test, msg)

    def import_from(self, meta, children):
        module, names = children
        if names == "*":
            return _unsupported_stmt(self.sp(meta), "import")
        return A.ImportFrom(self.sp(meta), module, tuple(names))

    def star_import(self, meta, children):
        return "*"

    def import_list(self, meta, children):
        return [c for c in children if c is not None]

    def import_as(self, meta, children):
        name, alias = (children + [None])[:2]
        return str(name) if alias is None else f"{name} as {alias}"

    def dotted_name(self, meta, children):
        return ".".join(str(c) for c in children)

    def import_name(self, meta, children):
        modules, bound = [], []
        for c in children:
            if isinstance(c, Token):  # an alias: import numpy as np
                bound[-1] = str(c)
            elif isinstance(c, str):
                modules.append(c)
                bound.append(c.split(".")[0])
        node = _unsupported_stmt(self.sp(meta), "import", assigns=bound)
        return RejectedStmt(node.span, f"import {', '.join(modules)}", node.help, assigns=node.assigns)

    def global_stmt(self, meta, children):
        return _unsupported_stmt(self.sp(meta), "global", assigns=[str(c) for c in children])

    def nonlocal_stmt(self, meta, children):
        return _unsupported_stmt(self.sp(meta), "nonlocal", assigns=[str(c) for c in children])

    def raise_stmt(self, meta, children):
        """``raise ValueError("negative")``: the run stops there, as a failed assert stops it (an
        exception that nothing catches ends a CPython run too; no proof exists for it)."""
        exc = children[0] if children else None
        name = exc.id if isinstance(exc, A.Name) else exc.func if isinstance(exc, A.Call) and exc.receiver is None else None
        if name is None:
            return _unsupported_stmt(self.sp(meta), "raise")  # a bare raise re-raises: there is no except
        args = exc.args if isinstance(exc, A.Call) else ()
        text = args[0].text if args and isinstance(args[0], A.Unsupported) and args[0].construct == "string" else ""
        msg = _unsupported(self.sp(meta), "string", text=f"{name}: {text}" if text else name)
        return A.Assert(self.sp(meta), A.BoolLit(self.sp(meta), False), msg)

    def del_stmt(self, meta, children):
        target = children[0]
        return A.Delete(self.sp(meta), target.elts if isinstance(target, A.Tuple) else (target,))

    def if_stmt(self, meta, children):
        test, body, *rest = children
        orelse: tuple = ()
        if rest and (rest[-1] is None or isinstance(rest[-1], tuple)):
            orelse = rest[-1] or ()
            rest = rest[:-1]
        for elif_test, elif_body, elif_span in reversed(rest):
            orelse = (A.If(elif_span, elif_test, elif_body, orelse),)
        return A.If(self.sp(meta), test, body, orelse)

    def elif_clause(self, meta, children):
        return (children[0], children[1], self.sp(meta))

    def else_clause(self, meta, children):
        return children[0]

    def while_stmt(self, meta, children):
        test, body, orelse = (children + [None])[:3]
        if orelse:
            return A.WhileElse(self.sp(meta), test, body, orelse)
        return A.While(self.sp(meta), test, body)

    def for_stmt(self, meta, children):
        target, iterable, body, orelse = (children + [None])[:4]
        if isinstance(target, A.Name) and not orelse and not isinstance(iterable, A.Tuple):
            return A.For(self.sp(meta), target.id, target.span, iterable, body)
        return A.ForLoop(self.sp(meta), target, iterable, body, orelse or None)

    def target_list(self, meta, children):
        items = [c for c in children if c is not None]
        if len(items) == 1 and not isinstance(items[0], A.Starred):
            return items[0]
        return A.Tuple(self.sp(meta), tuple(items))

    def funcdef(self, meta, children):
        name, params, returns, body = children
        return A.FunctionDef(self.sp(meta), str(name), tuple(params or ()), returns, body)

    def parameters(self, meta, children):
        return [c for c in children if c is not None]

    def param(self, meta, children):
        name, annotation, default = (children + [None, None])[:3]
        return A.Param(self.sp(meta), str(name), annotation, default)

    def star_param(self, meta, children):
        return A.Param(self.sp(meta), "*", None)

    def kwonly_param(self, meta, children):
        return A.Param(self.sp(meta), KWONLY, None)  # the parameters after it are keyword-only

    def async_funcdef(self, meta, children):
        fn = children[-1]  # the function is still checked (its body, and calls of it)
        return _unsupported_stmt(self.sp(meta), "async", body=(fn,))

    def classdef(self, meta, children):
        name, bases, body = children[0], children[1], children[-1]
        return A.ClassDef(self.sp(meta), str(name), tuple(bases or ()), tuple(body))

    def try_stmt(self, meta, children):
        body: list = []
        names: list[str] = []
        for c in children:
            if isinstance(c, tuple):  # the try block, each handler, else and finally
                body.extend(c)
            elif isinstance(c, list):  # except E as name
                names.extend(c)
        return _unsupported_stmt(self.sp(meta), "try", body=body, assigns=names)

    def except_clause(self, meta, children):
        return [str(c) for c in children[1:] if c is not None]

    def with_stmt(self, meta, children):
        names = [n for c in children if isinstance(c, list) for n in c]
        return _unsupported_stmt(self.sp(meta), "with", body=children[-1], assigns=names)

    def with_item(self, meta, children):
        return list(target_names(children[1])) if len(children) > 1 and children[1] is not None else []

    def decorated(self, meta, children):
        target, decorators = children[-1], children[:-1]
        if isinstance(target, A.FunctionDef) and decorators and all(
                isinstance(d, A.Name) and d.id == "staticmethod" for d in decorators):
            return replace(target, static=True)  # (a class method without self: desugar_classes.py)
        return _unsupported_stmt(self.sp(meta), "decorator", body=(target,))

    def decorator(self, meta, children):
        return children[0]

    # --- expressions -----------------------------------------------------------------------
    def ifexp(self, meta, children):
        body, test, orelse = children
        return A.IfExp(self.sp(meta), test, body, orelse)

    def lambdef(self, meta, children):
        params, body = (children[0], children[1]) if len(children) == 2 else (None, children[-1])
        names = [n for n, _ in params or ()]
        defaults = [d for _, d in params or () if d is not None]
        if any(not n for n in names):  # lambda *args: ...
            return _unsupported(self.sp(meta), "lambda", (*defaults, body), scoped=[n for n in names if n],
                                help="a lambda takes named parameters only: lambda a, b: ...")
        span = self.sp(meta)
        return A.Lambda(span, tuple(A.Param(span, n, None, d) for n, d in params or ()), body)

    def lambda_params(self, meta, children):
        return [c for c in children if c is not None]

    def lambda_param(self, meta, children):
        name, default = (children + [None, None])[:2]
        return (str(name) if name is not None else "", default)

    def walrus(self, meta, children):
        name, value = children
        return _unsupported(self.sp(meta), "walrus", (value,), assigns=[str(name)])

    def or_(self, meta, children):
        return A.BoolOp(self.sp(meta), "or", tuple(children))

    def and_(self, meta, children):
        return A.BoolOp(self.sp(meta), "and", tuple(children))

    def not_(self, meta, children):
        return A.UnaryOp(self.sp(meta), "not", children[0])

    def compare(self, meta, children):
        left = children[0]
        ops, rights = [], []
        for i in range(1, len(children), 2):
            op = children[i]
            if op in ("is", "is not") and not (len(children) == 3 and isinstance(children[2], A.NoneLit)):
                return _unsupported(self.sp(meta), "is operator", children[0::2])
            ops.append(op)
            rights.append(children[i + 1])
        return A.Compare(self.sp(meta), left, tuple(ops), tuple(rights))

    def comp_op(self, meta, children):
        op = " ".join(str(c) for c in children)
        return "!=" if op == "<>" else op

    def _fold(self, op: str, children) -> A.Expr:
        """a | b | c (the grammar drops the operator tokens): left-associative BinOps."""
        left = children[0]
        for right in children[1:]:
            span = Span(self.path, left.span.line, left.span.col, right.span.end_line, right.span.end_col)
            left = A.BinOp(span, op, left, right)
        return left

    def bitor(self, meta, children):
        return self._fold("|", children)

    def bitxor(self, meta, children):
        return self._fold("^", children)

    def bitand(self, meta, children):
        return self._fold("&", children)

    def shift_op(self, meta, children):
        return str(children[0])

    def add_op(self, meta, children):
        return str(children[0])

    def mul_op(self, meta, children):
        return str(children[0])

    def unary_op(self, meta, children):
        return str(children[0])

    def _chain(self, meta, children):
        left = children[0]
        for i in range(1, len(children), 2):
            op, right = children[i], children[i + 1]
            span = Span(self.path, left.span.line, left.span.col, right.span.end_line, right.span.end_col)
            if op in ("/", "@"):
                left = _unsupported(span, "true division" if op == "/" else "matrix multiplication", (left, right))
            else:
                left = A.BinOp(span, op, left, right)
        return left

    arith = term_ = shift = _chain

    def unary(self, meta, children):
        op, operand = children
        if op == "-" and isinstance(operand, A.IntLit):
            return A.IntLit(self.sp(meta), -operand.value)
        return A.UnaryOp(self.sp(meta), op, operand)

    def pow_(self, meta, children):
        return A.BinOp(self.sp(meta), "**", children[0], children[1])

    def await_(self, meta, children):
        return _unsupported(self.sp(meta), "await", children[-1:])

    def star_expr(self, meta, children):
        return A.Starred(self.sp(meta), children[0])

    def call(self, meta, children):
        func, args = children
        args = tuple(args or ())
        bad = [a for a in args if isinstance(a, Rejected) and a.construct in ("star argument",)]
        kept = tuple(a for a in args if not any(a is b for b in bad))
        if isinstance(func, A.Name):
            call = A.Call(self.sp(meta), func.id, kept)
        elif isinstance(func, A.Unsupported) and id(func) in self._receivers:
            value = self._receivers.pop(id(func))
            call = A.Call(self.sp(meta), func.text, kept, receiver=value)
        elif isinstance(func, A.Unsupported):
            return func
        else:
            return _unsupported(self.sp(meta), "call of an expression", (func, *args))
        if not bad:
            return call
        # the first rejected argument names the problem; the call and every argument are checked
        first = bad[0]
        return _unsupported(first.span, first.construct, [p for b in bad for p in b.parts],
                            [n for b in bad for n in b.scoped], call=call)

    def arglist(self, meta, children):
        return [c for c in children if c is not None]

    def gen_argument(self, meta, children):
        elt, clauses = children
        return A.Comprehension(self.sp(meta), "generator", elt, self._clauses(clauses))

    def kwargument(self, meta, children):
        return A.Keyword(self.sp(meta), str(children[0]), children[1])

    def star_argument(self, meta, children):
        return A.Starred(self.sp(meta), children[0])

    def dstar_argument(self, meta, children):
        return _unsupported(self.sp(meta), "star argument", children)

    def subscript(self, meta, children):
        value, items = children
        if len(items) != 1:
            return _unsupported(self.sp(meta), "tuple", (value, *items),
                                help="an index is one int: write m[i][j] for a list of lists (there are no arrays)")
        if isinstance(items[0], A.Unsupported) and items[0].construct not in ("string", "attribute ." + items[0].text):
            return items[0]
        return A.Subscript(self.sp(meta), value, items[0])

    def subscriptlist(self, meta, children):
        return [c for c in children if c is not None]

    def slice(self, meta, children):
        lower, upper, step = (list(children) + [None, None, None])[:3]
        return A.Slice(self.sp(meta), lower, upper, step)

    def attribute(self, meta, children):
        # An attribute is only meaningful as the callee of a method call (xs.append(v)); the
        # call rule turns it into a Call with a receiver. Anywhere else it stays unsupported.
        value, name = children
        node = _unsupported(self.sp(meta), f"attribute .{name}", (value,), text=str(name), help=HELP["attribute"])
        self._receivers[id(node)] = value
        return node

    def paren(self, meta, children):
        return children[0]

    def paren_yield(self, meta, children):
        return children[0]

    def yield_expr(self, meta, children):
        return _unsupported(self.sp(meta), "yield", children)

    def empty_tuple(self, meta, children):
        return A.Tuple(self.sp(meta), ())

    def paren_tuple(self, meta, children):
        return A.Tuple(self.sp(meta), children[0].elts)

    def test_tuple(self, meta, children):
        return A.Tuple(self.sp(meta), tuple(c for c in children if c is not None))

    def generator(self, meta, children):
        elt, clauses = children
        return A.Comprehension(self.sp(meta), "generator", elt, self._clauses(clauses))

    def _clauses(self, clauses) -> tuple[A.Node, ...]:
        out: list[A.Node] = []
        for clause in clauses:
            if clause[0] == "for":
                target, it = clause[1], clause[2]
                out.append(A.CompFor(Span(self.path, target.span.line, target.span.col, it.span.end_line, it.span.end_col), target, it))
            else:
                out.append(A.CompIf(clause[1].span, clause[1]))
        return tuple(out)

    def empty_list(self, meta, children):
        return A.ListLit(self.sp(meta), ())

    def list_display(self, meta, children):
        return A.ListLit(self.sp(meta), tuple(c for c in children if c is not None))

    def listcomp(self, meta, children):
        elt, clauses = children
        first = clauses[0]
        simple = len(clauses) == 1 or (len(clauses) == 2 and clauses[1][0] == "if")
        if simple and isinstance(first[1], A.Name) and not isinstance(first[2], A.Tuple):
            cond = clauses[1][1] if len(clauses) == 2 else None
            return A.ListComp(self.sp(meta), elt, first[1].id, first[1].span, first[2], cond)
        return A.Comprehension(self.sp(meta), "list", elt, self._clauses(clauses))

    def comp_for(self, meta, children):
        target, iterable, rest = (children + [None])[:3]
        return [("for", target, iterable)] + (rest or [])

    def comp_if(self, meta, children):
        cond, rest = (children + [None])[:2]
        return [("if", cond)] + (rest or [])

    def empty_dict(self, meta, children):
        return A.DictLit(self.sp(meta), (), ())

    def dict_display(self, meta, children):
        items = children[0]
        if any(len(item) != 2 for item in items):  # {**other}
            return _unsupported(self.sp(meta), "dict", [x for item in items for x in item],
                                help="a dict is a table of constant keys written out: {key: value, ...}")
        return A.DictLit(self.sp(meta), tuple(k for k, _ in items), tuple(v for _, v in items))

    def dictcomp(self, meta, children):
        key, value, clauses = children
        return A.DictComp(self.sp(meta), key, value, self._clauses(clauses))

    def dict_items(self, meta, children):
        return list(children)

    def dict_item(self, meta, children):
        return list(children)

    def setcomp(self, meta, children):
        elt, clauses = children
        return A.SetComp(self.sp(meta), elt, self._clauses(clauses))

    def set_display(self, meta, children):
        return A.SetLit(self.sp(meta), tuple(c for c in children if c is not None))

    def name(self, meta, children):
        tok = children[0]
        data = self.literals.get(str(tok)) if self.literals else None
        if data is not None:  # a placeholder of the parser's fast path: the display it replaced
            return data
        return A.Name(_tok_span(self.path, tok), str(tok))

    def int_literal(self, meta, children):
        text = str(children[0]).replace("_", "")
        return A.IntLit(self.sp(meta), int(text, 0))

    def float_literal(self, meta, children):
        return _unsupported(self.sp(meta), "float")

    def string_literal(self, meta, children):
        import ast as pyast

        try:
            text = "".join(pyast.literal_eval(str(c)) for c in children)
        except (ValueError, SyntaxError, TypeError):
            text = ""
        if any("f" in str(c).split("'")[0].split('"')[0].lower() for c in children):
            return _unsupported(self.sp(meta), "f-string")
        return _unsupported(self.sp(meta), "string", text=text if isinstance(text, str) else "")

    def ellipsis(self, meta, children):
        return _unsupported(self.sp(meta), "ellipsis")

    def none(self, meta, children):
        return A.NoneLit(self.sp(meta))

    def true(self, meta, children):
        return A.BoolLit(self.sp(meta), True)

    def false(self, meta, children):
        return A.BoolLit(self.sp(meta), False)


def to_ast(tree, path: str, literals: dict[str, A.Expr] | None = None) -> A.Module:
    """The syntax tree of a Lark parse tree; ``literals`` maps the placeholder names of the
    parser's fast path to the nodes of the displays they replaced."""
    try:
        return ToAst(path, literals).transform(tree)
    except VisitError as e:  # unwrap: a transformer bug, not the user's
        raise e.orig_exc from None
