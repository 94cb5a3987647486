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
OVERFLOW = 7
CHK_FAILED = 8
STORE_CONST = 9
PAUSED = 10  # a segment's rows are used up: the next instruction does not fit (zkvm/vm/segments.py)

CONST_BASE = np.uint64(1 << 26)  # zkvm.isa.program.CONST_BASE: the read-only constants

HALF_P = np.uint64(0x7FFF_FFFF_8000_0000)
VALUE_MAX = np.int64(0x7FFF_FFFF_8000_0000)  # (p - 1) / 2: the value range is [-VALUE_MAX, VALUE_MAX]
TWO31 = np.uint64(1 << 31)
LIMB_MASK = np.uint64(0xFFFF)
U16 = np.uint64(16)
U32 = np.uint64(32)
MASK32 = np.uint64(0xFFFF_FFFF)
TOP32 = np.uint64(0xFFFF_FFFF)  # 2^32 - 1: the high half of p - 1

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
CA, CB = C["ca"], C["cb"]
T_S, T_E = C["t_s"], C["t_e"]
F_MACS, F_MAC, F_DOT, F_HALT, F_WIDE = C["f_macs"], C["f_mac"], C["f_dot"], C["f_halt"], C["f_wide"]
DOT_K = 8  # MACs per dot-table row (zkvm.isa.program.CONST_ROW)
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


@njit(cache=True, inline="always")
def _limbs_at(trace, r, col_lo, col_hi, value):
    """value (< 2^32) as two 16-bit limbs in two (not necessarily adjacent) columns."""
    trace[r, col_lo] = value & LIMB_MASK
    trace[r, col_hi] = value >> U16


@njit(cache=True, inline="always")
def _sum_overflows(x, y):
    """True when the integer x + y leaves the value range (x, y within it)."""
    return (y > 0 and x > VALUE_MAX - y) or (y < 0 and x < -VALUE_MAX - y)


@njit(cache=True, inline="always")
def _product_overflows(x, y):
    """True when the integer x * y leaves the value range (x, y within it)."""
    if x == 0 or y == 0:
        return False
    return abs(x) > VALUE_MAX // abs(y)


@njit(cache=True)
def _canonical(trace, r, col, r_help, x):
    """u = x + (p - 1) / 2, the value x shifted to [0, p - 1], as four 16-bit limbs at
    trace[r, col .. col + 3] (low half first), and its canonicity witness in row r_help
    (``isz`` = [high half = 2^32 - 1], ``inv`` = 1 / (2^32 - 1 - high half) otherwise).
    Returns u (an integer below p, order-preserving in the signed value)."""
    u = add(x, HALF_P)
    _limbs(trace, r, col, u & MASK32)
    _limbs(trace, r, col + 2, u >> U32)
    hi = u >> U32
    if hi == TOP32:
        trace[r_help, ISZ] = 1
        trace[r_help, INV] = 0
    else:
        trace[r_help, ISZ] = 0
        trace[r_help, INV] = _inverse(TOP32 - hi)
    return u


@njit(cache=True)
def _lt_witness(trace, r, A, B):
    """The two rows of lt (see docs/air.md): the shifted operands u_A, u_B in row r with their
    canonicity witnesses (A's in row r, B's in row r + 1), the borrow k in cnt, and in row
    r + 1 the difference F = (2C - 1)(u_B - u_A) - C >= 0 as two 32-bit halves. Returns C."""
    ua = _canonical(trace, r, L0, r, A)
    ub = _canonical(trace, r, L0 + 4, r + 1, B)
    c = np.uint64(1) if ua < ub else np.uint64(0)
    d = (ub - ua - np.uint64(1)) if c == np.uint64(1) else (ua - ub)
    _limbs(trace, r + 1, L0, d & MASK32)
    _limbs(trace, r + 1, L0 + 2, d >> U32)
    low = np.int64(ub & MASK32) - np.int64(ua & MASK32)
    if c == np.uint64(0):
        low = -low
    else:
        low -= 1
    trace[r, CNT] = 1 if low < 0 else 0
    return c


