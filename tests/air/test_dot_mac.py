"""Single-row macs (issue 19): a dot product over read-only constant weights runs as one CPU row
whose products the dot-product table proves, reading the weights from the data table and the
activations from the frozen-memory table (docs/tables.md).

Oracles: CPython running the same program, the VM with single-row macs off (every mac as CPU
steps), and forged runs: whole lying traces, proven without the prover's checks, that the real
verifier must reject."""

from __future__ import annotations

import numpy as np
import pytest

import zkvm
from zkvm.air import layout as L
from zkvm.air.dot_table import dot_columns
from zkvm.air.frozen_table import COLUMNS as FROZEN_COLUMNS
from zkvm.air.vm_air import DOT, FROZEN_TABLE
from zkvm.compiler import flatten_inputs
from zkvm.errors import VerificationError
from zkvm.field.goldilocks import P
from zkvm.isa.program import shaped_output
from zkvm.proof_file import ProofFile
from zkvm.vm.run import run

from tests import forge as F
from tests.air.test_data_space import compiled
from tests.compiler.test_desugar import as_output, cpython

MODEL = """
W1 = [[(i * 7 + j * 3) % 11 - 5 for j in range(16)] for i in range(12)]
B1 = [i - 6 for i in range(12)]
W2 = [[(i * 5 + j) % 9 - 4 for j in range(16)] for i in range(4)]


def dense(w, b, x):
    out = []
    for j in range(len(w)):
        acc = b[j]
        row = w[j]
        for i in range(len(x)):
            acc += row[i] * x[i]
        out.append(acc)
    return out


def main(x: list[int]) -> list[int]:
    for v in x:
        assert 0 <= v <= 16
    h = [max(0, v) for v in dense(W1, B1, x)]
    h = h + [h[0], h[1], h[2], h[3]]
    h[5] = h[5] // 2  # the CPU writes an activation between the layers' macs
    out = dense(W2, [0, 0, 0, 0], h)
    return out + [max(range(len(out)), key=lambda i: out[i])]
"""
INPUT = {"x": [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]}
DOT_COL = {c: i for i, c in enumerate(dot_columns(8))}
FROZEN_COL = {c: i for i, c in enumerate(FROZEN_COLUMNS)}


@pytest.fixture(scope="module")
def model():
    program = compiled(MODEL, **INPUT)
    return program, flatten_inputs(program, INPUT)


def test_single_row_macs_give_cpythons_result(model):
    program, flat = model
    with_dots, without = run(program, flat), run(program, flat, dots=False)
    assert with_dots.outputs == without.outputs
    assert as_output(cpython(MODEL, INPUT)) == shaped_output(program, with_dots.outputs)
    assert with_dots.dots is not None and without.dots is None
    f = with_dots.trace[:, L.COL["f_dot"]]
    assert int(f.sum()) >= 12  # (at least) one row per output of the first layer
    assert without.cycles - with_dots.cycles == 16 * int(f.sum())  # each saves its 16 step rows


def test_single_row_macs_prove_and_verify(model):
    program, flat = model
    result = zkvm.prove(program, flat)
    claim = zkvm.verify(result.proof, program)
    assert claim.output == as_output(cpython(MODEL, INPUT))
    assert len(ProofFile.from_bytes(result.proof).stark.tables) == 6  # CPU, data, words, dot, frozen, masks


def test_word_and_frozen_tables_raised_to_a_shared_height_still_prove(model, monkeypatch):
    """The prover pads the word and frozen-memory tables with zero rows up to 1/spread of the
    tallest table (zkvm.prover.SMALL_TABLE_SPREAD, 8 by default): the padded tables satisfy
    their AIRs (the prover's own check runs) and the proof verifies with the raised heights."""
    import zkvm.prover as zp

    program, flat = model
    natural = [t.trace_length for t in ProofFile.from_bytes(zkvm.prove(program, flat).proof).stark.tables]
    spread = 1  # this model's tables are all within 1/8 of the tallest: raise them all the way
    monkeypatch.setattr(zp, "SMALL_TABLE_SPREAD", spread)
    result = zkvm.prove(program, flat, debug_check=True)
    assert zkvm.verify(result.proof, program).output == as_output(cpython(MODEL, INPUT))
    heights = [t.trace_length for t in ProofFile.from_bytes(result.proof).stark.tables]
    floor = max(natural) // spread
    assert heights[2] == max(natural[2], floor) and heights[4] == max(natural[4], floor)  # words, frozen
    assert heights[:2] == natural[:2] and heights[3] == natural[3]  # CPU, data and dot tables as they were
    assert heights[2] > natural[2] and heights[4] > natural[4]


def test_the_forged_honest_run_matches_the_vm_and_verifies(model):
    """The harness writes the same single-row macs, epochs and tables as the VM."""
    program, flat = model
    forged = F.forge(program, flat)
    vm = run(program, flat)
    assert forged.outputs == vm.outputs
    assert np.array_equal(forged.trace, vm.trace)
    assert np.array_equal(forged.dots.dot, vm.dots.dot) and np.array_equal(forged.dots.frozen, vm.dots.frozen)
    assert F.verify_forged(program, F.prove_forged(program, forged)).output_values == tuple(vm.outputs)


