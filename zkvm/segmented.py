"""Proving a long run as segments (prover side; docs/air.md "Segments", docs/scale.md).

A run longer than one segment (``segment_rows``, a power of two) is split by
:mod:`zkvm.vm.segments`; each segment is proven on its own, as one multi-table proof of the
segment's CPU table and its other tables; neighbouring segments share a memory image (the
first's final memory column, the second's initial one: the same polynomial, committed with the
same seed, under the same root). The proof file holds
every segment's proof in order; its statement is the run's (program, public inputs, output).

Each segment's proof is a pure function of a :class:`SegmentTask` (picklable: the program, the
segment's start, the seeds), so the segments can be proven here one after another in bounded
memory (:func:`prove_tasks_locally`) or anywhere else (zkvm/cluster.py runs them as Ray tasks).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import blake3

from zkvm.errors import ParameterError
from zkvm.fri.options import FriOptions
from zkvm.isa.program import CONST_MIN_ROWS, Program

SEGMENT_STATEMENT = b"zkvm segment v1"


@dataclass(frozen=True)
class SegmentTask:
    """Everything one segment's proof needs (and nothing of the other segments)."""

    program: Program
    start: object  # zkvm.vm.segments.SegmentStart
    rows: int
    count: int
    inputs: tuple[int, ...]  # the run's private inputs (only the first segment uses them)
    public_inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    output_address: int
    memory_used: int
    options: FriOptions
    commitment: int
    seed_in: bytes | None  # the image shared with the previous segment's proof
    seed_out: bytes | None  # the image shared with the next one's
    zk_seed: bytes | None = None
    read_pieces: bool = True  # carry only the pieces of the constants this segment reads (public)
    private_words: object = None  # the private weights (np.ndarray; None without), and their commitment's salt
    salt: tuple[int, ...] | None = None

    @property
    def index(self) -> int:
        return self.start.index

    @property
    def role(self) -> str:
        k = self.start.index
        return "first" if k == 0 else ("last" if k == self.count - 1 else "middle")


def segment_statement(statement: bytes, index: int, count: int) -> bytes:
    """A segment proof's statement: the run's, then which segment of how many it is."""
    return statement + SEGMENT_STATEMENT + index.to_bytes(4, "little") + count.to_bytes(4, "little")


SEGMENT_BLOWUP = 8
"""Segments use blowup 8 (28 queries) even when tall, where a whole run's proof takes 4 (41
queries): a segmented proof's verification is one proof's per segment, and fewer queries make
each about a quarter cheaper (2^24 cycles in 8 segments of 2^21 rows: 110 ms at blowup 4). It
costs about a quarter more proving time per segment, and a 2^21-row segment still peaks below
6 GiB (bench/RESULTS.md "Segments")."""


def segment_options(rows: int, options: FriOptions | None = None, consts: bool = True) -> FriOptions:
    """One set of parameters for every segment of a run (their shared images need one blowup):
    by default :meth:`FriOptions.for_tables` for a segment's CPU table and, for a program with
    constants, its smallest possible other table."""
    if options is not None:
        return options
    return FriOptions.for_tables([rows, min(rows, CONST_MIN_ROWS)] if consts else [rows], blowup=SEGMENT_BLOWUP)


def boundary_seeds(count: int, zk_seed: bytes | None) -> list[bytes]:
    """The secret seeds of the count - 1 images between segments (from zk_seed when given:
    reproducible tests only)."""
    if zk_seed is None:
        return [secrets.token_bytes(32) for _ in range(count - 1)]
    return [blake3.blake3(b"zkvm segment boundary %d" % k, key=zk_seed).digest() for k in range(count - 1)]


def tasks(program: Program, plan, options: FriOptions, commitment: int, zk_seed: bytes | None = None,
          read_pieces: bool = True, private_words=None, salt: Sequence[int] | None = None) -> list[SegmentTask]:
    """One task per segment of a plan (zkvm.vm.segments.plan); ``read_pieces``: each segment
    carries only the pieces of the constants it reads (else all of them); a program with
    private weights: every segment carries them and proves their commitment (with ``salt``)."""
    import numpy as np

    if private_words is not None:
        private_words = np.asarray(private_words, dtype=np.uint64)
        private_words = private_words if private_words.size else None
    salt = tuple(int(v) for v in salt) if salt is not None and private_words is not None else None
    seeds = boundary_seeds(plan.count, zk_seed)
    ex = plan.execution
    out = []
    for k, start in enumerate(plan.starts):
        own = blake3.blake3(b"zkvm segment %d" % k, key=zk_seed).digest() if zk_seed is not None else None
        out.append(SegmentTask(program, start, plan.rows, plan.count, tuple(int(v) for v in plan.inputs),
                               tuple(int(v) for v in ex.public_inputs), tuple(ex.outputs), ex.output_address,
                               ex.memory_used, options, commitment, seeds[k - 1] if k else None,
                               seeds[k] if k < plan.count - 1 else None, own, read_pieces, private_words, salt))
    return out


