"""The Numba interpreter: runs a program and, optionally, records the execution trace.

One function does both so the recorded semantics cannot drift from the executed ones: the
first call (``record=False``) runs to the halt to size the trace, the second writes every
row of the layout in :mod:`zkvm.air.layout` straight into a preallocated uint64 matrix. Each
memory access updates a last-access-time table, from which the row's time-difference limbs
come; the memory table (final values and times) is filled after the run.

Must agree with :mod:`zkvm.vm.reference` on outputs, memory and errors (tests check it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkvm.air import layout as L
from zkvm.field.kernels import P, add, mul, sub
from zkvm.isa import opcodes as op

# status codes returned by the kernel
OK = 0
BAD_ADDRESS = 1
BAD_PC = 2
CYCLE_LIMIT = 3
LT_RANGE = 4
DIV_RANGE = 5
MAC_LENGTH = 6

HALF_P = np.uint64(0x7FFF_FFFF_8000_0000)
TWO31 = np.uint64(1 << 31)
LIMB_MASK = np.uint64(0xFFFF)
U16 = np.uint64(16)

# column indices (frozen as compile-time constants)
C = L.COL
CLK, PC, FP = C["clk"], C["pc"], C["fp"]
A_OFF, B_OFF, C_OFF, IMM = C["a"], C["b"], C["c"], C["imm"]
A_ADDR, A_VAL, A_TP = C["a_addr"], C["a_val"], C["a_tp"]
B_ADDR, B_OLD, B_VAL, B_TP = C["b_addr"], C["b_old"], C["b_val"], C["b_tp"]
C_ADDR, C_OLD, C_VAL, C_TP = C["c_addr"], C["c_old"], C["c_val"], C["c_tp"]
M_LIMB0 = C["m_a_lo"]
L0 = C["l0"]
CNT, INV, ISZ, CONT = C["cnt"], C["inv"], C["isz"], C["cont"]
F_MACS, F_MAC, F_HALT = C["f_macs"], C["f_mac"], C["f_halt"]
FIN_V, FIN_T, INIT_PRIV = C["fin_v"], C["fin_t"], C["init_priv"]
RC, M_RC, M_PROG = C["rc"], C["m_rc"], C["m_prog"]

FLAG_COLUMN = np.zeros(op.NUM_OPCODES + 1, dtype=np.int64)
for _code, _flag in L.FLAG_OF_OPCODE.items():
    FLAG_COLUMN[_code] = C[_flag]


@njit(cache=True, inline="always")
def _signed(x):
    if x > HALF_P:
        return -np.int64(P - x)
    return np.int64(x)


@njit(cache=True, inline="always")
def _field(v):
    """A signed int64 as a field element."""
    if v < 0:
        return P - np.uint64(-v)
    return np.uint64(v)


@njit(cache=True)
def _inverse(x):
    # x^(p-2) by square and multiply (0 maps to 0)
    result = np.uint64(1)
    base = x
    e = np.uint64(0xFFFF_FFFE_FFFF_FFFF)
    while e > np.uint64(0):
        if e & np.uint64(1):
            result = mul(result, base)
        base = mul(base, base)
        e >>= np.uint64(1)
    return result


@njit(cache=True, inline="always")
def _limbs(trace, r, col, value):
    """value (< 2^32) as two 16-bit limbs in trace[r, col], trace[r, col + 1]."""
    trace[r, col] = value & LIMB_MASK
    trace[r, col + 1] = value >> U16


@njit(cache=True)
def execute(code, mem, mem_size, stack_base, max_cycles, record, trace, last_t, err):
    """Run from pc 0. Returns (status, pc, cycle, fp, max_address). With ``record`` every
    executed row is written to ``trace`` (which must have room for all of them)."""
    pc = np.int64(0)
    fp = np.uint64(stack_base)
    cycle = np.int64(0)
    max_addr = np.int64(0)
    ncode = code.shape[0]
    while True:
        if cycle >= max_cycles:
            return CYCLE_LIMIT, pc, cycle, fp, max_addr
        if pc < 0 or pc >= ncode:
            return BAD_PC, pc, cycle, fp, max_addr
        o = np.int64(code[pc, 0])
        a_off = code[pc, 1]
        b_off = code[pc, 2]
        c_off = code[pc, 3]
        imm = code[pc, 4]
        # default addresses
        a_addr = add(fp, a_off)
        b_addr = add(fp, b_off)
        c_addr = add(fp, c_off)
        if o == op.HALT:
            if a_addr >= np.uint64(mem_size) or b_addr >= np.uint64(mem_size) or c_addr >= np.uint64(mem_size):
                return BAD_ADDRESS, pc, cycle, fp, max_addr
            if record:
                _write_fetch(trace, cycle, pc, fp, o, a_off, b_off, c_off, imm)
                _row_access(trace, cycle, mem, mem_size, last_t, a_addr, b_addr, c_addr, False, np.uint64(0), mem[c_addr], record)
            max_addr = max(max_addr, np.int64(a_addr), np.int64(b_addr), np.int64(c_addr))
            return OK, pc, cycle + 1, fp, max_addr
        if o == op.MAC:
            n_steps = np.int64(imm) if imm < np.uint64(op.MAX_MAC_LENGTH + 1) else np.int64(-1)
            if n_steps < 0:
                return MAC_LENGTH, pc, cycle, fp, max_addr
            if a_addr >= np.uint64(mem_size) or b_addr >= np.uint64(mem_size) or c_addr >= np.uint64(mem_size):
                return BAD_ADDRESS, pc, cycle, fp, max_addr
            pa = mem[a_addr]
            pb = mem[b_addr]
            if record:
                _write_fetch(trace, cycle, pc, fp, o, a_off, b_off, c_off, imm)
                _row_access(trace, cycle, mem, mem_size, last_t, a_addr, b_addr, c_addr, False, np.uint64(0), mem[c_addr], record)
                _mac_counter(trace, cycle, np.uint64(n_steps))
            max_addr = max(max_addr, np.int64(a_addr), np.int64(b_addr), np.int64(c_addr))
            cycle += 1
            for k in range(n_steps):
                if cycle >= max_cycles:
                    return CYCLE_LIMIT, pc, cycle, fp, max_addr
                xa = add(pa, np.uint64(k))
                xb = add(pb, np.uint64(k))
                if xa >= np.uint64(mem_size) or xb >= np.uint64(mem_size):
                    return BAD_ADDRESS, pc, cycle, fp, max_addr
                va = mem[xa]
                vb = mem[xb]
                acc = add(mem[c_addr], mul(va, vb))
                if record:
                    _write_fetch(trace, cycle, pc, fp, o, a_off, b_off, c_off, imm)
                    trace[cycle, F_MACS] = 0
                    trace[cycle, F_MAC] = 1
                    _row_access(trace, cycle, mem, mem_size, last_t, xa, xb, c_addr, False, np.uint64(0), acc, record)
                    _mac_counter(trace, cycle, np.uint64(n_steps - 1 - k))
                mem[c_addr] = acc
                max_addr = max(max_addr, np.int64(xa), np.int64(xb))
                cycle += 1
            pc += 1
            continue
        # single-row instructions: compute the addresses, the B write (call) and the C value
        write_b = False
        b_new = np.uint64(0)
        writes_c = True
        next_pc = pc + 1
        next_fp = fp
        if o == op.LD:
            if a_addr >= np.uint64(mem_size):
                return BAD_ADDRESS, pc, cycle, fp, max_addr
            b_addr = add(mem[a_addr], imm)
        elif o == op.LDA:
            b_addr = imm
        elif o == op.ST:
            if a_addr >= np.uint64(mem_size):
                return BAD_ADDRESS, pc, cycle, fp, max_addr
            c_addr = add(mem[a_addr], imm)
        elif o == op.STA:
            c_addr = imm
        if a_addr >= np.uint64(mem_size) or b_addr >= np.uint64(mem_size) or c_addr >= np.uint64(mem_size):
            return BAD_ADDRESS, pc, cycle, fp, max_addr
        A = mem[a_addr]
        B = mem[b_addr]
        c_new = mem[c_addr]
        inv = np.uint64(0)
        isz = np.uint64(0)
        if o == op.ADD:
            c_new = add(A, B)
        elif o == op.SUB:
            c_new = sub(A, B)
        elif o == op.MUL:
            c_new = mul(A, B)
        elif o == op.ADDI:
            c_new = add(A, imm)
        elif o == op.MULI:
            c_new = mul(A, imm)
        elif o == op.MOVI:
            c_new = imm
        elif o == op.EQ:
            d = sub(A, B)
            if d == np.uint64(0):
                c_new = np.uint64(1)
            else:
                c_new = np.uint64(0)
                if record:
                    inv = _inverse(d)
        elif o == op.LT:
            sa = _signed(A)
            sb = _signed(B)
            if sa < -(1 << 31) or sa >= (1 << 31) or sb < -(1 << 31) or sb >= (1 << 31):
                err[0] = sa
                err[1] = sb
                return LT_RANGE, pc, cycle, fp, max_addr
            c_new = np.uint64(1) if sa < sb else np.uint64(0)
            if record:
                _limbs(trace, cycle, L0, np.uint64(sa + (1 << 31)))
                _limbs(trace, cycle, L0 + 2, np.uint64(sb + (1 << 31)))
                delta = (sb - sa - 1) if sa < sb else (sa - sb)
                _limbs(trace, cycle, L0 + 4, np.uint64(delta))
        elif o == op.DIV or o == op.MOD:
            sa = _signed(A)
            sb = _signed(B)
            if sa < -(1 << 31) or sa >= (1 << 31) or sb < 1 or sb >= (1 << 31):
                err[0] = sa
                err[1] = sb
                return DIV_RANGE, pc, cycle, fp, max_addr
            q = sa // sb
            rem = sa - q * sb
            c_new = _field(q) if o == op.DIV else np.uint64(rem)
            if record:
                _limbs(trace, cycle, L0, np.uint64(q + (1 << 31)))
                _limbs(trace, cycle, L0 + 2, np.uint64(rem))
                _limbs(trace, cycle, L0 + 4, np.uint64(sb - rem - 1))
                _limbs(trace, cycle, L0 + 6, np.uint64(sb - 1))
        elif o == op.JMP:
            writes_c = False
            next_pc = np.int64(imm) if imm < HALF_P else np.int64(-1)
        elif o == op.BZ:
            writes_c = False
            if A == np.uint64(0):
                isz = np.uint64(1)
                next_pc = np.int64(imm) if imm < HALF_P else np.int64(-1)
            elif record:
                inv = _inverse(A)
        elif o == op.CALL:
            write_b = True
            b_new = np.uint64(pc + 1)
            c_new = fp
            next_fp = add(fp, add(b_off, np.uint64(1)))
            next_pc = np.int64(imm) if imm < HALF_P else np.int64(-1)
        elif o == op.RET:
            writes_c = False
            next_pc = np.int64(A) if A < HALF_P else np.int64(-1)
            next_fp = B
        elif o == op.LD or o == op.LDA:
            c_new = B
        elif o == op.ST:
            c_new = B
        elif o == op.STA:
            c_new = A
        if record:
            _write_fetch(trace, cycle, pc, fp, o, a_off, b_off, c_off, imm)
            _row_access(trace, cycle, mem, mem_size, last_t, a_addr, b_addr, c_addr, write_b, b_new, c_new, record)
            trace[cycle, INV] = inv
            trace[cycle, ISZ] = isz
        if write_b:
            mem[b_addr] = b_new
        if writes_c:
            mem[c_addr] = c_new
        max_addr = max(max_addr, np.int64(a_addr), np.int64(b_addr), np.int64(c_addr))
        pc = next_pc
        fp = next_fp
        cycle += 1


@njit(cache=True, inline="always")
def _write_fetch(trace, r, pc, fp, o, a_off, b_off, c_off, imm):
    trace[r, CLK] = r
    trace[r, PC] = pc
    trace[r, FP] = fp
    trace[r, FLAG_COLUMN[o]] = 1
    trace[r, A_OFF] = a_off
    trace[r, B_OFF] = b_off
    trace[r, C_OFF] = c_off
    trace[r, IMM] = imm


@njit(cache=True, inline="always")
def _mac_counter(trace, r, cnt):
    trace[r, CNT] = cnt
    if cnt == np.uint64(0):
        trace[r, ISZ] = 1
        trace[r, CONT] = 0
    else:
        trace[r, INV] = _inverse(cnt)
        trace[r, CONT] = 1


@njit(cache=True)
def _row_access(trace, r, mem, mem_size, last_t, a_addr, b_addr, c_addr, write_b, b_new, c_new, record):
    """Record the row's three accesses (A read, B read or write, C write) with their times."""
    t = np.int64(3 * r)
    tp = last_t[a_addr]
    last_t[a_addr] = t + 1
    trace[r, A_ADDR] = a_addr
    trace[r, A_VAL] = mem[a_addr]
    trace[r, A_TP] = tp
    _limbs(trace, r, M_LIMB0, np.uint64(t + 1 - tp - 1))
    tp = last_t[b_addr]
    last_t[b_addr] = t + 2
    trace[r, B_ADDR] = b_addr
    trace[r, B_OLD] = mem[b_addr]
    trace[r, B_VAL] = b_new if write_b else mem[b_addr]
    trace[r, B_TP] = tp
    _limbs(trace, r, M_LIMB0 + 2, np.uint64(t + 2 - tp - 1))
    tp = last_t[c_addr]
    last_t[c_addr] = t + 3
    trace[r, C_ADDR] = c_addr
    # slot B's write (call) happens before slot C's read in time: C sees it if they alias
    old_c = b_new if (write_b and b_addr == c_addr) else mem[c_addr]
    trace[r, C_OLD] = old_c
    trace[r, C_VAL] = c_new
    trace[r, C_TP] = tp
    _limbs(trace, r, M_LIMB0 + 4, np.uint64(t + 3 - tp - 1))
    return 0


