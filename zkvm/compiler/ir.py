"""What code generation produces: instructions with operands the linker resolves, compiled
functions, and the error that rejects a program during code generation.

An :class:`Ins` may hold operands that are known only once every function is compiled and the
program laid out: a :class:`Label` (a position in the function's code), a :class:`FrameEnd` (an
offset past the end of the current frame, whose size is known once the function is compiled),
an :class:`Abs` (an address or value fixed by the final layout) and a :class:`FuncRef` (a
function's entry); ``link.py`` resolves them. This module is shared by the code generator's
modules (codegen.py and its mixins), the intrinsics, the guards and the linker: it knows
nothing of the syntax tree nor of how code is generated or laid out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkvm.compiler.types import VType
from zkvm.errors import Diagnostic
from zkvm.source import Span

MAX_LENGTH = 1 << 28  # no list is longer: its elements fill memory words, whose addresses the AIR bounds by 2^28


NONE_HELP = ("Python raises TypeError here. None is what a function without a return value (or a bare "
             "'return') gives: return an int, or use a sentinel int such as -1")


def a_type(t: VType) -> str:
    """A type for messages: None, an int, a list[int], ..."""
    if t.kind == "none":
        return "None"
    if t.kind == "int":
        return "an int"
    return "a " + t.describe()


class CodegenError(Exception):
    def __init__(self, span: Span, message: str, help: str = "") -> None:
        super().__init__(message)
        self.diag = Diagnostic(span, message, help)


# --- operands that are resolved after compilation ---------------------------------------------
@dataclass(frozen=True)
class FrameEnd:
    """An offset relative to the end of the current function's frame."""

    k: int


@dataclass(frozen=True)
class Abs:
    """An absolute address or value fixed by the final layout ("out", "hp", ...)."""

    what: str
    k: int = 0


class Label:
    def __init__(self, name: str = "") -> None:
        self.name = name
        self.pos: int | None = None


@dataclass
class FuncRef:
    key: str


@dataclass
class Ins:
    op: int
    a: object = 0
    b: object = 0
    c: object = 0
    imm: object = 0
    loc: str = ""


@dataclass
class Var:
    slot: int
    type: VType


@dataclass
class Compiled:
    key: str
    code: list[Ins]
    frame_size: int
    returns: VType
    callees: set[str] = field(default_factory=set)


@dataclass
class LoopCtx:
    brk: Label
    cont: Label
