"""The VM's AIR: every constraint that ties a trace to the instruction set's semantics.

Groups (docs/air.md explains each):

1. decoding: one boolean flag per row selects the instruction; the opcode is their weighted
   sum, and the row's (pc, opcode, a, b, c, imm) must be an instruction of the program
   (a LogUp lookup into the public code columns);
2. control flow: pc and fp transitions per instruction, the multi-row mac, halting;
3. values: the result of each instruction, with the 16-bit limbs that range-check the operands
   of lt, div and mod;
4. memory: every row reads slot A, reads slot B (call writes it) and writes slot C; each
   access consumes the address's previous (value, time) and emits the new one, times strictly
   increase (range-checked differences), and the memory table adds the initial image and
   removes the final one (offline memory checking, multiset equality by LogUp);
5. tables: the 16-bit range table, the program multiplicities, inputs and outputs.

The constraint system is generic: programs and their I/O enter only through public columns
(code, constant data, the private-input region, the outputs) and the public input fp0.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from zkvm.air import layout as L
from zkvm.errors import ParameterError
from zkvm.isa.program import CONST_ROW, Program
from zkvm.stark.air import Air, AirBuilder
from zkvm.air.buses import CONST_READ, FETCH, MAC, MEMORY, RANGE
from zkvm.stark.public_columns import PublicColumns
from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions, TableSystem

TWO16 = 1 << 16
TWO31 = 1 << 31
TWO32 = 1 << 32
HALF = (0xFFFF_FFFF_0000_0001 - 1) // 2  # (p - 1) / 2: u = x + HALF maps the value range onto [0, p - 1]


SEGMENT_ROLES = ("first", "middle", "last")
"""A segment's place in a segmented run (docs/air.md, "Segments"): the first starts at pc 0 with
the program's initial memory, the others from the previous segment's final state and memory
image; all but the last end parked (their last rows hand the state over), the last halts."""

STATE_LIMB_BOUND = 1 << 14
"""A handed-over fp is below 2^16 * STATE_LIMB_BOUND = 2^30 (its high limb is range-checked
below this bound): what makes the packed state pc + 2^32 fp unique (docs/air.md, "Segments")."""


def vm_air_for(n: int, consts: bool = False, segment: str = "") -> Air:
    """The VM AIR for a trace of n rows (the range table's layout depends on n); ``consts``:
    the program has read-only constants (see :func:`vm_system`); ``segment``: a segment's role
    (SEGMENT_ROLES) in a segmented run, "" for a whole run."""
    return vm_air(L.range_table_width(n), consts, segment)


@lru_cache(maxsize=32)
def vm_system(n: int, consts: bool = False, dots: bool = False, data_pieces: int = 1, dot_pieces: int = 1,
              private: bool = False, segment: str = "") -> TableSystem:
    """The VM's table system for a CPU trace of n rows: the wide VM AIR (CPU, memory, range and
    program tables in one), and for a program with read-only constants the data table (its
    constants, 8 words a row, at CONST_BASE) and the word table (the words the CPU reads);
    with ``dots`` (a run with single-row macs) the dot-product table and the frozen-memory
    table too; a tall data or dot table comes in two pieces (``data_pieces``, ``dot_pieces``:
    zkvm.isa.program.split_rows), the second pieces last; with ``private`` (a program with
    private weights) the private-data table after them (zkvm/air/private_table.py); then the
    mask table their masks need (docs/tables.md).

    A segment of a segmented run (``segment``, SEGMENT_ROLES) has the segment's CPU AIR, whose
    memory table's initial values (``init_priv``, all but the first segment) and final values
    (``fin_v``, all but the last) are shared column groups: the memory images it shares with
    the previous and the next segment's proofs (:func:`image_groups`)."""
    if not consts:
        return _system((vm_air_for(n, False, segment),), segment)
    from zkvm.air.dot_table import data_table_air, dot_table_air
    from zkvm.air.frozen_table import frozen_table_air
    from zkvm.air.word_table import word_table_air

    data, dot = data_table_air(CONST_ROW), dot_table_air(CONST_ROW)
    tables = (vm_air_for(n, True, segment), data, word_table_air(CONST_ROW))
    if dots:
        tables += (dot, frozen_table_air())
    tables += tuple(data.renamed(f"{data.name} #{i + 1}") for i in range(1, data_pieces))
    if dots:
        tables += tuple(dot.renamed(f"{dot.name} #{i + 1}") for i in range(1, dot_pieces))
    if private:
        from zkvm.air.private_table import private_table_air

        tables += (private_table_air(),)
    return _system(tables, segment)


