"""The read-only data space (docs/tables.md, "the data space"): constants no code writes live at
CONST_BASE in the data table; the CPU reads them through the word table.

Oracles: CPython running the same programs; the program's constants themselves (the word at
CONST_BASE + i is the i-th); forged traces that lie about a constant read, proven without the
prover's self-checks, must be rejected by the real verifier."""

from __future__ import annotations

import contextlib

import numpy as np

import pytest

import zkvm
from zkvm.air import layout as L
from zkvm.air.vm_air import DATA, WORDS
from zkvm.air.word_table import word_columns
from zkvm.compiler import check_source, flatten_inputs, input_shapes_of
from zkvm.compiler import link
from zkvm.compiler.constants import ConstEvaluator, constant_words, element_offset, layout_constant
from zkvm.errors import ExecutionError, ProofFormatError, VerificationError
from zkvm.field.goldilocks import P
from zkvm.isa import opcodes as op
from zkvm.isa.instruction import Instruction
from zkvm.isa.program import CONST_BASE, CONST_MIN_ROWS, Layout, Program, const_rows, shaped_output
from zkvm.proof_file import ProofFile
from zkvm.vm.reference import run_reference
from zkvm.vm.run import run

from tests import forge as F
from tests.compiler.test_desugar import CASES, XS, as_output, cpython


@contextlib.contextmanager
def data_space_for_every_constant():
    """Compile with every read-only constant in the data space (however few there are)."""
    old = link.READ_ONLY_SPACE_MIN
    link.READ_ONLY_SPACE_MIN = 0
    try:
        yield
    finally:
        link.READ_ONLY_SPACE_MIN = old


def compiled(source: str, **inputs) -> Program:
    with data_space_for_every_constant():
        checked = check_source(source, "prog.py")
        return checked.compile(input_shapes_of(checked.main_parameters(), inputs))


def vm_output(program: Program, inputs: dict):
    return shaped_output(program, run(program, flatten_inputs(program, inputs), record=False).outputs)


MODEL = """
W = [[3, -1, 4, 1, -5, 9, 2, -6, 5, 3], [5, 8, -9, 7, 9, 3, -2, 3, 8, 4], [-6, 2, 6, 4, -3, 3, 8, 3, 2, 7]]
B = [10, -20, 30]
TABLE = (7, 1, 8, 2, 8)


def main(x: list[int]) -> list[int]:
    out = []
    for row, b in zip(W, B):
        out.append(sum(w * v for w, v in zip(row, x)) + b)
    best = max(range(len(out)), key=lambda i: out[i])
    return out + [best, TABLE[x[0] % 5], len(W[1]), W[-1][-1]]
"""
MODEL_INPUT = {"x": [1, -2, 3, 4, 0, 7, -1, 2, 2, 5]}

WRITES = {
    "element store": "W = [[1, 2], [3, 4]]\n\n\ndef main(x: int) -> int:\n    W[0][1] = x\n    return W[0][1] + W[1][0]\n",
    "augmented store": "W = [5, 6, 7]\n\n\ndef main(x: int) -> int:\n    W[1] += x\n    return sum(W)\n",
    "through an alias": "W = [[1, 2], [3, 4]]\n\n\ndef main(x: int) -> int:\n    row = W[1]\n    row[0] = x\n    return W[1][0]\n",
    "through a parameter": "W = [[1, 2], [3, 4]]\n\n\ndef zero(r):\n    r[0] = 0\n\n\n"
                           "def main(x: int) -> int:\n    zero(W[x % 2])\n    return W[0][0] + W[1][0]\n",
    "del": "W = [1, 2, 3]\n\n\ndef main(x: int) -> int:\n    del W[0]\n    return W[0] + len(W)\n",
    "append": "W = [1, 2, 3]\n\n\ndef main(x: int) -> int:\n    W.append(x)\n    return sum(W)\n",
    "sort in place": "W = [3, 1, 2]\n\n\ndef main(x: int) -> int:\n    W.sort()\n    return W[0] * 100 + W[2] + x\n",
    "swap": "W = [3, 1, 2]\n\n\ndef main(x: int) -> int:\n    W[0], W[2] = W[2], W[0]\n    return W[0] * 10 + x\n",
}


