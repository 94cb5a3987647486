"""A segmented run's read-only constants: each segment carries the pieces of the data table it
reads (``segment_constants="read"``), every piece's root is the program's, held once in its
verifying key; or every segment carries all of them (``"all"``).

Oracles: CPython for the output; the pieces a segment must carry are computed here from the
segment's recorded trace and dot-product rows (which data rows its reads and macs touch). A
forger who leaves out a piece the segment reads, puts another piece in its place, or carries a
piece twice (its multiplicities split so that the bus still balances) proves without the
self-check and is rejected.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from zkvm import segmented
from zkvm.air import layout as L
from zkvm.air.vm_air import COMMIT_CONSTS, commitment_for, image_groups
from zkvm.compiler import compile_source
from zkvm.errors import ProofFormatError, VerificationError
from zkvm.isa.program import CONST_BASE, CONST_ROW, const_layout, const_rows, read_piece_rows
from zkvm.proof_file import ProofFile
from zkvm.prover import prove, vm_tables
from zkvm.stark.multi_proof import MultiProof
from zkvm.verifier import verify
from zkvm.vm import segments

LAYER = """
def dense_NAME(x: list[int]) -> int:
    t = 0
    for row in NAME:
        acc = 0
        for i in range(len(x)):
            acc += row[i] * x[i]
        t += acc
    return t
"""
SOURCE = """
A = [[(i * 31 + j * 17) % 15 - 7 for j in range(1024)] for i in range(8)]
B = [[(i * 13 + j * 7) % 11 - 5 for j in range(1024)] for i in range(8)]
C = [[(i * 5 + j * 3) % 9 - 4 for j in range(1024)] for i in range(8)]
D = [[(i * 29 + j * 11) % 13 - 6 for j in range(1024)] for i in range(8)]
""" + "".join(LAYER.replace("NAME", m) for m in "ABCD") + """

def mix(v: int, rounds: int) -> int:
    for i in range(rounds):
        v = (v * 7 + i) % 1009
    return v


def main(x: list[int]) -> int:
    for v in x:
        assert -8 <= v <= 8
    s = mix(dense_A(x), 300)
    s = mix(s + dense_B(x), 300)
    s = mix(s + dense_C(x), 300)
    s = mix(s + dense_D(x), 300)
    return s
