"""Run a program: validate inputs, execute with the Numba VM, size and build the trace.

Faults become :class:`~zkvm.errors.ExecutionError` naming the instruction, the pc, the cycle
and (for compiled programs) the source line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zkvm.air import layout as L
from zkvm.errors import ExecutionError, InputError
from zkvm.field.goldilocks import HALF_P, P
from zkvm.isa.program import CONST_ROW, Program
from zkvm.vm import kernels as vk

DEFAULT_MEMORY = 1 << 22
TRAP_SEPARATOR = "|"  # debug entries of compiler traps: "file:line|reason"
DEFAULT_MAX_CYCLES = 1 << 26


@dataclass
class Execution:
    """The result of a run: outputs (signed ints), cycle count and, if recorded, the trace."""

    program: Program
    outputs: list[int]
    cycles: int
    memory_used: int  # highest address touched + 1
    trace: np.ndarray | None = None  # (n, layout.width(n)) uint64
    public_inputs: tuple[int, ...] = ()
    inputs: tuple[int, ...] = ()
    memory: np.ndarray | None = None  # final memory (canonical field elements)
    output_address: int = 0  # where the output record is (0: a fixed output region)
    dots: object | None = None  # the dot-product and frozen-memory tables (zkvm.vm.dots.DotTables), if any
    private_words: np.ndarray | None = None  # the private region the run read (zkvm/private.py), if any

    @property
    def trace_length(self) -> int:
        return 0 if self.trace is None else self.trace.shape[0]


def _signed_array(words: np.ndarray) -> np.ndarray:
    """Canonical field elements as signed int64 (p - v -> -v)."""
    w = words.astype(np.uint64)
    return np.where(w > np.uint64(HALF_P), -(np.uint64(P) - w).astype(np.int64), w.astype(np.int64))


def _code_matrix(program: Program) -> np.ndarray:
    return np.array([ins.encode() for ins in program.code], dtype=np.uint64).reshape(-1, 5)


def _field_values(values: Sequence[int], what: str) -> np.ndarray:
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputError(what, f"element {i} is {type(v).__name__}, expected an integer")
        v = int(v)
        if not -HALF_P <= v <= HALF_P:
            raise InputError(what, f"element {i} = {v} is outside the field's signed range")
        out.append(v % P)
    return np.array(out, dtype=np.uint64)


def _initial_memory(program: Program, inputs: np.ndarray, public_inputs: np.ndarray, size: int) -> np.ndarray:
    lay = program.layout
    if lay.heap_base > size:
        raise ExecutionError(f"the program's memory layout needs {lay.heap_base} words, more than the {size} available")
    mem = np.zeros(size, dtype=np.uint64)
    if program.data:
        mem[lay.data_base : lay.data_base + lay.data_size] = np.array([v % P for v in program.data], dtype=np.uint64)
    mem[lay.pubin_base : lay.pubin_base + lay.pubin_size] = public_inputs
    mem[lay.in_base : lay.in_base + lay.in_size] = inputs
    return mem


_MESSAGES = {
    vk.BAD_ADDRESS: "invalid memory access (address outside [0, memory size))",
    vk.BAD_PC: "the program counter left the program",
    vk.CYCLE_LIMIT: "cycle limit reached",
    vk.LT_RANGE: "lt32 operands {0}, {1} outside the comparison range [-2^31, 2^31)",
    vk.DIV_RANGE: "divisor {1} outside (-2^32, 2^32)",
    vk.MAC_LENGTH: "mac length outside [0, 2^20]",
    vk.CHK_FAILED: "bounds check failed: {0} is not in [0, {1})",
    vk.STORE_CONST: "store into the program's read-only constants",
}

_OVERFLOW_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "addi": "+", "muli": "*", "mac": "+ or *"}


def _overflow_message(name: str, a: int, b: int) -> str:
    """What overflowed: the operation and its operands (a mac step names the product or sum)."""
    symbol = _OVERFLOW_SYMBOL.get(name, name)
    return (f"integer overflow: {a} {symbol} {b} is outside the value range [-(p-1)/2, (p-1)/2] "
            f"(about +-9.2e18)")


def _signed(v) -> int:
    v = int(v)
    return v - P if v > HALF_P else v


def private_range_limbs(private_words: np.ndarray | None) -> np.ndarray:
    """The 16-bit range table's lookups of the private-data table (every proof carrying it:
    w + 2^15 for each private word w; none without private weights)."""
    if private_words is None or not private_words.size:
        return np.zeros(0, dtype=np.int64)
    from zkvm.isa.program import PRIVATE_BITS

    shifted = (private_words.astype(np.int64) if private_words.dtype != np.uint64 else _signed_array(private_words)) \
        + (1 << (PRIVATE_BITS - 1))
    # (zkvm.private.load_region refuses wider weights; a forger's have no table entry)
    return shifted[(shifted >= 0) & (shifted < 1 << PRIVATE_BITS)].astype(np.int64)


def const_array(program: Program, private_words: np.ndarray | None = None) -> np.ndarray:
    """The read-only data space as the VM reads it: the private region (``private_words``,
    zkvm/private.py), then the public constants (zkvm.air.data_space.space_words)."""
    from zkvm.air.data_space import space_words
    from zkvm.isa.program import private_space

    need = private_space(program)
    if not need:
        return space_words(program)
    if private_words is None:
        raise InputError("private weights", "the program loads private weights (load_private): give them "
                         "(zkvm run reads them from the files beside the program)")
    if private_words.shape != (need,):
        raise InputError("private weights", f"{private_words.size} private words for a region of {need}")
    return np.concatenate([private_words, space_words(program)])


def _read_outputs(program: Program, mem: np.ndarray, memory_size: int) -> tuple[list[int], int]:
    from zkvm.isa.program import output_record

    lay = program.layout
    if not output_record(program):
        return [_signed(v) for v in mem[lay.out_base : lay.out_base + lay.out_size]], 0
    addr = int(mem[lay.out_base])
    depth = program.signature["output"].get("depth", 1)
    if not lay.heap_base <= addr < memory_size - 1:
        raise ExecutionError("the program did not produce its output record")
    rows = int(mem[addr])
    if depth == 1:
        header, count = 1, rows
    else:
        header = 1 + rows
        if addr + header > memory_size:
            raise ExecutionError("the output record runs past the memory")
        count = int(sum(int(v) for v in mem[addr + 1 : addr + header]))
    if addr + header + count > memory_size:
        raise ExecutionError("the output record runs past the memory")
    return [_signed(v) for v in mem[addr : addr + header + count]], addr


def run(
    program: Program,
    inputs: Sequence[int] = (),
    public_inputs: Sequence[int] = (),
    *,
    record: bool = True,
    memory_size: int = DEFAULT_MEMORY,
    max_cycles: int = DEFAULT_MAX_CYCLES,
    min_log_rows: int = L.MIN_TRACE_LOG,
    dots: bool = True,
    private_words: np.ndarray | None = None,
) -> Execution:
    """Execute ``program`` on flat input lists; with ``record`` also build the trace. With
    ``dots`` (the default) a mac over read-only constant weights runs as a single row whose
    products the dot-product table proves (see zkvm/vm/dots.py). ``private_words``: the private
    region of a program with private weights (zkvm/private.py)."""
    lay = program.layout
    if len(inputs) != lay.in_size:
        raise InputError("inputs", f"the program takes {lay.in_size} input values, got {len(inputs)}")
    if len(public_inputs) != lay.pubin_size:
        raise InputError("public inputs", f"the program takes {lay.pubin_size} public input values, got {len(public_inputs)}")
    ins_arr = _field_values(inputs, "inputs")
    pub_arr = _field_values(public_inputs, "public inputs")
    code = _code_matrix(program)
    err = np.zeros(2, dtype=np.int64)  # the faulting operands (signed), for the message
    mem = _initial_memory(program, ins_arr, pub_arr, memory_size)
    dummy = np.zeros((1, L.WIDTH), dtype=np.uint64)
    last_t = np.zeros(1, dtype=np.int64)
    consts = const_array(program, private_words)
    dots = bool(dots and lay.const_size)
    info = np.zeros(2, dtype=np.int64)  # single-row macs and their reads
    no_log = np.zeros((1, 6), dtype=np.uint64)
    status, pc, cycle, fp, max_addr = vk.execute(code, mem, memory_size, consts, lay.stack_base, max_cycles, False, dummy,
                                                 last_t, err, dots, no_log, no_log[0], info)
    if status != vk.OK:
        msg = _MESSAGES.get(status, f"execution failed ({status})").format(int(err[0]), int(err[1]))
        if status == vk.DIV_RANGE and int(err[1]) == 0:
            msg = "division by zero"
        loc = program.debug[pc] if 0 <= pc < len(program.debug) else None
        name = program.code[pc].name if 0 <= pc < len(program.code) else "?"
        if status == vk.OVERFLOW:
            msg = _overflow_message(name, int(err[0]), int(err[1]))
        if loc and TRAP_SEPARATOR in loc:
            # a compiler-inserted trap: the debug entry carries the reason (a failed assert,
            # an index out of range), which explains the fault better than the instruction
            loc, reason = loc.split(TRAP_SEPARATOR, 1)
            raise ExecutionError(reason, int(pc), int(cycle), loc or None)
        raise ExecutionError(f"{msg} in {name}", int(pc), int(cycle), loc or None)
    used = max(int(max_addr) + 1, lay.heap_base)
    outputs, out_addr = _read_outputs(program, mem, memory_size)
    result = Execution(program, outputs, int(cycle), used, None, tuple(int(v) for v in public_inputs), tuple(int(v) for v in inputs), mem, out_addr)
    if not record:
        return result
    rows = max(int(cycle), used, len(program.code), 1 << min_log_rows)
    n = 1 << (rows - 1).bit_length()
    masks = 2 if lay.const_size else 0  # a CPU table with constant reads is masked (zkvm/air/vm_air.py)
    trace = np.zeros((n, L.width(n) + masks), dtype=np.uint64)
    mem = _initial_memory(program, ins_arr, pub_arr, memory_size)
    last_t = np.zeros(memory_size, dtype=np.int64)
    dot_log = np.zeros((max(1, int(info[0])), 6), dtype=np.uint64)
    x_log = np.zeros(max(1, int(info[1])), dtype=np.uint64)
    status, pc, cycle, fp, _ = vk.execute(code, mem, memory_size, consts, lay.stack_base, max_cycles, True, trace, last_t,
                                          err, dots, dot_log, x_log, info)
    assert status == vk.OK
    halt = program.code[pc].encode()
    vk.pad_rows(trace, int(cycle), n, mem, last_t, np.uint64(pc), np.uint64(fp), np.array(halt[1:], dtype=np.uint64))
    limbs = np.zeros(0, dtype=np.int64)
    if info[0]:
        from zkvm.air.dot_table import dot_table_air
        from zkvm.air.frozen_table import frozen_table_air
        from zkvm.vm.dots import dot_tables

        result.dots = dot_tables(trace, n, last_t, used, dot_log[: int(info[0])], x_log, consts,
                                 dot_table_air(CONST_ROW).width, frozen_table_air().width)
        limbs = result.dots.range_limbs
    limbs = np.concatenate([limbs, private_range_limbs(private_words)])
    result.private_words = private_words
    vk.fill_tables(trace, n, mem, last_t, memory_size, lay.in_base, ins_arr, limbs)
    result.trace = trace
    return result
