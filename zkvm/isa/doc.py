"""Render the opcode table as the Markdown table in docs/isa.md (a test keeps them in sync)."""

from __future__ import annotations

from zkvm.isa.opcodes import OPCODES

CONSTRAINTS = {
    "halt": "`pc' = pc`, `f_halt' = 1` (absorbing); the last row must be a halt",
    "add": "`C = A + B`",
    "sub": "`C = A - B`",
    "mul": "`C = A * B`",
    "addi": "`C = A + imm`",
    "muli": "`C = A * imm`",
    "movi": "`C = imm`",
    "eq": "`(A - B) * inv = 1 - C`, `(A - B) * C = 0`",
    "lt": "`u = x + (p-1)/2` of each operand as four canonical 16-bit limbs; `F = (2C-1)(u_B - u_A) - C >= 0` as two 32-bit halves with a borrow; `C` boolean",
    "div": "sign `s` of B, `B' = (1-2s) B` in [1, 2^32); `u = (1-2s) A + (p-1)/2` canonical; long division in 32-bit halves (`q = qh 2^32 + ql`, `ql B' + r' = th 2^32 + tl`, `th, r' < B'`); `C = q`",
    "mod": "as div; `C = (1-2s) r'`",
    "jmp": "`pc' = imm`",
    "bz": "`A * inv = 1 - isz`, `A * isz = 0`, `pc' = isz ? imm : pc + 1`",
    "call": "`B_new = pc + 1` (slot B written), `C = fp`, `fp' = fp + b + 1`, `pc' = imm`",
    "ret": "`pc' = A`, `fp' = B`",
    "ld": "slot B address `= A + imm`, `C = B`",
    "st": "slot C address `= A + imm`, `C = B`",
    "lda": "slot B address `= imm`, `C = B`",
    "sta": "slot C address `= imm`, `C = A`",
    "lt32": "`A + 2^31`, `B + 2^31` and `C ? B - A - 1 : A - B` are two 16-bit limbs each; `C` boolean",
    "chk": "`A` and `B - 1 - A` are two 16-bit limbs each; no result",
    "mac": "setup row reads the pointers, `cnt = imm`; each step row: slot A/B addresses advance by 1, `C = C_old + A * B`, `cnt' = cnt - 1`; exits when `cnt = 0`",
}


def render_table() -> str:
    lines = [
        "| code | mnemonic | operands | semantics | cycles | constraints |",
        "|---|---|---|---|---|---|",
    ]
    for op in OPCODES:
        operands = ", ".join(op.operands) or "-"
        lines.append(f"| {op.code} | `{op.name}` | {operands} | {op.semantics} | {op.cycles} | {CONSTRAINTS[op.name]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_table())
