"""The reference interpreter: the VM's semantics in plain Python (slow, obviously correct).

It is the oracle for the Numba VM (:mod:`zkvm.vm.kernels`), which must agree with it on the
outputs, the final memory and the error raised; and it is itself checked against CPython
running the same DSL programs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkvm.errors import ExecutionError
from zkvm.field.goldilocks import HALF_P, P
from zkvm.isa import opcodes as op
from zkvm.isa.program import CONST_BASE, Program, const_space

DEFAULT_MEMORY = 1 << 22
DEFAULT_MAX_CYCLES = 1 << 26


@dataclass
class ReferenceResult:
    outputs: list[int]  # signed
    memory: list[int]  # canonical field elements, the whole memory
    cycles: int  # trace rows used, the halt row included
    pc: int
    fp: int


def _signed(x: int) -> int:
    return x - P if x > HALF_P else x


def run_reference(
    program: Program,
    inputs: Sequence[int] = (),
    public_inputs: Sequence[int] = (),
    memory_size: int = DEFAULT_MEMORY,
    max_cycles: int = DEFAULT_MAX_CYCLES,
) -> ReferenceResult:
    lay = program.layout
    if len(inputs) != lay.in_size or len(public_inputs) != lay.pubin_size:
        raise ExecutionError(f"expected {lay.in_size} inputs and {lay.pubin_size} public inputs")
    mem = [0] * memory_size
    for i, v in enumerate(program.data):
        mem[lay.data_base + i] = v % P
    for i, v in enumerate(public_inputs):
        mem[lay.pubin_base + i] = v % P
    for i, v in enumerate(inputs):
        mem[lay.in_base + i] = v % P
    consts = [v % P for v in program.consts]
    consts += [0] * (const_space(lay.const_size) - len(consts))  # the data table's zero padding
    code = program.code
    pc, fp, cycle = 0, lay.stack_base, 0

    def fail(msg: str) -> ExecutionError:
        loc = program.debug[pc] if pc < len(program.debug) else None
        return ExecutionError(msg, pc, cycle, loc or None)

    def checked(v: int, name: str) -> int:
        """The exact result as a field element; outside the value range the run stops."""
        if not -HALF_P <= v <= HALF_P:
            raise fail(f"integer overflow in {name}: the result {v} is outside [-(p-1)/2, (p-1)/2]")
        return v % P

    def addr(x: int) -> int:
        x %= P
        if not 0 <= x < memory_size:
            if CONST_BASE <= x < CONST_BASE + len(consts):
                raise fail(f"store into the program's read-only constants (address {x})")
            raise fail(f"invalid memory access at address {_signed(x)}")
        return x

    def load(x: int) -> int:
        """ld, lda and mac steps read memory or the read-only constants."""
        x %= P
        if CONST_BASE <= x < CONST_BASE + len(consts):
            return consts[x - CONST_BASE]
        return mem[addr(x)]

    while True:
        if cycle >= max_cycles:
            raise fail(f"cycle limit of {max_cycles} reached")
        if not 0 <= pc < len(code):
            raise fail("pc outside the program")
        ins = code[pc]
        o = ins.op
        if o == op.HALT:
            cycle += 1
            break
        a_addr, b_addr, c_addr = (fp + ins.a) % P, (fp + ins.b) % P, (fp + ins.c) % P
        if o in (op.ADD, op.SUB, op.MUL, op.EQ, op.LT, op.DIV, op.MOD, op.LT32):
            A, B = mem[addr(a_addr)], mem[addr(b_addr)]
            sa, sb = _signed(A), _signed(B)
            if o == op.ADD:
                r = checked(sa + sb, "add")
            elif o == op.SUB:
                r = checked(sa - sb, "sub")
            elif o == op.MUL:
                r = checked(sa * sb, "mul")
            elif o == op.EQ:
                r = int(A == B)
            elif o == op.LT:
                r = int(sa < sb)
            elif o == op.LT32:
                if not (op.CMP_MIN <= sa < op.CMP_MAX and op.CMP_MIN <= sb < op.CMP_MAX):
                    raise fail(f"lt32 operands {sa}, {sb} outside the comparison range [-2^31, 2^31)")
                r = int(sa < sb)
            else:
                if sb == 0:
                    raise fail("division by zero")
                if not abs(sb) < op.DIV_MAX:
                    raise fail(f"{ins.name} divisor {sb} outside (-2^32, 2^32)")
                r = (sa // sb if o == op.DIV else sa % sb) % P
            mem[addr(c_addr)] = r
            if o in op.WIDE:
                cycle += 1
            pc += 1
        elif o == op.CHK:
            sa, sb = _signed(mem[addr(a_addr)]), _signed(mem[addr(b_addr)])
            if not (0 <= sa < op.CHK_MAX and 0 <= sb - sa - 1 < op.CHK_MAX):
                raise fail(f"chk failed: {sa} is not in [0, {sb})")
            pc += 1
        elif o in (op.ADDI, op.MULI):
            A = mem[addr(a_addr)]
            sa = _signed(A)
            mem[addr(c_addr)] = checked(sa + ins.imm, "addi") if o == op.ADDI else checked(sa * ins.imm, "muli")
            pc += 1
        elif o == op.MOVI:
            mem[addr(c_addr)] = ins.imm % P
            pc += 1
        elif o == op.JMP:
            pc = ins.imm
        elif o == op.BZ:
            pc = ins.imm if mem[addr(a_addr)] == 0 else pc + 1
        elif o == op.CALL:
            mem[addr(b_addr)] = (pc + 1) % P
            mem[addr(c_addr)] = fp
            fp = (fp + ins.b + 1) % P
            pc = ins.imm
        elif o == op.RET:
            ret_pc, saved_fp = mem[addr(a_addr)], mem[addr(b_addr)]
            pc, fp = _signed(ret_pc), saved_fp
        elif o == op.LD:
            A = mem[addr(a_addr)]
            mem[addr(c_addr)] = load(A + ins.imm)
            pc += 1
        elif o == op.ST:
            A, B = mem[addr(a_addr)], mem[addr(b_addr)]
            mem[addr(A + ins.imm)] = B
            pc += 1
        elif o == op.LDA:
            mem[addr(c_addr)] = load(ins.imm)
            pc += 1
        elif o == op.STA:
            mem[addr(ins.imm)] = mem[addr(a_addr)]
            pc += 1
        elif o == op.MAC:
            pa, pb = mem[addr(a_addr)], mem[addr(b_addr)]
            n = ins.imm
            if not 0 <= n <= op.MAX_MAC_LENGTH:
                raise fail(f"mac length {n} outside [0, {op.MAX_MAC_LENGTH}]")
            ca = addr(c_addr)
            for k in range(n):
                # the step's order of accesses: A, then B, then the accumulator (as the AIR)
                prod = checked(_signed(load(pa + k)) * _signed(load(pb + k)), "mac")
                mem[ca] = checked(_signed(mem[ca]) + _signed(prod), "mac")
            cycle += n
            pc += 1
        else:  # pragma: no cover - the opcode table is exhaustive
            raise fail(f"unknown opcode {o}")
        cycle += 1
    outs = [_signed(mem[lay.out_base + i]) for i in range(lay.out_size)]
    return ReferenceResult(outs, mem, cycle, pc, fp)
