"""Indexes whose bounds the compiler knows need no bounds check, and nothing else loses one.

A name bound by a single assignment keeps the bounds of the value it was given (a convolution's
``base = (r + dr) * SIDE + c`` inside loops over r, dr and c); an index whose bounds lie below
the list's compile-time length is then read without a ``chk``. The oracle is CPython: the same
programs run on inputs that keep every index in range and on inputs and variants that do not
(a second assignment to the name, a list that shrinks, an index past the end), where the VM
must stop exactly where CPython raises IndexError.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.compiler import compile_source, flatten_inputs, input_shapes_of, main_parameters
from zkvm.errors import ExecutionError
from zkvm.isa import opcodes as op
from zkvm.isa.program import shaped_output
from zkvm.vm.run import run

CONV = '''
def main(img: list[int], k: list[int]) -> list[int]:
    out = []
    for r in range(6):
        for c in range(6):
            acc = 0
            for dr in range(3):
                base = (r + dr) * 8 + c
                acc += k[3 * dr] * img[base] + k[3 * dr + 1] * img[base + 1] + k[3 * dr + 2] * img[base + 2]
            out.append(acc)
    return out
'''

REASSIGNED = '''
def main(img: list[int], k: list[int]) -> list[int]:
    out = []
    for r in range(6):
        base = r * 8 + 9
        if k[0] > 5:
            base = r * 4
        out.append(img[base + 7])
    return out
'''

SHRINKS = '''
def main(img: list[int], k: list[int]) -> list[int]:
    out = []
    if k[0] > 5:
        for _ in range(40):
            img.pop()
    for r in range(4):
        base = r * 8
        out.append(img[base + 15])
    return out
'''


def _compile(source: str, inputs: dict):
    return compile_source(source, "bounds.py", input_shapes_of(main_parameters(source, "bounds.py"), inputs))


def _both(source: str, inputs: dict):
    namespace: dict = {}
    exec(compile(source, "bounds.py", "exec"), namespace)
    try:
        want = ("ok", namespace["main"](**{n: list(v) for n, v in inputs.items()}))
    except IndexError:
        want = ("error", "IndexError")
    program = _compile(source, inputs)
    try:
        have = ("ok", shaped_output(program, run(program, flatten_inputs(program, inputs), record=False).outputs))
    except ExecutionError as e:
        assert "list index out of range" in str(e), str(e)
        have = ("error", "IndexError")
    return want, have, program


def _checks(program) -> int:
    return sum(1 for ins in program.code if ins.op == op.CHK)


@given(st.lists(st.integers(-50, 50), min_size=64, max_size=64), st.lists(st.integers(-9, 9), min_size=9, max_size=9))
def test_a_convolution_reads_its_window_unchecked_and_as_cpython(img, k):
    want, have, program = _both(CONV, {"img": img, "k": k})
    assert have == want
    assert _checks(program) == 0  # every img[base + j] and k[3 * dr + j] is known in range


@pytest.mark.parametrize("k0", [0, 9])
def test_a_name_assigned_twice_keeps_its_checks(k0):
    want, have, program = _both(REASSIGNED, {"img": list(range(48)), "k": [k0]})
    assert have == want  # with k0 = 0 the index passes the end (56 of 48): IndexError in both
    assert _checks(program) >= 1


@pytest.mark.parametrize("k0", [0, 9])
def test_a_program_that_shrinks_lists_keeps_its_checks(k0):
    want, have, program = _both(SHRINKS, {"img": list(range(64)), "k": [k0]})
    assert have == want
    assert _checks(program) >= 1


def test_an_index_past_a_known_length_is_still_checked():
    source = CONV.replace("img[base + 2]", "img[base + 3]")  # base + 3 reaches 64 at r = 5, dr = 2, c = 5
    want, have, program = _both(source, {"img": list(range(64)), "k": [1] * 9})
    assert want == ("error", "IndexError") and have == want
    assert _checks(program) >= 1
