"""Tree utilities of the desugaring pass (desugar.py and its mixins): which names a target
binds or an expression reads, substitution of names by expressions (respecting the scopes of
comprehensions and lambdas), the loop-element shapes of zip/enumerate, constant folding of
decided tests, and the small node classes the pass uses in between."""

from __future__ import annotations

from dataclasses import replace

from zkvm.compiler import ast as A
from zkvm.compiler.transform import LiteralData, Rejected, RejectedStmt
from zkvm.source import Span

VIEW_FUNCS = ("zip", "enumerate", "reversed")
KEY_BUILTINS = ("abs", "len", "sum", "min", "max")


STRING_BASE = 1 << 52  # string codes: 2^52, 2^52 + 1, ... (ints programs use as keys are far smaller)


class Table:
    """A module-level dict of constant keys: its keys (Python values, strings as codes, known
    once its statement is desugared) and the names of the two list constants it becomes."""

    def __init__(self, name: str, node: A.DictLit, is_set: bool = False) -> None:
        self.name = name
        self.node = node
        self.is_set = is_set  # a module-level set: its elements are the keys
        self.keys: list | None = None
        self.keys_name = f"{name}.keys"
        self.values_name = f"{name}.values"


def key_list(keys: list, span: Span) -> A.Expr:
    def lit(k):
        if isinstance(k, tuple):
            return A.ListLit(span, tuple(lit(x) for x in k))
        return A.IntLit(span, k)

    return A.ListLit(span, tuple(lit(k) for k in keys))

class Parts:
    """The element of a zip or enumerate: a tuple of expressions, never built as a list."""

    def __init__(self, items: tuple) -> None:
        self.items = items


def is_string(e) -> bool:
    return isinstance(e, A.Unsupported) and e.construct in ("string", "f-string")


def as_tuple(element, span: Span) -> A.Expr:
    if isinstance(element, Parts):
        return A.ListLit(span, tuple(as_tuple(x, span) for x in element.items))
    return element


def message(span: Span, text: str) -> A.Expr:
    return A.Unsupported(span, "string", "", text)


def is_pattern(t) -> bool:
    return isinstance(t, A.Tuple) or (isinstance(t, A.ListLit) and not isinstance(t, LiteralData))


def pattern_elts(t) -> tuple:
    return t.elts


def bound_names(t) -> set[str]:
    if isinstance(t, A.Name):
        return {t.id}
    if isinstance(t, A.Starred):
        return bound_names(t.value)
    if is_pattern(t):
        return set().union(*(bound_names(x) for x in t.elts)) if t.elts else set()
    return set()


def assigned_names(stmts) -> set[str]:
    out: set[str] = set()
    for n in A.walk(tuple(stmts)):
        if isinstance(n, A.Assign):
            for t in n.targets:
                out |= bound_names(t)
        elif isinstance(n, (A.AnnAssign, A.AugAssign)):
            out |= bound_names(n.target)
        elif isinstance(n, A.For):
            out.add(n.target)
        elif isinstance(n, A.ForLoop):
            out |= bound_names(n.target)
        elif isinstance(n, RejectedStmt):
            out |= set(n.assigns)
    return out


def names_read(e) -> set[str]:
    return {n.id for n in A.walk(e) if isinstance(n, A.Name)}


def free_names(e, bound: frozenset = frozenset()) -> set[str]:
    """The names an expression reads from its surroundings, with Python's scopes: a
    comprehension's variables are bound in its later clauses and element (its first iterable
    is evaluated outside), a lambda's parameters in its body."""
    if isinstance(e, A.Name):
        return set() if e.id in bound else {e.id}
    if isinstance(e, A.Comprehension):
        out: set[str] = set()
        inner = set(bound)
        for cl in e.clauses:
            if isinstance(cl, A.CompFor):
                out |= free_names(cl.iter, frozenset(inner))
                inner |= bound_names(cl.target)
            else:
                out |= free_names(cl.cond, frozenset(inner))
        return out | free_names(e.elt, frozenset(inner))
    if isinstance(e, A.ListComp):
        inner = bound | {e.target}
        return free_names(e.iter, bound) | free_names(e.elt, inner) | free_names(e.cond, inner)
    if isinstance(e, A.Lambda):
        out = set().union(*(free_names(p.default, bound) for p in e.params)) if e.params else set()
        return out | free_names(e.body, bound | {p.name for p in e.params})
    if not isinstance(e, A.Node):
        return set()
    out = set()
    for f in e.__dataclass_fields__:
        v = getattr(e, f)
        if isinstance(v, A.Node):
            out |= free_names(v, bound)
        elif isinstance(v, tuple):
            for x in v:
                if isinstance(x, A.Node):
                    out |= free_names(x, bound)
    return out