def test_read_only_constants_move_to_the_data_space_and_give_cpythons_result():
    program = compiled(MODEL, **MODEL_INPUT)
    assert program.layout.const_size > 0
    assert vm_output(program, MODEL_INPUT) == as_output(cpython(MODEL, MODEL_INPUT))
    # the constants' words are there, and the VM read them as constants (flagged), not memory
    trace = run(program, flatten_inputs(program, MODEL_INPUT)).trace
    assert trace[:, L.COL["cb"]].sum() > 0
    assert {3, -1, 4, 10, -20, 30, 7, 1, 8}.issubset(set(program.consts))


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_constant_the_program_writes_stays_in_memory(name):
    source = WRITES[name]
    program = compiled(source, x=5)
    assert program.layout.const_size == 0, "a written constant must not be read-only"
    assert vm_output(program, {"x": 5}) == as_output(cpython(source, {"x": 5}))


@pytest.mark.parametrize("name, source", CASES, ids=[c[0] for c in CASES])
def test_python_constructs_with_every_constant_read_only(name, source):
    try:
        program = compiled(source, **XS)
    except Exception as e:  # (the cases the desugar tests expect to be refused are refused here too)
        pytest.skip(f"not compiled: {type(e).__name__}")
    want = as_output(cpython(source, XS))
    assert vm_output(program, XS) == want


@pytest.mark.parametrize("text", ["[1, 2, 3]", "[[1, 2], [3, 4], [5, 6]]", "[[1], [2, 3, 4], []]", "[[[1, 2], [3]], [[4]]]"])
def test_constant_words_counts_the_layout(text):
    source = f"C = {text}\n\n\ndef main(x: int) -> int:\n    t = C\n    return len(t) + x\n"
    checked = check_source(source, "c.py")
    module = checked.checked
    value = ConstEvaluator("c.py", module.imported).define("C", module.constants[0].value)
    assert constant_words(value) == len(layout_constant(value, CONST_BASE)[0])
    offset = element_offset(value)
    pad = -offset % 8 if offset is not None else 0  # elements start on a data-table row
    program = compiled(source, x=1)
    assert program.layout.const_size == pad + constant_words(value)
    assert program.consts[pad:] == tuple(int(v) for v in layout_constant(value, CONST_BASE + pad)[0])


# --- the VM's semantics of the data space -------------------------------------------------------
CONSTS = (5, 7, -9)


def assembly(*code: Instruction, in_size: int = 1) -> Program:
    """A hand-written program with CONSTS as its read-only constants: fp-relative slots from 0."""
    layout = Layout.build(1, 0, in_size, 1, 8, const_size=len(CONSTS))
    return Program(tuple(code), (0,), layout, consts=CONSTS)


def out_base(program: Program) -> int:
    return program.layout.out_base


READER = assembly(
    Instruction(op.LDA, 0, 0, 0, CONST_BASE + 1),   # s0 = consts[1]
    Instruction(op.LDA, 0, 0, 1, 2),                # s1 = the private input (address 2)
    Instruction(op.ADD, 0, 1, 2, 0),                # s2 = s0 + s1
    Instruction(op.STA, 2, 0, 0, 3),                # out = s2 (the output region at address 3)
    Instruction(op.HALT, 0, 0, 0, 0),
)


def test_hand_written_program_layout():
    assert (READER.layout.in_base, READER.layout.out_base) == (2, 3)


def test_reads_of_the_data_space_and_its_zero_padding():
    assert run(READER, [4]).outputs == [7 + 4] == run_reference(READER, [4]).outputs
    past = assembly(Instruction(op.LDA, 0, 0, 0, CONST_BASE + 8 * const_rows(3) - 1),
                    Instruction(op.STA, 0, 0, 0, 3), Instruction(op.HALT, 0, 0, 0, 0))
    assert run(past, [0]).outputs == [0] == run_reference(past, [0]).outputs  # the data table's last word


@pytest.mark.parametrize("address", [CONST_BASE, CONST_BASE + 2, CONST_BASE + 8 * CONST_MIN_ROWS - 1])
def test_a_store_into_the_constants_stops_the_run(address):
    program = assembly(Instruction(op.MOVI, 0, 0, 0, 1), Instruction(op.STA, 0, 0, 0, address),
                       Instruction(op.HALT, 0, 0, 0, 0))
    for runner in (run, run_reference):
        with pytest.raises(ExecutionError, match="read-only constants"):
            runner(program, [0])


