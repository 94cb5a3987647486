"""The prover's front door: program + inputs -> run -> trace -> STARK -> proof file.

The one module that sees every layer: the VM runs the program, the VM AIR's public columns
describe the program and its I/O, the STARK prover proves the trace, and the result is wrapped
with its statement in a :class:`~zkvm.proof_file.ProofFile`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from zkvm.errors import InputError, ParameterError
from zkvm.fri.options import FriOptions
from zkvm.isa.program import Program
from zkvm.proof_file import ProofFile


@dataclass
class ProveResult:
    proof: bytes
    outputs: list[int]
    cycles: int
    trace_length: int
    security_bits: int
    seconds: float  # run + prove
    stages: dict[str, float]
    program_root: bytes | None = None  # the committed program columns' root (large programs)
    blowup: int = 0
    commitment: int = 0  # which program parts were committed (zkvm.air.vm_air.COMMIT_*)
    model_commitment: tuple[int, ...] | None = None  # the private weights' commitment, if any
    segments: int = 1  # how many segments the run was proven in
    segment_root: bytes | None = None  # with segments: the later segments' committed code root


def prove(
    program: Program,
    inputs: Sequence[int] = (),
    public_inputs: Sequence[int] = (),
    options: FriOptions | Callable[[list[int]], FriOptions] | None = None,
    *,
    embed_program: bool = False,
    progress: Callable[[str], None] | None = None,
    debug_check: bool | None = None,
    memory_budget: int | None = None,
    zk_seed: bytes | None = None,
    commit_program: bool | None = None,
    private_words=None,
    salt: Sequence[int] | None = None,
    segment_rows: int | None = None,
    segment_runner: Callable | None = None,
    segment_constants: str = "read",
) -> ProveResult:
    """Run ``program`` on the flat private ``inputs`` (and public inputs) and prove it.

    ``options``: the proof's parameters, or a function of the tables' heights (the CPU trace's
    first) returning them; by default :meth:`FriOptions.for_tables` (100 conjectured bits,
    zero-knowledge, blowup 8, or 4 for long traces). Proofs are zero-knowledge unless ``options.zk`` is False; ``zk_seed``
    fixes the prover's randomness (reproducible tests only). ``commit_program``: True to
    commit to the program's code and constants, False to commit to neither; by default each is
    committed when it is large (:func:`zkvm.air.vm_air.default_commitment`), so verifiers with
    a key check a root instead of evaluating it.

    ``segment_rows`` (a power of two): a run needing more rows is split into segments of that
    many rows, each proven on its own (docs/air.md, "Segments"); one that fits is proven as a
    whole. By default (None) a run is proven whole unless its proof would pass the memory
    budget; then in segments of :func:`zkvm.segmented.default_segment_rows`; 0 never splits.
    ``segment_runner(tasks, progress)`` proves the segments' tasks and returns their proofs'
    bytes in order (default: here, one after another; zkvm/cluster.py: on Ray).
    ``segment_constants``: "read" (each segment carries the pieces of the program's constants it
    reads: their positions are public) or "all" (every segment carries every constant: for a
    program that indexes a large constant table by private values; docs/zk.md).

    Raises ExecutionError if the program fails, InputError for bad inputs, and the STARK
    prover's errors (InsufficientMemory, ...).
    """
    from zkvm.warmup import start_background_warmup

    t0 = time.perf_counter()
    if segment_constants not in ("read", "all"):
        raise ParameterError("segment_constants", f'"read" or "all", got {segment_constants!r}')
    say = progress or (lambda _m: None)
    helper = start_background_warmup()  # first proof after installation: compile on both cores
    try:
        _check_private_words(private_words)
        if segment_rows is None:
            segment_rows = _auto_segment_rows(program, inputs, public_inputs, private_words, memory_budget, options)
        if segment_rows:
            result = _prove_segmented(program, inputs, public_inputs, options, t0, say, embed_program, zk_seed,
                                      commit_program, private_words, salt, segment_rows, segment_runner, segment_constants)
            if result is not None:
                return result
        return _prove(program, inputs, public_inputs, options, t0, say, embed_program, debug_check, memory_budget, zk_seed,
                      commit_program, private_words, salt)
    finally:
        if helper is not None and helper.poll() is None:
            helper.terminate()  # what it has not compiled yet, this process already has
            try:
                helper.wait(timeout=5)
            except Exception:  # it will be reaped with this process
                pass


def vm_tables(program: Program, execution, cpu_columns, commitment: int, say: Callable[[str], None] = lambda _m: None,
              salt: Sequence[int] | None = None, read_pieces: bool = False):
    """The tables of a run's proof: (system, traces, public inputs, public columns), the CPU
    trace first (its slot left None: the caller hands it over), then with read-only constants
    the data and word tables and, after single-row macs, the dot-product and frozen-memory
    tables (zkvm/air/vm_air.py, vm_system), and with private weights the private-data table
    last (its public inputs hold the model commitment). ``read_pieces``: the data table in
    pieces of ``read_piece_rows(n)`` rows, only those the run reads (a segment's choice:
    docs/air.md "Segments")."""
    from zkvm.air.data_space import const_columns, data_space_traces, piece_address
    from zkvm.air.vm_air import COMMIT_CONSTS, DATA, WORDS, vm_system
    from zkvm.isa.program import CONST_BASE, CONST_MIN_ROWS, PRIVATE_ROW, const_base, const_layout, read_piece_rows

    n = execution.trace_length
    piece_rows = read_piece_rows(n) if read_pieces else 0
    const_size = program.layout.const_size
    dots = execution.dots
    private = getattr(execution, "private_words", None)  # (a forger's execution may have none)
    private = private if private is not None and private.size else None
    data_pieces = []
    if const_size:
        say("building the data and word tables")
        probe = vm_system(n, True)
        data_pieces, word_trace, private_lookups = data_space_traces(
            program, execution.trace, probe.tables[DATA], probe.tables[WORDS], CONST_MIN_ROWS,
            dots.weight_rows if dots is not None else None, private, piece_rows)
    segment = getattr(execution, "role", "")
    system = vm_system(n, const_size > 0, dots is not None, max(1, len(data_pieces)),
                       len(dots.dot) if dots is not None else 1, private is not None, segment)
    cpu_publics = execution.publics if segment else [program.layout.stack_base]
    traces, publics, table_columns = [None], [cpu_publics], [cpu_columns]
    if const_size:
        committed = bool(commitment & COMMIT_CONSTS)
        layout = const_layout(const_size, piece_rows)

        def add_piece(index, trace):
            first, height = layout[index]
            traces.append(trace)
            publics.append([piece_address(program, first)])
            table_columns.append(const_columns(program, committed, first, height))

        add_piece(*data_pieces[0])
        traces.append(word_trace)
        publics.append([])
        table_columns.append(None)
        if dots is not None:
            traces += [dots.dot[0], dots.frozen]
            publics += [[], []]
            table_columns += [None, None]
        small = [2, 4] if dots is not None else [2]  # the word and frozen-memory tables
        for piece in data_pieces[1:]:
            add_piece(*piece)
        if dots is not None:
            traces += dots.dot[1:]
            publics += [[]] * (len(dots.dot) - 1)
            table_columns += [None] * (len(dots.dot) - 1)
        _raise_small_tables(traces, small, max([n] + [t.shape[0] for t in traces[1:]]))
    if private is not None:
        from zkvm.air.private_table import private_table_air, private_trace

        if salt is None:
            raise ParameterError("salt", "a program with private weights is proven with the salt of its commitment "
                                 "(zkvm commit writes PROGRAM.salt)")
        say("hashing the private weights into their commitment")
        rows = private.size // PRIVATE_ROW + 1
        trace, pub = private_trace(private_table_air(), private, list(salt), CONST_BASE, private_lookups,
                                   max(CONST_MIN_ROWS, 1 << (rows - 1).bit_length()))
        traces.append(trace)
        publics.append(pub)
        table_columns.append(None)
    assert const_base(program) == CONST_BASE + (private.size if private is not None else 0)
    return system, traces, publics, table_columns


def _check_private_words(private_words) -> None:
    """Private weights are signed PRIVATE_BITS-bit integers (InputError otherwise)."""
    if private_words is None:
        return
    from zkvm.isa.program import PRIVATE_BITS
    from zkvm.vm.run import _signed_array

    signed = _signed_array(np.asarray(private_words, dtype=np.uint64))
    if signed.size and (int(signed.min()) < -(1 << (PRIVATE_BITS - 1)) or int(signed.max()) >= 1 << (PRIVATE_BITS - 1)):
        raise InputError("private weights", f"private weights are signed {PRIVATE_BITS}-bit integers "
                         f"(found {int(signed.min())}..{int(signed.max())})")


def _auto_segment_rows(program, inputs, public_inputs, private_words, budget, options) -> int:
    """0 when the run's whole proof fits the memory budget, else the default segment size. Runs
    the program once without recording (fast), so a run too long for one proof never records
    its whole trace."""
    from zkvm import segmented
    from zkvm.air.layout import MIN_TRACE_LOG
    from zkvm.stark.prover import default_memory_budget
    from zkvm.vm.run import run

    ex = run(program, inputs, public_inputs, record=False, private_words=private_words)
    rows = max(ex.cycles, ex.memory_used, len(program.code), 1 << MIN_TRACE_LOG)
    n = 1 << (rows - 1).bit_length()
    budget = budget if budget is not None else default_memory_budget()
    consts = program.layout.const_size > 0
    whole = options if isinstance(options, FriOptions) else FriOptions.for_tables([n])  # (the unsplit proof's)
    if n <= 1 << 20 or segmented.estimate_rows_bytes(n, consts, whole) <= budget:
        return 0
    return segmented.default_segment_rows(budget, consts)


def _prove_segmented(program, inputs, public_inputs, options, t0, say, embed_program, zk_seed, commit_program,
                     private_words, salt, segment_rows, runner, constants="read") -> ProveResult | None:
    """The segmented proof of a run longer than ``segment_rows`` rows (None if it fits one)."""
    from zkvm import segmented
    from zkvm.air.vm_air import commitment_for
    from zkvm.stark.multi_proof import MultiProof
    from zkvm.vm import segments

    segmented.check_segment_rows(segment_rows)
    say("running the program")
    plan = segments.plan(program, inputs, public_inputs, rows=segment_rows, private_words=private_words)
    whole_rows = max(plan.execution.cycles, plan.execution.memory_used, len(program.code))
    if plan.count == 1 or whole_rows <= segment_rows:
        return None
    if callable(options):
        options = options([segment_rows])
    options = segmented.segment_options(segment_rows, options, program.layout.const_size > 0)
    commitment = commitment_for(program, commit_program)
    if private_words is not None and np.asarray(private_words).size and salt is None:
        raise ParameterError("salt", "a program with private weights is proven with the salt of its commitment "
                             "(zkvm commit writes PROGRAM.salt)")
    jobs = segmented.tasks(program, plan, options, commitment, zk_seed, read_pieces=constants == "read",
                           private_words=private_words, salt=salt)
    say(f"proving {plan.count} segments of {segment_rows} rows")
    t_run = time.perf_counter() - t0
    blobs = (runner or segmented.prove_tasks_locally)(jobs, say)
    proofs = [MultiProof.from_bytes(b) for b in blobs]
    ex = plan.execution
    model_commitment = None
    if jobs[0].private_words is not None:  # (the private-data table, last before the masks, publishes it)
        model_commitment = tuple(int(v) for v in proofs[0].tables[-2].public_inputs[2:])
    pf = ProofFile(program.hash(), ex.public_inputs, tuple(ex.outputs), proofs[0], program if embed_program else None,
                   dict(program.signature), ex.output_address, commitment, model_commitment, tuple(proofs[1:]))
    return ProveResult(
        proof=pf.to_bytes(), outputs=list(ex.outputs), cycles=ex.cycles, trace_length=segment_rows,
        security_bits=min(p.security_bits for p in proofs), seconds=time.perf_counter() - t0,
        stages={"run": t_run, "segments": time.perf_counter() - t0 - t_run}, blowup=options.blowup,
        commitment=commitment, segments=plan.count, program_root=proofs[0].tables[0].fixed_root,
        model_commitment=model_commitment,
        segment_root=proofs[1].tables[0].fixed_root)


SMALL_TABLE_SPREAD = 8
"""The word and frozen-memory tables are padded to at least 1/8 of the tallest table's height
(their padding rows are zero rows, which answer and send nothing). Every distinct table height
costs the verifier a FRI layer (folding stops at each height) and its own DEEP point
arithmetic; below 1/8 of the tallest, heights are reached by no regular fold of 8 anyway, so
the small tables share one height there: mlp_1m's five heights become three (two FRI layers
fewer), for some 5% more prover rows in narrow tables."""


def _raise_small_tables(traces: list, indices: list[int], tallest: int) -> None:
    floor = tallest // SMALL_TABLE_SPREAD
    for i in indices:
        t = traces[i]
        if t.shape[0] < floor:
            traces[i] = np.concatenate([t, np.zeros((floor - t.shape[0], t.shape[1]), dtype=t.dtype)])


def _prove(program, inputs, public_inputs, options, t0, say, embed_program, debug_check, memory_budget,
           zk_seed, commit_program, private_words=None, salt=None) -> ProveResult:
    """:func:`prove` once its helper (if any) is started; t0 is the start time."""
    from zkvm.air.vm_air import COMMIT_CONSTS, commitment_for, public_columns, statement_bytes
    from zkvm.stark import prover as stark_prover
    from zkvm.stark.multi_prover import prove_tables
    from zkvm.vm.run import run

    say("running the program")
    execution = run(program, inputs, public_inputs, private_words=private_words)
    t_run = time.perf_counter() - t0
    n = execution.trace_length
    commitment = commitment_for(program, commit_program)
    cols = public_columns(program, execution.public_inputs, execution.outputs, n, execution.output_address,
                          commitment=commitment & ~COMMIT_CONSTS)
    system, traces, publics, table_columns = vm_tables(program, execution, cols, commitment, say, salt)
    model_commitment = tuple(publics[-1][2:]) if execution.private_words is not None and execution.private_words.size else None
    stmt = statement_bytes(program.hash(), execution.public_inputs, execution.outputs, execution.output_address)
    report = stark_prover.ProverReport()
    report.add("run", t_run)

    def describe(row: int) -> str:
        pc = int(execution.trace[row, 1]) if execution.trace is not None else -1
        loc = program.debug[pc] if 0 <= pc < len(program.debug) else ""
        name = program.code[pc].name if 0 <= pc < len(program.code) else "?"
        return f"pc {pc} {name}" + (f" at {loc}" if loc else "")

    if debug_check or os.environ.get("ZKVM_DEBUG", "") not in ("", "0"):
        trace = execution.trace  # the debugger's messages read it
    else:
        trace, execution.trace = stark_prover.OwnedTrace(execution.trace), None
    traces[0] = trace
    heights = [n] + [t.shape[0] for t in traces[1:]]
    stark = prove_tables(
        system,
        traces,
        publics,
        options(heights) if callable(options) else options or FriOptions.for_tables(heights),
        public_columns=table_columns,
        statement=stmt,
        report=report,
        progress=say,
        debug_check=debug_check,
        memory_budget=memory_budget,
        describe_rows={system.tables[0].name: describe},
        zk_seed=zk_seed,
    )
    pf = ProofFile(
        program.hash(), execution.public_inputs, tuple(execution.outputs), stark,
        program if embed_program else None, dict(program.signature), execution.output_address, commitment,
        model_commitment,
    )
    data = pf.to_bytes()
    return ProveResult(
        proof=data,
        outputs=list(execution.outputs),
        cycles=execution.cycles,
        trace_length=n,
        security_bits=stark.security_bits,
        seconds=time.perf_counter() - t0,
        stages=dict(report.stages),
        program_root=stark.tables[0].fixed_root,
        blowup=stark.options.blowup,
        commitment=commitment,
        model_commitment=model_commitment,
    )