@njit(cache=True)
def _div_witness(trace, r, sa, sb):
    """The two rows of div/mod by 0 < |b| < 2^32 (see docs/air.md): with s = [b < 0],
    b' = |b| and a' = (1 - 2s) a, the quotient q = a' // b' and remainder r' = a' % b' are
    checked by long division in 32-bit halves: q = qh 2^32 + ql, ql b' + r' = th 2^32 + tl,
    u = a' + (p - 1)/2 = (qh b' + th + 2^31 - 1 + g) 2^32 + (tl + 2^31 - g 2^32).
    Returns (q, Python's a % b) as signed integers."""
    neg = sb < 0
    bp = -sb if neg else sb
    ap = -sa if neg else sa
    q = ap // bp
    rp = ap - q * bp
    _canonical(trace, r, L0, r, _field(ap))
    bd = np.uint64(bp - 1)
    _limbs(trace, r, L0 + 4, bd)
    _limbs(trace, r, L0 + 6, np.uint64(rp))
    trace[r, CNT] = 1 if neg else 0
    qh = q >> 32
    ql = np.uint64(q & 0xFFFF_FFFF)
    t = ql * np.uint64(bp) + np.uint64(rp)
    th = t >> U32
    tl = t & MASK32
    g = (tl + TWO31) >> U32
    _limbs(trace, r + 1, L0, ql)
    _limbs(trace, r + 1, L0 + 2, np.uint64(qh + (1 << 31)))
    _limbs(trace, r + 1, L0 + 4, th)
    _limbs(trace, r + 1, L0 + 6, tl)
    _limbs(trace, r + 1, M_LIMB0, bd - np.uint64(rp))
    _limbs(trace, r + 1, M_LIMB0 + 2, bd - th)
    _limbs(trace, r + 1, M_LIMB0 + 4, np.uint64(0xFFFF_FFFE) - bd)
    trace[r + 1, CNT] = g
    return q, (-rp if neg else rp)


