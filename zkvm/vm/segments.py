"""A long run split into segments of a fixed number of rows, each recorded on its own.

A segment of S rows executes whole instructions from a start state (pc, fp and the memory's
first S words) until the next instruction would not fit in S - 1 rows (kernels.execute's
``row_limit``; nor its single-row macs' products in S dot-table rows), then *parks*: its remaining rows are halts that fetch and access nothing and
hold the state handed over (docs/air.md, "Segments"). The next segment starts from that state
and from the memory as the previous one left it. The last segment halts as a whole run does.

Every address a run touches, and every pc, must be below S (the segment's memory and program
tables have a row per address and per instruction), and an instruction's rows (a long mac)
must fit in one segment.

:func:`plan` runs the program once without recording and returns each segment's start (a few
words and an S-word memory image); :func:`record` re-executes one segment from its start and
builds its trace, so segments can be recorded anywhere, one at a time (bounded memory) or on
other machines. Prover side (Numba).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zkvm.air import layout as L
from zkvm.errors import ExecutionError, ParameterError
from zkvm.field.goldilocks import P
from zkvm.isa.program import CONST_ROW, Program
from zkvm.vm import kernels as vk
from zkvm.vm.run import DEFAULT_MAX_CYCLES, DEFAULT_MEMORY, Execution, _code_matrix, _field_values, _initial_memory, \
    const_array, private_range_limbs, run

MIN_SEGMENT_LOG = L.MIN_TRACE_LOG


@dataclass(frozen=True)
class SegmentStart:
    """Where a segment starts: its index, pc, fp, how many cycles the run had executed before
    it, and the memory's first S words (the segment's initial image)."""

    index: int
    pc: int
    fp: int
    cycles_before: int
    memory: np.ndarray  # (S,) uint64


@dataclass
class Segment:
    """One recorded segment: its trace (S rows, CPU layout + park column + masks), its
    dot-product tables if any, the state it starts in and the state it hands over."""

    index: int
    role: str  # "first", "middle" or "last"
    trace: np.ndarray | None
    cycles: int  # instructions' rows executed (the rest are parked or halt padding)
    pc0: int
    fp0: int
    pc_end: int
    fp_end: int
    dots: object | None = None
    private_words: np.ndarray | None = None  # a program's private weights (its private-data table's)

    @property
    def trace_length(self) -> int:
        return 0 if self.trace is None else self.trace.shape[0]

    @property
    def publics(self) -> list[int]:
        """The CPU table's public inputs: fp0 (the stack base: only the first segment's start
        is public; the others' start and every end state are in the memory images)."""
        return [self.stack_base]

    stack_base: int = 0


@dataclass
class SegmentPlan:
    """A run split into segments: the whole run's result (outputs, cycles, memory used) and
    every segment's start."""

    execution: Execution
    rows: int  # S
    starts: list[SegmentStart]
    inputs: np.ndarray
    public_inputs: np.ndarray

    @property
    def count(self) -> int:
        return len(self.starts)

    def role(self, k: int) -> str:
        return "first" if k == 0 else ("last" if k == self.count - 1 else "middle")


def pack_state(pc: int, fp: int) -> int:
    """The state a segment hands over, as the last word of its memory image: pc + 2^32 fp."""
    return (int(pc) + (int(fp) << 32)) % P


def park_column(n: int) -> int:
    """The index of a segment trace's park column (after the CPU layout for n rows)."""
    return L.width(n)


def check_rows(rows: int) -> None:
    if rows < (1 << MIN_SEGMENT_LOG) or rows & (rows - 1):
        raise ParameterError("segment rows", f"a segment is a power of two of at least 2^{MIN_SEGMENT_LOG} rows, got {rows}")


