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
) -> ProveResult:
    """Run ``program`` on the flat private ``inputs`` (and public inputs) and prove it.

    ``options``: the proof's parameters, or a function of the tables' heights (the CPU trace's
    first) returning them; by default :meth:`FriOptions.for_tables` (100 conjectured bits,
    zero-knowledge, blowup 8, or 4 for long traces). Proofs are zero-knowledge unless ``options.zk`` is False; ``zk_seed``
    fixes the prover's randomness (reproducible tests only). ``commit_program``: True to
    commit to the program's code and constants, False to commit to neither; by default each is
    committed when it is large (:func:`zkvm.air.vm_air.default_commitment`), so verifiers with
    a key check a root instead of evaluating it.

    Raises ExecutionError if the program fails, InputError for bad inputs, and the STARK
    prover's errors (InsufficientMemory, ...).
    """
    from zkvm.warmup import start_background_warmup

    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    helper = start_background_warmup()  # first proof after installation: compile on both cores
    try:
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
              salt: Sequence[int] | None = None):
    """The tables of a run's proof: (system, traces, public inputs, public columns), the CPU
    trace first (its slot left None: the caller hands it over), then with read-only constants
    the data and word tables and, after single-row macs, the dot-product and frozen-memory
    tables (zkvm/air/vm_air.py, vm_system), and with private weights the private-data table
    last (its public inputs hold the model commitment)."""
    from zkvm.air.data_space import const_columns, data_space_traces, piece_addresses
    from zkvm.air.vm_air import COMMIT_CONSTS, DATA, WORDS, vm_system
    from zkvm.isa.program import CONST_BASE, CONST_MIN_ROWS, PRIVATE_ROW, const_base

    n = execution.trace_length
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
            dots.weight_rows if dots is not None else None, private)
    system = vm_system(n, const_size > 0, dots is not None, max(1, len(data_pieces)),
                       len(dots.dot) if dots is not None else 1, private is not None)
    traces, publics, table_columns = [None], [[program.layout.stack_base]], [cpu_columns]
    if const_size:
        committed = bool(commitment & COMMIT_CONSTS)
        addr0 = piece_addresses(const_size, const_base(program))
        traces += [data_pieces[0], word_trace]
        publics += [[addr0[0]], []]
        table_columns += [const_columns(program, committed, 0), None]
        if dots is not None:
            traces += [dots.dot[0], dots.frozen]
            publics += [[], []]
            table_columns += [None, None]
        small = [2, 4] if dots is not None else [2]  # the word and frozen-memory tables
        for i in range(1, len(data_pieces)):
            traces.append(data_pieces[i])
            publics.append([addr0[i]])
            table_columns.append(const_columns(program, committed, i))
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

    if private_words is not None:
        from zkvm.isa.program import PRIVATE_BITS
        from zkvm.vm.run import _signed_array

        signed = _signed_array(np.asarray(private_words, dtype=np.uint64))
        if signed.size and (int(signed.min()) < -(1 << (PRIVATE_BITS - 1)) or int(signed.max()) >= 1 << (PRIVATE_BITS - 1)):
            raise InputError("private weights", f"private weights are signed {PRIVATE_BITS}-bit integers "
                             f"(found {int(signed.min())}..{int(signed.max())})")
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