def _lie_on_dot(nth: int = 0, **columns):
    """A hook rewriting the nth single-row mac's row (later rows read what it wrote)."""
    seen = []

    def hook(cycle, code, rows):
        if rows[0].get("f_dot"):
            seen.append(cycle)
            if len(seen) == nth + 1:
                for name, f in columns.items():
                    rows[0][name] = f(rows[0]) if callable(f) else f
    return hook


def test_a_mac_whose_result_differs_from_the_tables_is_rejected(model):
    """The CPU row claims out + 1 (and the run goes on with it); the dot table's segment
    carries the same claim on the bus but its products do not add up to it."""
    program, flat = model
    forged = F.forge(program, flat, _lie_on_dot(3, c_val=lambda row: row["c_val"] + 1))
    assert forged.outputs != run(program, flat).outputs
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged))


def test_a_dot_row_with_another_weight_is_rejected(model):
    """The dot table multiplies by a weight the data table does not hold (its accumulator chain
    kept consistent with it): the data lookup fails."""
    program, flat = model
    forged = F.forge(program, flat)

    def other_weight(traces):
        dot = traces[DOT]
        r = 0  # the first segment's first row: raise w0 by 1 and the rest of the segment's sums with it
        dot[r, DOT_COL["w0"]] = (int(dot[r, DOT_COL["w0"]]) + 1) % P
        x0 = int(dot[r, DOT_COL["x0"]])
        end = r + int(dot[r, DOT_COL["rem"]])
        for k in range(r + 1, end):
            dot[k, DOT_COL["acc"]] = (int(dot[k, DOT_COL["acc"]]) + x0) % P
        for k in range(r, end):
            dot[k, DOT_COL["out"]] = (int(dot[k, DOT_COL["out"]]) + x0) % P
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged, tables=other_weight))


def test_a_frozen_activation_with_another_value_is_rejected(model):
    """The frozen row and every dot read of it claim another value: the frozen row's memory
    tuples then differ from the ones the CPU's accesses emit and consume."""
    program, flat = model
    forged = F.forge(program, flat)

    def other_activation(traces):
        frozen, dot = traces[FROZEN_TABLE], traces[DOT]
        addr, value = int(frozen[0, FROZEN_COL["addr"]]), int(frozen[0, FROZEN_COL["value"]])
        frozen[0, FROZEN_COL["value"]] = (value + 1) % P
        for r in range(dot.shape[0]):
            for j in range(8):
                if dot[r, DOT_COL["on"]] and int(dot[r, DOT_COL["x_addr"]]) + j == addr:
                    dot[r, DOT_COL[f"x{j}"]] = (value + 1) % P
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged, tables=other_activation))


@pytest.mark.parametrize("shift", [4, -4, P - 4])
def test_an_epoch_that_misses_the_read_time_is_rejected(model, shift):
    """The mac row names an epoch that starts after its read time (t_s moved by +4, or the
    other field solutions of its limb identity: -4 and p - 4 wrap to values no two 16-bit
    limbs hold)."""
    program, flat = model
    forged = F.forge(program, flat)
    trace = forged.trace
    r = int(np.flatnonzero(trace[:, L.COL["f_dot"]] == 1)[0])
    t = 4 * (r + 1)
    t_s = (int(trace[r, L.COL["t_s"]]) + shift) % P
    gap = (t - t_s) % P
    trace[r, L.COL["t_s"]] = t_s
    trace[r, L.COL["l0"]], trace[r, L.COL["l1"]] = F.limbs16(gap)
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged))


def test_an_epoch_that_starts_after_its_first_read_is_rejected(model):
    """A whole consistent lie: an epoch moved to start 4 later, in every mac row, dot row and
    frozen row of it (their limbs and the range multiplicities recomputed). Only the first mac
    now reads before its epoch starts: its limb identity's only solution is t - t_s = -4, the
    field element p - 4, which no two 16-bit limbs hold."""
    program, flat = model
    forged = F.forge(program, flat)
    c = L.COL

    def later_epoch(traces):
        cpu, dot, frozen = traces[0], traces[DOT], traces[FROZEN_TABLE]
        first = int(np.flatnonzero(cpu[:, c["f_dot"]] == 1)[0])
        old = int(cpu[first, c["t_s"]])
        assert old == 4 * (first + 1)  # (the epoch starts at its first mac's read time)
        new = old + 4
        for r in np.flatnonzero((cpu[:, c["f_dot"]] == 1) & (cpu[:, c["t_s"]] == old)):
            cpu[r, c["t_s"]] = new
            cpu[r, c["l0"]], cpu[r, c["l1"]] = F.limbs16(4 * (int(r) + 1) - new)
        dot[(dot[:, DOT_COL["on"]] == 1) & (dot[:, DOT_COL["t_s"]] == old), DOT_COL["t_s"]] = new
        for r in np.flatnonzero((frozen[:, FROZEN_COL["on"]] == 1) & (frozen[:, FROZEN_COL["t_s"]] == old)):
            frozen[r, FROZEN_COL["t_s"]] = new
            gap = new - int(frozen[r, FROZEN_COL["t_prev"]]) - 1
            length = int(frozen[r, FROZEN_COL["t_e"]]) - new
            assert gap >= 0 and length >= 0  # the frozen rows stay valid: only the first mac lies
            frozen[r, FROZEN_COL["l0"]], frozen[r, FROZEN_COL["l1"]] = F.limbs16(gap)
            frozen[r, FROZEN_COL["l2"]], frozen[r, FROZEN_COL["l3"]] = F.limbs16(length)
        F.recount_ranges(traces)
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged, tables=later_epoch))


