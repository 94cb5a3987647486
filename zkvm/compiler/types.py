"""Static types and list lengths of DSL values.

Values are ints (bools are ints 0/1) or lists: ``list[int]`` (depth 1) or ``list[list[int]]``
(depth 2). A list type may carry its length (and, for a list of lists, the common length of
its rows) when it is known at compile time; lengths drive the output size, the ``mac`` fusion
of dot products, and static bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.compiler import ast as A


@dataclass(frozen=True)
class VType:
    kind: str  # "int" | "list" | "none"
    depth: int = 0  # for lists: 1 = list[int], 2 = list[list[int]], 0 = not known yet ([])
    length: int | None = None
    inner: int | None = None  # row length of a list of lists

    @property
    def is_list(self) -> bool:
        return self.kind == "list"

    def element(self) -> "VType":
        if self.depth == 2:
            return VType("list", 1, self.inner)
        return INT

    def with_length(self, length: int | None, inner: int | None = None) -> "VType":
        return VType(self.kind, self.depth, length, inner if self.depth == 2 else None)

    def unknown_lengths(self) -> "VType":
        return VType(self.kind, self.depth)

    def describe(self) -> str:
        if self.kind != "list":
            return self.kind
        return {0: "list", 1: "list[int]", 2: "list[list[int]]"}[self.depth]


INT = VType("int")
NONE = VType("none")
LIST1 = VType("list", 1)
LIST2 = VType("list", 2)


def from_annotation(ann: A.Expr | None) -> VType | None:
    """int, bool, list[int], list[list[int]], None -> a VType; anything else None."""
    if ann is None:
        return None
    if isinstance(ann, A.Name) and ann.id in ("int", "bool"):
        return INT
    if isinstance(ann, A.NoneLit):
        return NONE
    if isinstance(ann, A.Subscript) and isinstance(ann.value, A.Name) and ann.value.id in ("list", "List"):
        inner = from_annotation(ann.index)
        if inner == INT:
            return LIST1
        if inner is not None and inner.is_list and inner.depth == 1:
            return LIST2
    return None


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
            return VType("list", deeper.depth, a.length if a.length == b.length else None, deeper.inner)
        return None
    if a.kind != "list":
        return a
    return VType("list", a.depth, a.length if a.length == b.length else None, a.inner if a.inner == b.inner else None)