IMAGE_IN_COLUMN, IMAGE_OUT_COLUMN = "init_priv", "fin_v"
"""A segment's memory images: its memory table's initial and final values (row j: address j;
the last row: the state taken over and handed over, pc + 2^32 fp)."""


def image_groups(segment: str) -> tuple[int | None, int | None]:
    """The shared column groups of a segment's CPU table that are its image in and its image
    out (None where the segment has none: the first takes no image, the last hands none)."""
    if segment not in SEGMENT_ROLES:
        raise ParameterError("segment", f"a segment is one of {SEGMENT_ROLES}, got {segment!r}")
    image_in = 0 if segment != "first" else None
    image_out = None if segment == "last" else (0 if image_in is None else 1)
    return image_in, image_out


def _system(tables: tuple[Air, ...], segment: str) -> TableSystem:
    if not segment:
        return TableSystem("zkvm-vm", tables)
    image_in, image_out = image_groups(segment)
    cpu = tables[0].name
    shared = ((cpu, (IMAGE_IN_COLUMN,)),) if image_in is not None else ()
    shared += ((cpu, (IMAGE_OUT_COLUMN,)),) if image_out is not None else ()
    return TableSystem("zkvm-vm", tables, shared=shared)


def data_indices(system: TableSystem) -> list[int]:
    """The data table's pieces' indices in a :func:`vm_system`, in address order."""
    return [i for i, t in enumerate(system.tables) if t.name == f"data{CONST_ROW}" or t.name.startswith(f"data{CONST_ROW} #")]


def dot_indices(system: TableSystem) -> list[int]:
    """The dot-product table's pieces' indices in a :func:`vm_system`."""
    return [i for i, t in enumerate(system.tables) if t.name == f"dot{CONST_ROW}" or t.name.startswith(f"dot{CONST_ROW} #")]


CPU, DATA, WORDS, DOT, FROZEN_TABLE = 0, 1, 2, 3, 4
"""The tables' indices in :func:`vm_system` (DATA and WORDS with read-only constants, DOT and
FROZEN_TABLE with single-row macs; the second pieces of the data and dot tables come after
them: :func:`data_indices`, :func:`dot_indices`)."""