def simple(e) -> bool:
    """A value that can be read twice at no cost and with no effect: a name or a literal."""
    return isinstance(e, (A.Name, A.IntLit, A.BoolLit)) or (
        isinstance(e, A.UnaryOp) and e.op == "-" and isinstance(e.operand, A.IntLit))


def cheap(e) -> bool:
    """An element read worth repeating instead of binding: xs[i], xs[i][j], i + k, names."""
    if simple(e):
        return True
    if isinstance(e, A.Subscript):
        return cheap(e.value) and simple(e.index) or (cheap(e.value) and isinstance(e.index, A.BinOp) and cheap(e.index))
    if isinstance(e, A.BinOp) and e.op in ("+", "-"):
        return simple(e.left) and simple(e.right) or (cheap(e.left) and simple(e.right))
    return False


def match(target, element) -> dict[str, A.Expr] | None:
    """Names of a loop target mapped to the parts of a zip/enumerate element they take."""
    if isinstance(target, A.Name):
        if isinstance(element, Parts):
            return None
        return {target.id: element}
    if not is_pattern(target) or any(isinstance(t, A.Starred) for t in target.elts):
        return None
    if isinstance(element, Parts):
        if len(element.items) != len(target.elts):
            return None
        out: dict[str, A.Expr] = {}
        for t, part in zip(target.elts, element.items):
            m = match(t, part)
            if m is None or set(m) & set(out):
                return None
            out.update(m)
        return out
    return None  # a tuple target over a list element: bound with its length checked


def read_elsewhere(function_body, names: set[str], loop_body) -> bool:
    """Whether a function reads any of ``names`` outside ``loop_body`` and outside the other
    loops and comprehensions that bind them (where they are other variables of the same name)."""
    skip = {id(s) for s in loop_body}

    def visit(n) -> bool:
        if not isinstance(n, A.Node) or id(n) in skip:
            return False
        if isinstance(n, A.Name):
            return n.id in names
        if isinstance(n, (A.For, A.ForLoop)):
            bound = {n.target} if isinstance(n, A.For) else bound_names(n.target)
            if bound & names:
                orelse = n.orelse if isinstance(n, A.ForLoop) else None
                return visit(n.iter) or any(visit(s) for s in (orelse or ()))
        if isinstance(n, (A.ListComp, A.Comprehension)):
            bound = {n.target} if isinstance(n, A.ListComp) else {x for c in n.clauses if isinstance(c, A.CompFor)
                                                                   for x in bound_names(c.target)}
            if bound & names:
                return False
        for f in n.__dataclass_fields__:
            v = getattr(n, f)
            if isinstance(v, A.Node) and visit(v):
                return True
            if isinstance(v, tuple) and any(visit(x) for x in v):
                return True
        return False

    return any(visit(s) for s in function_body)


def may_mutate(stmts, functions) -> bool:
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


def substitute(e, sub: dict[str, A.Expr]):
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
        return A.Lambda(e.span, e.params, substitute(e.body, inner))
    if isinstance(e, A.Comprehension):
        # clause by clause: a clause sees the names its earlier clauses bind (nested
        # comprehensions take care of their own)
        inner = dict(sub)
        clauses = []
        for cl in e.clauses:
            if isinstance(cl, A.CompFor):
                clauses.append(A.CompFor(cl.span, cl.target, substitute(cl.iter, inner)))
                inner = {k: v for k, v in inner.items() if k not in bound_names(cl.target)}
            else:
                clauses.append(A.CompIf(cl.span, substitute(cl.cond, inner)))
        return A.Comprehension(e.span, e.kind, substitute(e.elt, inner), tuple(clauses))
    if isinstance(e, A.ListComp) and e.target in sub:
        inner = {k: v for k, v in sub.items() if k != e.target}
        return A.ListComp(e.span, substitute(e.elt, inner), e.target, e.target_span, substitute(e.iter, sub),
                          substitute(e.cond, inner))
    return substitute_node(e, sub)


def substitute_node(n, sub):
    """A statement or clause with ``sub`` applied to the expressions inside it."""
    if not isinstance(n, A.Node) or not sub:
        return n
    return map_children(n, lambda x: substitute(x, sub) if isinstance(x, A.Expr) else substitute_node(x, sub))


def substitute_stmts(stmts: tuple, sub) -> tuple:
    return tuple(substitute_node(s, sub) for s in stmts)


def assign_count(body, name: str) -> int:
    return sum(1 for n in A.walk(tuple(body)) if isinstance(n, A.Assign) for t in n.targets if bound_names(t) & {name})


