"""Negative indexes count from the end of the list, as in CPython: constant and computed ones,
loaded, stored, augmented and nested. An index outside [-len, len) stops the run where CPython
raises IndexError. An index the compiler shows non-negative costs what it always did.

Every program runs under CPython (the oracle) and on the VM, with the same inputs.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.compiler import compile_source, flatten_inputs, input_shapes_of, main_parameters
from zkvm.errors import ExecutionError
from zkvm.isa.program import shaped_output
from zkvm.vm.run import run

FILE = "case.py"


def cpython(source: str, inputs: dict):
    """main(**inputs) under CPython: (result, None), or (None, the exception it raised)."""
    namespace: dict = {}
    exec(compile(source, FILE, "exec"), namespace)
    try:
        return namespace["main"](**copy.deepcopy(inputs)), None
    except Exception as e:  # noqa: BLE001 - the oracle's exception is the expected outcome
        return None, e


def on_vm(source: str, inputs: dict):
    """(output, cycles) of the compiled program on the VM; raises ExecutionError if it stops."""
    program = compile_source(source, FILE, input_shapes_of(main_parameters(source, FILE), inputs))
    result = run(program, flatten_inputs(program, inputs), record=False)
    return shaped_output(program, result.outputs), result.cycles


def normalize(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (list, tuple)):
        return [normalize(x) for x in v]
    return v


def assert_same(source: str, inputs: dict, error: type[Exception] | None = None) -> int:
    """The VM gives CPython's result, or stops where CPython raises (``error``, when given, is
    the exception CPython must raise). Returns the VM's cycles (0 when it stopped)."""
    expected, raised = cpython(source, inputs)
    if raised is not None or error is not None:
        assert error is None or isinstance(raised, error), f"CPython gave {expected!r} / {raised!r}"
        with pytest.raises(ExecutionError):
            on_vm(source, inputs)
        return 0
    out, cycles = on_vm(source, inputs)
    assert normalize(out) == normalize(expected)
    return cycles


CONSTANT = '''
def main(xs: list[int], m: list[list[int]]) -> list[int]:
    grown = []
    for v in xs:
        grown.append(v * 2)
    return [xs[-1], xs[-len(xs)], m[-1][-2], m[0][-1], grown[-1], grown[-2], [7, 8, 9][-3]]
'''


def test_constant_negative_indexes_load():
    assert_same(CONSTANT, {"xs": [3, 1, 4, 1, 5], "m": [[1, 2, 3], [4, 5, 6]]})


def test_constant_negative_index_past_the_start_stops():
    source = "def main(xs: list[int]) -> int:\n    ys = []\n    for v in xs:\n        ys.append(v)\n    return ys[-4]\n"
    assert_same(source, {"xs": [1, 2, 3]}, IndexError)
    assert_same(source, {"xs": [1, 2, 3, 4]})
    known = "def main(xs: list[int]) -> int:\n    return xs[-4]\n"  # the length is known: still a run-time stop
    assert_same(known, {"xs": [1, 2, 3]}, IndexError)


STORES = '''
def main(xs: list[int], m: list[list[int]], k: int) -> list[list[int]]:
    xs[-1] = 100
    xs[-2] += 7
    xs[k] -= 1
    xs[k - 1] *= 3
    m[-1][-1] = xs[k]
    m[k][-2] += 5
    row = m[-2]
    row[-3] = -9
    return [xs, m[0], m[1]]
'''


@pytest.mark.parametrize("k", [-3, -2, -1, 0, 1])
def test_negative_indexes_store_and_augment(k):
    assert_same(STORES, {"xs": [3, 1, 4, 1, 5], "m": [[1, 2, 3], [4, 5, 6]], "k": k})


@pytest.mark.parametrize("k", [-6, 5, -4])
def test_computed_index_out_of_range_stops(k):
    # k = -4 is fine for xs but m[k] with two rows is not
    assert_same(STORES, {"xs": [3, 1, 4, 1, 5], "m": [[1, 2, 3], [4, 5, 6]], "k": k}, IndexError)


LOOPS = '''
def main(xs: list[int], n: int) -> list[int]:
    out = []
    for i in range(-1, -len(xs) - 1, -1):
        out.append(xs[i])
    for i in range(-n, n):
        out.append(xs[i] * 10)
    j = len(xs) - 1
    while j >= -len(xs):
        out.append(xs[j] + xs[-j - 1])
        j -= 2
    return out
'''


@pytest.mark.parametrize("n", [0, 1, 3])
def test_negative_loop_variables_as_indexes(n):
    assert_same(LOOPS, {"xs": [3, 1, 4, 1, 5], "n": n})