@lru_cache(maxsize=32)
def vm_air(table_width: int = 1, consts: bool = False, segment: str = "") -> Air:
    """The (program-independent) AIR of the VM whose range table carries ``table_width``
    entries per row (1 for traces of 2^16 rows or more; see layout.range_table_width). With
    ``consts`` the ld, lda and mac-step reads flagged ``ca``/``cb`` go to the read-only
    constants (the constant-read bus) instead of memory, and the table is masked (its bus sum
    then depends on which constants were read).

    ``segment`` (SEGMENT_ROLES) gives a segment's AIR (docs/air.md, "Segments"): one more
    column, ``park``, set on the rows after the segment's last instruction (halt rows that
    fetch nothing and access no memory, holding the state handed over), and one more public
    column, ``seg_last`` (1 on the last row). The last row's memory cell is no memory: it holds
    the state, pc + 2^32 fp. The memory table's initial values (all but the first segment) and
    final values (all but the last) are the images shared with the neighbouring segments'
    proofs (vm_system); only the last segment may not park."""
    w = table_width
    if w < 1 or w & (w - 1) or w > L.RANGE_SIZE:
        raise ValueError(f"range table width must be a power of two in [1, 2^16], got {w}")
    if segment and segment not in SEGMENT_ROLES:
        raise ParameterError("segment", f"a segment is one of {SEGMENT_ROLES}, got {segment!r}")
    extra = tuple(f"m_rc{k}" for k in range(1, w))
    name = ("zkvm-vm-v4" if w == 1 else f"zkvm-vm-v4-rt{w}") + ("-c" if consts else "") + (f"-seg-{segment}" if segment else "")
    b = AirBuilder(name, main=L.MAIN_COLUMNS + extra + (("park",) if segment else ()), public=["fp0"],
                   public_columns=L.PUBLIC_COLUMNS + (("seg_last",) if segment else ()), num_challenges=BUS_CHALLENGES)
    m, nx, pub = b.main, b.next, b.pubcol
    f = {name: m(name) for name in L.FLAGS}
    clk, pc, fp = m("clk"), m("pc"), m("fp")
    a, bb, c, imm = m("a"), m("b"), m("c"), m("imm")
    A, Bo, B, Co, Cv = m("a_val"), m("b_old"), m("b_val"), m("c_old"), m("c_val")
    a_addr, b_addr, c_addr = m("a_addr"), m("b_addr"), m("c_addr")
    inv, isz, cnt, cont = m("inv"), m("isz"), m("cnt"), m("cont")
    lim = [m(f"l{i}") for i in range(8)]

    def total(names):
        out = 0
        for name in names:
            out = out + f[name]
        return out

    # 1. decoding -----------------------------------------------------------------------
    for name in L.FLAGS:
        b.transition(f"{name} is boolean", f[name] * (f[name] - 1), cyclic=True)
    b.transition("exactly one instruction flag", total(L.FLAGS) - 1, cyclic=True)
    opcode = 0
    for name in L.FLAGS:
        opcode = opcode + L.OPCODE_OF_FLAG[name] * f[name]

    # 2. control flow ----------------------------------------------------------------------
    seq = total(["f_add", "f_sub", "f_mul", "f_addi", "f_muli", "f_movi", "f_eq", "f_lt32", "f_chk",
                 "f_ld", "f_st", "f_lda", "f_sta", "f_wide", "f_dot"])
    fm = f["f_macs"] + f["f_mac"]
    fw = f["f_lt"] + f["f_div"] + f["f_mod"]  # the first rows of the two-row instructions
    wide = f["f_wide"]  # their continuation rows: no fetch, no memory access
    b.boundary("clk starts at 0", clk, "first")
    b.transition("clk increments", nx("clk") - clk - 1)
    if segment in ("", "first"):
        b.boundary("pc starts at 0", pc, "first")
        b.boundary("fp starts at the stack base", fp - b.public("fp0"), "first")
    b.boundary("no mac step on the first row", f["f_mac"], "first")
    b.boundary("no continuation row first", wide, "first")
    b.transition("continuation rows follow the two-row instructions", nx("f_wide") - fw)
    b.transition("two-row instructions keep pc", fw * (nx("pc") - pc))
    b.boundary("the machine has halted", f["f_halt"] - 1, "last")
    park = m("park") if segment else 0
    if segment:
        # parked rows: halts that fetch nothing and access nothing (their multiplicities below
        # are 1 - f_wide - park), from some row to the last; their pc and fp (kept by halt's
        # transitions) are the state the segment hands over
        b.transition("park is boolean", park * (park - 1), cyclic=True)
        b.transition("parked rows are halts", park * (1 - f["f_halt"]), cyclic=True)
        b.transition("parked to the end", park * (1 - nx("park")))
        b.boundary("parked at the end" if segment != "last" else "the last segment halts", park - int(segment != "last"), "last")
        b.boundary("the first row runs an instruction", park, "first")
        if segment != "last":
            # the state handed over, in the last row's memory cell (the image's last word): pc
            # and fp of the parked last row, each below 2^32 (fp below 2^30) by its free limbs
            hi = m("l3")
            b.boundary("state handed over", m("fin_v") - pc - TWO32 * fp, "last")
            b.boundary("handed-over pc in range", pc - m("l0") - TWO16 * m("l1"), "last")
            b.boundary("handed-over fp in range", fp - m("l2") - TWO16 * hi, "last")
            b.boundary("handed-over fp below 2^30", m("l4") - (STATE_LIMB_BOUND - 1 - hi), "last")
        if segment != "first":
            # the state taken over: the first row's pc and fp are the image's last word
            # (from the last row, cyclically; unique: docs/air.md, "Segments")
            b.transition("state taken over", pub("seg_last") * (nx("pc") + TWO32 * nx("fp") - m("init_priv")),
                         cyclic=True)
    b.transition("sequential pc", seq * (nx("pc") - pc - 1))
    b.transition("jmp target", f["f_jmp"] * (nx("pc") - imm))
    b.transition("bz target", f["f_bz"] * (nx("pc") - pc - 1 - isz * (imm - pc - 1)))
    b.transition("call target", f["f_call"] * (nx("pc") - imm))
    b.transition("ret target", f["f_ret"] * (nx("pc") - A))
    b.transition("halt keeps pc", f["f_halt"] * (nx("pc") - pc))
    b.transition("halt is final", f["f_halt"] * (nx("f_halt") - 1))
    b.transition("fp unchanged", (1 - f["f_call"] - f["f_ret"]) * (nx("fp") - fp))
    b.transition("call frame", f["f_call"] * (nx("fp") - fp - bb - 1))
    b.transition("ret frame", f["f_ret"] * (nx("fp") - B))
    # mac: a setup row, then cnt steps; cont = "the next row continues this mac"
    b.transition("mac length", f["f_macs"] * (cnt - imm), cyclic=True)
    b.transition("mac counter zero test", fm * (cnt * inv + isz - 1), cyclic=True)
    b.transition("mac counter zero flag", fm * cnt * isz, cyclic=True)
    b.transition("mac continuation flag", cont - fm * (1 - isz), cyclic=True)
    b.transition("mac steps follow", nx("f_mac") - cont)
    b.transition("mac counter decrements", cont * (nx("cnt") - cnt + 1))
    b.transition("mac keeps pc", cont * (nx("pc") - pc))
    b.transition("mac exits", fm * isz * (nx("pc") - pc - 1))
    b.transition("mac first a pointer", f["f_macs"] * cont * (nx("a_addr") - A))
    b.transition("mac first b pointer", f["f_macs"] * cont * (nx("b_addr") - B))
    b.transition("mac next a pointer", f["f_mac"] * cont * (nx("a_addr") - a_addr - 1))
    b.transition("mac next b pointer", f["f_mac"] * cont * (nx("b_addr") - b_addr - 1))

    # 3. values ------------------------------------------------------------------------------
    every = dict(cyclic=True)
    b.transition("add", f["f_add"] * (Cv - A - B), **every)
    b.transition("sub", f["f_sub"] * (Cv - A + B), **every)
    b.transition("mul", f["f_mul"] * (Cv - A * B), **every)
    b.transition("addi", f["f_addi"] * (Cv - A - imm), **every)
    b.transition("muli", f["f_muli"] * (Cv - A * imm), **every)
    b.transition("movi", f["f_movi"] * (Cv - imm), **every)
    b.transition("eq inverse", f["f_eq"] * ((A - B) * inv + Cv - 1), **every)
    b.transition("eq zero", f["f_eq"] * (A - B) * Cv, **every)
    # lt32: both operands in [-2^31, 2^31) and the selected difference in [0, 2^32)
    f32 = f["f_lt32"]
    b.transition("lt32 a in range", f32 * (A + TWO31 - lim[0] - TWO16 * lim[1]), **every)
    b.transition("lt32 b in range", f32 * (B + TWO31 - lim[2] - TWO16 * lim[3]), **every)
    b.transition("lt32 result boolean", f32 * Cv * (Cv - 1), **every)
    b.transition("lt32 order", f32 * (Cv * (B - A - 1) + (1 - Cv) * (A - B) - lim[4] - TWO16 * lim[5]), **every)
    # chk: A in [0, 2^32) and B - 1 - A in [0, 2^32)
    fc = f["f_chk"]
    b.transition("chk a in range", fc * (A - lim[0] - TWO16 * lim[1]), **every)
    b.transition("chk below b", fc * (B - 1 - A - lim[2] - TWO16 * lim[3]), **every)
    _wide_constraints(b, f, A, B, Cv, lim, every)
    b.transition("bz zero test", f["f_bz"] * (A * inv + isz - 1), **every)
    b.transition("bz zero flag", f["f_bz"] * A * isz, **every)
    b.transition("ld address", f["f_ld"] * (b_addr - A - imm), **every)
    b.transition("ld value", f["f_ld"] * (Cv - B), **every)
    b.transition("st address", f["f_st"] * (c_addr - A - imm), **every)
    b.transition("st value", f["f_st"] * (Cv - B), **every)
    b.transition("lda address", f["f_lda"] * (b_addr - imm), **every)
    b.transition("lda value", f["f_lda"] * (Cv - B), **every)
    b.transition("sta address", f["f_sta"] * (c_addr - imm), **every)
    b.transition("sta value", f["f_sta"] * (Cv - A), **every)
    b.transition("call return address", f["f_call"] * (B - pc - 1), **every)
    b.transition("call saved fp", f["f_call"] * (Cv - fp), **every)
    b.transition("mac step", f["f_mac"] * (Cv - Co - A * B), **every)
    b.transition("no result", total(["f_halt", "f_jmp", "f_bz", "f_ret", "f_macs", "f_chk"]) * (Cv - Co), **every)
    b.transition("b is read", (1 - f["f_call"] - wide) * (B - Bo), **every)
    b.transition("a address", (1 - f["f_mac"] - wide) * (a_addr - fp - a), **every)
    b.transition("b address", (1 - f["f_mac"] - f["f_ld"] - f["f_lda"] - wide) * (b_addr - fp - bb), **every)
    b.transition("c address", (1 - f["f_st"] - f["f_sta"] - wide) * (c_addr - fp - c), **every)

    # 4. memory: access times strictly increase (range-checked differences)
    t = 4 * clk  # access times 4 clk + 1, 2, 3 (multiples of 4 are epoch boundaries: docs/tables.md)
    for slot, k in (("a", 1), ("b", 2), ("c", 3)):
        b.transition(
            f"{slot} access time",
            (1 - wide) * (t + k - m(f"{slot}_tp") - 1 - m(f"m_{slot}_lo") - TWO16 * m(f"m_{slot}_hi")),
            **every,
        )
    if segment in ("", "first"):
        b.transition("private init only in the input region", m("init_priv") * (1 - pub("priv_sel")), **every)
    b.transition("outputs", pub("out_sel") * (m("fin_v") - pub("out_val")), **every)

    # constant reads: flagged slots read the data space instead of memory (only mac steps
    # through A; ld, lda and mac steps through B). Without constants both flags are 0.
    ca, cb = m("ca"), m("cb")
    b.transition("ca is boolean", ca * (ca - 1), **every)
    b.transition("cb is boolean", cb * (cb - 1), **every)
    b.transition("ca only on mac steps", ca * (1 - f["f_mac"]), **every)
    b.transition("cb only on ld, lda and mac steps", cb * (1 - f["f_ld"] - f["f_lda"] - f["f_mac"]), **every)
    if not consts:
        b.transition("no constant reads in a program without constants", ca + cb, **every)
        b.transition("no single-row mac in a program without constants", f["f_dot"], **every)
    # a single-row mac (f_dot): A and B are its two pointers, the activations' (inv) one of
    # them and the weights' the other; cnt = length / 8 rows of the dot table; the table
    # reads the activations frozen through [t_s, t_e], which must hold the read time 4 (clk + 1)
    fd = f["f_dot"]
    x_ptr, w_ptr = inv, A + B - inv
    read_time = 4 * (clk + 1)
    b.transition("dot activations are one of the pointers", fd * (x_ptr - A) * (x_ptr - B), **every)
    b.transition("dot rows are the length over 8", fd * (8 * cnt - imm), **every)
    b.transition("dot read after the epoch starts", fd * (read_time - m("t_s") - lim[0] - TWO16 * lim[1]), **every)
    b.transition("dot read before the epoch ends", fd * (m("t_e") - read_time - lim[2] - TWO16 * lim[3]), **every)
    b.transition("no epoch start off a single-row mac", (1 - fd) * m("t_s"), **every)
    b.transition("no epoch end off a single-row mac", (1 - fd) * m("t_e"), **every)

    # 5. range table
    # row j carries the entries rc, rc+1, ..., rc+w-1; rc steps by 0 or w from 0 to 2^16 - w,
    # so the entries cover exactly [0, 2^16)
    rc = m("rc")
    b.boundary("range table starts at 0", rc, "first")
    b.transition("range table steps", (nx("rc") - rc) * (nx("rc") - rc - w))
    b.boundary("range table ends at 2^16 - w", rc - (TWO16 - w), "last")

    # LogUp on the VM's buses (zkvm/air/buses.py): memory multiset, range lookups, instruction
    # fetch. Alone, the VM table's fractions sum to zero (its claimed bus sum is 0).
    bus = BusInteractions(b, masked=consts)
    access = 1 - wide - park  # a continuation row (or a parked one) makes no memory access
    a_mem = access - ca if consts else access  # (ca = 1 only on mac steps, where access = 1)
    b_mem = access - cb if consts else access
    bus.receive(MEMORY, [a_addr, A, m("a_tp")], a_mem)
    bus.send(MEMORY, [a_addr, A, t + 1], a_mem)
    bus.receive(MEMORY, [b_addr, Bo, m("b_tp")], b_mem)
    bus.send(MEMORY, [b_addr, B, t + 2], b_mem)
    if consts:
        bus.send(CONST_READ, [a_addr, A], ca)
        bus.send(CONST_READ, [b_addr, B], cb)
        bus.send(MAC, [x_ptr, w_ptr, cnt, Co, Cv, m("t_s"), m("t_e")], fd)
    bus.receive(MEMORY, [c_addr, Co, m("c_tp")], access)
    bus.send(MEMORY, [c_addr, Cv, t + 3], access)
    cell = 1 - pub("seg_last") if segment else 1  # (a segment's last row holds the state: no memory cell)
    bus.send(MEMORY, [clk, pub("init_pub") + m("init_priv"), 0], cell)
    bus.receive(MEMORY, [clk, m("fin_v"), m("fin_t")], cell)
    for name in L.MEM_LIMBS + L.OP_LIMBS:
        bus.receive(RANGE, [m(name)])
    bus.send(RANGE, [rc], m("m_rc"))
    for k in range(1, w):
        bus.send(RANGE, [rc + k], m(f"m_rc{k}"))
    bus.receive(FETCH, [pc, opcode, a, bb, c, imm], access)  # a continuation row fetches nothing
    bus.send(FETCH, [clk, pub("code_op"), pub("code_a"), pub("code_b"), pub("code_c"), pub("code_imm")], m("m_prog"))
    logup = bus.finish()

    def build_aux(main, challenges, publics, pubcols=None):
        return logup.build_matrix(main, challenges, publics, pubcols)

    return b.build(build_aux=build_aux)


