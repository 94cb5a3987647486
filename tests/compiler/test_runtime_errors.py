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
