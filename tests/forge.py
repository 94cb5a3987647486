"""The forged-trace harness: write a VM trace row by row in Python, lie anywhere, prove it.

A forger does not run our VM: it writes whatever trace it likes and pushes it through the
prover. This module gives tests that power in a few lines:

* :class:`TraceWriter` executes a program instruction by instruction and writes every column of
  every row (the same layout and witness as the Numba VM, which an honest-trace test checks
  byte for byte). Before a row's effects are applied, a *hook* may rewrite any of its columns:
  the result an instruction writes (``c_val``), its limbs and helpers, its continuation row.
  The lie then propagates as in a real forged run: later instructions read the lied value from
  memory, the outputs are whatever memory holds at the end, and the memory, range and program
  tables are filled consistently (a limb outside [0, 2^16) simply has no table entry).
* :func:`prove_forged` proves such a trace with every prover self-check off and wraps it in a
  proof file claiming the forged outputs; :func:`verify_forged` runs the real verifier on it.
* :func:`violations` lists the constraints the trace breaks (the debugger, with the LogUp
  columns built under random challenges), for tests that want to know *which* check catches it.

The witness formulas below restate docs/air.md in plain integers (the slow reference for the
kernels in zkvm/vm/kernels.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from zkvm.air import layout as L
from zkvm.field.goldilocks import P
from zkvm.isa import opcodes as op
from zkvm.isa.program import CONST_BASE, Program, const_space

H = (P - 1) // 2
TWO16, TWO31, TWO32 = 1 << 16, 1 << 31, 1 << 32


def signed(x: int) -> int:
    x %= P
    return x - P if x > H else x


def inverse(x: int) -> int:
    return pow(x % P, P - 2, P) if x % P else 0


def limbs16(value: int) -> tuple[int, int]:
    """A 32-bit quantity as (low, high) 16-bit limbs: field elements, so a forged quantity
    outside [0, 2^32) gives limbs outside [0, 2^16) (which the range table rejects)."""
    value %= P
    if value < TWO32:
        return value & 0xFFFF, value >> 16
    return value, 0  # no 16-bit split exists: keep the whole element in the low limb


def canonical_witness(u: int) -> tuple[list[int], int, int]:
    """The four limbs of a 64-bit integer u (low half first) and the canonicity helpers
    (inv, z) an honest prover writes; u may be any integer in [0, 2^64) (a forger's alias)."""
    lo, hi = u & 0xFFFF_FFFF, u >> 32
    limbs = [*limbs16(lo), *limbs16(hi)]
    if hi == TWO32 - 1:
        return limbs, 0, 1
    return limbs, inverse(TWO32 - 1 - hi), 0


# --- the honest witness of each checked instruction, as column dictionaries --------------------

def lt32_witness(A: int, B: int, c: int | None = None) -> dict[str, int]:
    sa, sb = signed(A), signed(B)
    c = int(sa < sb) if c is None else c
    delta = (sb - sa - 1) if c else (sa - sb)
    names = [f"l{i}" for i in range(6)]
    values = [*limbs16(sa + TWO31), *limbs16(sb + TWO31), *limbs16(delta)]
    return dict(zip(names, values), c_val=c % P)


def chk_witness(A: int, B: int) -> dict[str, int]:
    return dict(zip(["l0", "l1", "l2", "l3"], [*limbs16(A), *limbs16(B - 1 - A)]))


def lt_witness(A: int, B: int, c: int | None = None, ua: int | None = None, ub: int | None = None) -> tuple[dict, dict]:
    """lt's two rows for C = c (default: the true result), with the shifted operands
    u = x + H given as integers (default: the canonical ones; a forger may pass u + p)."""
    ua = (A + H) % P if ua is None else ua
    ub = (B + H) % P if ub is None else ub
    c = int(ua < ub) if c is None else c
    la, inv_a, z_a = canonical_witness(ua)
    lb, inv_b, z_b = canonical_witness(ub)
    low = (2 * c - 1) * ((ub & 0xFFFF_FFFF) - (ua & 0xFFFF_FFFF)) - c
    k = 1 if low < 0 else 0
    f_low = low + TWO32 * k
    f_high = (2 * c - 1) * ((ub >> 32) - (ua >> 32)) - k
    first = {f"l{i}": v for i, v in enumerate(la + lb)}
    first.update(inv=inv_a, isz=z_a, cnt=k, c_val=c % P)
    second = dict(zip(["l0", "l1", "l2", "l3"], [*limbs16(f_low), *limbs16(f_high)]))
    second.update(inv=inv_b, isz=z_b)
    return first, second


def div_witness(A: int, B: int, is_mod: bool, q: int | None = None, gamma: int | None = None,
                u: int | None = None, sign: int | None = None) -> tuple[dict, dict]:
    """div/mod's two rows claiming the quotient q (default: the true one), with every other
    witness value solved from the field identities (so a wrong q shows up as limbs outside
    their ranges, never as a broken identity). ``u`` may be a forger's alias of the shifted
    dividend, ``sign`` a wrong sign bit, ``gamma`` the other carry."""
    sa, sb = signed(A), signed(B)
    s = int(sb < 0) if sign is None else sign
    b1 = ((1 - 2 * s) * B) % P  # b' as a field element (b' in [1, 2^32) when honest)
    a1 = ((1 - 2 * s) * A) % P
    u = (a1 + H) % P if u is None else u
    ul, uh = u & 0xFFFF_FFFF, u >> 32
    if q is None:
        q = signed(a1) // signed(b1)
    qh, ql = q >> 32, q & 0xFFFF_FFFF
    if gamma is None:
        gamma = 1 if ul < TWO31 else 0  # tl = ul + 2^32 g - 2^31 must be >= 0
    tl = (ul + TWO32 * gamma - TWO31) % P
    th = (uh - qh * b1 - TWO31 + 1 - gamma) % P
    rp = (TWO32 * th + tl - ql * b1) % P
    bd = (b1 - 1) % P
    limbs, inv, z = canonical_witness(u)
    first = {f"l{i}": v for i, v in enumerate(limbs)}
    first.update(zip(["l4", "l5", "l6", "l7"], [*limbs16(bd), *limbs16(rp)]))
    first.update(inv=inv, isz=z, cnt=s)
    first["c_val"] = ((1 - 2 * s) * rp) % P if is_mod else q % P
    second = dict(zip(["l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7"],
                      [*limbs16(ql), *limbs16(qh + TWO31), *limbs16(th), *limbs16(tl)]))
    second.update(zip(["m_a_lo", "m_a_hi", "m_b_lo", "m_b_hi", "m_c_lo", "m_c_hi"],
                      [*limbs16(bd - rp), *limbs16(bd - th), *limbs16(TWO32 - 2 - bd)]))
    second["cnt"] = gamma
    return first, second


# --- the trace writer --------------------------------------------------------------------------

Hook = Callable[[int, int, list[dict]], None]
"""hook(cycle, opcode, rows): may rewrite the columns of the row(s) an instruction writes (one
dict per row: a wide instruction's continuation row is rows[1]; each mac step calls the hook
with its own row) before their effects are applied."""


@dataclass
class Forged:
    trace: np.ndarray
    outputs: list[int]
    output_address: int
    cycles: int
    rows: list[dict] = field(repr=False, default_factory=list)
    dots: object | None = None  # the dot-product and frozen-memory tables (zkvm.vm.dots.DotTables)


class TraceWriter:
    def __init__(self, program: Program, inputs: Sequence[int] = (), public_inputs: Sequence[int] = (),
                 hook: Hook | None = None, memory_size: int = 1 << 16, max_cycles: int = 1 << 20) -> None:
        self.program = program
        lay = program.layout
        self.mem = [0] * memory_size
        for i, v in enumerate(program.data):
            self.mem[lay.data_base + i] = v % P
        for i, v in enumerate(public_inputs):
            self.mem[lay.pubin_base + i] = v % P
        for i, v in enumerate(inputs):
            self.mem[lay.in_base + i] = v % P
        self.inputs = [v % P for v in inputs]
        self.consts = [v % P for v in program.consts] + [0] * (const_space(lay.const_size) - lay.const_size)
        self.last_t = [0] * memory_size
        self.x_values: dict[int, list[int]] = {}  # single-row macs: the activations they read, by row
        self.hook = hook or (lambda cycle, opcode, rows: None)
        self.max_cycles = max_cycles
        self.rows: list[dict] = []

    # a row's fetch and memory columns, as the Numba VM writes them
    def _row(self, pc: int, fp: int, flag: str, ins) -> dict:
        enc = ins.encode()
        row = dict(clk=len(self.rows), pc=pc, fp=fp, a=enc[1], b=enc[2], c=enc[3], imm=enc[4])
        row[flag] = 1
        return row

    def is_const(self, addr: int) -> bool:
        return CONST_BASE <= addr < CONST_BASE + len(self.consts)

    def read(self, addr: int) -> int:
        """A word of memory or of the read-only constants."""
        return self.consts[addr - CONST_BASE] if self.is_const(addr) else self.mem[addr]

    def _access(self, row: dict, a_addr: int, b_addr: int, c_addr: int, b_new: int | None, c_new: int,
                a_const: bool = False, b_const: bool = False) -> None:
        """The row's three accesses; a flagged constant read (ca, cb) stays out of memory, its
        previous time the one that makes its time limbs 0 (as the VM writes it)."""
        t = 4 * row["clk"]
        mem, last = self.mem, self.last_t
        for slot, addr, k, const in (("a", a_addr, 1, a_const), ("b", b_addr, 2, b_const), ("c", c_addr, 3, False)):
            row[f"{slot}_addr"] = addr
            if const:
                row[f"c{slot}"] = 1
                row[f"{slot}_tp"] = t + k - 1
                row[f"m_{slot}_lo"], row[f"m_{slot}_hi"] = 0, 0
                continue
            row[f"{slot}_tp"] = last[addr]
            row[f"m_{slot}_lo"], row[f"m_{slot}_hi"] = limbs16(t + k - last[addr] - 1)
            last[addr] = t + k
        row["a_val"] = self.read(a_addr) if a_const else mem[a_addr]
        row["b_old"] = self.read(b_addr) if b_const else mem[b_addr]
        row["b_val"] = b_new if b_new is not None else row["b_old"]
        row["c_old"] = b_new if (b_new is not None and b_addr == c_addr) else mem[c_addr]
        row["c_val"] = c_new

    def _emit(self, opcode: int, rows: list[dict]) -> None:
        """Let the hook lie, then apply the rows' writes (what later instructions will read)."""
        self.hook(rows[0]["clk"], opcode, rows)
        first = rows[0]
        if first.get("f_call"):
            self.mem[first["b_addr"]] = first["b_val"] % P
        self.mem[first["c_addr"]] = first["c_val"] % P
        self.rows.extend(rows)

    def run(self) -> Forged:
        prog, mem = self.program, self.mem
        code = prog.code
        pc, fp = 0, prog.layout.stack_base
        while True:
            if len(self.rows) >= self.max_cycles:
                raise RuntimeError("the forged run did not halt")
            ins = code[pc]
            o = ins.op
            enc = ins.encode()
            a_addr, b_addr, c_addr = (fp + enc[1]) % P, (fp + enc[2]) % P, (fp + enc[3]) % P
            imm = enc[4]
            if o == op.HALT:
                row = self._row(pc, fp, "f_halt", ins)
                self._access(row, a_addr, b_addr, c_addr, None, mem[c_addr])
                self._emit(o, [row])
                break
            if o == op.MAC:
                self._mac(pc, fp, ins, a_addr, b_addr, c_addr)
                pc += 1
                continue
            if o == op.LD:
                b_addr = (mem[a_addr] + imm) % P
            elif o == op.LDA:
                b_addr = imm
            elif o == op.ST:
                c_addr = (mem[a_addr] + imm) % P
            elif o == op.STA:
                c_addr = imm
            b_const = o in (op.LD, op.LDA) and self.is_const(b_addr)
            A, B, old_c = mem[a_addr], self.read(b_addr) if b_const else mem[b_addr], mem[c_addr]
            row = self._row(pc, fp, L.FLAG_OF_OPCODE[o], ins)
            rows = [row]
            b_new, c_new = None, old_c
            next_pc, next_fp = pc + 1, fp
            if o in (op.ADD, op.SUB, op.MUL, op.ADDI, op.MULI):
                y = imm if o in (op.ADDI, op.MULI) else B
                c_new = (A * y if o in (op.MUL, op.MULI) else A - y if o == op.SUB else A + y) % P
            elif o == op.MOVI:
                c_new = imm
            elif o == op.EQ:
                c_new = int(A == B)
                row["inv"] = inverse(A - B)
            elif o == op.LT32:
                w = lt32_witness(A, B)
                c_new = w.pop("c_val")
                row.update(w)
            elif o == op.CHK:
                row.update(chk_witness(A, B))
            elif o in (op.LT, op.DIV, op.MOD):
                first, second = lt_witness(A, B) if o == op.LT else div_witness(A, B, o == op.MOD)
                c_new = first.pop("c_val")
                row.update(first)
                cont = dict(clk=row["clk"] + 1, pc=pc, fp=fp, f_wide=1)
                cont.update(second)
                rows.append(cont)
            elif o == op.JMP:
                next_pc = imm
            elif o == op.BZ:
                if A == 0:
                    row["isz"] = 1
                    next_pc = imm
                else:
                    row["inv"] = inverse(A)
            elif o == op.CALL:
                b_new = (pc + 1) % P
                c_new = fp
                next_fp = (fp + enc[2] + 1) % P
                next_pc = imm
            elif o == op.RET:
                next_pc, next_fp = A, B
            elif o in (op.LD, op.LDA, op.ST):
                c_new = B
            elif o == op.STA:
                c_new = A
            self._access(row, a_addr, b_addr, c_addr, b_new, c_new, b_const=b_const)
            self._emit(o, rows)
            pc, fp = signed(next_pc), next_fp
        return self._finish(pc, fp)

    def _dot_operands(self, pa: int, pb: int, n: int, c_addr: int) -> tuple[int, int] | None:
        """(activations, weights) if the mac runs as one row: the VM's rule (zkvm/vm/kernels.py)."""
        if not self.program.layout.const_size or n <= 0 or n % 8:
            return None
        for x, w in ((pa, pb), (pb, pa)):
            if (self.is_const(w) and (w - CONST_BASE) % 8 == 0 and w - CONST_BASE + n <= len(self.consts)
                    and x + n <= len(self.mem) and not x <= c_addr < x + n):
                return x, w
        return None

    def _mac(self, pc, fp, ins, a_addr, b_addr, c_addr) -> None:
        mem = self.mem
        steps = ins.imm
        dot = self._dot_operands(mem[a_addr], mem[b_addr], steps, c_addr)
        if dot is not None:  # one row; the dot-product table proves the products
            x, w = dot
            values = [mem[x + k] for k in range(steps)]
            out = (mem[c_addr] + sum(v * self.consts[w - CONST_BASE + k] for k, v in enumerate(values))) % P
            row = self._row(pc, fp, "f_dot", ins)
            self._access(row, a_addr, b_addr, c_addr, None, out)
            row.update(cnt=steps // 8, inv=x)
            self.x_values[len(self.rows)] = values
            self._emit(op.MAC, [row])
            return
        row = self._row(pc, fp, "f_macs", ins)
        self._access(row, a_addr, b_addr, c_addr, None, mem[c_addr])
        self._counter(row, steps)
        self._emit(op.MAC, [row])
        pa, pb = mem[a_addr], mem[b_addr]
        for k in range(steps):
            xa, xb = (pa + k) % P, (pb + k) % P
            step = self._row(pc, fp, "f_mac", ins)
            self._access(step, xa, xb, c_addr, None, (mem[c_addr] + self.read(xa) * self.read(xb)) % P,
                         a_const=self.is_const(xa), b_const=self.is_const(xb))
            self._counter(step, steps - 1 - k)
            self._emit(op.MAC, [step])

    @staticmethod
    def _counter(row: dict, cnt: int) -> None:
        row["cnt"] = cnt
        if cnt == 0:
            row["isz"] = 1
        else:
            row["inv"] = inverse(cnt)
            row["cont"] = 1

    def _finish(self, pc: int, fp: int) -> Forged:
        from zkvm.vm.run import _read_outputs

        prog, mem = self.program, self.mem
        cycles = len(self.rows)
        used = max(prog.layout.heap_base, 1 + max(max(r.get(f"{s}_addr", 0) for s in "abc"
                                                      if not r.get(f"c{s}") and r.get(f"{s}_addr", 0) < CONST_BASE)
                                                  for r in self.rows))
        rows_needed = max(cycles, used, len(prog.code), 1 << L.MIN_TRACE_LOG)
        n = 1 << (rows_needed - 1).bit_length()
        halt = prog.code[pc]
        enc = halt.encode()
        while len(self.rows) < n:  # the machine stays halted
            row = self._row(pc, fp, "f_halt", halt)
            c_addr = (fp + enc[3]) % P
            self._access(row, (fp + enc[1]) % P, (fp + enc[2]) % P, c_addr, None, mem[c_addr])
            self.rows.append(row)
        masks = 2 if prog.layout.const_size else 0  # (the CPU table with constant reads is masked)
        trace = np.zeros((n, L.width(n) + masks), dtype=np.uint64)
        for r, row in enumerate(self.rows):
            for name, v in row.items():
                trace[r, L.COL[name]] = v % P
        lay = prog.layout
        dots, other_limbs = self._dot_tables(trace, n), []
        if dots is not None:
            other_limbs = dots.range_limbs.tolist()
        for j in range(n):
            trace[j, L.COL["fin_v"]] = mem[j]
            trace[j, L.COL["fin_t"]] = self.last_t[j]
        for i, v in enumerate(self.inputs):
            trace[lay.in_base + i, L.COL["init_priv"]] = v
        w = L.range_table_width(n)
        last = L.RANGE_SIZE // w - 1
        extra = L.WIDTH
        for j in range(n):
            trace[j, L.COL["rc"]] = w * min(j, last)
        for r in range(n):
            for name in L.MEM_LIMBS + L.OP_LIMBS:
                v = int(trace[r, L.COL[name]])
                if v >= L.RANGE_SIZE:
                    continue  # a forged limb out of range: no table entry can balance it
                col = L.COL["m_rc"] if v % w == 0 else extra + v % w - 1
                trace[v // w, col] += 1
            if trace[r, L.COL["f_wide"]] == 0:
                trace[int(trace[r, L.COL["pc"]]), L.COL["m_prog"]] += 1
        for v in other_limbs:  # the frozen rows' limbs
            if v < L.RANGE_SIZE:
                trace[v // w, L.COL["m_rc"] if v % w == 0 else extra + v % w - 1] += 1
        mem_arr = np.array(mem, dtype=np.uint64)
        outputs, address = _read_outputs(prog, mem_arr, len(mem))
        return Forged(trace, outputs, address, cycles, self.rows, dots)

    def _dot_tables(self, trace: np.ndarray, n: int):
        """The single-row macs' epochs, re-stamped accesses and tables, built by the VM's own
        builder (zkvm/vm/dots.py) from what the (possibly lying) rows claim: pointers, length,
        accumulator in and out; the activations are those memory held."""
        from zkvm.air.dot_table import dot_table_air
        from zkvm.air.frozen_table import frozen_table_air
        from zkvm.vm.dots import dot_tables

        rows = sorted(self.x_values)
        if not rows:
            return None
        c = L.COL
        log = np.array([[r, trace[r, c["inv"]], (int(trace[r, c["a_val"]]) + int(trace[r, c["b_val"]])
                                                  - int(trace[r, c["inv"]])) % P, int(trace[r, c["imm"]]),
                         trace[r, c["c_old"]], trace[r, c["c_val"]]] for r in rows], dtype=np.uint64)
        x_log = np.array([v for r in rows for v in self.x_values[r]], dtype=np.uint64)
        last_t = np.array(self.last_t, dtype=np.int64)
        consts = np.array(self.consts, dtype=np.uint64)
        dots = dot_tables(trace, n, last_t, len(self.mem), log, x_log, consts, dot_table_air(8).width,
                          frozen_table_air().width)
        self.last_t = last_t.tolist()
        return dots


def forge(program: Program, inputs: Sequence[int] = (), hook: Hook | None = None,
          public_inputs: Sequence[int] = ()) -> Forged:
    return TraceWriter(program, inputs, public_inputs, hook).run()


# --- proving and verifying forged traces ------------------------------------------------------

def forged_tables(program: Program, forged: Forged, public_inputs: Sequence[int] = (),
                  outputs: Sequence[int] | None = None):
    """The forged run's tables as the prover takes them: (system, traces, public inputs, public
    columns, commitment); with read-only constants, the data and word tables answer the CPU
    trace's flagged reads (honestly: a test may rewrite them before proving)."""
    from types import SimpleNamespace

    from zkvm.air.vm_air import COMMIT_CONSTS, default_commitment, public_columns
    from zkvm.prover import vm_tables

    outs = list(forged.outputs if outputs is None else outputs)
    n = forged.trace.shape[0]
    commitment = default_commitment(program)
    cols = public_columns(program, list(public_inputs), outs, n, forged.output_address,
                          commitment=commitment & ~COMMIT_CONSTS)
    run = SimpleNamespace(trace_length=n, trace=forged.trace, dots=forged.dots)
    system, traces, publics, columns = vm_tables(program, run, cols, commitment)
    traces = [forged.trace.copy()] + [t.copy() for t in traces[1:]]
    return system, traces, publics, columns, commitment


def prove_forged(program: Program, forged: Forged, public_inputs: Sequence[int] = (), outputs: Sequence[int] | None = None,
                 tables: Callable | None = None) -> bytes:
    """A proof file for the forged trace, claiming its outputs (or ``outputs``), made with every
    prover check off: what a forger would send. ``tables(traces)`` may rewrite the tables'
    traces (the CPU's first) before they are proven."""
    from zkvm.air.vm_air import statement_bytes
    from zkvm.fri.options import FriOptions
    from zkvm.proof_file import ProofFile
    from zkvm.stark.multi_prover import prove_tables

    outs = list(forged.outputs if outputs is None else outputs)
    system, traces, publics, columns, commitment = forged_tables(program, forged, public_inputs, outs)
    if tables is not None:
        tables(traces)
    stmt = statement_bytes(program.hash(), list(public_inputs), outs, forged.output_address)
    stark = prove_tables(system, traces, publics, FriOptions.for_tables([t.shape[0] for t in traces]),
                         public_columns=columns, statement=stmt, check=False)
    pf = ProofFile(program.hash(), tuple(public_inputs), tuple(outs), stark, None, dict(program.signature),
                   forged.output_address, commitment)
    return pf.to_bytes()


def verify_forged(program: Program, proof: bytes):
    from zkvm.verifier import verify

    return verify(proof, program)


def vm_aux(air, trace, publics, pub, seed: int = 1234567):
    """The VM table's auxiliary columns under fixed challenges, and those challenges: the bus
    challenges, then the share of the table's claimed bus sum, 0, what the verifier requires of
    a lone VM table (so a trace whose buses do not balance breaks the running sum)."""
    challenges = [(seed + 101 * i, 7654321 + 37 * i) for i in range(air.num_challenges - 1)] + [(0, 0)]
    aux, _sums = air.build_aux(trace, challenges, publics, pub)
    return aux, challenges


def violations(program: Program, forged: Forged, public_inputs: Sequence[int] = ()) -> list:
    """The constraints the forged trace breaks (the debugger; LogUp built under fixed challenges)."""
    from zkvm.air.vm_air import public_columns, vm_air_for
    from zkvm.stark import debug

    trace = forged.trace
    n = trace.shape[0]
    air = vm_air_for(n, program.layout.const_size > 0)  # (with constant reads its bus sum is not 0: tests prove those)
    pub = public_columns(program, list(public_inputs), forged.outputs, n, forged.output_address).dense(n)
    publics = [program.layout.stack_base]
    aux, challenges = vm_aux(air, trace, publics, pub)
    return debug.check_constraints(air, trace, aux, challenges, publics, max_failures=50, pubcols=pub)


def recount_ranges(traces) -> None:
    """Recompute the CPU table's range multiplicities from the limbs of the CPU rows and of the
    frozen-memory rows (traces as :func:`forged_tables` gives them), after a test changed limbs;
    a limb outside [0, 2^16) gets no entry (its lookup cannot balance)."""
    from zkvm.air.frozen_table import COLUMNS as FROZEN_COLUMNS
    from zkvm.air.vm_air import FROZEN_TABLE

    cpu = traces[0]
    n = cpu.shape[0]
    w = L.range_table_width(n)
    cpu[:, L.COL["m_rc"]] = 0
    cpu[:, L.WIDTH : L.WIDTH + w - 1] = 0
    values = [int(v) for name in L.MEM_LIMBS + L.OP_LIMBS for v in cpu[:, L.COL[name]]]
    if len(traces) > FROZEN_TABLE:
        frozen = traces[FROZEN_TABLE]
        on = frozen[:, FROZEN_COLUMNS.index("on")] == 1
        for name in ("l0", "l1", "l2", "l3"):
            values += [int(v) for v in frozen[on, FROZEN_COLUMNS.index(name)]]
    for v in values:
        if v < L.RANGE_SIZE:
            cpu[v // w, L.COL["m_rc"] if v % w == 0 else L.WIDTH + v % w - 1] += 1