def prove_task(task: SegmentTask, progress: Callable[[str], None] | None = None) -> bytes:
    """Record one segment from its start and prove it: the segment's multi-table proof (bytes)."""
    from zkvm.air.vm_air import COMMIT_CODE, COMMIT_CONSTS, image_groups, public_columns, statement_bytes
    from zkvm.prover import vm_tables
    from zkvm.stark.multi_prover import prove_tables
    from zkvm.stark.prover import OwnedTrace
    from zkvm.vm.segments import record_task

    say = progress or (lambda _m: None)
    segment = record_task(task)
    n = segment.trace_length
    program = task.program
    commitment = task.commitment if task.role == "first" else task.commitment & (COMMIT_CODE | COMMIT_CONSTS)
    cols = public_columns(program, task.public_inputs, task.outputs, n, task.output_address,
                          commitment=commitment & ~COMMIT_CONSTS, segment=task.role)
    system, traces, publics, table_columns = vm_tables(program, segment, cols, commitment, say, task.salt,
                                                       read_pieces=task.read_pieces)
    traces[0] = OwnedTrace(segment.trace)  # (dropped by the prover once its aux columns are built)
    segment.trace = None
    image_in, image_out = image_groups(task.role)
    seeds = {}
    if image_in is not None:
        seeds[(0, image_in)] = task.seed_in
    if image_out is not None:
        seeds[(0, image_out)] = task.seed_out
    stmt = statement_bytes(program.hash(), task.public_inputs, task.outputs, task.output_address)
    proof = prove_tables(system, traces, publics, task.options, public_columns=table_columns,
                         statement=segment_statement(stmt, task.index, task.count), shared_seeds=seeds,
                         zk_seed=task.zk_seed, progress=say)
    return proof.to_bytes()


def prove_tasks_locally(jobs: Sequence[SegmentTask], progress: Callable[[str], None] | None = None) -> list[bytes]:
    """Prove the segments here, one after another (each segment's arrays are freed before the
    next is recorded: memory is that of one segment)."""
    say = progress or (lambda _m: None)
    out = []
    t0 = time.perf_counter()
    for k, job in enumerate(jobs):
        out.append(prove_task(job))
        say(f"segments proven: {k + 1}/{len(jobs)} ({time.perf_counter() - t0:.1f} s)")
    return out


SEGMENT_BUDGET = 6 << 30
"""The default segment size keeps one segment's proof within this many bytes (estimated, or the
memory budget if lower): a run whose whole proof would pass the budget is proven in segments of
the largest such size. Memory is then about one segment's, whatever the run's length."""


PEAK_OVER_SUM = 0.6
"""A segment's measured peak over the sum of its prover's arrays (which do not all live at
once: the trace is dropped once its aux columns are built, trees keep only parents): a middle
2^21-row segment of programs/sgd_train.py at blowup 8 peaked at 5.34 GiB (whole process)
against 9.62 GiB summed, 0.555 (bench/results/segments.json has the default run's peak)."""


def estimate_rows_bytes(rows: int, consts: bool, options: FriOptions | None = None) -> int:
    """An estimate, from measurement, of the peak memory of proving a segment of this many
    rows (its CPU table with its two image trees; the data, dot and mask tables add about a
    quarter for a model's constants)."""
    from zkvm.air.vm_air import vm_air_for
    from zkvm.stark.prover import estimate_peak_bytes

    options = options or segment_options(rows, consts=consts)
    cpu = estimate_peak_bytes(vm_air_for(rows, consts, "middle"), rows, options)
    images = 2 * rows * options.blowup * 32 * 5 // 8  # (their trees' parents, two levels dropped)
    return int((cpu + images) * (5 if consts else 4) // 4 * PEAK_OVER_SUM)


def default_segment_rows(budget: int | None = None, consts: bool = True) -> int:
    """The largest power of two of segment rows whose proof fits min(SEGMENT_BUDGET, budget)."""
    from zkvm.stark.prover import default_memory_budget
    from zkvm.vm.segments import MIN_SEGMENT_LOG

    limit = min(SEGMENT_BUDGET, budget if budget is not None else default_memory_budget())
    rows = 1 << MIN_SEGMENT_LOG
    while rows < 1 << 26 and estimate_rows_bytes(rows * 2, consts) <= limit:
        rows *= 2
    return rows


def check_segment_rows(rows: int) -> int:
    if not isinstance(rows, int) or rows < 2 or rows & (rows - 1):
        raise ParameterError("segment_rows", f"a power of two, got {rows!r}")
    return rows


__all__ = ["SegmentTask", "tasks", "prove_task", "prove_tasks_locally", "segment_statement", "segment_options"]