@njit(cache=True)
def execute(code, mem, mem_size, consts, stack_base, max_cycles, record, trace, last_t, err, dots, dot_log, x_log, info,
            pc0=0, row_limit=-1, dot_row_limit=-1):
    """Run from pc ``pc0`` with fp ``stack_base``. Returns (status, pc, cycle, fp, max_address).
    With ``record`` every executed row is written to ``trace`` (which must have room for all
    of them). ``consts`` is the read-only data space at CONST_BASE (ld, lda and mac steps read
    it). With ``row_limit`` >= 0, the run stops (status PAUSED, before any effect of the
    instruction at pc) as soon as the next instruction's rows would pass that many rows: a
    segment of a long run (zkvm/vm/segments.py) ends there and the next one resumes from the
    returned pc and fp with the same memory. With ``dot_row_limit`` >= 0 it also pauses before
    a single-row mac whose products would take the dot-product table past that many rows
    (unless it is the segment's first instruction), so that a segment's tables stay about as
    tall as its CPU table.

    With ``dots``, a mac over constant weights (see :func:`_dot_operands`) runs as one row whose
    products the dot-product table proves; ``info`` receives the number of such macs and of
    their reads, and with ``record`` ``dot_log`` one row per mac (cycle, activation pointer,
    weight pointer, length, accumulator in, out) and ``x_log`` the activations read."""
    n_dot = 0
    n_reads = 0
    dot_rows = np.int64(0)
    pc = np.int64(pc0)
    fp = np.uint64(stack_base)
    cycle = np.int64(0)
    max_addr = np.int64(0)
    ncode = code.shape[0]
    limit = np.int64(row_limit) if row_limit >= 0 else np.int64(1) << 62
    while True:
        if cycle >= max_cycles:
            return CYCLE_LIMIT, pc, cycle, fp, max_addr
        if pc < 0 or pc >= ncode:
            return BAD_PC, pc, cycle, fp, max_addr
        o = np.int64(code[pc, 0])
        if cycle + (2 if (o == op.LT or o == op.DIV or o == op.MOD) else 1) > limit:
            return PAUSED, pc, cycle, fp, max_addr
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
                _row_access(trace, cycle, mem, last_t, a_addr, mem[a_addr], False, b_addr, mem[b_addr], False,
                            False, np.uint64(0), c_addr, mem[c_addr])
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
            x_ptr = np.int64(-1)
            if dots:
                x_ptr, w_ptr = _dot_operands(pa, pb, n_steps, c_addr, consts, mem_size)
            if x_ptr < 0 and cycle + n_steps + 1 > limit:
                return PAUSED, pc, cycle, fp, max_addr
            if x_ptr >= 0 and dot_row_limit >= 0 and cycle > 0 and dot_rows + n_steps // DOT_K > dot_row_limit:
                return PAUSED, pc, cycle, fp, max_addr
            if x_ptr >= 0:
                dot_rows += n_steps // DOT_K
            if x_ptr >= 0:  # a single row: the dot-product table proves the products
                acc_in = mem[c_addr]
                acc = acc_in
                for k in range(n_steps):
                    vx = mem[x_ptr + k]
                    vw = consts[w_ptr - np.int64(CONST_BASE) + k]
                    va, vb = (vx, vw) if np.uint64(x_ptr) == pa else (vw, vx)
                    ok, acc = _mac_term(acc, va, vb, err)
                    if not ok:
                        return OVERFLOW, pc, cycle, fp, max_addr
                    if record:
                        x_log[n_reads + k] = vx
                if record:
                    _write_fetch(trace, cycle, pc, fp, o, a_off, b_off, c_off, imm)
                    trace[cycle, F_MACS] = 0
                    trace[cycle, F_DOT] = 1
                    _row_access(trace, cycle, mem, last_t, a_addr, pa, False, b_addr, pb, False,
                                False, np.uint64(0), c_addr, acc)
                    trace[cycle, CNT] = n_steps // DOT_K
                    trace[cycle, INV] = x_ptr
                    dot_log[n_dot, 0] = cycle
                    dot_log[n_dot, 1] = x_ptr
                    dot_log[n_dot, 2] = w_ptr
                    dot_log[n_dot, 3] = n_steps
                    dot_log[n_dot, 4] = acc_in
                    dot_log[n_dot, 5] = acc
                mem[c_addr] = acc
                n_dot += 1
                n_reads += n_steps
                info[0] = n_dot
                info[1] = n_reads
                max_addr = max(max_addr, np.int64(a_addr), np.int64(b_addr), np.int64(c_addr), x_ptr + n_steps - 1)
                cycle += 1
                pc += 1
                continue
            if record:
                _write_fetch(trace, cycle, pc, fp, o, a_off, b_off, c_off, imm)
                _row_access(trace, cycle, mem, last_t, a_addr, pa, False, b_addr, pb, False,
                            False, np.uint64(0), c_addr, mem[c_addr])
                _mac_counter(trace, cycle, np.uint64(n_steps))
            max_addr = max(max_addr, np.int64(a_addr), np.int64(b_addr), np.int64(c_addr))
            cycle += 1
            for k in range(n_steps):
                if cycle >= max_cycles:
                    return CYCLE_LIMIT, pc, cycle, fp, max_addr
                xa = add(pa, np.uint64(k))
                xb = add(pb, np.uint64(k))
                ka = _is_const(xa, consts)
                kb = _is_const(xb, consts)
                if (xa >= np.uint64(mem_size) and not ka) or (xb >= np.uint64(mem_size) and not kb):
                    return BAD_ADDRESS, pc, cycle, fp, max_addr
                va = consts[xa - CONST_BASE] if ka else mem[xa]
                vb = consts[xb - CONST_BASE] if kb else mem[xb]
                ok, acc = _mac_term(mem[c_addr], va, vb, err)
                if not ok:
                    return OVERFLOW, pc, cycle, fp, max_addr
                if record:
                    _write_fetch(trace, cycle, pc, fp, o, a_off, b_off, c_off, imm)
                    trace[cycle, F_MACS] = 0
                    trace[cycle, F_MAC] = 1
                    _row_access(trace, cycle, mem, last_t, xa, va, ka, xb, vb, kb, False, np.uint64(0), c_addr, acc)
                    _mac_counter(trace, cycle, np.uint64(n_steps - 1 - k))
                mem[c_addr] = acc
                if not ka:
                    max_addr = max(max_addr, np.int64(xa))
                if not kb:
                    max_addr = max(max_addr, np.int64(xb))
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
        kb = (o == op.LD or o == op.LDA) and _is_const(b_addr, consts)
        if c_addr >= np.uint64(mem_size) and _is_const(c_addr, consts):
            return STORE_CONST, pc, cycle, fp, max_addr
        if a_addr >= np.uint64(mem_size) or (b_addr >= np.uint64(mem_size) and not kb) or c_addr >= np.uint64(mem_size):
            return BAD_ADDRESS, pc, cycle, fp, max_addr
        A = mem[a_addr]
        B = consts[b_addr - CONST_BASE] if kb else mem[b_addr]
        c_new = mem[c_addr]
        inv = np.uint64(0)
        isz = np.uint64(0)
        wide = False
        if o == op.ADD or o == op.SUB or o == op.MUL:
            sa = _signed(A)
            sb = _signed(B)
            if o == op.SUB:
                sb = -sb
            if (o == op.MUL and _product_overflows(sa, sb)) or (o != op.MUL and _sum_overflows(sa, sb)):
                err[0] = sa
                err[1] = _signed(B)
                return OVERFLOW, pc, cycle, fp, max_addr
            c_new = mul(A, B) if o == op.MUL else (add(A, B) if o == op.ADD else sub(A, B))
        elif o == op.ADDI or o == op.MULI:
            sa = _signed(A)
            si = _signed(imm)
            if (o == op.MULI and _product_overflows(sa, si)) or (o == op.ADDI and _sum_overflows(sa, si)):
                err[0] = sa
                err[1] = si
                return OVERFLOW, pc, cycle, fp, max_addr
            c_new = add(A, imm) if o == op.ADDI else mul(A, imm)
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
            wide = True
            c_new = np.uint64(1) if _signed(A) < _signed(B) else np.uint64(0)
        elif o == op.LT32:
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
            if sb == 0 or sb <= -(1 << 32) or sb >= (1 << 32):
                err[0] = sa
                err[1] = sb
                return DIV_RANGE, pc, cycle, fp, max_addr
            wide = True
            q = sa // sb
            c_new = _field(q) if o == op.DIV else _field(sa - q * sb)
        elif o == op.CHK:
            writes_c = False
            sa = _signed(A)
            sb = _signed(B)
            if sa < 0 or sa >= (1 << 32) or sb - sa - 1 < 0 or sb - sa - 1 >= (1 << 32):
                err[0] = sa
                err[1] = sb
                return CHK_FAILED, pc, cycle, fp, max_addr
            if record:
                _limbs(trace, cycle, L0, np.uint64(sa))
                _limbs(trace, cycle, L0 + 2, np.uint64(sb - sa - 1))
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
        if wide and cycle + 1 >= max_cycles:
            return CYCLE_LIMIT, pc, cycle + 1, fp, max_addr
        if record:
            _write_fetch(trace, cycle, pc, fp, o, a_off, b_off, c_off, imm)
            _row_access(trace, cycle, mem, last_t, a_addr, A, False, b_addr, B, kb, write_b, b_new, c_addr, c_new)
            trace[cycle, INV] = inv
            trace[cycle, ISZ] = isz
            if wide:
                # the continuation row: no fetch, no memory access, the rest of the witness
                trace[cycle + 1, CLK] = cycle + 1
                trace[cycle + 1, PC] = pc
                trace[cycle + 1, FP] = fp
                trace[cycle + 1, F_WIDE] = 1
                if o == op.LT:
                    _lt_witness(trace, cycle, A, B)
                else:
                    _div_witness(trace, cycle, _signed(A), _signed(B))
        if write_b:
            mem[b_addr] = b_new
        if writes_c:
            mem[c_addr] = c_new
        max_addr = max(max_addr, np.int64(a_addr), np.int64(c_addr))
        if not kb:
            max_addr = max(max_addr, np.int64(b_addr))
        pc = next_pc
        fp = next_fp
        cycle += 2 if wide else 1


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


