"""Programs that CPython stops with an error must stop on the VM too (small regressions from the
random-program hunt whose failing inputs cannot live in the corpus, which needs a result)."""

from __future__ import annotations

import pytest

from zkvm.compiler import compile_source, flatten_inputs, input_shapes_of, main_parameters
from zkvm.errors import ExecutionError
from zkvm.vm.run import run

CASES = [
    # a loop variable read after a loop over an empty list of lists, where the row length is
    # known at compile time: range(len(row), ...) must still read row (and find it unassigned)
    ("""
def main(m: list[list[int]], k: int) -> list[int]:
    out = []
    for row in m:
        out.append(len(row))
    for j in range(len(row), 3):
        out.append(j)
    return out
""", {"m": [], "k": 1}, UnboundLocalError),
    ("""
def main(m: list[list[int]], k: int) -> list[int]:
    out = []
    for row in m:
        out.append(k)
    for j in range(0, 3, len(row) + 1):
        out.append(j)
    return out
""", {"m": [], "k": 1}, UnboundLocalError),
    # the same read as a dot product's trip count (a mac needs a constant count)
    ("""
def main(m: list[list[int]], x: list[int]) -> list[int]:
    acc = 0
    for row in m:
        acc += 1
    for i in range(len(row)):
        acc += x[i] * x[i]
    return [acc]
""", {"m": [], "x": []}, UnboundLocalError),
    # a comprehension variable that shadows a range loop's variable is an element, not an index
    # known to be in range: its use as an index is bounds-checked (b04a481 read past the list)
    ("""
def main(xs: list[int], zs: list[int]) -> list[int]:
    out = []
    for i in range(len(xs)):
        out = [xs[i] for i in zs]
    return out
""", {"xs": [10, 20], "zs": [5, 1]}, IndexError),
]


@pytest.mark.parametrize("source,inputs,error", CASES)
def test_stops_where_cpython_raises(source, inputs, error):
    namespace: dict = {}
    exec(compile(source, "case.py", "exec"), namespace)
    with pytest.raises(error):
        namespace["main"](**inputs)
    program = compile_source(source, "case.py", input_shapes_of(main_parameters(source, "case.py"), inputs))
    with pytest.raises(ExecutionError):
        run(program, flatten_inputs(program, inputs), record=False)


@pytest.mark.parametrize("inputs,parameter,where", [
    ({"a": [1, 2], "b": 2**63}, "b", "value"),
    ({"a": [1, -(2**70)], "b": 0}, "a", "element [1]"),
    ({"a": [1, 2], "b": (2**64 - 2**32) // 2 + 1}, "b", "value"),  # just above (p - 1) / 2
])
def test_out_of_range_inputs_name_the_parameter(inputs, parameter, where):
    from zkvm.errors import InputError

    source = "def main(a: list[int], b: int) -> int:\n    return a[0] + b\n"
    with pytest.raises(InputError) as e:
        input_shapes_of(main_parameters(source, "case.py"), inputs)
    assert e.value.parameter == parameter and where in str(e.value)


def test_inputs_at_the_edge_of_the_range_are_accepted():
    half = (2**64 - 2**32) // 2  # (p - 1) / 2
    source = "def main(a: list[int], b: int) -> int:\n    return a[0] + b\n"
    assert input_shapes_of(main_parameters(source, "case.py"), {"a": [half, -half], "b": -half}) == {"a": [2], "b": []}
