"""Segmented runs: a long run proven as several segment proofs chained by their boundary
states and shared memory images (docs/air.md, "Segments").

Honest segmented proofs verify and state CPython's result; every way of recombining segments
(dropped, duplicated, reordered, spliced from another run of the same program or from another
program) is rejected, and so are forgers who prove a segment from another boundary state or
from a changed memory image, or who hand over an image that is not the memory their segment
ended with.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from zkvm.air.vm_air import commitment_for, image_groups
from zkvm.compiler import compile_source
from zkvm.errors import ParameterError, VerificationError
from zkvm.proof_file import ProofFile
from zkvm.prover import prove, vm_tables
from zkvm.stark.multi_proof import MultiProof
from zkvm.verifier import verify
from zkvm.vm import segments

SOURCE = '''
def main(xs: list[int]) -> int:
    acc = 0
    hist = [0, 0, 0, 0]
    for i in range(ROUNDS):
        acc = acc + xs[i % 4] * i
        hist[acc % 4] += 1
        if acc > 10000:
            acc = acc - 9999
    return acc * 1000 + hist[0] * 100 + hist[1] * 10 + hist[3]
'''
ROWS = 1 << 11
SEED = bytes(32)


def program(rounds: int = 190):
    return compile_source(SOURCE.replace("ROUNDS", str(rounds)), input_shapes={"xs": [4]})


def cpython(xs: list[int], rounds: int = 190) -> int:
    scope: dict = {}
    exec(SOURCE.replace("ROUNDS", str(rounds)), scope)
    return scope["main"](xs)


@pytest.fixture(scope="module")
def run():
    prog = program()
    result = prove(prog, [3, 1, 4, 1], segment_rows=ROWS, zk_seed=SEED)
    return prog, result


@pytest.fixture(scope="module")
def other_run(run):
    prog = run[0]
    return prove(prog, [2, 7, 1, 8], segment_rows=ROWS, zk_seed=bytes([5] * 32))


def _file(result) -> ProofFile:
    return ProofFile.from_bytes(result.proof)


def _with(pf: ProofFile, proofs: list[MultiProof]) -> bytes:
    return dataclasses.replace(pf, stark=proofs[0], segments=tuple(proofs[1:])).to_bytes()


def _proofs(pf: ProofFile) -> list[MultiProof]:
    return [pf.stark, *pf.segments]


def test_segmented_run_verifies_with_cpython_result(run):
    prog, result = run
    assert result.segments >= 4
    claim = verify(result.proof, prog)
    assert claim.output == cpython([3, 1, 4, 1])
    assert claim.segments == result.segments
    assert len(_file(result).segments) == result.segments - 1


def test_run_that_fits_one_segment_is_proven_whole():
    prog = program(20)
    result = prove(prog, [1, 2, 3, 4], segment_rows=1 << 14)
    assert result.segments == 1 and _file(result).segments == ()
    assert verify(result.proof, prog).output == cpython([1, 2, 3, 4], 20)


def test_segment_rows_must_be_a_power_of_two():
    with pytest.raises(ParameterError):
        prove(program(20), [1, 2, 3, 4], segment_rows=3000)


@pytest.mark.parametrize("change", ["drop", "duplicate", "reorder", "drop last", "drop first"])
def test_recombined_segments_are_rejected(run, change):
    prog, result = run
    pf = _file(result)
    proofs = _proofs(pf)
    if change == "drop":
        proofs = proofs[:1] + proofs[2:]
    elif change == "duplicate":
        proofs = proofs[:2] + proofs[1:]
    elif change == "reorder":
        proofs[1], proofs[2] = proofs[2], proofs[1]
    elif change == "drop last":
        proofs = proofs[:-1]
    else:
        proofs = proofs[1:]
    with pytest.raises(VerificationError):
        verify(_with(pf, proofs), prog)


@pytest.mark.parametrize("k", [0, 1, -1])
def test_segment_from_another_run_of_the_program_is_rejected(run, other_run, k):
    prog, result = run
    pf, other = _file(result), _proofs(_file(other_run))
    proofs = _proofs(pf)
    assert len(other) == len(proofs)
    proofs[k] = other[k]
    with pytest.raises(VerificationError):
        verify(_with(pf, proofs), prog)


def test_segment_from_another_program_is_rejected(run):
    prog, result = run
    other_prog = program(191)
    other = _proofs(_file(prove(other_prog, [3, 1, 4, 1], segment_rows=ROWS, zk_seed=SEED)))
    proofs = _proofs(_file(result))
    proofs[1] = other[1]
    with pytest.raises(VerificationError):
        verify(_with(_file(result), proofs), prog)


def test_wrong_output_claim_is_rejected(run):
    prog, result = run
    pf = _file(result)
    forged = dataclasses.replace(pf, outputs=(pf.outputs[0] + 1,)).to_bytes()
    with pytest.raises(VerificationError):
        verify(forged, prog)


# --- forgers who prove segments themselves (they know every seed) ---------------------------

def _tasks(prog, xs):
    from zkvm import segmented

    plan = segments.plan(prog, xs, rows=ROWS)
    options = segmented.segment_options(ROWS)
    return plan, segmented.tasks(prog, plan, options, commitment_for(prog, None), SEED)


def _honest(prog, xs) -> tuple[list, list[bytes]]:
    from zkvm import segmented

    plan, jobs = _tasks(prog, xs)
    return jobs, [segmented.prove_task(j) for j in jobs]


@pytest.fixture(scope="module")
def honest(run):
    prog = run[0]
    jobs, blobs = _honest(prog, [3, 1, 4, 1])
    pf = _file(run[1])
    return prog, pf, jobs, blobs


def _assemble(pf: ProofFile, blobs: list[bytes]) -> bytes:
    return _with(pf, [MultiProof.from_bytes(b) for b in blobs])


def test_forger_harness_reproduces_an_accepted_proof(honest):
    prog, pf, jobs, blobs = honest
    assert verify(_assemble(pf, blobs), prog).output == cpython([3, 1, 4, 1])


def _lying_segment(prog, task, edit) -> bytes:
    """Segment ``task`` proven by a prover that skips its checks, after ``edit(system, traces)``
    changed its tables."""
    from zkvm import segmented
    from zkvm.air.vm_air import COMMIT_CODE, public_columns, statement_bytes
    from zkvm.stark.multi_prover import prove_tables
    from zkvm.vm.segments import record_task

    seg = record_task(task)
    cols = public_columns(prog, task.public_inputs, task.outputs, seg.trace_length, task.output_address,
                          commitment=task.commitment & COMMIT_CODE, segment=task.role)
    system, traces, publics, table_columns = vm_tables(prog, seg, cols, task.commitment & COMMIT_CODE)
    traces[0] = seg.trace
    edit(system, traces)
    image_in, image_out = image_groups(task.role)
    seeds = {(0, g): sd for g, sd in ((image_in, task.seed_in), (image_out, task.seed_out)) if g is not None}
    stmt = segmented.segment_statement(statement_bytes(prog.hash(), (), task.outputs, task.output_address), task.index,
                                       task.count)
    return prove_tables(system, traces, publics, task.options, public_columns=table_columns, statement=stmt,
                        shared_seeds=seeds, check=False, zk_seed=task.zk_seed).to_bytes()


def _other_pc(prog, start) -> int:
    return next(pc for pc in range(len(prog.code)) if pc != start.pc and prog.code[pc].name != "halt")


def test_segment_started_from_another_state_and_its_image_is_rejected(honest):
    """Segment 2 proven honestly from another pc, its image's state word saying so: its image
    is not the one segment 1 handed over."""
    from zkvm import segmented

    prog, pf, jobs, blobs = honest
    start = jobs[2].start
    pc = _other_pc(prog, start)
    memory = start.memory.copy()
    memory[-1] = segments.pack_state(pc, start.fp)
    moved = dataclasses.replace(jobs[2], start=dataclasses.replace(start, pc=pc, memory=memory))
    try:
        forged = segmented.prove_task(moved)
    except Exception:  # the program may fault from there: the same state with another fp
        memory[-1] = segments.pack_state(start.pc, start.fp + 1)
        moved = dataclasses.replace(jobs[2], start=dataclasses.replace(start, fp=start.fp + 1, memory=memory))
        forged = segmented.prove_task(moved)
    with pytest.raises(VerificationError, match="memory image and state"):
        verify(_assemble(pf, blobs[:2] + [forged] + blobs[3:]), prog)


def _moved_start(prog, task, image_state: bool):
    """Segment ``task``'s start moved to another state the program runs on from (another pc,
    else another fp), with its image's state word saying so (``image_state``) or not."""
    from zkvm import segmented

    start = task.start
    for pc, fp in ((_other_pc(prog, start), start.fp), (start.pc, start.fp + 1)):
        memory = start.memory.copy()
        if image_state:
            memory[-1] = segments.pack_state(pc, fp)
        moved = dataclasses.replace(task, start=dataclasses.replace(start, pc=pc, fp=fp, memory=memory))
        try:
            segments.record_task(moved)
        except Exception:  # the program faults from there: try the next
            continue
        return moved
    raise AssertionError("no other state to start from")


