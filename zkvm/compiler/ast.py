"""The typed syntax tree of the DSL: frozen dataclasses, each with its source span.

Only constructs of the subset have a node; anything else becomes :class:`Unsupported`,
carrying the construct's name and what to write instead, so the checker reports every
problem of a file at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkvm.source import Span


@dataclass(frozen=True)
class Node:
    span: Span


# --- expressions -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expr(Node):
    pass


@dataclass(frozen=True)
class IntLit(Expr):
    value: int


@dataclass(frozen=True)
class BoolLit(Expr):
    value: bool


@dataclass(frozen=True)
class NoneLit(Expr):
    pass


@dataclass(frozen=True)
class Name(Expr):
    id: str


@dataclass(frozen=True)
class BinOp(Expr):
    op: str  # + - * // % ** << >> & | ^
    left: Expr
    right: Expr


@dataclass(frozen=True)
class UnaryOp(Expr):
    op: str  # - + ~ not
    operand: Expr


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str  # and, or
    values: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare(Expr):
    left: Expr
    ops: tuple[str, ...]  # < <= > >= == !=
    comparators: tuple[Expr, ...]


@dataclass(frozen=True)
class IfExp(Expr):
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True)
class Call(Expr):
    func: str  # a function name, or "append" for xs.append(...)
    args: tuple[Expr, ...]
    receiver: Expr | None = None  # the list of a method call


@dataclass(frozen=True)
class Subscript(Expr):
    value: Expr
    index: Expr


@dataclass(frozen=True)
class ListLit(Expr):
    elts: tuple[Expr, ...]


@dataclass(frozen=True)
class TupleLit(ListLit):
    """A tuple display after desugaring: a list of a known length (kept apart only so that
    errors can say 'tuple')."""


@dataclass(frozen=True)
class ListComp(Expr):
    elt: Expr
    target: str
    target_span: Span
    iter: Expr
    cond: Expr | None


@dataclass(frozen=True)
class Unsupported(Expr):
    construct: str
    help: str
    text: str = ""  # the value of a string literal (load() takes file and array names)


# --- statements --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stmt(Node):
    pass


@dataclass(frozen=True)
class Assign(Stmt):
    targets: tuple[Expr, ...]  # Name or Subscript
    value: Expr


@dataclass(frozen=True)
class AugAssign(Stmt):
    target: Expr
    op: str
    value: Expr


@dataclass(frozen=True)
class AnnAssign(Stmt):
    target: Expr
    annotation: Expr
    value: Expr | None


@dataclass(frozen=True)
class ExprStmt(Stmt):
    value: Expr


@dataclass(frozen=True)
class Return(Stmt):
    value: Expr | None


@dataclass(frozen=True)
class If(Stmt):
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


@dataclass(frozen=True)
class While(Stmt):
    test: Expr
    body: tuple[Stmt, ...]
    binds: tuple[str, ...] = ()  # as For.binds: names its body's first statements assign every turn


@dataclass(frozen=True)
class For(Stmt):
    target: str
    target_span: Span
    iter: Expr
    body: tuple[Stmt, ...]
    # names the body's first statements assign on every turn (the unpacked targets of
    # ``for a, b in ...``, desugar.py): after the loop they are bound exactly when the target is
    binds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Break(Stmt):
    pass


@dataclass(frozen=True)
class Continue(Stmt):
    pass


@dataclass(frozen=True)
class Pass(Stmt):
    pass


@dataclass(frozen=True)
class Assert(Stmt):
    test: Expr
    msg: Expr | None


@dataclass(frozen=True)
class UnsupportedStmt(Stmt):
    construct: str
    help: str


# --- module ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param(Node):
    name: str
    annotation: Expr | None
    default: Expr | None = None  # bound at each call site by desugar.py (none after it)


@dataclass(frozen=True)
class FunctionDef(Stmt):
    name: str
    params: tuple[Param, ...]
    returns: Expr | None
    body: tuple[Stmt, ...]
    static: bool = False  # a method decorated with @staticmethod (no self)


@dataclass(frozen=True)
class ImportFrom(Stmt):
    module: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Module(Node):
    body: tuple[Stmt, ...] = field(default_factory=tuple)


# --- surface syntax: built by transform.py, rewritten into the nodes above by desugar.py ------
KWONLY = "*,"  # the name of the bare * of def f(a, *, b): the parameters after it are keyword-only
@dataclass(frozen=True)
class Tuple(Expr):
    elts: tuple[Expr, ...]


@dataclass(frozen=True)
class ClassDef(Stmt):
    name: str
    bases: tuple[Expr, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class DictLit(Expr):
    keys: tuple[Expr, ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True)
class Starred(Expr):
    value: Expr


@dataclass(frozen=True)
class Slice(Expr):
    lower: Expr | None
    upper: Expr | None
    step: Expr | None


@dataclass(frozen=True)
class Keyword(Expr):
    """A keyword argument of a call: ``name=value``."""

    name: str
    value: Expr


@dataclass(frozen=True)
class CompFor(Node):
    target: Expr  # a Name, or a Tuple of targets
    iter: Expr


@dataclass(frozen=True)
class CompIf(Node):
    cond: Expr


@dataclass(frozen=True)
class Comprehension(Expr):
    """A list comprehension or generator expression with any clauses and targets."""

    kind: str  # "list" | "generator"
    elt: Expr
    clauses: tuple[Node, ...]  # CompFor / CompIf, in order


@dataclass(frozen=True)
class DictComp(Expr):
    key: Expr
    value: Expr
    clauses: tuple[Node, ...]  # CompFor / CompIf, in order


@dataclass(frozen=True)
class SetLit(Expr):
    elts: tuple[Expr, ...]


@dataclass(frozen=True)
class SetComp(Expr):
    elt: Expr
    clauses: tuple[Node, ...]


@dataclass(frozen=True)
class Lambda(Expr):
    params: tuple[Param, ...]
    body: Expr


@dataclass(frozen=True)
class ForLoop(Stmt):
    """``for TARGET in ITER: ... else: ...`` with any target."""

    target: Expr
    iter: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] | None


@dataclass(frozen=True)
class Delete(Stmt):
    """``del xs[i]``, ``del xs[a:b]`` (several targets: deleted left to right)."""

    targets: tuple[Expr, ...]


@dataclass(frozen=True)
class WhileElse(Stmt):
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


# xs.__zkvm_setlen(n) (0 <= n <= len(xs)): the one core operation that shrinks a list, written
# only by the prelude's pop, remove, clear and del
SET_LENGTH = "__zkvm_setlen"


def walk(node):
    """Every node of a tree (or of a tuple of trees), parents before children."""
    stack = [node]
    pop, push = stack.pop, stack.extend
    while stack:
        x = pop()
        if isinstance(x, tuple):
            push(reversed(x))
        elif isinstance(x, Node):
            yield x
            kids = [v for v in (getattr(x, n) for n in x.__dataclass_fields__) if isinstance(v, (Node, tuple))]
            push(reversed(kids))


def _cache_hash(cls: type) -> None:
    """Hash a node once: the analyses key their facts by (context, node), and a frozen
    dataclass otherwise hashes its whole subtree on every lookup."""
    field_hash = cls.__hash__

    def __hash__(self) -> int:
        d = self.__dict__
        h = d.get("_hash")
        if h is None:
            h = d["_hash"] = field_hash(self)
        return h

    cls.__hash__ = __hash__


def _node_classes(root: type) -> list[type]:
    out, todo = [], [root]
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


for _cls in _node_classes(Node):
    _cache_hash(_cls)