def test_a_read_past_the_data_space_is_an_invalid_access():
    program = assembly(Instruction(op.LDA, 0, 0, 0, CONST_BASE + 8 * CONST_MIN_ROWS),
                       Instruction(op.HALT, 0, 0, 0, 0))
    for runner in (run, run_reference):
        with pytest.raises(ExecutionError, match="invalid memory access"):
            runner(program, [0])


def test_model_with_constants_proves_and_verifies():
    program = compiled(MODEL, **MODEL_INPUT)
    result = zkvm.prove(program, flatten_inputs(program, MODEL_INPUT))
    claim = zkvm.verify(result.proof, program)
    assert claim.output == as_output(cpython(MODEL, MODEL_INPUT))
    pf = ProofFile.from_bytes(result.proof)
    assert len(pf.stark.tables) == 4  # CPU, data, words, masks
    assert pf.stark.tables[DATA].trace_length == const_rows(program.layout.const_size)


def test_a_proof_whose_data_table_height_lies_is_refused():
    result = zkvm.prove(READER, [4])
    pf = ProofFile.from_bytes(result.proof)
    import dataclasses

    tables = list(pf.stark.tables)
    tables[DATA] = dataclasses.replace(tables[DATA], trace_length=2 * tables[DATA].trace_length)
    lying = dataclasses.replace(pf, stark=dataclasses.replace(pf.stark, tables=tuple(tables)))
    with pytest.raises(ProofFormatError, match="data table"):
        zkvm.verify(lying, READER)


# --- forgeries: lies about constant reads, proven without the prover's checks -------------------
def _lie_on(opcode: int, **columns):
    """A hook that rewrites the first row of the first ``opcode`` instruction."""
    done = []

    def hook(cycle, code, rows):
        if code == opcode and not done:
            done.append(cycle)
            rows[0].update(columns)
    return hook


def _word_row(words: np.ndarray, address: int) -> int:
    col = {c: i for i, c in enumerate(word_columns())}
    return int(np.flatnonzero((words[:, col["addr"]] == address % P) & (words[:, col["on"]] == 1))[0])


def test_the_honest_forged_run_verifies():
    forged = F.forge(READER, [4])
    claim = F.verify_forged(READER, F.prove_forged(READER, forged))
    assert claim.output_values == (11,)


def test_a_constant_read_with_another_value_is_rejected():
    """The CPU claims consts[1] is 99: the word table either answers the true 7 (the
    constant-read bus does not balance) or claims 99 (its data lookup finds no such row)."""
    forged = F.forge(READER, [4], _lie_on(op.LDA, b_old=99, b_val=99, c_val=99))
    assert forged.outputs == [99 + 4]
    with pytest.raises(VerificationError):
        F.verify_forged(READER, F.prove_forged(READER, forged))
    col = {c: i for i, c in enumerate(word_columns())}

    def word_says_99(traces):
        words = traces[WORDS]
        r = _word_row(words, CONST_BASE + 1)
        words[r, col["value"]] = 99
        words[r, col["w1"]] = 99
    with pytest.raises(VerificationError):
        F.verify_forged(READER, F.prove_forged(READER, forged, tables=word_says_99))

    def value_only(traces):  # the selected word stays 7: the selection constraint breaks
        traces[WORDS][_word_row(traces[WORDS], CONST_BASE + 1), col["value"]] = 99
    with pytest.raises(VerificationError):
        F.verify_forged(READER, F.prove_forged(READER, forged, tables=value_only))


def test_a_constant_read_through_memory_is_rejected():
    """Unflagged, the read consumes a memory tuple of an address no memory row holds."""
    forged = F.forge(READER, [4], _lie_on(op.LDA, cb=0, b_old=99, b_val=99, c_val=99))
    with pytest.raises(VerificationError):
        F.verify_forged(READER, F.prove_forged(READER, forged))