def _forged_chain(prog, pf, jobs, k: int, lie: str) -> bytes:
    """A whole consistent lying proof: the run is honest up to segment k, which starts from
    another state S' than the one segment k - 1 parked in (S), and from there on the program
    honestly runs from S' to its (so forged) output; every segment is proven for that output.
    ``lie``: "take-over" (segment k - 1 hands over S; segment k starts from S' anyway, proven
    without the self-check) or "hand-over" (segment k - 1 hands over S' while parked in S,
    proven without the self-check; segment k honestly starts from S')."""
    from zkvm import segmented
    from zkvm.air import layout as L
    from zkvm.vm.run import DEFAULT_MEMORY, _read_outputs

    moved = _moved_start(prog, jobs[k], image_state=True).start
    mem = np.zeros(DEFAULT_MEMORY, dtype=np.uint64)
    mem[:ROWS] = moved.memory
    mem[ROWS - 1] = 0  # (the state word is no memory)
    starts = segments.continue_from(prog, mem, moved.pc, moved.fp, ROWS, index=k, done=moved.cycles_before)
    outputs, out_addr = _read_outputs(prog, mem, DEFAULT_MEMORY)
    count = k + len(starts)
    true_state = jobs[k].start.memory[-1]
    if lie == "take-over":
        starts[0] = dataclasses.replace(starts[0], memory=np.concatenate([starts[0].memory[:-1], [true_state]]))
    seeds = [jobs[i].seed_out for i in range(k)] + [bytes([40 + i]) * 32 for i in range(k, count - 1)]
    tasks = []
    for i in range(count):
        start = jobs[i].start if i < k else starts[i - k]
        tasks.append(dataclasses.replace(jobs[min(i, len(jobs) - 1)], start=start, count=count, outputs=tuple(outputs),
                                         output_address=out_addr, seed_in=seeds[i - 1] if i else None,
                                         seed_out=seeds[i] if i < count - 1 else None))
    other = int(starts[0].memory[-1]) if lie == "hand-over" else None

    def hand_over_other(system, traces):
        traces[0][traces[0].shape[0] - 1, L.COL["fin_v"]] = other  # (the image out is this column)

    blobs = []
    for i, task in enumerate(tasks):
        if lie == "take-over" and i == k:
            blobs.append(_lying_segment(prog, task, lambda system, traces: None))
        elif lie == "hand-over" and i == k - 1:
            blobs.append(_lying_segment(prog, task, hand_over_other))
        else:
            blobs.append(segmented.prove_task(task))
    forged = dataclasses.replace(pf, outputs=tuple(outputs), output_address=out_addr)
    return _assemble(forged, blobs)


