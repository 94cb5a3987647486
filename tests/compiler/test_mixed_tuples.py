"""Tuples mixing ints and lists (``return label, scores``): boxed in the VM, shown and proven
as Python returns them.

A mixed tuple is a list of rows whose int positions hold one-element rows; the program's
signature lists those positions, so that the output a proof claims reads back as CPython's
value, and a signature that lies about them is malformed.
"""

from __future__ import annotations

import pytest

import zkvm
from zkvm.compiler import compile_source, flatten_inputs
from zkvm.errors import ParameterError
from zkvm.isa.program import Program, shaped_output, validate_signature
from zkvm.vm.run import run

SOURCE = '''
def classify(xs):
    scores = [2 * v - 3 for v in xs]
    best = max(range(len(scores)), key=lambda i: scores[i])
    return best, scores


def main(xs: list[int]) -> tuple[int, list[int], int]:
    label, scores = classify(xs)
    return label, sorted(scores), len(scores)
'''


def _cpython(inputs: dict):
    ns: dict = {}
    exec(compile(SOURCE, "prog.py", "exec"), ns)
    return ns["main"](**inputs)


def test_mixed_tuple_output_is_proven_and_reads_back_as_python_returns_it():
    inputs = {"xs": [4, -1, 9, 2]}
    program = compile_source(SOURCE, "prog.py", {"xs": [4]})
    assert program.signature["output"]["boxed"] == [0, 2]
    flat = flatten_inputs(program, inputs)
    want = [_cpython(inputs)[0], _cpython(inputs)[1], _cpython(inputs)[2]]
    assert shaped_output(program, run(program, flat, record=False).outputs) == want
    claim = zkvm.verify(zkvm.prove(program, flat).proof, program)
    assert claim.output == want


@pytest.mark.parametrize("boxed", [[1, 0], [-1], [0, 0], "0", [True], [0.5]])
def test_malformed_boxed_positions_are_refused(boxed):
    program = compile_source(SOURCE, "prog.py", {"xs": [4]})
    sig = {**program.signature, "output": {**program.signature["output"], "boxed": boxed}}
    with pytest.raises(ParameterError, match="boxed"):
        validate_signature(sig)


def test_boxed_positions_are_part_of_the_program_hash():
    program = compile_source(SOURCE, "prog.py", {"xs": [4]})
    sig = {**program.signature, "output": {**program.signature["output"], "boxed": [0]}}
    other = Program(program.code, program.data, program.layout, sig)
    assert other.hash() != program.hash()


TABLE_SOURCE = '''
def main(m: list[list[int]], k: int) -> tuple[list[list[int]], int, list[int]]:
    sq = [[v * v for v in r] for r in m]
    return sq, k * 2, [len(r) for r in m]
'''


def test_a_tuple_holding_a_list_of_lists_is_proven_and_reads_back():
    inputs = {"m": [[1, -2], [3, 4], [5, 6]], "k": 7}
    ns: dict = {}
    exec(compile(TABLE_SOURCE, "prog.py", "exec"), ns)
    want = [list(x) if isinstance(x, list) else x for x in ns["main"](**inputs)]
    program = compile_source(TABLE_SOURCE, "prog.py", {"m": [3, 2]})
    assert program.signature["output"]["parts"] == ["table", "int", "list"]
    flat = flatten_inputs(program, inputs)
    assert shaped_output(program, run(program, flat, record=False).outputs) == want
    claim = zkvm.verify(zkvm.prove(program, flat).proof, program)
    assert claim.output == want


@pytest.mark.parametrize("parts", [["int", "matrix"], "int", [1], ["int"] * 2])
def test_malformed_output_parts_are_refused(parts):
    program = compile_source(TABLE_SOURCE, "prog.py", {"m": [3, 2]})
    output = {**program.signature["output"], "parts": parts}
    if parts == ["int"] * 2:
        output["boxed"] = [0]  # (parts and boxed positions never go together)
    with pytest.raises(ParameterError, match="parts|boxed"):
        validate_signature({**program.signature, "output": output})


RAGGED_SOURCE = '''
def main(adj: list[list[int]], x: int) -> list[int]:
    seen = {x}
    queue = [x]
    order = []
    while queue:
        u = queue.pop(0)
        order.append(u)
        for v in adj[u]:
            if v not in seen:
                seen.add(v)
                queue.append(v)
    return order + [len(r) for r in adj]
'''


def test_an_input_whose_rows_differ_in_length_is_proven_with_its_row_lengths_public():
    from zkvm.compiler import check_source, input_shapes_of

    inputs = {"adj": [[1, 2], [3], [3], [], [0, 1, 2]], "x": 0}
    ns: dict = {}
    exec(compile(RAGGED_SOURCE, "prog.py", "exec"), ns)
    checked = check_source(RAGGED_SOURCE, "prog.py")
    shapes = input_shapes_of(checked.main_parameters(), inputs)
    assert shapes["adj"] == [5, [2, 1, 1, 0, 3]]
    program = checked.compile(shapes)
    flat = flatten_inputs(program, inputs)
    claim = zkvm.verify(zkvm.prove(program, flat).proof, program)
    assert claim.output == ns["main"](**inputs)


@pytest.mark.parametrize("shape", [[3, [1, 2]], [2, [1, -1]], [2, [1, True]], [2, "ab"]])
def test_malformed_row_lengths_are_refused(shape):
    program = compile_source(RAGGED_SOURCE, "prog.py", {"adj": [2, [1, 2]], "x": []})
    params = [{**p, "shape": shape} if p["name"] == "adj" else p for p in program.signature["params"]]
    with pytest.raises(ParameterError):
        validate_signature({**program.signature, "params": params})