def plan(program: Program, inputs: Sequence[int] = (), public_inputs: Sequence[int] = (), *, rows: int,
         memory_size: int = DEFAULT_MEMORY, max_cycles: int = DEFAULT_MAX_CYCLES, dots: bool = True,
         private_words: np.ndarray | None = None) -> SegmentPlan:
    """Run the program (errors as :func:`zkvm.vm.run.run`) and split the run into segments of
    ``rows`` rows: every segment's start, the run's outputs. Raises ParameterError when the run
    cannot be split into segments that small (memory, code or one instruction too large)."""
    check_rows(rows)
    whole = run(program, inputs, public_inputs, record=False, memory_size=memory_size, max_cycles=max_cycles, dots=dots,
                private_words=private_words)
    if whole.memory_used > rows - 1:
        raise ParameterError("segment rows", f"the run uses {whole.memory_used} memory words: a segment needs more rows "
                             f"(2^{whole.memory_used.bit_length()}: one per word, and one for the state it hands over)")
    if len(program.code) > rows:
        raise ParameterError("segment rows", f"the program has {len(program.code)} instructions: a segment needs at "
                             "least that many rows")
    lay = program.layout
    ins_arr = _field_values(inputs, "inputs")
    pub_arr = _field_values(public_inputs, "public inputs")
    mem = _initial_memory(program, ins_arr, pub_arr, memory_size)
    starts = continue_from(program, mem, 0, lay.stack_base, rows, memory_size=memory_size, max_cycles=max_cycles,
                           dots=dots, private_words=private_words)
    return SegmentPlan(whole, rows, starts, ins_arr, pub_arr)


def continue_from(program: Program, mem: np.ndarray, pc: int, fp: int, rows: int, *, index: int = 0, done: int = 0,
                  memory_size: int = DEFAULT_MEMORY, max_cycles: int = DEFAULT_MAX_CYCLES, dots: bool = True,
                  private_words: np.ndarray | None = None) -> list[SegmentStart]:
    """The starts of the segments of a run from (pc, fp) with memory ``mem`` (changed in place:
    it ends as the run leaves it), the first numbered ``index`` after ``done`` cycles."""
    code = _code_matrix(program)
    consts = const_array(program, private_words)
    use_dots = bool(dots and program.layout.const_size)
    err = np.zeros(2, dtype=np.int64)
    dummy = np.zeros((1, L.WIDTH), dtype=np.uint64)
    last_t = np.zeros(1, dtype=np.int64)
    no_log = np.zeros((1, 6), dtype=np.uint64)
    info = np.zeros(2, dtype=np.int64)
    starts = []
    while True:
        image = mem[:rows].copy()
        image[rows - 1] = pack_state(pc, fp) if index + len(starts) else 0
        starts.append(SegmentStart(index + len(starts), pc, fp, done, image))
        status, pc_next, cycle, fp_next, _ = vk.execute(code, mem, memory_size, consts, np.uint64(fp), max_cycles - done,
                                                        False, dummy, last_t, err, use_dots, no_log, no_log[0], info,
                                                        pc, rows - 1, rows)
        if status == vk.OK:
            return starts
        if status != vk.PAUSED:
            raise ExecutionError(f"segmented execution failed ({status})", int(pc_next), done + int(cycle))
        if cycle == 0:
            raise ParameterError("segment rows", f"the instruction at pc {pc_next} needs more than {rows - 1} rows (a "
                                 "long mac): use larger segments")
        pc, fp, done = int(pc_next), int(fp_next), done + int(cycle)


def record(program: Program, segment_plan: SegmentPlan, k: int, *, dots: bool = True,
           memory_size: int = DEFAULT_MEMORY) -> Segment:
    """Re-execute segment k from its start and build its trace: the CPU rows, the parked (or,
    for the last segment, halt) rows, the memory table (initial image, final values and local
    last-access times), range and program multiplicities, and its dot-product tables."""
    return _record(program, segment_plan.starts[k], segment_plan.rows, segment_plan.role(k), segment_plan.count,
                   segment_plan.inputs, segment_plan.execution.memory_used, dots, memory_size)


def record_task(task) -> Segment:
    """:func:`record` for one :class:`zkvm.segmented.SegmentTask` (all it needs is in the task)."""
    return _record(task.program, task.start, task.rows, task.role, task.count,
                   np.array([int(v) % P for v in task.inputs], dtype=np.uint64), task.memory_used,
                   private_words=getattr(task, "private_words", None))