def test_negative_loop_variable_past_the_start_stops():
    assert_same(LOOPS, {"xs": [3, 1, 4], "n": 4}, IndexError)


GROWN_BY_CALL = '''
def grow(xs: list[int]) -> int:
    xs.append(len(xs) * 10)
    return 1


def main(xs: list[int], k: int) -> list[int]:
    ys = [v for v in xs]
    ys[-1] += grow(ys)
    ys[k] += grow(ys)
    ys[0] += grow(ys)
    return ys
'''


@pytest.mark.parametrize("k", [-1, -2, 1])
def test_augmented_store_counts_from_the_end_after_the_call(k):
    """CPython reads ys[-1] before the call and stores at the new ys[-1] after it."""
    assert_same(GROWN_BY_CALL, {"xs": [5, 6, 7], "k": k})


@given(st.lists(st.integers(-50, 50), min_size=0, max_size=6), st.integers(-8, 8), st.integers(-1000, 1000))
def test_any_index_of_any_list(xs, k, v):
    source = '''
def main(xs: list[int], k: int, v: int) -> list[int]:
    a = xs[k]
    xs[k] = v
    xs[k] += a
    return xs + [a]
'''
    assert_same(source, {"xs": xs, "k": k, "v": v})


def test_unbounded_index_from_the_input():
    """An index the compiler knows nothing about (lt, not lt32), at the edges of the value range."""
    source = "def main(xs: list[int], k: int) -> int:\n    return xs[k]\n"
    for k in (-3, -1, 0, 2):
        assert_same(source, {"xs": [4, 5, 6], "k": k})
    for k in (-4, 3, -(2**63 - 2**31), 2**63 - 2**31):
        assert_same(source, {"xs": [4, 5, 6], "k": k}, IndexError)


BOUNDED = '''
def main(xs: list[int], k: int) -> int:
    assert {lo} <= k < 3
    return xs[k]
'''


def test_cost_of_an_index_that_may_be_negative():
    """A non-negative index costs what it always did, and nothing for its bounds check when
    its bounds lie below the list's known length (here [0, 2] for 3 elements); one in a small
    interval that may be negative costs 3 more cycles (lt32, mul, add), a zero constant (set
    once per call inside loops) and the check; an unbounded one uses lt (two rows)."""
    inputs = {"xs": [4, 5, 6], "k": 1}
    plain = assert_same(BOUNDED.format(lo=0), inputs)
    signed = assert_same(BOUNDED.format(lo=-3), inputs)
    # (the assert's shift by -lo, the zero, the sign test, the length load and chk)
    assert signed - plain == 1 + 1 + 3 + 2
    assert opcodes(BOUNDED.format(lo=0), inputs) == {}
    assert opcodes(BOUNDED.format(lo=-3), inputs) == {"lt32": 1, "mul": 1}
    assert opcodes("def main(xs: list[int], k: int) -> int:\n    return xs[k]\n", inputs) == {"lt": 1, "mul": 1}


def opcodes(source: str, inputs: dict) -> dict[str, int]:
    """How many lt, lt32 and mul instructions the compiled program has (its loops compiled
    rolled, so that each operation of the source appears once)."""
    from zkvm.compiler import unroll
    from zkvm.isa import opcodes as op

    saved, unroll.MAX_UNROLL = unroll.MAX_UNROLL, 1
    try:
        program = compile_source(source, FILE, input_shapes_of(main_parameters(source, FILE), inputs))
    finally:
        unroll.MAX_UNROLL = saved
    names = {op.LT: "lt", op.LT32: "lt32", op.MUL: "mul"}
    out: dict[str, int] = {}
    for ins in program.code:
        if ins.op in names:
            out[names[ins.op]] = out.get(names[ins.op], 0) + 1
    return out


def test_range_loop_indexes_need_no_sign_test():
    """Indexes shown non-negative (range loop variables, elements of constant tables of
    non-negative ints) compile without the sign test (its mul)."""
    source = '''
NEXT = [1, 2, 0]


def main(xs: list[int]) -> int:
    for v in xs:
        assert 0 <= v < 100
    t = 0
    node = 0
    for i in range(len(xs)):
        t += xs[i] * xs[len(xs) - 1 - i]
        node = NEXT[node]
    return t + node
'''
    inputs = {"xs": [1, 2, 3]}
    assert_same(source, inputs)
    assert opcodes(source, inputs).get("mul") == 1  # xs[i] * xs[...] only
