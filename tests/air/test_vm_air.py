"""The VM's AIR: honest executions prove and verify; every kind of tampering is rejected.

Soundness by attack: each trace column mutated in a row where it is in use breaks a
constraint (the debugger names it) and a proof forced out of the mutated trace (prover checks
off) fails verification; wrong outputs, skipped instructions, forged reads and foreign
instructions are rejected.
"""

from __future__ import annotations

import numpy as np
import pytest

import zkvm
from tests.vm import programs as progs
from zkvm.air import layout as L
from tests.forge import vm_aux
from zkvm.air.vm_air import public_columns, statement_bytes, vm_air_for, vm_system
from zkvm.errors import StatementMismatch, VerificationError
from zkvm.field.ext2 import Ext2
from zkvm.field.goldilocks import P
from zkvm.fri.options import FriOptions
from zkvm.isa.asm import assemble
from zkvm.stark import debug
from zkvm.stark.multi_prover import prove_tables
from zkvm.stark.multi_verifier import verify_tables
from zkvm.vm.run import run

OPTIONS = FriOptions()

KITCHEN_SINK = """
; every instruction at least once
.data 2, 3, 5, 7, 11
.inputs 2
.outputs 3
.stack 32
    lda 0, @in+0          ; x
    lda 1, @in+1          ; y
    add 2, 0, 1
    sub 3, 0, 1
    mul 4, 2, 3
    addi 5, 4, -7
    muli 6, 5, 3
    movi 7, 9
    eq 8, 0, 1
    eq 9, 0, 0
    lt 10, 3, 2
    lt32 23, 7, 3
    movi 24, 3
    chk 24, 7
    div 11, 3, 7
    mod 12, 3, 7
    movi 13, @data+0
    movi 14, @data+1
    movi 15, 0
    mac 15, 13, 14, 4
    movi 16, @stack+30
    st 16, 15, 0
    ld 17, 16, 0
    bz 9, skip
    addi 17, 17, 100
skip:
    bz 8, over
    jmp nowhere
over:
    jmp cont
cont:
    add 22, 17, 12
    call 21, 20, double
    sta 19, @out+0
    sta 10, @out+1
    sta 11, @out+2
    halt
nowhere:
    halt
double:
    add -3, 0, 0
    ret -1, -2
"""