def _record(program: Program, start: SegmentStart, n: int, role: str, count: int, inputs: np.ndarray, memory_used: int,
            dots: bool = True, memory_size: int = DEFAULT_MEMORY, private_words: np.ndarray | None = None) -> Segment:
    k = start.index
    lay = program.layout
    code = _code_matrix(program)
    consts = const_array(program, private_words)
    use_dots = bool(dots and lay.const_size)
    masks = 2 if lay.const_size else 0  # (as a whole run's: zkvm/vm/run.py)
    park = park_column(n)
    err = np.zeros(2, dtype=np.int64)
    mem = np.zeros(memory_size, dtype=np.uint64)
    mem[:n] = start.memory
    cycles_left = DEFAULT_MAX_CYCLES - start.cycles_before
    info = np.zeros(2, dtype=np.int64)
    no_log = np.zeros((1, 6), dtype=np.uint64)
    probe = mem.copy()
    status, pc_end, cycle, fp_end, _ = vk.execute(code, probe, memory_size, consts, np.uint64(start.fp), cycles_left,
                                                  False, np.zeros((1, L.WIDTH), dtype=np.uint64),
                                                  np.zeros(1, dtype=np.int64), err, use_dots, no_log, no_log[0], info,
                                                  start.pc, n - 1, n)
    del probe
    trace = np.zeros((n, park + 1 + masks), dtype=np.uint64)
    last_t = np.zeros(memory_size, dtype=np.int64)
    dot_log = np.zeros((max(1, int(info[0])), 6), dtype=np.uint64)
    x_log = np.zeros(max(1, int(info[1])), dtype=np.uint64)
    info[:] = 0
    status2, pc_end, cycle, fp_end, _ = vk.execute(code, mem, memory_size, consts, np.uint64(start.fp), cycles_left,
                                                   True, trace, last_t, err, use_dots, dot_log, x_log, info,
                                                   start.pc, n - 1, n)
    assert status2 == status and status in (vk.OK, vk.PAUSED)
    if (status == vk.OK) != (role == "last"):
        raise ExecutionError(f"segment {k} of {count} {'halted' if status == vk.OK else 'did not halt'}",
                             int(pc_end), start.cycles_before + int(cycle))
    if role == "last":
        halt = program.code[pc_end].encode()
        vk.pad_rows(trace, int(cycle), n, mem, last_t, np.uint64(pc_end), np.uint64(fp_end),
                    np.array(halt[1:], dtype=np.uint64))
    else:
        vk.park_rows(trace, int(cycle), n, np.uint64(pc_end), np.uint64(fp_end), park)
        # the state handed over: the last row's cell (no memory: vm_air) and its range limbs
        from zkvm.air.vm_air import STATE_LIMB_BOUND

        pc_i, fp_i = int(pc_end), int(fp_end)
        if not (pc_i < 1 << 32 and fp_i < (STATE_LIMB_BOUND << 16)):
            raise ExecutionError("the state to hand over is out of range", pc_i, start.cycles_before + int(cycle))
        col = L.COL
        trace[n - 1, col["l0"]], trace[n - 1, col["l1"]] = pc_i & 0xFFFF, pc_i >> 16
        trace[n - 1, col["l2"]], trace[n - 1, col["l3"]] = fp_i & 0xFFFF, fp_i >> 16
        trace[n - 1, col["l4"]] = STATE_LIMB_BOUND - 1 - (fp_i >> 16)
        mem[n - 1] = pack_state(pc_i, fp_i)
    limbs = np.zeros(0, dtype=np.int64)
    dot_tables = None
    if info[0]:
        from zkvm.air.dot_table import dot_table_air
        from zkvm.air.frozen_table import frozen_table_air
        from zkvm.vm.dots import dot_tables as build_dots

        dot_tables = build_dots(trace, n, last_t, memory_used, dot_log[: int(info[0])], x_log,
                                consts, dot_table_air(CONST_ROW).width, frozen_table_air().width, park)
        limbs = dot_tables.range_limbs
    limbs = np.concatenate([limbs, private_range_limbs(private_words)])  # (each segment proves the weights' table)
    first_inputs = inputs if role == "first" else np.zeros(0, dtype=np.uint64)
    vk.fill_tables(trace, n, mem, last_t, memory_size, lay.in_base, first_inputs, limbs, park)
    if role != "first":
        trace[:, L.COL["init_priv"]] = start.memory  # the whole initial image comes from the previous segment
    # (halt rows the last segment pads with are real, fetched halts: the run's pc, fp there)
    return Segment(k, role, trace, int(cycle), start.pc, start.fp, int(pc_end), int(fp_end), dot_tables,
                   private_words, stack_base=lay.stack_base)


__all__ = ["plan", "continue_from", "record", "record_task", "Segment", "SegmentPlan", "SegmentStart", "park_column"]