def _halves(limbs):
    """The two 32-bit halves (low, high) of four 16-bit limbs."""
    return limbs[0] + TWO16 * limbs[1], limbs[2] + TWO16 * limbs[3]


def _canonical(b, gate, name, x, limbs, inv, z):
    """u = x + (p - 1)/2 equals the integer of its four limbs, and that integer is below p:
    with h its high half, z = 1 - (2^32 - 1 - h) * inv forces z = 1 when h = 2^32 - 1, and
    then z * (low half) = 0 forces the low half to 0 (the only integers >= p below 2^64 have
    h = 2^32 - 1 and a non-zero low half). So the limbs hold s(x) + (p - 1)/2 exactly, where
    s(x) is x read as a signed integer in [-(p-1)/2, (p-1)/2]. Returns the halves."""
    lo, hi = _halves(limbs)
    b.transition(f"{name} shifted", gate * (x + HALF - lo - TWO32 * hi), cyclic=True)
    b.transition(f"{name} canonical flag", gate * (z - 1 + (TWO32 - 1 - hi) * inv), cyclic=True)
    b.transition(f"{name} canonical", gate * z * lo, cyclic=True)
    return lo, hi


def _wide_constraints(b, f, A, B, Cv, lim, every):
    """lt, div and mod: the first row's limbs l0..l7 and helpers (inv, isz, cnt), and the
    continuation row's 14 limbs (L.WIDE_LIMBS) and helpers, read from the first row as next-row
    values. docs/air.md gives each counting argument."""
    m, nx = b.main, b.next
    wl = [nx(name) for name in L.WIDE_LIMBS]
    inv, isz, cnt = m("inv"), m("isz"), m("cnt")

    # lt: C = [s(A) < s(B)] = [u_A < u_B] with u = x + (p-1)/2 canonical; the borrow k (cnt)
    # splits F = (2C - 1)(u_B - u_A) - C into halves F_l, F_h in [0, 2^32): F >= 0 as integers
    g = f["f_lt"]
    al, ah = _canonical(b, g, "lt a", A, lim[0:4], inv, isz)
    bl, bh = _canonical(b, g, "lt b", B, lim[4:8], nx("inv"), nx("isz"))
    fl, fh = _halves(wl[0:4])
    b.transition("lt result boolean", g * Cv * (Cv - 1), **every)
    b.transition("lt borrow boolean", g * cnt * (cnt - 1), **every)
    b.transition("lt low half", g * ((2 * Cv - 1) * (bl - al) - Cv + TWO32 * cnt - fl), **every)
    b.transition("lt high half", g * ((2 * Cv - 1) * (bh - ah) - cnt - fh), **every)

    # div, mod by 0 < |b| < 2^32: s = [b < 0] (cnt), b' = (1 - 2s) B = bd + 1 with bd and
    # 2^32 - 2 - bd in [0, 2^32) (so b' <= 2^32 - 1: with b' = 2^32 the low product could
    # reach p and wrap), a' = (1 - 2s) A; long division in 32-bit halves (q = qh 2^32 + ql):
    #   ql b' + r' = th 2^32 + tl,  th <= b' - 1,  r' <= b' - 1
    #   u = a' + (p-1)/2 = (qh b' + th + 2^31 - 1 + g) 2^32 + (tl + 2^31 - g 2^32)
    # then s(a') = q b' + r' exactly: q = floor(a/b), and a % b = (1 - 2s) r'
    fd = f["f_div"] + f["f_mod"]
    sgn = cnt
    bd = lim[4] + TWO16 * lim[5]
    rp = lim[6] + TWO16 * lim[7]
    ql, qh2 = _halves(wl[0:4])  # qh2 = qh + 2^31
    th, tl = _halves(wl[4:8])
    e1 = wl[8] + TWO16 * wl[9]
    e2 = wl[10] + TWO16 * wl[11]
    e3 = wl[12] + TWO16 * wl[13]
    gam = nx("cnt")
    b.transition("div sign boolean", fd * sgn * (sgn - 1), **every)
    b.transition("div divisor", fd * ((1 - 2 * sgn) * B - 1 - bd), **every)
    b.transition("div divisor below 2^32 - 1", fd * (TWO32 - 2 - bd - e3), **every)
    ul, uh = _canonical(b, fd, "div dividend", (1 - 2 * sgn) * A, lim[0:4], inv, isz)
    b.transition("div low product", fd * (ql * (bd + 1) + rp - TWO32 * th - tl), **every)
    b.transition("div high product", fd * (uh - (qh2 - TWO31) * (bd + 1) - th - TWO31 + 1 - gam), **every)
    b.transition("div low carry", fd * (tl + TWO31 - ul - TWO32 * gam), **every)
    b.transition("div carry boolean", fd * gam * (gam - 1), **every)
    b.transition("div remainder below divisor", fd * (bd - rp - e1), **every)
    b.transition("div carry below divisor", fd * (bd - th - e2), **every)
    b.transition("div result", f["f_div"] * (Cv - TWO32 * (qh2 - TWO31) - ql), **every)
    b.transition("mod result", f["f_mod"] * (Cv - (1 - 2 * sgn) * rp), **every)


