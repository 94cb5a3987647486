"""The opcode table: the single source of truth for the instruction set.

Every instruction has five fields: an opcode and four operands ``a``, ``b``, ``c``, ``imm``.
``a``, ``b`` and ``c`` are offsets from the frame pointer ``fp`` (they may be negative);
``imm`` is a field element. Writing ``A = mem[fp + a]``, ``B = mem[fp + b]`` and ``C`` for
the destination ``mem[fp + c]``, the semantics are given here once; the assembler, the
reference interpreter, the Numba VM, the AIR and docs/isa.md all read this table.

Each executed row of the trace performs exactly three memory accesses: slot A (a read),
slot B (a read, a write for CALL) and slot C (a write; the old value is written back when an
instruction has no result). ``cycles`` is the number of trace rows an instruction costs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpInfo:
    code: int
    name: str
    operands: tuple[str, ...]  # assembly operand order, a subset of ("c", "a", "b", "imm")
    semantics: str
    cycles: str
    group: str  # constraint group in the AIR


# Opcode numbers start at 1: the value 0 never decodes, so rows of the program table past the
# program's end (all zero) can never be fetched.
OPCODES: tuple[OpInfo, ...] = (
    OpInfo(1, "halt", (), "stop; the machine stays halted (pc and fp unchanged) until the trace ends", "1", "control"),
    OpInfo(2, "add", ("c", "a", "b"), "C = A + B", "1", "arith"),
    OpInfo(3, "sub", ("c", "a", "b"), "C = A - B", "1", "arith"),
    OpInfo(4, "mul", ("c", "a", "b"), "C = A * B", "1", "arith"),
    OpInfo(5, "addi", ("c", "a", "imm"), "C = A + imm", "1", "arith"),
    OpInfo(6, "muli", ("c", "a", "imm"), "C = A * imm", "1", "arith"),
    OpInfo(7, "movi", ("c", "imm"), "C = imm", "1", "arith"),
    OpInfo(8, "eq", ("c", "a", "b"), "C = 1 if A == B else 0", "1", "compare"),
    OpInfo(9, "lt", ("c", "a", "b"), "C = 1 if A < B else 0 (signed, any two values)", "2", "compare"),
    OpInfo(10, "div", ("c", "a", "b"), "C = A // B (floor); any A, B with 0 < abs(B) < 2^32", "2", "divide"),
    OpInfo(11, "mod", ("c", "a", "b"), "C = A % B (Python: the sign of B); same operands as div", "2", "divide"),
    OpInfo(12, "jmp", ("imm",), "pc = imm", "1", "control"),
    OpInfo(13, "bz", ("a", "imm"), "pc = imm if A == 0 else pc + 1", "1", "control"),
    OpInfo(14, "call", ("b", "c", "imm"), "mem[fp+b] = pc + 1; mem[fp+c] = fp; fp = fp + b + 1; pc = imm", "1", "control"),
    OpInfo(15, "ret", ("a", "b"), "pc = A; fp = B (use a = -1, b = -2: the cells call wrote)", "1", "control"),
    OpInfo(16, "ld", ("c", "a", "imm"), "C = mem[A + imm] (load through a pointer)", "1", "memory"),
    OpInfo(17, "st", ("a", "b", "imm"), "mem[A + imm] = B (store through a pointer)", "1", "memory"),
    OpInfo(18, "lda", ("c", "imm"), "C = mem[imm] (absolute address: inputs, public inputs, globals)", "1", "memory"),
    OpInfo(19, "sta", ("a", "imm"), "mem[imm] = A (absolute address: outputs, globals)", "1", "memory"),
    OpInfo(20, "mac", ("c", "a", "b", "imm"), "C = C + sum_{k < imm} mem[A + k] * mem[B + k]", "imm + 1", "mac"),
    OpInfo(21, "lt32", ("c", "a", "b"), "C = 1 if A < B else 0; A and B must lie in [-2^31, 2^31)", "1", "compare"),
    OpInfo(22, "chk", ("a", "b"), "stop unless 0 <= A < B, with A < 2^32 and B - A <= 2^32 (a bounds check)", "1", "compare"),
)

BY_NAME: dict[str, OpInfo] = {op.name: op for op in OPCODES}
BY_CODE: dict[int, OpInfo] = {op.code: op for op in OPCODES}

HALT = BY_NAME["halt"].code
ADD = BY_NAME["add"].code
SUB = BY_NAME["sub"].code
MUL = BY_NAME["mul"].code
ADDI = BY_NAME["addi"].code
MULI = BY_NAME["muli"].code
MOVI = BY_NAME["movi"].code
EQ = BY_NAME["eq"].code
LT = BY_NAME["lt"].code
DIV = BY_NAME["div"].code
MOD = BY_NAME["mod"].code
JMP = BY_NAME["jmp"].code
BZ = BY_NAME["bz"].code
CALL = BY_NAME["call"].code
RET = BY_NAME["ret"].code
LD = BY_NAME["ld"].code
ST = BY_NAME["st"].code
LDA = BY_NAME["lda"].code
STA = BY_NAME["sta"].code
MAC = BY_NAME["mac"].code
LT32 = BY_NAME["lt32"].code
CHK = BY_NAME["chk"].code
NUM_OPCODES = len(OPCODES)

# The value range: every field element stands for the signed integer in [-VALUE_MAX, VALUE_MAX]
# congruent to it (VALUE_MAX = (p - 1) / 2). Arithmetic whose exact result leaves it stops the VM.
VALUE_MAX = (0xFFFF_FFFF_0000_0001 - 1) // 2

# Ranges on which the checked instructions are defined (outside them the VM stops with an
# error, and the AIR admits no trace at all).
CMP_MIN = -(2**31)  # lt32 operands in [CMP_MIN, CMP_MAX)
CMP_MAX = 2**31  # exclusive
DIV_MAX = 2**32  # div/mod: 0 < abs(divisor) < DIV_MAX
CHK_MAX = 2**32  # chk: 0 <= A < CHK_MAX and 0 <= B - A - 1 < CHK_MAX
MAX_MAC_LENGTH = 2**20

WIDE = frozenset({LT, DIV, MOD})
"""Instructions that take two trace rows: the first reads the operands and writes the result,
the second (a continuation row, no memory access) holds the rest of the witness."""