@njit(cache=True)
def pad_and_tables(trace, cycles, n, mem, last_t, mem_size, halt_pc, halt_fp, halt_fields, in_base, inputs, code_len):
    """Fill the rows after the halt (repeated halts), the memory table (final values and
    times), the range table and its multiplicities, and the program multiplicities."""
    a_off, b_off, c_off, imm = halt_fields[0], halt_fields[1], halt_fields[2], halt_fields[3]
    fp = halt_fp
    for r in range(cycles, n):
        _write_fetch(trace, r, halt_pc, fp, op.HALT, a_off, b_off, c_off, imm)
        _row_access(trace, r, mem, mem_size, last_t, add(fp, a_off), add(fp, b_off), add(fp, c_off), False, np.uint64(0), mem[add(fp, c_off)], True)
    # memory table: row j is address j
    for j in range(min(n, mem_size)):
        trace[j, FIN_V] = mem[j]
        trace[j, FIN_T] = last_t[j]
    for i in range(inputs.shape[0]):
        trace[in_base + i, INIT_PRIV] = inputs[i]
    # range table (row j: entries w*j .. w*j + w - 1, see layout.range_table_width) and the
    # multiplicities of every limb looked up: value v counts in row v // w, in column m_rc
    # for v % w == 0, else in the extra column base + v % w - 1
    w = L.RANGE_SIZE // n if n < L.RANGE_SIZE else 1
    last = L.RANGE_SIZE // w - 1
    base = trace.shape[1] - w + 1
    for j in range(n):
        trace[j, RC] = w * min(j, last)
    for r in range(n):
        for k in range(14):
            v = np.int64(trace[r, M_LIMB0 + k]) if k < 6 else np.int64(trace[r, L0 + k - 6])
            col = M_RC if v % w == 0 else base + v % w - 1
            trace[v // w, col] += 1
    # program multiplicities: how often each pc was fetched
    m_prog = M_PROG
    for r in range(n):
        trace[np.int64(trace[r, PC]), m_prog] += 1