def _program_columns(program: Program) -> tuple[PublicColumns, PublicColumns]:
    """The public columns that depend on the program alone: its code (five columns) and its
    constant data (rows sorted, values reduced, zeros dropped). Built once per Program object:
    for a model with a million constants that is most of a warm verify's set-up."""
    memo = program._memo
    if "public_columns" not in memo:
        lay = program.layout
        code = [ins.encode() for ins in program.code]
        rows = np.arange(len(code), dtype=np.int64)
        code_cols = PublicColumns.from_entries([(rows, [w[k] for w in code]) for k in range(5)])
        data_rows = np.arange(lay.data_base, lay.data_base + lay.data_size, dtype=np.int64)
        data_col = PublicColumns.from_entries([(data_rows, program.data_words())])
        memo["public_columns"] = (code_cols, data_col)
    return memo["public_columns"]


COMMIT_CODE = 1
COMMIT_DATA = 2
COMMIT_CONSTS = 4  # the data table's read-only constants
COMMIT_ALL = COMMIT_CODE | COMMIT_DATA | COMMIT_CONSTS
COMMIT_ENTRIES = 1 << 14
"""A program's code (five columns) and its constants (one column) are each committed by the
prover (see :mod:`zkvm.stark.public_columns`) instead of evaluated by the verifier when they
hold at least this many entries: computing them at z costs a verifier about 70 ns per entry
and grows with the model; committing a column costs the prover its LDE, a Merkle tree and
its rows at the queries (about 2% of a 2^21-row proof for the constants column)."""