@njit(cache=True, inline="always")
def _mac_term(acc, va, vb, err):
    """acc + va * vb, the exact result (ok), or not ok with the overflowing operands in err
    (the product's, or the sum's)."""
    sa = _signed(va)
    sb = _signed(vb)
    if _product_overflows(sa, sb):
        err[0] = sa
        err[1] = sb
        return False, acc
    prod = mul(va, vb)
    if _sum_overflows(_signed(acc), _signed(prod)):
        err[0] = _signed(acc)
        err[1] = _signed(prod)
        return False, acc
    return True, add(acc, prod)


@njit(cache=True)
def _dot_operands(pa, pb, n, c_addr, consts, mem_size):
    """(activation pointer, weight pointer) if a mac of length n over pointers pa, pb can run as
    one row: its length a positive multiple of 8, one operand a run of the read-only constants
    starting on a data-table row (a multiple of 8 from CONST_BASE), the other in memory and
    apart from the accumulator; else (-1, -1)."""
    if n <= 0 or n % DOT_K != 0:
        return np.int64(-1), np.int64(-1)
    for swap in range(2):
        x, w = (pa, pb) if swap == 0 else (pb, pa)
        if not (w >= CONST_BASE and (w - CONST_BASE) % np.uint64(DOT_K) == 0 and _is_const(w, consts)
                and w - CONST_BASE + np.uint64(n) <= np.uint64(consts.shape[0])):
            continue
        if x + np.uint64(n) > np.uint64(mem_size) or (c_addr >= x and c_addr < x + np.uint64(n)):
            continue
        return np.int64(x), np.int64(w)
    return np.int64(-1), np.int64(-1)