def optional_names(fn: A.FunctionDef) -> dict[str, A.Expr]:
    """Local variables assigned None and something else (``best = None`` then ``best = x``),
    mapped to the value they hold while None: ``[]`` if a list display or comprehension is
    assigned to them, else 0. Parameters are not among them (a None default is decided per
    call)."""
    params = {p.name for p in fn.params}
    nones: set[str] = set()
    values: dict[str, list] = {}
    for n in A.walk(fn.body):
        if isinstance(n, A.Assign):
            for t in n.targets:
                if isinstance(t, A.Name) and t.id not in params:
                    if isinstance(n.value, A.NoneLit):
                        nones.add(t.id)
                    else:
                        values.setdefault(t.id, []).append(n.value)
                elif not isinstance(t, A.Name):  # unpacking: a, best = ...
                    for name in bound_names(t) - params:
                        values.setdefault(name, []).append(None)
        elif isinstance(n, (A.AugAssign, A.AnnAssign)) and isinstance(n.target, A.Name):
            values.setdefault(n.target.id, []).append(n.value)
    out: dict[str, A.Expr] = {}
    for name in nones & set(values):
        listy = any(isinstance(v, (A.ListLit, A.ListComp, A.Comprehension, A.Tuple)) for v in values[name])
        span = fn.span
        out[name] = A.ListLit(span, ()) if listy else A.IntLit(span, 0)
    return out


def none_params(fn: A.FunctionDef) -> set[str]:
    """Parameters the body tests with ``p is None`` / ``p is not None``."""
    names = {p.name for p in fn.params}
    return {n.left.id for n in A.walk(fn.body) if isinstance(n, A.Compare) and n.ops[0] in ("is", "is not")
            and isinstance(n.left, A.Name) and n.left.id in names}


def decide_none(stmts, nones: dict[str, bool]) -> tuple:
    """``p is None`` tests replaced by their answer for this version of the function."""
    def visit(n):
        if isinstance(n, A.Compare) and n.ops[0] in ("is", "is not") and isinstance(n.left, A.Name) and n.left.id in nones:
            return A.BoolLit(n.span, nones[n.left.id] == (n.ops[0] == "is"))
        return map_children(n, visit)

    return tuple(visit(s) for s in stmts)


def fold_tests(stmts) -> tuple:
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
        n = map_children(n, expr)
        if isinstance(n, A.IfExp) and const(n.test) is not None:
            return n.body if const(n.test) else n.orelse
        return n

    def stmts_(body):
        out = []
        for s in body:
            if out and isinstance(out[-1], A.Return):
                break  # unreachable after a return the folding made unconditional
            if isinstance(s, A.If) and const(expr(s.test)) is not None:
                out.extend(stmts_(s.body if const(expr(s.test)) else s.orelse))
                continue
            s = map_children(s, expr)
            if isinstance(s, (A.If,)):
                s = replace(s, body=tuple(stmts_(s.body)), orelse=tuple(stmts_(s.orelse)))
            elif isinstance(s, (A.While, A.For, A.ForLoop, A.WhileElse)):
                s = replace(s, body=tuple(stmts_(s.body)))
            out.append(s)
        return out

    return tuple(stmts_(stmts))


def map_children(n, f):
    """The node with ``f`` applied to each child node (``n`` itself if nothing changed)."""
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


def rename_calls(stmts, names: dict[str, str]) -> tuple:
    """Calls of the parameters in ``names`` made calls of the functions they stand for."""
    def visit(n):
        n = map_children(n, visit)
        if isinstance(n, A.Call) and n.receiver is None and n.func in names:
            return replace(n, func=names[n.func])
        return n

    return tuple(visit(s) for s in stmts)


def flag_breaks(body, flag: str) -> tuple:
    """The loop body with each of its own ``break`` statements setting ``flag`` first."""
    out = []
    for s in body:
        if isinstance(s, A.Break):
            out.append(A.Assign(s.span, (A.Name(s.span, flag),), A.BoolLit(s.span, True)))
            out.append(s)
        elif isinstance(s, A.If):
            out.append(A.If(s.span, s.test, flag_breaks(s.body, flag), flag_breaks(s.orelse, flag)))
        elif isinstance(s, RejectedStmt) and not s.construct.startswith(("for", "while")):
            out.append(replace(s, body=flag_breaks(s.body, flag)))
        elif isinstance(s, (A.ForLoop, A.WhileElse)) and s.orelse:
            out.append(replace(s, orelse=flag_breaks(s.orelse, flag)))  # its else clause is this loop's body
        else:
            out.append(s)
    return tuple(out)


def target_for(v: A.Name, it: A.Call) -> A.Expr:
    """The loop target that takes a view's element whole: a tuple of names for zip and
    enumerate, a name for reversed."""
    if it.func == "reversed":
        return v
    n = 2 if it.func == "enumerate" else len([a for a in it.args if not isinstance(a, A.Keyword)])
    if it.func == "zip" and len(it.args) == 1 and isinstance(it.args[0], A.Starred):
        return v
    return A.Tuple(v.span, tuple(A.Name(v.span, f"{v.id}.{k}") for k in range(n)))


def tuple_of_target(v: A.Name, it: A.Call) -> A.Expr:
    t = target_for(v, it)
    return t if isinstance(t, A.Name) else A.Tuple(t.span, t.elts)
