"""The instruction value: an opcode and four operands, encoded as five field elements."""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.errors import ParameterError
from zkvm.field.goldilocks import HALF_P, P
from zkvm.isa.opcodes import BY_CODE

OFFSET_MIN = -(2**31)
OFFSET_MAX = 2**31  # exclusive


@dataclass(frozen=True)
class Instruction:
    """``op`` is an opcode number (see :mod:`zkvm.isa.opcodes`); ``a``, ``b``, ``c`` are signed
    frame offsets in [-2^31, 2^31); ``imm`` is a signed integer in (-p/2, p/2)."""

    op: int
    a: int = 0
    b: int = 0
    c: int = 0
    imm: int = 0

    def __post_init__(self) -> None:
        if self.op not in BY_CODE:
            raise ParameterError("op", f"unknown opcode {self.op}")
        for name in ("a", "b", "c"):
            v = getattr(self, name)
            if not isinstance(v, int) or not OFFSET_MIN <= v < OFFSET_MAX:
                raise ParameterError(name, f"frame offsets must be integers in [-2^31, 2^31), got {v!r}")
        if not isinstance(self.imm, int) or not -HALF_P <= self.imm <= HALF_P:
            raise ParameterError("imm", f"immediates must be integers in (-p/2, p/2), got {self.imm!r}")

    @property
    def name(self) -> str:
        return BY_CODE[self.op].name

    def encode(self) -> tuple[int, int, int, int, int]:
        """The five canonical field elements (op, a, b, c, imm) the program table holds."""
        return (self.op, self.a % P, self.b % P, self.c % P, self.imm % P)

    @classmethod
    def decode(cls, words: tuple[int, int, int, int, int]) -> "Instruction":
        op, a, b, c, imm = (int(w) for w in words)

        def signed(x: int) -> int:
            x %= P
            return x - P if x > HALF_P else x

        return cls(op, signed(a), signed(b), signed(c), signed(imm))