@njit(cache=True, inline="always")
def _is_const(addr, consts):
    """Is addr in the read-only data space (the constants and their zero padding)?"""
    return addr >= CONST_BASE and addr - CONST_BASE < np.uint64(consts.shape[0])


@njit(cache=True)
def _row_access(trace, r, mem, last_t, a_addr, a_val, a_const, b_addr, b_old, b_const, write_b, b_new, c_addr, c_new):
    """Record the row's three accesses (A read, B read or write, C write) with their times. A
    read of the read-only constants (a_const, b_const) is flagged (ca, cb) instead: it takes no
    part in the memory argument, and its previous time is the one that makes its time limbs 0."""
    t = np.int64(4 * r)  # (the AIR: access times 4 clk + 1, 2, 3)
    trace[r, A_ADDR] = a_addr
    trace[r, A_VAL] = a_val
    if a_const:
        trace[r, CA] = 1
        trace[r, A_TP] = t
    else:
        tp = last_t[a_addr]
        last_t[a_addr] = t + 1
        trace[r, A_TP] = tp
        _limbs(trace, r, M_LIMB0, np.uint64(t + 1 - tp - 1))
    trace[r, B_ADDR] = b_addr
    trace[r, B_OLD] = b_old
    trace[r, B_VAL] = b_new if write_b else b_old
    if b_const:
        trace[r, CB] = 1
        trace[r, B_TP] = t + 1
    else:
        tp = last_t[b_addr]
        last_t[b_addr] = t + 2
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
def pad_rows(trace, cycles, n, mem, last_t, halt_pc, halt_fp, halt_fields):
    """Fill the rows after the halt: the machine stays halted (each row repeats the halt's
    accesses)."""
    a_off, b_off, c_off, imm = halt_fields[0], halt_fields[1], halt_fields[2], halt_fields[3]
    fp = halt_fp
    for r in range(cycles, n):
        _write_fetch(trace, r, halt_pc, fp, op.HALT, a_off, b_off, c_off, imm)
        a_addr, b_addr, c_addr = add(fp, a_off), add(fp, b_off), add(fp, c_off)
        _row_access(trace, r, mem, last_t, a_addr, mem[a_addr], False, b_addr, mem[b_addr], False, False, np.uint64(0),
                    c_addr, mem[c_addr])