def test_activations_read_from_the_weights_pointer_are_rejected(model):
    """The mac row names the weights' pointer as the activations' (inv = the weight pointer):
    the dot table would read 'activations' at constant addresses, which no frozen row can hold
    (they are in no memory row)."""
    program, flat = model
    forged = F.forge(program, flat, _lie_on_dot(0, inv=lambda row: row["b_val"] if row["inv"] == row["a_val"]
                                                 else row["a_val"]))
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged))


TALL = """
W = [[(i * 31 + j * 17) % 15 - 7 for j in range(512)] for i in range(33)]


def main(x: list[int]) -> list[int]:
    for v in x:
        assert -8 <= v <= 8
    out = []
    for row in W:
        acc = 0
        for i in range(len(x)):
            acc += row[i] * x[i]
        out.append(acc)
    return out
"""


@pytest.fixture(scope="module")
def tall():
    """(Pieces start at 2^15 rows: SPLIT_MIN_ROWS is lowered so that a small model shows them.)"""
    from zkvm.compiler import compile_source, input_shapes_of, main_parameters
    from zkvm.isa import program as prog

    inputs = {"x": [(i * 5) % 17 - 8 for i in range(512)]}
    program = compile_source(TALL, "tall.py", input_shapes_of(main_parameters(TALL, "tall.py"), inputs))
    old, prog.SPLIT_MIN_ROWS = prog.SPLIT_MIN_ROWS, 2048
    yield program, flatten_inputs(program, inputs), inputs
    prog.SPLIT_MIN_ROWS = old


def test_tall_data_and_dot_tables_come_in_two_pieces(tall):
    """33 x 512 weights (a data table of 2,129 rows) and 33 macs of 64 rows: each table as
    2^11 + 2^10 rows instead of 2^12, proven and verified (with a key holding both data pieces'
    roots)."""
    from zkvm.air.vm_air import COMMIT_CONSTS, data_indices, dot_indices
    from zkvm.isa.program import const_pieces
    from zkvm.keygen import verifying_key

    program, flat, inputs = tall
    assert program.layout.const_size >= 1 << 14  # (the data space by default)
    assert const_pieces(program.layout.const_size) == [2048, 1024]
    execution = run(program, flat)
    assert [d.shape[0] for d in execution.dots.dot] == [2048, 1024]
    result = zkvm.prove(program, flat, commit_program=True)
    assert result.commitment & COMMIT_CONSTS
    key = verifying_key(program, [(result.trace_length, result.blowup)], result.commitment)
    claim = zkvm.verify(result.proof, program, vk=key)
    assert claim.output == as_output(cpython(TALL, inputs)) and claim.program_columns == "key"
    assert zkvm.verify(result.proof, program).output == claim.output
    pf = ProofFile.from_bytes(result.proof)
    from zkvm.air.vm_air import vm_system

    system = vm_system(result.trace_length, True, True, 2, 2)
    assert [pf.stark.tables[i].trace_length for i in data_indices(system)] == [2048, 1024]
    assert [pf.stark.tables[i].trace_length for i in dot_indices(system)] == [2048, 1024]


def test_a_proof_with_another_table_count_or_data_piece_height_is_refused(tall):
    import dataclasses

    from zkvm.errors import ProofFormatError

    program, flat, _ = tall
    pf = ProofFile.from_bytes(zkvm.prove(program, flat).proof)
    tables = list(pf.stark.tables)
    fewer = dataclasses.replace(pf, stark=dataclasses.replace(pf.stark, tables=tuple(tables[:-2] + tables[-1:])))
    with pytest.raises(VerificationError):  # (read as a run with one dot piece: another table system)
        zkvm.verify(fewer, program)
    none = dataclasses.replace(pf, stark=dataclasses.replace(pf.stark, tables=tuple(tables[:3] + tables[-1:])))
    with pytest.raises(ProofFormatError, match="tables|data table pieces"):
        zkvm.verify(none, program)
    second = tables[5]  # the data table's second piece (CPU, data, words, dot, frozen, data #2, dot #2, masks)
    tables[5] = dataclasses.replace(second, trace_length=2 * second.trace_length)
    with pytest.raises(ProofFormatError, match="data table"):
        zkvm.verify(dataclasses.replace(pf, stark=dataclasses.replace(pf.stark, tables=tuple(tables))), program)