def default_commitment(program: Program) -> int:
    """Which of the program's parts its proofs commit to by default (COMMIT_CODE | COMMIT_DATA |
    COMMIT_CONSTS): each part of at least COMMIT_ENTRIES words."""
    return ((COMMIT_CODE if len(program.code) >= COMMIT_ENTRIES else 0)
            | (COMMIT_DATA if program.layout.data_size >= COMMIT_ENTRIES else 0)
            | (COMMIT_CONSTS if program.layout.const_size >= COMMIT_ENTRIES else 0))


def commitment_for(program: Program, commit_program: bool | None) -> int:
    """The parts a proof commits to: by default (None) :func:`default_commitment`; True every
    part the program has; False none."""
    if commit_program is None:
        return default_commitment(program)
    if not commit_program:
        return 0
    return COMMIT_CODE | COMMIT_DATA | (COMMIT_CONSTS if program.layout.const_size else 0)


def committed_program_columns(program: Program, commitment: int) -> PublicColumns:
    """The columns a proof of this program commits to (the code's five, then the constants'),
    laid out as the prover commits them: what a verifying key's roots are computed from."""
    code_cols, data_col = _program_columns(program)
    parts = []
    if commitment & COMMIT_CODE:
        parts.append((code_cols, (0, 1, 2, 3, 4), True))
    if commitment & COMMIT_DATA:
        parts.append((data_col, (5 if commitment & COMMIT_CODE else 0,), True))
    width = 5 * bool(commitment & COMMIT_CODE) + bool(commitment & COMMIT_DATA)
    return PublicColumns.combine(width, parts)


