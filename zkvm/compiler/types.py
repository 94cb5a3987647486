"""Static types and list lengths of DSL values.

Values are ints (bools are ints 0/1) or lists: ``list[int]`` (depth 1) or ``list[list[int]]``
(depth 2). A list type may carry its length (and, for a list of lists, the common length of
its rows) when it is known at compile time; lengths drive the output size, the ``mac`` fusion
of dot products, and static bounds.

A tuple mixing ints and lists (``return score, path``) is a list of lists whose int positions
hold *boxed* ints, one-element rows: its type lists those positions (``boxed``), and only
constant indexes (and unpacking) read it, each position with its own type.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.compiler import ast as A


@dataclass(frozen=True)
class VType:
    kind: str  # "int" | "list" | "none"
    depth: int = 0  # for lists: 1 = list[int], 2 = list[list[int]], 3 = a list of those, 0 = not known yet ([])
    length: int | None = None
    inner: int | None = None  # row length of a list of lists
    boxed: frozenset = frozenset()  # a tuple mixing ints and lists: the positions of its ints
    item: "VType | None" = None  # depth 3: the elements' type (a list of lists, or a mixed tuple)
    parts: "tuple | None" = None  # a tuple mixing lists of lists with ints or lists (depth 3): each position's type

    @property
    def is_tuple(self) -> bool:
        """A tuple whose positions have different types (read with constant indexes only)."""
        return bool(self.boxed) or self.parts is not None

    def levels(self, k: int) -> int:
        """How many one-element lists box position k of such a tuple (its value is that deep)."""
        if self.parts is not None:
            return 2 - (self.parts[k].depth if self.parts[k].is_list else 0)
        return 1 if k in self.boxed else 0

    @property
    def is_list(self) -> bool:
        return self.kind == "list"

    def element(self) -> "VType":
        if self.depth == 3:
            return self.item if self.item is not None else VType("list", 2)
        if self.depth == 2:
            return VType("list", 1, self.inner)
        return INT

    def with_length(self, length: int | None, inner: int | None = None) -> "VType":
        if self.is_tuple:
            return self  # a tuple's length never changes
        return VType(self.kind, self.depth, length, inner if self.depth == 2 else None, item=self.item)

    def unknown_lengths(self) -> "VType":
        if self.is_tuple:
            return self
        return VType(self.kind, self.depth, item=self.item.unknown_lengths() if self.item is not None else None)

    def part(self, k: int) -> "VType":
        """The type of position k (0 <= k < length) of a tuple mixing ints and lists."""
        if self.parts is not None:
            return self.parts[k]
        return INT if k in self.boxed else VType("list", 1)

    def describe(self) -> str:
        if self.kind != "list":
            return self.kind
        if self.is_tuple:
            return "tuple[" + ", ".join(self.part(k).describe() for k in range(self.length)) + "]"
        if self.depth == 3:
            return f"list[{self.element().describe()}]"
        return {0: "list", 1: "list[int]", 2: "list[list[int]]"}[self.depth]


INT = VType("int")
NONE = VType("none")
LIST1 = VType("list", 1)
LIST2 = VType("list", 2)


def list_of(t: VType, length: int | None = None, inner: int | None = None) -> VType | None:
    """The type of a list whose elements have type ``t`` (None if it would nest more than three
    deep)."""
    if not t.is_list:
        return VType("list", 1, length)
    if t.depth == 0 or (t.depth == 1 and not t.boxed):
        return VType("list", 2, length, inner if inner is not None else t.length)
    if t.depth == 2:
        return VType("list", 3, length, item=t)
    return None


def mixed(parts: list[VType]) -> VType | None:
    """The type of a tuple of ints and lists of ints (at least one of each), or of lists of lists
    with ints or lists (each position boxed to the depth of the deepest: ``parts``); None for
    any other mix."""
    if all(t == INT or (t.is_list and t.depth <= 2 and not t.is_tuple) for t in parts) and \
            any(t.is_list and t.depth == 2 for t in parts):
        return VType("list", 3, len(parts), parts=tuple(t if t == INT else VType("list", max(t.depth, 1)) for t in parts))
    if not all(t == INT or (t.is_list and t.depth <= 1 and not t.is_tuple) for t in parts):
        return None
    return VType("list", 2, len(parts), None, frozenset(k for k, t in enumerate(parts) if t == INT))


def from_annotation(ann: A.Expr | None) -> VType | None:
    """int, bool, list[int], list[list[int]], None, tuple[...] of those -> a VType; anything
    else None."""
    if ann is None:
        return None
    if isinstance(ann, A.Name) and ann.id in ("int", "bool"):
        return INT
    if isinstance(ann, A.NoneLit):
        return NONE
    if isinstance(ann, A.Subscript) and isinstance(ann.value, A.Name) and ann.value.id in ("list", "List", "tuple", "Tuple", "Sequence"):
        inner = from_annotation(ann.index)
        if inner == INT:
            return LIST1
        if inner is not None and inner.is_list and inner.depth == 1 and not inner.boxed:
            return LIST2
        if inner is not None and inner.is_list and inner.depth == 2:
            return VType("list", 3, item=inner)
        return None
    parts = _tuple_annotation(ann)
    if parts is not None:
        types = [from_annotation(p) for p in parts]
        if not types or any(t is None for t in types):
            return None
        any_length = getattr(parts[-1], "construct", None) == "ellipsis"
        if any_length:
            types = types[:-1]
        n = None if any_length else len(types)
        if all(t == INT for t in types):
            return VType("list", 1, n)
        if all(t.is_list and t.depth == 1 and not t.boxed for t in types):
            return VType("list", 2, n)
        if all(t.is_list and t.depth == 2 for t in types) and all(unify(types[0], t) for t in types):
            return VType("list", 3, n, item=types[0].unknown_lengths())
        return None if any_length else mixed(types)
    if getattr(ann, "construct", None) == "ellipsis":
        return INT  # (the ... of tuple[T, ...]: stands for T, dropped above)
    return None


def _tuple_annotation(ann) -> tuple | None:
    """The element annotations of ``tuple[A, B, ...]`` (parsed as a rejected subscript with
    several indexes), ``tuple[A, ...]`` reading as ``tuple[A]`` (a tuple of any length)."""
    parts = getattr(ann, "parts", None)
    if getattr(ann, "construct", None) != "tuple" or not parts or not isinstance(parts[0], A.Name) \
            or parts[0].id not in ("tuple", "Tuple"):
        return None
    items = parts[1:]
    if any(getattr(x, "construct", None) == "ellipsis" for x in items[:-1]):
        return None
    return items


def unify(a: VType | None, b: VType | None) -> VType | None:
    """The common type of two assignments (lengths kept only if equal); None if incompatible."""
    if a is None:
        return b
    if b is None:
        return a
    if a.kind != b.kind:
        return None
    if a.depth != b.depth:
        if a.kind == "list" and 0 in (a.depth, b.depth):
            deeper = a if a.depth else b
            return VType("list", deeper.depth, a.length if a.length == b.length else None, deeper.inner, item=deeper.item)
        return None
    if a.kind != "list":
        return a
    if a.is_tuple or b.is_tuple:
        return a if a == b else None  # tuples mixing ints and lists: the same positions and length
    item = None
    if a.depth == 3:
        if a.item is None or b.item is None:
            item = a.item or b.item
        else:
            item = unify(a.item, b.item)
            if item is None:
                return None
    return VType("list", a.depth, a.length if a.length == b.length else None, a.inner if a.inner == b.inner else None,
                 item=item)