def test_a_memory_read_answered_by_the_word_table_is_rejected():
    """The second lda reads the private input (address 2) but flags it as a constant read and
    claims 40: a word-table row answering (2, 40) needs a data row at base 2 - j, below
    CONST_BASE, which the data table does not have."""
    def flag_input_read(cycle, code, rows):
        row = rows[0]
        if code == op.LDA and row["imm"] == 2:
            writer.last_t[2] = row["b_tp"]  # (the read leaves memory: its cell keeps its last time)
            row.update(cb=1, b_old=40, b_val=40, c_val=40, b_tp=4 * row["clk"] + 1, m_b_lo=0, m_b_hi=0)
    writer = F.TraceWriter(READER, [4], hook=flag_input_read)
    forged = writer.run()
    assert forged.outputs == [7 + 40]
    col = {c: i for i, c in enumerate(word_columns())}

    def answer(traces):
        words = traces[WORDS]
        r = int(np.flatnonzero(words[:, col["on"]] == 0)[0])
        values = {"on": 1, "addr": 2, "value": 40, "base": 0, "s2": 1, "w2": 40, "m": 1}
        for name, v in values.items():
            words[r, col[name]] = v
    with pytest.raises(VerificationError):
        F.verify_forged(READER, F.prove_forged(READER, forged, tables=answer))


@pytest.mark.parametrize("flag", [2, P - 1])
def test_a_constant_flag_other_than_0_or_1_is_rejected(flag):
    """cb = -1 would turn the memory read's multiplicity 1 - cb into 2 and the constant read's
    into -1; cb = 2 the other way round: booleanity rejects both."""
    forged = F.forge(READER, [4], _lie_on(op.LDA, cb=flag))
    with pytest.raises(VerificationError):
        F.verify_forged(READER, F.prove_forged(READER, forged))


def test_a_constant_flag_on_another_instruction_is_rejected():
    """cb on the add row takes its B read out of memory: only ld, lda and mac steps may."""
    def flag_add(cycle, code, rows):
        if code == op.ADD:
            row = rows[0]
            writer.last_t[row["b_addr"]] = row["b_tp"]
            row.update(cb=1, b_tp=4 * row["clk"] + 1, m_b_lo=0, m_b_hi=0)
    writer = F.TraceWriter(READER, [4], hook=flag_add)
    forged = writer.run()
    with pytest.raises(VerificationError):
        F.verify_forged(READER, F.prove_forged(READER, forged))
    assert any("cb only on" in v.constraint for v in F.violations(READER, forged))


def test_committed_constants_verify_with_a_key_of_both_tables():
    """With every part committed, a key holds the CPU table's root and the data table's (at
    its own height); the verifier checks both roots instead of evaluating the columns."""
    from zkvm.air.vm_air import COMMIT_CONSTS
    from zkvm.keygen import verifying_key

    program = compiled(MODEL, **MODEL_INPUT)
    result = zkvm.prove(program, flatten_inputs(program, MODEL_INPUT), commit_program=True)
    assert result.commitment & COMMIT_CONSTS
    key = verifying_key(program, [(result.trace_length, result.blowup)], result.commitment)
    height = const_rows(program.layout.const_size)
    pf = ProofFile.from_bytes(result.proof)
    assert key.root_for(height, result.blowup, COMMIT_CONSTS) == pf.stark.tables[DATA].fixed_root
    assert zkvm.verify(result.proof, program, vk=key).program_columns == "key"
    assert zkvm.verify(result.proof, program).program_columns == "evaluated"
    other = compiled(MODEL.replace("[10, -20, 30]", "[10, -20, 31]"), **MODEL_INPUT)
    wrong = verifying_key(other, [(result.trace_length, result.blowup)], result.commitment)
    import dataclasses

    with pytest.raises(VerificationError):  # the other program's data root for this one's hash
        zkvm.verify(result.proof, program, vk=dataclasses.replace(wrong, program_hash=program.hash()))


def test_a_cpu_trace_taller_than_the_constants_base_is_refused():
    """Row j is memory address j: a CPU trace of 2^27 rows would give the constants' addresses
    memory rows holding zeros, so a constant read through memory would read 0."""
    import dataclasses

    pf = ProofFile.from_bytes(zkvm.prove(READER, [4]).proof)
    tables = list(pf.stark.tables)
    tables[0] = dataclasses.replace(tables[0], trace_length=1 << 27)
    with pytest.raises(ProofFormatError, match="2\\^26"):
        zkvm.verify(dataclasses.replace(pf, stark=dataclasses.replace(pf.stark, tables=tuple(tables))), READER)