def public_columns(program: Program, public_inputs, outputs, n: int, output_address: int = 0,
                   commitment: int | None = None, segment: str = "") -> PublicColumns:
    """The program's code and data, the input/output regions and the claimed outputs, as the
    sparse public columns of the VM AIR for a trace of n rows: code (5 columns), initial
    memory (the constants, then the public inputs), the input selector, the output selector
    and the claimed output values.

    Combined from parts: the program's code and constants (kept between proofs with their
    precomputed arrays) and the per-proof inputs and outputs. ``commitment`` (COMMIT_CODE |
    COMMIT_DATA; default: :func:`default_commitment`) names the program's parts the prover
    commits to, so a verifier holding their root need not evaluate them.

    A segment (``segment``, SEGMENT_ROLES) has the code; only the first has the initial memory
    (constant data, public inputs, the input selector) and only the last the outputs: the
    others' memory comes and goes through their images."""
    from zkvm.field.goldilocks import P
    from zkvm.isa.program import output_cells

    lay = program.layout
    code_cols, data_col = _program_columns(program)
    initial, final = segment in ("", "first"), segment in ("", "last")
    if not initial:
        data_col = PublicColumns.from_entries([([], [])])
    pubin = np.asarray([int(v) % P for v in public_inputs], dtype=np.uint64) if initial else np.zeros(0, np.uint64)
    pubin_col = PublicColumns.from_entries([(np.arange(lay.pubin_base, lay.pubin_base + pubin.size, dtype=np.int64), pubin)])
    out_rows, out_vals = output_cells(program, list(outputs), output_address) if final else ([], [])
    in_size = lay.in_size if initial else 0
    per_proof = PublicColumns.from_entries([
        (list(range(lay.in_base, lay.in_base + in_size)), [1] * in_size),
        (out_rows, [1] * len(out_rows)),
        (out_rows, out_vals),
    ])
    if lay.data_size and lay.pubin_size and lay.pubin_base < lay.data_base + lay.data_size and lay.data_base < lay.pubin_base + lay.pubin_size:
        raise ParameterError("public columns", "rows must be distinct and non-negative (the data and public-input regions overlap)")
    commitment = default_commitment(program) if commitment is None else int(commitment)
    if commitment & ~COMMIT_ALL:
        raise ParameterError("commitment", f"unknown program parts {commitment:#x}")
    parts = [
        (code_cols, (0, 1, 2, 3, 4), bool(commitment & COMMIT_CODE)),
        (data_col, (5,), bool(commitment & COMMIT_DATA)),
        (pubin_col, (5,), False),
        (per_proof, (6, 7, 8), False),
    ]
    if segment:
        parts.append((PublicColumns.from_entries([([n - 1], [1])]), (len(L.PUBLIC_COLUMNS),), False))
    cols = PublicColumns.combine(len(L.PUBLIC_COLUMNS) + bool(segment), parts)
    cols.check_fits(n)
    return cols


def statement_bytes(program_hash: bytes, public_inputs, outputs, output_address: int = 0) -> bytes:
    """What a VM proof is about, bound into the transcript: the program hash, the public
    inputs and the output (the public columns bind the code and data themselves)."""
    from zkvm.field.goldilocks import P

    parts = [b"zkvm vm statement v1", program_hash, int(output_address).to_bytes(8, "little")]
    for group in (public_inputs, outputs):
        parts.append(len(group).to_bytes(8, "little"))
        parts.extend((int(v) % P).to_bytes(8, "little") for v in group)
    return b"".join(parts)


__all__ = ["vm_air", "vm_air_for", "vm_system", "public_columns", "default_commitment", "committed_program_columns",
           "COMMIT_CODE", "COMMIT_DATA", "COMMIT_CONSTS", "statement_bytes", "np"]
