"""The Numba VM against the reference interpreter and Python oracles; runtime errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.vm import programs as progs
from zkvm.errors import ExecutionError, InputError
from zkvm.field.goldilocks import P
from zkvm.isa.asm import AssemblyError, assemble, disassemble
from zkvm.isa.instruction import Instruction
from zkvm.isa.program import Layout, Program, program_from_canonical_bytes
from zkvm.vm.reference import run_reference
from zkvm.vm.run import run

MEM = 1 << 16


def both(program, inputs=(), public_inputs=()):
    fast = run(program, inputs, public_inputs, record=False, memory_size=MEM)
    ref = run_reference(program, inputs, public_inputs, memory_size=MEM)
    assert fast.outputs == ref.outputs
    assert fast.cycles == ref.cycles
    assert fast.memory.tolist() == ref.memory
    return fast


@pytest.mark.parametrize("n", [0, 1, 2, 10, 37])
def test_loop(n):
    assert both(assemble(progs.SUM_TO_N), [n]).outputs == progs.sum_to_n(n)


@pytest.mark.parametrize("x", [0, 1, -3, 12, 2**10])
def test_nested_calls(x):
    assert both(assemble(progs.NESTED_CALLS), [x]).outputs == progs.nested_calls(x)


def test_list_sum_through_pointers():
    assert both(assemble(progs.LIST_SUM)).outputs == progs.list_sum()


@pytest.mark.parametrize("x", [[1, 2, 3, 4], [0, 0, 0, 0], [-1, 5, 2**20, -(2**20)]])
def test_matvec_with_mac(x):
    run_ = both(assemble(progs.MATVEC_MAC), x)
    assert run_.outputs == progs.matvec(x)


def test_mac_costs_one_cycle_per_multiply():
    p = assemble(progs.MATVEC_MAC)
    cycles = run(p, [1, 2, 3, 4], record=False).cycles
    # 3 rows of 4 MACs: each mac is 1 setup + 4 steps; plus 2 movi/sta/addi per row and halt
    assert cycles == 3 * (4 + 1) + 2 + 3 * 2 + 2 + 1


@pytest.mark.parametrize("x", [[3, 1, 4, 1, 5], [9, 9, 1, 9, 0], [-5, -4, -3, -2, -1], [0, 0, 0, 0, 0]])
def test_argmax(x):
    assert both(assemble(progs.ARGMAX), x).outputs == progs.argmax(x)


H = P // 2  # the value range is [-H, H]
BOUNDARY = [0, 1, -1, 2, -2, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 2**32 - 1, -(2**32) + 1, 2**32, -(2**32),
            3037000499, -3037000499, 3037000500, 2**62, -(2**62), H, -H, H - 1, -H + 1, 12345, -98765]


def _binary_program(opname: str) -> Program:
    if opname == "chk":  # no result: the output is the untouched zero
        return assemble(".inputs 2\n.outputs 1\n.stack 4\n lda 0, @in+0\n lda 1, @in+1\n chk 0, 1\n sta 2, @out+0\n halt\n")
    return assemble(f".inputs 2\n.outputs 1\n.stack 4\n lda 0, @in+0\n lda 1, @in+1\n {opname} 2, 0, 1\n sta 2, @out+0\n halt\n")


def _signed(v: int) -> int:
    v %= P
    return v - P if v > P // 2 else v


def _python(opname: str, x: int, y: int) -> int | None:
    """CPython's result of the instruction on two values, or None where the VM must stop: an
    exact result outside [-H, H], or operands outside the instruction's domain."""
    if opname in ("div", "mod") and not 0 < abs(y) < 2**32:
        return None
    if opname == "lt32" and not (-(2**31) <= x < 2**31 and -(2**31) <= y < 2**31):
        return None
    if opname == "chk":
        return 0 if 0 <= x < 2**32 and 0 <= y - x - 1 < 2**32 else None
    v = {"add": x + y, "sub": x - y, "mul": x * y, "eq": int(x == y), "lt": int(x < y), "lt32": int(x < y),
         "div": x // y if y else 0, "mod": x % y if y else 0}[opname]
    return v if -H <= v <= H else None


def _check_binary(opname: str, p: Program, x: int, y: int) -> None:
    expect = _python(opname, x, y)
    if expect is None:
        with pytest.raises(ExecutionError) as info:
            run(p, [x, y], record=False, memory_size=MEM)
        assert "pc 2" in str(info.value)
        with pytest.raises(ExecutionError):
            run_reference(p, [x, y], memory_size=MEM)
        return
    out = both(p, [x, y]).outputs
    if opname != "chk":
        assert out == [expect], (opname, x, y)


BINARY = ["add", "sub", "mul", "eq", "lt", "div", "mod", "lt32", "chk"]


@pytest.mark.parametrize("opname", BINARY)
def test_binary_instructions_on_boundary_values(opname):
    """Every pair of boundary values, each instruction, against CPython (the VM stops exactly
    where CPython's exact result leaves the value range or the operands leave the domain)."""
    p = _binary_program(opname)
    for x in BOUNDARY:
        for y in BOUNDARY:
            _check_binary(opname, p, x, y)


def _near_boundaries():
    """Integers in [-H, H] biased to where instructions change behaviour: zero, the 16-, 31-,
    32- and 62-bit edges, the square root of H, and the ends of the range."""
    edges = [0, 2**16, 2**31, 2**32, 3037000499, 2**62, H]
    near = st.builds(lambda e, s, d: max(-H, min(H, s * e + d)), st.sampled_from(edges), st.sampled_from([1, -1]),
                     st.integers(-3, 3))
    return st.one_of(near, st.integers(-H, H), st.integers(-(2**40), 2**40))


@pytest.mark.parametrize("opname", BINARY)
@given(x=_near_boundaries(), y=_near_boundaries())
@settings(max_examples=60)
def test_binary_instructions_against_cpython(opname, x, y):
    _check_binary(opname, _binary_program(opname), x, y)


@pytest.mark.parametrize("imm", [0, 1, -1, 2**31, -(2**31), P // 2, -(P // 2)])
def test_immediate_instructions(imm):
    p = assemble(f".inputs 1\n.outputs 3\n.stack 4\n lda 0, @in+0\n addi 1, 0, {imm}\n muli 2, 0, {imm}\n movi 3, {imm}\n"
                 " sta 1, @out+0\n sta 2, @out+1\n sta 3, @out+2\n halt\n")
    for x in [0, 1, -1, 7, 2**31]:
        if abs(x + imm) > H or abs(x * imm) > H:
            with pytest.raises(ExecutionError) as info:
                run(p, [x], record=False, memory_size=MEM)
            assert "integer overflow" in str(info.value)
            with pytest.raises(ExecutionError):
                run_reference(p, [x], memory_size=MEM)
            continue
        assert both(p, [x]).outputs == [x + imm, x * imm, imm]


def test_runtime_errors_name_pc_and_cycle():
    bad_addr = assemble(".stack 4\n movi 0, -5\n ld 1, 0, 0\n halt\n")
    with pytest.raises(ExecutionError) as info:
        run(bad_addr, record=False, memory_size=MEM)
    assert info.value.pc == 1 and info.value.cycle == 1 and "memory" in str(info.value)
    with pytest.raises(ExecutionError):
        run_reference(bad_addr, memory_size=MEM)
    forever = assemble(".stack 4\nloop:\n jmp loop\n")
    with pytest.raises(ExecutionError) as info:
        run(forever, record=False, max_cycles=1000)
    assert "cycle limit" in str(info.value)
    off_end = assemble(".stack 4\n jmp 7\n")
    with pytest.raises(ExecutionError) as info:
        run(off_end, record=False)
    assert "program counter" in str(info.value)


def test_input_errors():
    p = _binary_program("add")
    with pytest.raises(InputError):
        run(p, [1], record=False)
    with pytest.raises(InputError):
        run(p, [1, 1.5], record=False)
    with pytest.raises(InputError):
        run(p, [1, P], record=False)


def test_assembler_round_trip_and_errors():
    for src in (progs.SUM_TO_N, progs.NESTED_CALLS, progs.LIST_SUM, progs.MATVEC_MAC, progs.ARGMAX):
        p = assemble(src)
        assert assemble(disassemble(p)) == p
        assert program_from_canonical_bytes(p.canonical_bytes()) == p
        assert Program.from_json(p.to_json()) == p
    for bad, word in [("foo 1, 2", "unknown instruction"), ("add 1, 2", "operands"), ("jmp nowhere", "label"),
                      ("x:\nx:\n halt", "twice"), (".bogus 3", "directive")]:
        with pytest.raises(AssemblyError) as info:
            assemble(bad)
        assert word in str(info.value)


def test_program_hash_binds_everything():
    p = assemble(progs.MATVEC_MAC)
    base = p.hash()
    variants = [
        Program(p.code, tuple(v + (1 if i == 0 else 0) for i, v in enumerate(p.data)), p.layout),
        Program(p.code[:-1] + (Instruction(1, 0, 0, 1, 0),), p.data, p.layout),
        Program(p.code, p.data, Layout.build(12, 0, 4, 3, 17)),
        Program(p.code, p.data, p.layout, {"output": {"shape": [3]}}),
    ]
    assert all(v.hash() != base for v in variants)
    assert Program(p.code, p.data, p.layout, debug=("x",) * len(p.code)).hash() == base


def test_derived_values_are_memoized_without_changing_equality():
    """hash() and data_words() are computed once per program; the memo takes no part in
    equality, and dataclasses.replace() gets a fresh one (no stale hash)."""
    import dataclasses

    p = assemble(progs.MATVEC_MAC)
    fresh = Program(p.code, p.data, p.layout, p.signature, p.debug)
    assert p.hash() is p.hash()
    assert p == fresh and p.hash() == fresh.hash()
    changed = dataclasses.replace(p, data=tuple(v + 1 for v in p.data))
    assert changed.hash() != p.hash()


@given(st.lists(st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**70), 2**70)), max_size=40))
def test_data_words_are_the_constants_mod_p(values):
    p = assemble(progs.MATVEC_MAC)
    prog = Program(p.code, tuple(values), Layout.build(len(values), 0, 4, 3, 17))
    assert [int(w) for w in prog.data_words()] == [v % P for v in values]