@pytest.mark.parametrize("lie", ["take-over", "hand-over"])
def test_whole_lying_chain_with_a_moved_boundary_state_is_rejected(honest, lie):
    """The forger's best try at moving a boundary state (the rest of the chain consistent with
    it): only the take-over or the hand-over constraint stands in the way, and it holds."""
    prog, pf, jobs, blobs = honest
    with pytest.raises(VerificationError):
        verify(_forged_chain(prog, pf, jobs, 2, lie), prog)


@pytest.mark.parametrize("cell", ["memory", "state"])
def test_lying_prover_handing_over_another_image_is_rejected(honest, cell):
    """Segment 1's prover changes a word of its image out (its memory table's final values: a
    memory word, or the state word, so that segment 2 can start from it) without the
    self-check: the memory argument or the parked state disagrees, and segment 1's proof fails."""
    prog, pf, jobs, blobs = honest
    from zkvm.air import layout as L

    def edit(system, traces):
        n = traces[0].shape[0]
        word = prog.layout.stack_base + 1 if cell == "memory" else n - 1
        fin = L.COL["fin_v"]
        traces[0][word, fin] = (int(traces[0][word, fin]) + 1) % (2**64 - 2**32 + 1)

    lying = _lying_segment(prog, jobs[1], edit)
    with pytest.raises(VerificationError):
        verify(_assemble(pf, blobs[:1] + [lying] + blobs[2:]), prog)


