"""The VM trace layout: the only place a column number is written.

One row per cycle. Every column's index follows from its position in ``MAIN_COLUMNS``::

    | clk pc fp | 21 opcode flags | a b c imm | slot A: addr val tprev |
    | slot B: addr old val tprev | slot C: addr old val tprev | 6 time-difference limbs |
    | 8 operation limbs | cnt inv isz cont | ca cb | memory table: init_priv fin_v fin_t |
    | range table: rc m_rc | program multiplicity: m_prog |

A mac over constant weights may run as one row (``f_dot``): it sends (activation pointer,
weight pointer, rows, accumulator in, out, t_s, t_e) to the dot-product table, with ``cnt``
holding its rows (length / 8), ``inv`` the activation pointer, ``t_s``/``t_e`` the epoch in which
the frozen-memory table holds the activations, and l0..l3 the limbs that place the mac's read
time 4 (clk + 1) in it (docs/tables.md).

``ca`` and ``cb`` mark a slot-A or slot-B read of the program's read-only constants (at
CONST_BASE, in the data table): such a read is sent on the constant-read bus instead of taking
part in the memory argument (docs/tables.md, "the data space").

The two-row instructions (lt, div, mod) put the rest of their witness in a continuation row
(flag ``f_wide``) that makes no memory access: see ``WIDE_LIMBS``.

Rows double as tables: row j is also the memory table's entry for address j (its private
initial value, final value and final access time), the range table's entry for the value
min(j, 2^16 - 1), and the program table's entry for pc j (with public code columns).
"""

from __future__ import annotations

FLAGS = (
    "f_halt", "f_add", "f_sub", "f_mul", "f_addi", "f_muli", "f_movi", "f_eq", "f_lt", "f_div",
    "f_mod", "f_jmp", "f_bz", "f_call", "f_ret", "f_ld", "f_st", "f_lda", "f_sta", "f_macs", "f_mac",
    "f_dot", "f_lt32", "f_chk", "f_wide",
)
"""One flag per instruction, with three for mac (its setup row ``f_macs`` and its steps
``f_mac``, or a single row ``f_dot`` whose products the dot-product table proves) and ``f_wide``
for the continuation row of the two-row instructions (lt, div, mod)."""

MEM_LIMBS = ("m_a_lo", "m_a_hi", "m_b_lo", "m_b_hi", "m_c_lo", "m_c_hi")
OP_LIMBS = tuple(f"l{i}" for i in range(8))

MAIN_COLUMNS = (
    ("clk", "pc", "fp")
    + FLAGS
    + ("a", "b", "c", "imm")
    + ("a_addr", "a_val", "a_tp")
    + ("b_addr", "b_old", "b_val", "b_tp")
    + ("c_addr", "c_old", "c_val", "c_tp")
    + MEM_LIMBS
    + OP_LIMBS
    + ("cnt", "inv", "isz", "cont")
    + ("ca", "cb")
    + ("t_s", "t_e")
    + ("init_priv", "fin_v", "fin_t")
    + ("rc", "m_rc", "m_prog")
)

# --- the witness of the two-row instructions (lt, div, mod) ---------------------------------
# The first row reads A and B and writes C like any row, and uses the operation limbs l0..l7
# and the helpers inv, isz, cnt; the continuation row (f_wide) makes no memory access, so its
# six time-difference limbs are free for the witness too: 14 range-checked limbs, and the
# helpers. A 32-bit quantity is two consecutive limbs (low first).
WIDE_LIMBS = OP_LIMBS + MEM_LIMBS
"""The continuation row's range-checked limbs, in the order the wide witnesses use them."""

PUBLIC_COLUMNS = ("code_op", "code_a", "code_b", "code_c", "code_imm", "init_pub", "priv_sel", "out_sel", "out_val")

COL = {name: i for i, name in enumerate(MAIN_COLUMNS)}
WIDTH = len(MAIN_COLUMNS)
PUB = {name: i for i, name in enumerate(PUBLIC_COLUMNS)}

RANGE_BITS = 16
RANGE_SIZE = 1 << RANGE_BITS
MIN_TRACE_LOG = 11  # 2048 rows: the range table then spreads over 32 columns (see below)


def range_table_width(n: int) -> int:
    """How many range-table entries each row carries in a trace of n rows: 1 from 2^16 rows
    up; below that the table is spread over 2^16 / n consecutive values per row (row j holds
    rc = w*j and the entries rc, rc+1, ..., rc+w-1, each with its multiplicity column), so a
    short program needs no 2^16-row trace."""
    return max(1, RANGE_SIZE // n)


def extra_multiplicity_columns(n: int) -> tuple[str, ...]:
    """Names of the multiplicity columns after ``m_rc`` (entries rc+1 .. rc+w-1), appended
    after the fixed layout."""
    return tuple(f"m_rc{k}" for k in range(1, range_table_width(n)))


def width(n: int) -> int:
    """The trace width for n rows: the fixed layout plus the extra multiplicity columns."""
    return WIDTH + range_table_width(n) - 1

# the flag set for each opcode: mac rows are the setup row (f_macs) then the steps (f_mac)
from zkvm.isa import opcodes as _op  # noqa: E402

FLAG_OF_OPCODE = {
    _op.HALT: "f_halt", _op.ADD: "f_add", _op.SUB: "f_sub", _op.MUL: "f_mul", _op.ADDI: "f_addi",
    _op.MULI: "f_muli", _op.MOVI: "f_movi", _op.EQ: "f_eq", _op.LT: "f_lt", _op.DIV: "f_div",
    _op.MOD: "f_mod", _op.JMP: "f_jmp", _op.BZ: "f_bz", _op.CALL: "f_call", _op.RET: "f_ret",
    _op.LD: "f_ld", _op.ST: "f_st", _op.LDA: "f_lda", _op.STA: "f_sta", _op.MAC: "f_macs",
    _op.LT32: "f_lt32", _op.CHK: "f_chk",
}
OPCODE_OF_FLAG = {flag: code for code, flag in FLAG_OF_OPCODE.items()}
OPCODE_OF_FLAG["f_mac"] = _op.MAC
OPCODE_OF_FLAG["f_dot"] = _op.MAC
OPCODE_OF_FLAG["f_wide"] = 0  # a continuation row fetches no instruction

assert WIDTH + 31 + 2 <= 128, WIDTH  # one BLAKE3 chunk (128 words) per row with 2^11 rows' 31 extra range columns and the masks