# --- random programs: the Numba VM agrees with the reference interpreter --------------------
SLOTS = 8


@st.composite
def random_programs(draw):
    """Straight-line and forward-branching code over 8 frame slots, with checked operations
    kept in range by construction (operands reduced with `mod` by a positive constant)."""
    n = draw(st.integers(1, 30))
    lines = [".inputs 4", ".outputs 4", f".stack {SLOTS + 4}", ".data 3, 1, 4, 1, 5, 9, 2, 6"]
    for i in range(4):
        lines.append(f" lda {i}, @in+{i}")
    lines.append(" movi 8, 1000")  # a positive divisor
    body = []
    for k in range(n):
        kind = draw(st.sampled_from(["add", "sub", "mul", "addi", "muli", "movi", "eq", "lt", "div", "mod", "ld", "st", "mac", "bz"]))
        c, a, b = (draw(st.integers(0, SLOTS - 1)) for _ in range(3))
        imm = draw(st.integers(-(2**40), 2**40))
        if kind in ("add", "sub", "mul", "eq"):
            body.append(f" {kind} {c}, {a}, {b}")
        elif kind in ("addi", "muli"):
            body.append(f" {kind} {c}, {a}, {imm}")
        elif kind == "movi":
            body.append(f" movi {c}, {imm}")
        elif kind in ("lt", "div", "mod"):
            # operands that depend on the data but stay in range: (a == b) + small constants
            s1, s2 = draw(st.integers(-(2**30), 2**30)), draw(st.integers(1, 2**30))
            body.append(f" eq 9, {a}, {b}")
            body.append(f" addi 9, 9, {s1}")
            body.append(f" eq 10, {b}, {c}")
            body.append(f" addi 10, 10, {s2}")
            body.append(f" {kind} {c}, 9, 10")
        elif kind == "ld":
            body.append(f" movi 9, @data+{draw(st.integers(0, 7))}")
            body.append(f" ld {c}, 9, 0")
        elif kind == "st":
            body.append(f" movi 9, @stack+{SLOTS + 2}")  # a scratch cell of the frame
            body.append(f" st 9, {a}, 0")
        elif kind == "mac":
            body.append(f" movi 9, @data+0")
            body.append(f" movi 10, @data+{draw(st.integers(0, 4))}")
            body.append(f" mac {c}, 9, 10, {draw(st.integers(0, 3))}")
        else:
            body.append(f" bz {a}, L{k}")
            body.append(f" addi {c}, {c}, 3")
            body.append(f"L{k}:")
    lines += body
    for i in range(4):
        lines.append(f" sta {draw(st.integers(0, SLOTS - 1))}, @out+{i}")
    lines.append(" halt")
    inputs = draw(st.lists(st.integers(-(2**40), 2**40), min_size=4, max_size=4))
    return "\n".join(lines) + "\n", inputs


@given(random_programs())
def test_random_programs_vm_matches_reference(case):
    """Same outputs, cycles and memory, or the same error at the same pc (an overflow)."""
    src, inputs = case
    program = assemble(src)
    try:
        fast = run(program, inputs, record=False, memory_size=MEM)
    except ExecutionError as e:
        with pytest.raises(ExecutionError) as info:
            run_reference(program, inputs, memory_size=MEM)
        assert (info.value.pc, info.value.cycle) == (e.pc, e.cycle)
        return
    ref = run_reference(program, inputs, memory_size=MEM)
    assert (fast.outputs, fast.cycles, fast.memory.tolist()) == (ref.outputs, ref.cycles, ref.memory)