def test_segment_proofs_do_not_reveal_the_images_seed_free():
    """Two proofs of the same run with different randomness have different image roots (the
    roots are hiding commitments, not hashes of the memory)."""
    prog = program()
    a = _file(prove(prog, [3, 1, 4, 1], segment_rows=ROWS, zk_seed=bytes([1] * 32)))
    b = _file(prove(prog, [3, 1, 4, 1], segment_rows=ROWS, zk_seed=bytes([2] * 32)))
    roots = lambda pf: [root for p in _proofs(pf) for tp in p.tables for root in tp.shared_roots]  # noqa: E731
    assert set(roots(a)).isdisjoint(roots(b))
    chain = roots(a)  # out_0, in_1 (= out_0), out_1, in_2 (= out_1), ...
    assert len(chain) == 2 * (len(_proofs(a)) - 1)
    assert all(x == y for x, y in zip(chain[0::2], chain[1::2]))


def test_long_example_program_runs_as_cpython():
    """programs/sgd_train.py (the 2^24-cycle benchmark of bench/bench_segments.py): the VM's
    output is CPython's (its proof is the benchmark's, too slow for the suite)."""
    import json
    from pathlib import Path

    from zkvm.isa.program import shaped_output
    from zkvm.programs import load, read_input_file
    from zkvm.vm.run import run

    root = Path(__file__).resolve().parent.parent / "programs"
    loaded = load(root / "sgd_train.py", read_input_file(root / "sgd_train.input.json"))
    ex = run(loaded.program, loaded.inputs, record=False)
    scope: dict = {}
    exec(compile((root / "sgd_train.py").read_text(), "sgd_train.py", "exec"), scope)
    data = json.loads((root / "sgd_train.input.json").read_text())
    assert shaped_output(loaded.program, ex.outputs) == scope["main"](data["xs"], data["ys"])
    assert ex.cycles > 1 << 23


def test_model_with_constants_and_single_row_macs_in_segments():
    """programs/mlp_85k.py (read-only constant weights, single-row macs: data, word, dot-product
    and frozen-memory tables in every segment) in segments of 2^12 rows: each segment's
    dot-product table stays within its height, and the proof verifies with the run's output."""
    from pathlib import Path

    from zkvm.programs import load, read_input_file
    from zkvm.vm.run import run

    root = Path(__file__).resolve().parent.parent / "programs"
    loaded = load(root / "mlp_85k.py", read_input_file(root / "mlp_85k.input.json"))
    rows = 1 << 12
    plan = segments.plan(loaded.program, loaded.inputs, rows=rows)
    assert plan.count >= 3
    for k in range(plan.count):
        seg = segments.record(loaded.program, plan, k)
        assert seg.dots is not None
        assert sum(int((d[:, 0] != 0).sum()) for d in seg.dots.dot) <= rows
    result = prove(loaded.program, loaded.inputs, segment_rows=rows)
    assert result.segments == plan.count
    claim = verify(result.proof, loaded.program)
    assert list(claim.output_values) == run(loaded.program, loaded.inputs, record=False).outputs


def test_verifying_key_holds_every_segment_role_s_code_root():
    """With committed program columns, the first segment commits code and initial data, the
    later ones the code only: a segmented key holds both roots (computed from the program, not
    the proof), verify checks each segment against them, and a key with a wrong code-only root
    rejects the proof instead of falling back to evaluating."""
    from zkvm.air.vm_air import COMMIT_CODE, COMMIT_CONSTS
    from zkvm.keygen import verifying_key
    from zkvm.keys import VerifyingKey

    prog = program(120)
    result = prove(prog, [3, 1, 4, 1], segment_rows=ROWS, zk_seed=SEED, commit_program=True)
    assert result.segments >= 3 and result.commitment & COMMIT_CODE
    key = verifying_key(prog, [(ROWS, result.blowup)], result.commitment, segmented=True)
    first, later = result.commitment & ~COMMIT_CONSTS, result.commitment & COMMIT_CODE
    assert first != later
    assert key.root_for(ROWS, result.blowup, first) == result.program_root
    assert key.root_for(ROWS, result.blowup, later) == result.segment_root
    pf = _file(result)
    assert all(p.tables[0].fixed_root == result.segment_root for p in pf.segments)
    claim = verify(result.proof, prog, vk=key)
    assert claim.program_columns == "key" and claim.output == cpython([3, 1, 4, 1], 120)
    # an unsegmented key lacks the later segments' root
    plain = verifying_key(prog, [(ROWS, result.blowup)], result.commitment)
    assert plain.root_for(ROWS, result.blowup, later) is None
    lying = dict(key.roots)
    lying[(ROWS.bit_length() - 1, result.blowup.bit_length() - 1, later, 0)] = bytes(32)
    with pytest.raises(VerificationError):
        verify(result.proof, prog, vk=VerifyingKey(prog.hash(), lying))
