"""Recursion, direct and mutual, with CPython's results, up to a stated depth.

At most MAX_RECURSION_DEPTH (200) calls of one cycle of functions are active at once; the next
stops the run with CPython's RecursionError message (CPython's own limit is about 1000). The
stack holds that many frames, so a deep recursion never reaches the heap: lists built at every
level stay intact. A recursive function's return type is found without an annotation.

Every program runs under CPython (the oracle) and on the VM, with the same inputs.
"""

from __future__ import annotations

import pytest

from tests.compiler.test_negative_index import FILE, assert_same, cpython, on_vm
from zkvm.compiler import compile_source, flatten_inputs, input_shapes_of, main_parameters
from zkvm.compiler.link import MAX_RECURSION_DEPTH
from zkvm.errors import ExecutionError

GCD = '''
def gcd(a, b):
    if b == 0:
        return abs(a)
    return gcd(b, a % b)


def main(a: int, b: int) -> int:
    return gcd(a, b)
'''


@pytest.mark.parametrize("a,b", [(84, 36), (17, 5), (0, 9), (-12, 18), (2**62, 6), (1, 0)])
def test_gcd(a, b):
    assert_same(GCD, {"a": a, "b": b})


FIB = '''
def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main(n: int) -> list[int]:
    return [fib(k) for k in range(n)]
'''


def test_fib():
    assert_same(FIB, {"n": 15})


PARITY = '''
def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


def main(n: int) -> list[bool]:
    return [is_even(n), is_odd(n), is_even(n + 1)]
'''


@pytest.mark.parametrize("n", [0, 1, 7, 100])
def test_mutual_recursion(n):
    assert_same(PARITY, {"n": n})


TREE = '''
NODES = [[0, 50, 1, 2], [1, 30, 3, 4], [2, 70, 5, 6], [-1, 10, -1, -1], [-1, 20, -1, -1],
         [-1, 30, -1, -1], [-1, 40, -1, -1]]


def predict(node, x):
    feature, threshold, left, right = NODES[node]
    if feature < 0:
        return threshold
    if x[feature] <= threshold:
        return predict(left, x)
    return predict(right, x)


def depth(node):
    if NODES[node][0] < 0:
        return 1
    return 1 + max(depth(NODES[node][2]), depth(NODES[node][3]))


def leaves(node, out):
    if NODES[node][0] < 0:
        out.append(NODES[node][1])
        return
    leaves(NODES[node][2], out)
    leaves(NODES[node][3], out)


def flatten(m, i):
    if i == len(m):
        return []
    return m[i] + flatten(m, i + 1)


def main(xs: list[list[int]]) -> list[int]:
    out = [predict(0, x) for x in xs]
    out.append(depth(0))
    leaves(0, out)
    return out + flatten(xs, 0)
'''


def test_tree_walk_over_a_table_of_nodes():
    """Recursion returning an int, returning None (appending to a shared list) and returning
    a list, over a table of node lists."""
    assert_same(TREE, {"xs": [[10, 10, 0], [10, 90, 0], [80, 0, 60], [80, 0, 90]]})


COUNT = '''
def count(n, acc):
    if n == 0:
        return [len(acc)]
    level = [n] * 3
    acc.append(level)
    inner = count(n - 1, acc)
    return inner + [level[0] + level[2]]


def main(n: int) -> list[int]:
    acc = []
    out = count(n, acc)
    return out[-3:] + [len(out), sum(len(r) for r in acc), acc[0][0], acc[-1][-1]]
'''


def test_up_to_the_bound_the_heap_is_intact():
    """MAX_RECURSION_DEPTH active calls: each level allocates lists, and every one reads back."""
    assert MAX_RECURSION_DEPTH == 200
    assert_same(COUNT, {"n": MAX_RECURSION_DEPTH - 1})


def test_past_the_bound_the_run_stops_with_recursion_error():
    """One call more than the bound: the run stops with the message (CPython, whose limit is
    higher, still computes this one)."""
    inputs = {"n": MAX_RECURSION_DEPTH}
    assert cpython(COUNT, inputs)[1] is None
    with pytest.raises(ExecutionError, match="RecursionError: maximum recursion depth exceeded"):
        on_vm(COUNT, inputs)


def test_where_cpython_raises_recursion_error_the_run_stops_too():
    source = "def down(n):\n    return 0 if n == 0 else 1 + down(n - 1)\n\n\ndef main(n: int) -> int:\n    return down(n)\n"
    assert_same(source, {"n": 50})
    assert_same(source, {"n": 100_000}, RecursionError)
    with pytest.raises(ExecutionError, match="maximum recursion depth"):
        on_vm(source, {"n": 100_000})


def test_recursive_calls_inside_other_recursions_count_separately():
    """Each cycle of functions has its own count: f's 150 calls each run a g recursion of 150."""
    source = '''
def g(n):
    return 0 if n == 0 else 1 + g(n - 1)


def f(n):
    return 0 if n == 0 else g(150) + f(n - 1)


def main(n: int) -> int:
    return f(n)
'''
    assert_same(source, {"n": 150})


def test_return_type_without_annotation_is_found():
    source = '''
def build(n):
    if n == 0:
        return []
    rest = build(n - 1)
    return rest + [[n, n * n]]


def main(n: int) -> list[list[int]]:
    return build(n)
'''
    assert_same(source, {"n": 6})


def test_recursive_program_is_proved_and_verified():
    import zkvm
    from zkvm.verifier import verify

    inputs = {"n": 12}
    program = compile_source(FIB, FILE, input_shapes_of(main_parameters(FIB, FILE), inputs))
    proof = zkvm.prove(program, flatten_inputs(program, inputs)).proof
    expected, _ = cpython(FIB, inputs)
    claim = verify(proof, program)
    assert claim.output is not None and list(_output(program, claim.output)) == expected


def _output(program, output):
    from zkvm.isa.program import shaped_output

    return output if isinstance(output, list) else shaped_output(program, output)