@njit(cache=True)
def park_rows(trace, cycles, n, pc, fp, park_col):
    """A segment's rows after its last instruction: parked halts at the state handed over (pc,
    fp), which fetch nothing and access nothing (the AIR's multiplicities are 0 there): their
    slots read address fp with value 0 and previous times that make the time limbs 0."""
    for r in range(cycles, n):
        trace[r, CLK] = r
        trace[r, PC] = pc
        trace[r, FP] = fp
        trace[r, F_HALT] = 1
        trace[r, A_ADDR] = fp
        trace[r, B_ADDR] = fp
        trace[r, C_ADDR] = fp
        trace[r, A_TP] = 4 * r
        trace[r, B_TP] = 4 * r + 1
        trace[r, C_TP] = 4 * r + 2
        trace[r, park_col] = 1


@njit(cache=True)
def fill_tables(trace, n, mem, last_t, mem_size, in_base, inputs, other_limbs, park_col=-1):
    """The memory table (final values and times), the range table and its multiplicities (the
    trace's limbs and ``other_limbs``, looked up by other tables), and the program
    multiplicities."""
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
    base = L.WIDTH  # the extra multiplicity columns follow the fixed layout (the mask columns come after them)
    for j in range(n):
        trace[j, RC] = w * min(j, last)
    for r in range(n):
        for k in range(14):
            v = np.int64(trace[r, M_LIMB0 + k]) if k < 6 else np.int64(trace[r, L0 + k - 6])
            col = M_RC if v % w == 0 else base + v % w - 1
            trace[v // w, col] += 1
    for i in range(other_limbs.shape[0]):
        v = other_limbs[i]
        col = M_RC if v % w == 0 else base + v % w - 1
        trace[v // w, col] += 1
    # program multiplicities: how often each pc was fetched
    m_prog = M_PROG
    for r in range(n):
        # a continuation row fetches nothing, nor does a segment's parked row
        if trace[r, F_WIDE] == 0 and (park_col < 0 or trace[r, park_col] == 0):
            trace[np.int64(trace[r, PC]), m_prog] += 1


@njit(cache=True)
def restamp(trace, rows, slots, times):
    """Accesses whose previous tuple is a frozen row's emission: slot ``slots[i]`` (1 A, 2 B,
    3 C) of row ``rows[i]`` consumes the tuple emitted at ``times[i]`` (the epoch's end)."""
    for i in range(rows.shape[0]):
        r, k, tp = rows[i], slots[i], times[i]
        tp_col = A_TP if k == 1 else (B_TP if k == 2 else C_TP)
        trace[r, tp_col] = tp
        _limbs(trace, r, M_LIMB0 + 2 * (k - 1), np.uint64(4 * r + k - tp - 1))


@njit(cache=True)
def set_epochs(trace, rows, t_s, t_e):
    """A single-row mac's epoch and the limbs that place its read time 4 (row + 1) in it."""
    for i in range(rows.shape[0]):
        r = rows[i]
        t = 4 * (r + 1)
        trace[r, T_S] = t_s[i]
        trace[r, T_E] = t_e[i]
        _limbs(trace, r, L0, np.uint64(t - t_s[i]))
        _limbs(trace, r, L0 + 2, np.uint64(t_e[i] - t))