"""
ROWS = 1 << 11
SEED = bytes(32)
X = [(i * 5) % 17 - 8 for i in range(1024)]


def cpython(x: list[int]) -> int:
    scope: dict = {}
    exec(SOURCE, scope)
    return scope["main"](x)


@pytest.fixture(scope="module")
def model():
    return compile_source(SOURCE, "layers.py", input_shapes={"x": [1024]})


@pytest.fixture(scope="module")
def read_run(model):
    return prove(model, X, segment_rows=ROWS, zk_seed=SEED, commit_program=True)


def _data_tables(stark: MultiProof) -> list[tuple[int, int]]:
    """A segment proof's data tables as (first row, height), from their addr0 and height."""
    return [((tp.public_inputs[0] - CONST_BASE) // CONST_ROW, tp.trace_length)
            for i, tp in enumerate(stark.tables) if i and len(tp.public_inputs) == 1]


def _rows_read(program, plan, k: int) -> set[int]:
    """The data rows segment k looks up: its CPU's flagged constant reads and its dot rows'
    weight rows (from its recording, not from the prover's tables)."""
    seg = segments.record(program, plan, k)
    t, col = seg.trace, L.COL
    addrs = np.concatenate([t[t[:, col["ca"]] == 1, col["a_addr"]], t[t[:, col["cb"]] == 1, col["b_addr"]]])
    rows = {int(a - CONST_BASE) // CONST_ROW for a in addrs}
    if seg.dots is not None:
        rows |= {int(r) for r in seg.dots.weight_rows}
    return rows


def test_segments_carry_the_pieces_they_read_and_verify_with_cpython_result(model, read_run):
    """32 K constants (a data table of 2^13 rows) in segments of 2^11 rows: each segment
    carries exactly the 2^10-row pieces holding the rows it reads, a few of the eight."""
    assert const_rows(model.layout.const_size) == 1 << 13
    assert read_piece_rows(ROWS) == 1 << 10
    claim = verify(read_run.proof, model)
    assert claim.output == cpython(X) and claim.segments == read_run.segments >= 4
    pf = ProofFile.from_bytes(read_run.proof)
    plan = segments.plan(model, X, rows=ROWS)
    assert plan.count == read_run.segments
    carried = set()
    for k, stark in enumerate((pf.stark, *pf.segments)):
        pieces = _data_tables(stark)
        expected = sorted({(r // 1024 * 1024, 1024) for r in _rows_read(model, plan, k)}) or [(0, 1024)]
        assert pieces == expected
        assert len(pieces) <= 3
        carried |= set(pieces)
    assert len(carried) >= 4  # (every layer's 1024 rows of weights, by the segments running it)


def test_all_constants_in_every_segment_on_request(model):
    result = prove(model, X, segment_rows=ROWS, zk_seed=SEED, segment_constants="all")
    pf = ProofFile.from_bytes(result.proof)
    assert all(_data_tables(st) == [(0, 8192)] for st in (pf.stark, *pf.segments))
    assert verify(result.proof, model).output == cpython(X)


def test_key_holds_every_piece_s_root_once(model, read_run):
    """The program's key holds each piece's root once (and the whole table's, for runs proven
    whole); every segment's data tables commit under those roots, and a key with a wrong root
    for one piece rejects the proof."""
    from zkvm.keygen import verifying_key
    from zkvm.keys import VerifyingKey

    blowup = read_run.blowup
    assert read_run.commitment & COMMIT_CONSTS
    key = verifying_key(model, [(ROWS, blowup)], read_run.commitment, segmented=True)
    data_entries = sorted((e[3], 1 << e[0]) for e in key.roots if e[2] == COMMIT_CONSTS)
    assert data_entries == sorted(set(const_layout(model.layout.const_size))
                                  | set(const_layout(model.layout.const_size, read_piece_rows(ROWS))))
    pf = ProofFile.from_bytes(read_run.proof)
    for stark in (pf.stark, *pf.segments):
        tables = [tp for i, tp in enumerate(stark.tables) if i and len(tp.public_inputs) == 1]
        for (first, height), tp in zip(_data_tables(stark), tables):
            assert tp.fixed_root == key.root_for(height, blowup, COMMIT_CONSTS, first)
    assert verify(read_run.proof, model, vk=key).program_columns == "key"
    first, height = _data_tables(pf.segments[0])[-1]
    lying = dict(key.roots)
    lying[(height.bit_length() - 1, blowup.bit_length() - 1, COMMIT_CONSTS, first)] = bytes(32)
    with pytest.raises(VerificationError):
        verify(read_run.proof, model, vk=VerifyingKey(model.hash(), lying))
    assert VerifyingKey.from_bytes(key.to_bytes()) == key


# --- forgers ------------------------------------------------------------------------------------

def _tasks(model):
    plan = segments.plan(model, X, rows=ROWS)
    options = segmented.segment_options(ROWS)
    return plan, segmented.tasks(model, plan, options, commitment_for(model, None), SEED)


def _lying_segment(model, task, edit_pieces) -> bytes:
    """Segment ``task`` proven without the prover's checks, its data pieces (index, trace)
    replaced by ``edit_pieces(pieces)``."""
    import zkvm.air.data_space as data_space
    from zkvm.air.vm_air import public_columns, statement_bytes
    from zkvm.stark.multi_prover import prove_tables
    from zkvm.vm.segments import record_task

    honest = data_space.data_space_traces

    def lying(*args, **kwargs):
        pieces, words, private = honest(*args, **kwargs)
        return edit_pieces(pieces), words, private

    seg = record_task(task)
    cols = public_columns(model, task.public_inputs, task.outputs, seg.trace_length, task.output_address,
                          commitment=task.commitment & ~COMMIT_CONSTS, segment=task.role)
    data_space.data_space_traces = lying
    try:
        system, traces, publics, table_columns = vm_tables(model, seg, cols, task.commitment, read_pieces=True)
    finally:
        data_space.data_space_traces = honest
    traces[0] = seg.trace
    image_in, image_out = image_groups(task.role)
    seeds = {(0, g): sd for g, sd in ((image_in, task.seed_in), (image_out, task.seed_out)) if g is not None}
    stmt = segmented.segment_statement(statement_bytes(model.hash(), (), task.outputs, task.output_address),
                                       task.index, task.count)
    return prove_tables(system, traces, publics, task.options, public_columns=table_columns, statement=stmt,
                        shared_seeds=seeds, check=False, zk_seed=task.zk_seed).to_bytes()


def _m_column(trace: np.ndarray) -> int:
    from zkvm.air.vm_air import DATA, vm_system

    return list(vm_system(ROWS, True).tables[DATA].main_columns).index("m")


def _split(pieces):
    """The first piece twice, its lookups split between the copies (the bus still balances)."""
    (index, trace), rest = pieces[0], pieces[1:]
    m = _m_column(trace)
    a, b = trace.copy(), trace.copy()
    a[:, m] = trace[:, m] // 2
    b[:, m] = trace[:, m] - a[:, m]
    return [(index, a), (index, b), *rest]


def _omit(pieces):
    return pieces[:-1]


def _other(pieces):
    """The last piece the segment reads swapped for a piece it does not read."""
    used = {i for i, _ in pieces}
    index, trace = pieces[-1]
    other = next(i for i in range(8) if i not in used)
    first = other * 1024
    swapped = trace.copy()
    swapped[:, 0] = CONST_BASE + CONST_ROW * (first + np.arange(1024, dtype=np.uint64))
    swapped[:, _m_column(trace)] = 0
    return sorted([*pieces[:-1], (other, swapped)], key=lambda p: p[0])


@pytest.fixture(scope="module")
def forged(model, read_run):
    """The segment reading two pieces, and the honest file to splice lies into."""
    plan, jobs = _tasks(model)
    k = next(k for k in range(plan.count) if len({r // 1024 for r in _rows_read(model, plan, k)}) == 2)
    return jobs, k, ProofFile.from_bytes(prove(model, X, segment_rows=ROWS, zk_seed=SEED).proof)


def _splice(pf: ProofFile, k: int, blob: bytes) -> bytes:
    proofs = [pf.stark, *pf.segments]
    proofs[k] = MultiProof.from_bytes(blob)
    return dataclasses.replace(pf, stark=proofs[0], segments=tuple(proofs[1:])).to_bytes()


def test_forger_harness_reproduces_an_accepted_segment(model, forged):
    jobs, k, pf = forged
    assert verify(_splice(pf, k, _lying_segment(model, jobs[k], lambda p: p)), model).output == cpython(X)


@pytest.mark.parametrize("edit", [_omit, _other, _split], ids=["omitted", "another-piece", "duplicated"])
def test_segment_with_other_pieces_than_it_reads_is_rejected(model, forged, edit):
    jobs, k, pf = forged
    with pytest.raises(VerificationError):
        verify(_splice(pf, k, _lying_segment(model, jobs[k], edit)), model)


def test_piece_address_changed_in_the_proof_is_rejected(model, read_run):
    pf = ProofFile.from_bytes(read_run.proof)
    stark = pf.segments[0]
    index = next(i for i, tp in enumerate(stark.tables) if i and len(tp.public_inputs) == 1)
    tables = list(stark.tables)
    address = tables[index].public_inputs[0]
    for moved in (address + CONST_ROW * 1024, address + CONST_ROW, CONST_BASE + CONST_ROW * 8192):
        tables[index] = dataclasses.replace(tables[index], public_inputs=(moved,))
        lying = dataclasses.replace(pf, segments=(dataclasses.replace(stark, tables=tuple(tables)), *pf.segments[1:]))
        with pytest.raises(VerificationError):
            verify(lying.to_bytes(), model)


def test_whole_run_never_carries_read_pieces(model):
    """A run proven whole carries the whole data table: read pieces in an unsegmented proof
    are a malformed proof."""
    from zkvm.stark.multi_proof import MultiProof as MP

    pf = ProofFile.from_bytes(prove(model, X, zk_seed=SEED).proof)
    assert pf.segments == () and _data_tables(pf.stark) == [(0, 8192)]
    segment = ProofFile.from_bytes(prove(model, X, segment_rows=ROWS, zk_seed=SEED).proof).segments[0]
    with pytest.raises(ProofFormatError, match="data table pieces"):
        verify(dataclasses.replace(pf, stark=MP.from_bytes(segment.to_bytes())).to_bytes(), model)


def test_cli_proves_in_segments_and_verifies_with_the_key(tmp_path):
    """zkvm run --segment-cycles N [--segment-constants all], zkvm keygen --proof, zkvm verify
    --vk and zkvm inspect on a segmented run of a model with constants; a bad
    --segment-constants exits 2."""
    import json

    from tests.cli.test_end_to_end import zkvm

    source = tmp_path / "layers.py"
    source.write_text(SOURCE)
    inputs = tmp_path / "layers.input.json"
    inputs.write_text(json.dumps({"x": X}))
    for mode in ("read", "all"):
        proof = tmp_path / f"{mode}.proof"
        r = zkvm("run", str(source), "--input", str(inputs), "--prove", "--segment-cycles", str(ROWS),
                 "--segment-constants", mode, "--commit-program", "--proof", str(proof), "--json")
        assert r.returncode == 0, r.stderr
        summary = json.loads(r.stdout)
        assert summary["output"] == cpython(X) and summary["segments"] >= 4
        vk = tmp_path / f"{mode}.vk"
        r = zkvm("keygen", str(source), "--proof", str(proof), "--out", str(vk), "--json")
        assert r.returncode == 0, r.stderr
        r = zkvm("verify", str(proof), "--program", str(source), "--vk", str(vk), "--json")
        assert r.returncode == 0, r.stderr
        verdict = json.loads(r.stdout)
        assert verdict["valid"] and verdict["output"] == cpython(X) and verdict["program_columns"] == "key"
        assert verdict["segments"] == summary["segments"]
        r = zkvm("inspect", str(proof), "--json")
        assert r.returncode == 0, r.stderr
        rows = json.loads(r.stdout)["segment_table_rows"]
        assert len(rows) == summary["segments"]
    r = zkvm("run", str(source), "--input", str(inputs), "--prove", "--segment-cycles", str(ROWS),
             "--segment-constants", "some")
    assert r.returncode == 2 and "--segment-constants" in r.stderr and "Traceback" not in r.stderr
