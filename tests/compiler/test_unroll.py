"""Unrolled loops (zkvm/compiler/unroll.py) compute what CPython computes, and cost fewer rows.

Loops of every shape the unroller touches (a list walked by a pointer, a range counted up or
down, comprehensions, appends, stores, the index used as a value, the loop variable read after
the loop, a trap inside the body, a nested loop, a recurrence through memory) run with trip
counts around the unroll factor's multiples (0, 1, a few, 15, 16, 17, 33, ...): the VM's
result must be CPython's. Bodies with branches (an if, an
else, a continue, a guard) are unrolled with labels of their own per copy, and a model's
activation loop takes fewer cycles than with unrolling switched off.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.compiler import compile_source, flatten_inputs, input_shapes_of, main_parameters
from zkvm.compiler import unroll
from zkvm.errors import ExecutionError
from zkvm.isa.program import shaped_output
from zkvm.vm.run import run

BODIES = {
    "relu_comprehension": "    return [max(a, 0) // 4 for a in xs]\n",
    "index_as_value": "    out = []\n    for i in range(len(xs)):\n        out.append(xs[i] * 3 + i)\n    return out\n",
    "mirror_product": ("    s = 0\n    for i in range(len(xs)):\n        s += xs[i] * xs[len(xs) - 1 - i]\n"
                       "    return [s]\n"),
    "count_down": "    out = []\n    for i in range(len(xs) - 1, -1, -1):\n        out.append(xs[i] - k)\n    return out\n",
    "two_appends": "    out = []\n    for x in xs:\n        out.append(x)\n        out.append(x + k)\n    return out\n",
    "variable_after_loop": ("    s = 0\n    i = -1\n    for i in range(len(xs)):\n        s += xs[i]\n"
                            "    return [s, i]\n"),
    "trap_in_body": "    out = []\n    for x in xs:\n        out.append(100 // (x + k))\n    return out\n",
    "neighbour": ("    out = []\n    for i in range(len(xs)):\n        out.append(xs[i] + xs[(i + 1) % len(xs)])\n"
                  "    return out\n"),
    "store_into_copy": ("    ys = [0] * len(xs)\n    for i in range(len(xs)):\n        ys[i] = xs[i] + k\n"
                        "    return ys\n"),
    "recurrence_in_memory": ("    ys = list(xs)\n    for i in range(2, len(ys)):\n        ys[i] = ys[i - 1] + ys[i - 2] - k\n"
                             "    return ys\n"),
    "constant_range": "    acc = k\n    for i in range(7):\n        acc = acc * 3 + i\n    return [acc]\n",
    "nested": ("    out = []\n    for j in range(len(xs)):\n        t = 0\n        for v in xs:\n            t += v * j\n"
               "        out.append(t)\n    return out\n"),
    "branch_in_body": ("    out = []\n    for x in xs:\n        if x > k:\n            out.append(x)\n"
                       "    return out\n"),
    "argmax": ("    best = 0\n    for i in range(1, len(xs)):\n        if xs[i] > xs[best]:\n            best = i\n"
               "    return [best]\n"),
    "if_else_appends": ("    out = []\n    for i in range(len(xs)):\n        if xs[i] % 2 == 0:\n            out.append(xs[i] + i)\n"
                        "        else:\n            out.append(-i)\n            out.append(xs[i])\n    return out\n"),
    "continue_in_body": ("    s = 0\n    for i in range(len(xs)):\n        if xs[i] < k:\n            continue\n"
                         "        s += xs[i] * i\n    return [s]\n"),
    "filtered_comprehension": "    return [x * 2 for x in xs if x != k]\n",
    "min_max_in_body": ("    lo = 1000\n    hi = -1000\n    for x in xs:\n        lo = min(lo, x)\n        hi = max(hi, x - k)\n"
                        "    return [lo, hi]\n"),
    "pairs": "    return [a * b for a, b in zip(xs, xs[1:])]\n",
    "enumerate_sum": "    return [i * x for i, x in enumerate(xs)]\n",
}


BOUNDS = "    for v in xs:\n        assert -1000 <= v <= 1000\n    assert -3 <= k <= 3\n"
"""Declared bounds (as a model declares its inputs'): the loops then need no overflow guards,
whose branches keep a body from being unrolled."""


def _program(body: str, bounded: bool = True) -> str:
    return "def main(xs: list[int], k: int) -> list[int]:\n" + (BOUNDS if bounded else "") + body


def _cpython(source: str, inputs: dict):
    namespace: dict = {}
    exec(compile(source, "unroll.py", "exec"), namespace)
    try:
        return "ok", namespace["main"](**{k: list(v) if isinstance(v, list) else v for k, v in inputs.items()})
    except (ZeroDivisionError, IndexError):
        return "error", None


def _zkvm(source: str, inputs: dict):
    shapes = input_shapes_of(main_parameters(source, "unroll.py"), inputs)
    program = compile_source(source, "unroll.py", shapes)
    try:
        result = run(program, flatten_inputs(program, inputs), record=False)
    except ExecutionError:
        return "error", None
    return "ok", shaped_output(program, result.outputs)


TRIPS = [0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 40]


@pytest.mark.parametrize("bounded", [True, False], ids=["bounded", "guarded"])
@pytest.mark.parametrize("name", sorted(BODIES))
@given(n=st.sampled_from(TRIPS), data=st.data())
def test_unrolled_loops_match_cpython(name, bounded, n, data):
    xs = data.draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n), label="xs")
    k = data.draw(st.integers(-3, 3), label="k")
    source = _program(BODIES[name], bounded)
    inputs = {"xs": xs, "k": k}
    want = _cpython(source, inputs)
    have = _zkvm(source, inputs)
    assert have == want, (source, inputs)


def _cycles(source: str, inputs: dict) -> int:
    shapes = input_shapes_of(main_parameters(source, "unroll.py"), inputs)
    program = compile_source(source, "unroll.py", shapes)
    return run(program, flatten_inputs(program, inputs), record=False).cycles


def test_unrolling_saves_the_loop_control(monkeypatch):
    """An activation over 64 values: the loop's control (counter, test, branch, pointer
    increments) is paid once per 16 turns instead of every turn."""
    source = _program(BODIES["relu_comprehension"])
    inputs = {"xs": list(range(-32, 32)), "k": 0}
    unrolled = _cycles(source, inputs)
    monkeypatch.setattr(unroll, "MAX_UNROLL", 1)
    rolled = _cycles(source, inputs)
    assert _zkvm(source, inputs) == _cpython(source, inputs)
    # each turn of the rolled loop spends 4 rows on control; unrolled, 4 rows per 16 turns
    assert rolled - unrolled >= 64 * 4 - 64 // 16 * 4 - 2, (rolled, unrolled)