def _kitchen_expected(x: int, y: int) -> list[int]:
    s, d = x + y, x - y
    macs = 2 * 3 + 3 * 5 + 5 * 7 + 7 * 11
    v = macs + (0 if x == y else 100)
    return [2 * (v + d % 9), int(d < s), d // 9]


@pytest.fixture(scope="module")
def sink():
    program = assemble(KITCHEN_SINK)
    execution = run(program, [17, 5])
    return program, execution


def test_kitchen_sink_output(sink):
    program, execution = sink
    assert execution.outputs == _kitchen_expected(17, 5)
    used = {program.code[int(pc)].name for pc in execution.trace[: execution.cycles, L.COL["pc"]]}
    assert used == {op.name for op in __import__("zkvm.isa.opcodes", fromlist=["OPCODES"]).OPCODES}


def _forced(program, trace, outputs, check=False):
    n = trace.shape[0]
    cols = public_columns(program, [], outputs, n)
    stmt = statement_bytes(program.hash(), [], outputs)
    stark = prove_tables(vm_system(n), [trace], [[program.layout.stack_base]], OPTIONS, public_columns=[cols],
                         statement=stmt, check=check)
    return stark, cols, stmt


def _verify(program, stark, cols, stmt):
    n = stark.tables[0].trace_length
    verify_tables(stark, vm_system(n), [[program.layout.stack_base]], public_columns=[cols], statement=stmt)


def _violations(program, trace, outputs):
    n = trace.shape[0]
    air = vm_air_for(n)
    pub = public_columns(program, [], outputs, n).dense(n)
    aux, challenges = vm_aux(air, trace, [program.layout.stack_base], pub, seed=11)
    return debug.check_constraints(air, trace, aux, challenges, [program.layout.stack_base], pubcols=pub)


def test_honest_trace_satisfies_every_constraint(sink):
    program, execution = sink
    assert _violations(program, execution.trace, execution.outputs) == []


def test_logup_columns_built_in_windows_equal_the_whole_trace_build(sink, monkeypatch):
    """The LogUp builder's windows (with the wrap-around row at the end) give the same columns
    as one window over the whole trace, and they satisfy every constraint."""
    from zkvm.stark import logup

    program, execution = sink
    trace = execution.trace
    n = trace.shape[0]
    air = vm_air_for(n)
    pub = public_columns(program, [], execution.outputs, n).dense(n)
    whole, challenges = vm_aux(air, trace, [program.layout.stack_base], pub, seed=11)
    monkeypatch.setattr(logup, "WINDOW_ROWS", 64)
    windowed, _ = vm_aux(air, trace, [program.layout.stack_base], pub, seed=11)
    assert n // 64 > 2
    assert np.array_equal(whole, windowed)
    assert debug.check_constraints(air, trace, windowed, challenges, [program.layout.stack_base], pubcols=pub) == []


@pytest.mark.parametrize(
    "source, inputs, oracle",
    [
        (progs.SUM_TO_N, [12], lambda: progs.sum_to_n(12)),
        (progs.NESTED_CALLS, [5], lambda: progs.nested_calls(5)),
        (progs.LIST_SUM, [], progs.list_sum),
        (progs.MATVEC_MAC, [1, -2, 3, 4], lambda: progs.matvec([1, -2, 3, 4])),
        (progs.ARGMAX, [3, 9, 4, 9, 1], lambda: progs.argmax([3, 9, 4, 9, 1])),
        (KITCHEN_SINK, [-40, 2**20], lambda: _kitchen_expected(-40, 2**20)),
    ],
)
def test_programs_prove_and_verify(source, inputs, oracle):
    program = assemble(source)
    result = zkvm.prove(program, inputs)
    assert result.outputs == oracle()
    claim = zkvm.verify(result.proof, program)
    assert list(claim.output_values) == oracle()
    assert claim.security_bits >= 100


def _row_where(trace, cycles, column):
    """A row where the column is in use (its value matters for some constraint)."""
    c = L.COL
    t = trace[:cycles]

    def first(mask):
        rows = np.flatnonzero(mask)
        return int(rows[0]) if rows.size else None

    special = {
        "cnt": first(t[:, c["f_mac"]] == 1),
        "inv": first((t[:, c["f_eq"]] == 1) & (t[:, c["a_val"]] != t[:, c["b_val"]])),
        "isz": first(t[:, c["f_bz"]] == 1),
        "cont": first(t[:, c["f_mac"]] == 1),
        "init_priv": None,  # handled below: the input region
        "fin_v": None,
        "fin_t": None,
    }
    for i in range(6):
        special[f"l{i}"] = first(t[:, c["f_lt"]] == 1)
    for i in range(6, 8):
        special[f"l{i}"] = first(t[:, c["f_div"]] == 1)
    if column == "f_dot":
        return 7  # (a program without constants has no single-row mac: set on any row)
    if column.startswith("f_"):
        return first(t[:, c[column]] == 1)
    if column in special and special[column] is not None:
        return special[column]
    return 7  # any executed row


@pytest.mark.parametrize("column", L.MAIN_COLUMNS)
def test_mutating_any_column_is_caught(sink, column):
    program, execution = sink
    trace = execution.trace.copy()
    if column == "init_priv":
        row = program.layout.in_base
    elif column in ("fin_v", "fin_t"):
        row = program.layout.stack_base
    else:
        row = _row_where(trace, execution.cycles, column)
    assert row is not None, f"the program never uses {column}"
    trace[row, L.COL[column]] = (int(trace[row, L.COL[column]]) + 1) % P
    failures = _violations(program, trace, execution.outputs)
    assert failures, f"mutating {column} at row {row} broke no constraint"
    stark, cols, stmt = _forced(program, trace, execution.outputs)
    with pytest.raises(VerificationError):
        _verify(program, stark, cols, stmt)


def test_wrong_output_claims_are_rejected(sink):
    program, execution = sink
    result = zkvm.prove(program, [17, 5])
    wrong = list(result.outputs)
    wrong[0] += 1
    with pytest.raises(StatementMismatch):
        zkvm.verify(result.proof, program, output=wrong)
    # a prover claiming another output for the honest trace
    stark, cols, stmt = _forced(program, execution.trace, wrong)
    with pytest.raises(VerificationError):
        _verify(program, stark, cols, stmt)
    assert any(f.constraint == "outputs" for f in _violations(program, execution.trace, wrong))


def test_skipping_an_instruction_is_rejected(sink):
    program, execution = sink
    trace = execution.trace.copy()
    c = L.COL
    # pretend the instruction at pc 5 never ran: its row claims pc 6's instruction
    row = int(np.flatnonzero(trace[:, c["pc"]] == 5)[0])
    trace[row:-1] = trace[row + 1 :]
    trace[-1] = trace[-2]
    assert _violations(program, trace, execution.outputs)
    stark, cols, stmt = _forced(program, trace, execution.outputs)
    with pytest.raises(VerificationError):
        _verify(program, stark, cols, stmt)


def test_reading_a_value_never_written_is_rejected(sink):
    program, execution = sink
    trace = execution.trace.copy()
    c = L.COL
    row = int(np.flatnonzero(trace[:, c["f_add"]] == 1)[0])
    # read a different value at slot A and recompute the sum so the add itself holds
    trace[row, c["a_val"]] = (int(trace[row, c["a_val"]]) + 5) % P
    trace[row, c["c_val"]] = (int(trace[row, c["c_val"]]) + 5) % P
    failures = _violations(program, trace, execution.outputs)
    assert failures and all(f.constraint != "add" for f in failures)
    stark, cols, stmt = _forced(program, trace, execution.outputs)
    with pytest.raises(VerificationError):
        _verify(program, stark, cols, stmt)


def test_running_another_programs_instruction_is_rejected(sink):
    program, execution = sink
    trace = execution.trace.copy()
    c = L.COL
    row = int(np.flatnonzero(trace[:, c["f_add"]] == 1)[0])
    # turn this add into a sub, consistently (flags and result), as if the program said sub
    trace[row, c["f_add"]] = 0
    trace[row, c["f_sub"]] = 1
    a, b = int(trace[row, c["a_val"]]), int(trace[row, c["b_val"]])
    trace[row, c["c_val"]] = (a - b) % P
    failures = _violations(program, trace, execution.outputs)
    assert failures and all(f.constraint != "sub" for f in failures)
    stark, cols, stmt = _forced(program, trace, execution.outputs)
    with pytest.raises(VerificationError):
        _verify(program, stark, cols, stmt)


def test_proof_for_another_program_is_rejected(sink):
    program, _ = sink
    result = zkvm.prove(program, [17, 5])
    other = assemble(KITCHEN_SINK.replace("movi 7, 9", "movi 7, 10"))
    with pytest.raises(StatementMismatch):
        zkvm.verify(result.proof, other)
    with pytest.raises(StatementMismatch):
        zkvm.verify(result.proof, other.hex_hash())


def test_short_traces_carry_the_whole_range_table(sink):
    """A trace shorter than 2^16 rows spreads the 16-bit range table over w = 2^16 / n entries
    per row; its extra multiplicity columns are as binding as the others."""
    program, execution = sink
    n = execution.trace.shape[0]
    extra = L.extra_multiplicity_columns(n)
    assert n < 1 << 16 and len(extra) == (1 << 16) // n - 1
    trace = execution.trace
    entries = (trace[:, L.COL["rc"]][:, None] + np.arange(len(extra) + 1, dtype=np.uint64)[None, :]).ravel()
    assert sorted(set(entries.tolist())) == list(range(1 << 16))  # exactly the 16-bit values
    used = [k for k in range(len(extra)) if trace[:, L.WIDTH + k].any()]
    assert used, "no limb value landed in an extra multiplicity column"
    for k in (used[0], len(extra) - 1):
        mutated = trace.copy()
        row = int(np.flatnonzero(mutated[:, L.WIDTH + k])[0]) if mutated[:, L.WIDTH + k].any() else 3
        mutated[row, L.WIDTH + k] = (int(mutated[row, L.WIDTH + k]) + 1) % P
        assert _violations(program, mutated, execution.outputs), f"mutating {extra[k]} broke no constraint"


@pytest.mark.parametrize("log_rows", [11, 13, 16])
def test_every_range_table_width_proves_and_verifies(log_rows):
    program = assemble(KITCHEN_SINK)
    execution = run(program, [17, 5], min_log_rows=log_rows)
    n = execution.trace.shape[0]
    assert n == 1 << log_rows  # (the program is far shorter than 2^11 rows)
    stark, cols, stmt = _forced(program, execution.trace, execution.outputs, check=True)
    _verify(program, stark, cols, stmt)
    # a proof for one width is not a proof for another
    other = vm_system(n * 2 if n < 1 << 16 else n // 2)
    with pytest.raises(VerificationError):
        verify_tables(stark, other, [[program.layout.stack_base]], public_columns=[cols], statement=stmt)


def _direct_public_columns(program, public_inputs, outputs, n, output_address=0):
    """The public columns built directly from their entries, as before any memoization:
    the oracle for public_columns."""
    from zkvm.isa.program import output_cells
    from zkvm.stark.public_columns import PublicColumns

    lay = program.layout
    code = [ins.encode() for ins in program.code]
    rows = list(range(len(code)))
    entries = [(rows, [w[k] for w in code]) for k in range(5)]
    init_rows = np.concatenate([np.arange(lay.data_base, lay.data_base + lay.data_size, dtype=np.int64),
                                np.arange(lay.pubin_base, lay.pubin_base + lay.pubin_size, dtype=np.int64)])
    pubin = np.asarray([int(v) % P for v in public_inputs], dtype=np.uint64)
    entries.append((init_rows, np.concatenate([program.data_words(), pubin])))
    entries.append((list(range(lay.in_base, lay.in_base + lay.in_size)), [1] * lay.in_size))
    out_rows, out_vals = output_cells(program, list(outputs), output_address)
    entries.append((out_rows, [1] * len(out_rows)))
    entries.append((out_rows, out_vals))
    cols = PublicColumns.from_entries(entries)
    cols.check_fits(n)
    return cols


@pytest.mark.parametrize("data,pubin", [
    ([2, 3, 0, 5, P - 1], [7, 0, -3]),
    ([], [1, 2]),
    ([0, 0, 9], []),
    ([4] * 40, [0, 0, 0]),
])
def test_memoized_public_columns_equal_the_direct_construction(data, pubin):
    """public_columns keeps a program's code and data columns between calls; what it returns
    must equal the columns built from scratch (values and their evaluations), on every call,
    whether the program's parts are committed or computed."""
    lines = []
    if data:
        lines.append(".data " + ", ".join(str(v) for v in data))
    lines += [f".pubinputs {len(pubin)}", ".inputs 1", ".outputs 1", ".stack 8",
              "    lda 0, @in+0", "    sta 0, @out+0", "    halt"]
    program = assemble("\n".join(lines))
    digests = set()
    for outputs, commit in (([5], 0), ([P - 2], 3), ([0], 0), ([0], 3), ([0], 1), ([0], 2)):
        got = public_columns(program, pubin, outputs, 64, commitment=commit)
        expect = _direct_public_columns(program, pubin, outputs, 64)
        assert got.count == expect.count == 9
        assert np.array_equal(got.dense(64), expect.dense(64))
        assert got.committed_width == (5 if commit & 1 else 0) + (1 if commit & 2 else 0)
        digests.add(got.digest())
        assert public_columns(program, pubin, outputs, 64, commitment=commit).digest() == got.digest()
        for z in (Ext2(3, 5), Ext2(P - 2, 1), Ext2(123456789, 987654321)):  # by parts, with kept arrays
            expected = expect._evaluate_reference(64, z)
            assert got.evaluate(64, z) == expected
            if commit:  # the committed parts' values handed in: only the others are computed
                committed = got.evaluate_committed(64, z)
                assert got.evaluate(64, z, committed) == expected
                if commit & 1:
                    assert committed[:5] == expected[:5]
    assert len(digests) == 6  # other outputs or another commitment choice: another statement
