"""Comparing lists (and tuples, which are lists of a static length) with CPython's semantics:
``==`` / ``!=`` element-wise and length-sensitive, ``<``, ``<=``, ``>``, ``>=`` lexicographic
(the first differing element decides, else the shorter list is smaller), on lists of ints and
lists of lists, in chains and in conditions. A list is never equal to an int; ordering them is
a type error (a compile error here, a TypeError in CPython).

Every program runs under CPython (the oracle) and on the VM, with the same inputs.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.compiler.test_negative_index import FILE, assert_same, cpython
from zkvm.compiler import compile_source
from zkvm.errors import CompileError

H = (2**64 - 2**32) // 2
OPS = ["==", "!=", "<", "<=", ">", ">="]

ALL_OPS = '''
def main(a: list[int], b: list[int]) -> list[int]:
    return [a == b, a != b, a < b, a <= b, a > b, a >= b]
'''

ROWS = '''
def main(a: list[list[int]], b: list[list[int]]) -> list[int]:
    out = [a == b, a != b, a < b, a <= b, a > b, a >= b]
    for r in a:
        for s in b:
            out.append(r < s)
            out.append(r == s)
    return out
'''

INTS = st.one_of(st.integers(-3, 3), st.sampled_from([-H, -H + 1, -(2**31), 2**31, H - 1, H]))


@given(st.lists(INTS, max_size=4), st.lists(INTS, max_size=4))
def test_lists_of_ints(a, b):
    assert_same(ALL_OPS, {"a": a, "b": b})


@given(st.lists(INTS, max_size=4), st.data())
def test_lists_of_ints_sharing_a_prefix(a, data):
    """Mostly equal lists: the prefix, a change at the end, or one element more or less."""
    b = data.draw(st.sampled_from([list(a), a[:-1], a + [data.draw(INTS)], a[:-1] + [data.draw(INTS)]]))
    assert_same(ALL_OPS, {"a": a, "b": b})


@given(st.integers(0, 3), st.lists(st.lists(st.integers(-2, 2), min_size=2, max_size=2), max_size=3),
       st.lists(st.lists(st.integers(-2, 2), min_size=2, max_size=2), max_size=3))
def test_lists_of_lists(_, a, b):
    assert_same(ROWS, {"a": a, "b": b})


LITERALS = '''
def main(k: int) -> list[int]:
    e = []
    return [[] == [], e == [], [1, 2] < [1, 2, 3], [1, 2, 3] < [1, 3], [k] == [k], [k, 1] > [k],
            [[1], [2, k]] == [[1], [2, k]], [[1], [2]] < [[1], [2, 0]], [[k]] >= [[k], []],
            [1, 2] == [1, 2] == [1, 2], [1] < [2] < [1], 0 <= k < 5 and [k] != [0]]
'''


@pytest.mark.parametrize("k", [-1, 0, 3])
def test_literals_and_chains(k):
    assert_same(LITERALS, {"k": k})


CONDITIONS = '''
def search(rows: list[list[int]], key: list[int]) -> int:
    for i in range(len(rows)):
        if rows[i] == key:
            return i
    return -1


def main(rows: list[list[int]], key: list[int]) -> list[int]:
    best = rows[0]
    for r in rows:
        if r > best:
            best = r
    n = 0
    while best != [] and not (best <= key):
        best = [v - 1 for v in best]
        n += 1
    return [search(rows, key), n] + best
'''


@pytest.mark.parametrize("key", [[2, 2], [1, 9], [0], [5, 5, 5]])
def test_comparisons_in_conditions(key):
    assert_same(CONDITIONS, {"rows": [[1, 9], [2, 2], [2, 1], [0, 4]], "key": key})


def test_list_against_int_is_never_equal():
    source = "def main(a: list[int], k: int) -> list[int]:\n    return [a == k, k != a, a == [k]]\n"
    assert_same(source, {"a": [1], "k": 1})


def test_list_of_ints_against_list_of_lists():
    source = '''
def main(a: list[int], m: list[list[int]]) -> list[int]:
    return [a == m, m != a]
'''
    for a, m in (([], []), ([1], []), ([], [[1]]), ([1], [[1]])):
        assert_same(source, {"a": a, "m": m})


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_ordering_a_list_and_an_int_is_a_type_error(op):
    source = f"def main(a: list[int], k: int) -> bool:\n    return a {op} k\n"
    _, raised = cpython(source, {"a": [1], "k": 1})
    assert isinstance(raised, TypeError)
    with pytest.raises(CompileError, match="type error"):
        compile_source(source, FILE, {"a": [1]})


TUPLES = '''
def main(a: list[int]) -> list[int]:
    p = (a[0], a[1])
    q = (a[1], a[0])
    return [p < q, p == (a[0], a[1]), (1, 2) < (1, 2, 3), max(p, q) == q or p == q]
'''


@pytest.mark.parametrize("a", [[1, 2], [2, 1], [3, 3]])
def test_tuples(a):
    assert_same(TUPLES, {"a": a})


MIN_MAX = '''
def main(a: list[int], b: list[int], m: list[list[int]]) -> list[list[int]]:
    lo = min(a, b)
    hi = max(a, b, [0])
    top = max(m)
    low = min(m)
    hi.append(7)  # max returns one of its arguments itself (the first of equal ones)
    top.append(8)
    return [lo, hi, a, b, top, low, m[0], m[-1]]
'''


@pytest.mark.parametrize("a,b,m", [
    ([1, 2], [1, 3], [[1, 2], [0, 9], [1, 2]]),
    ([5], [5], [[3], [3]]),
    ([2, 0], [], [[2, 1], [0, 0], [-1, 5]]),
])
def test_min_max_of_lists(a, b, m):
    assert_same(MIN_MAX, {"a": a, "b": b, "m": m})


def test_max_of_an_empty_list_of_lists_stops():
    source = "def main(m: list[list[int]]) -> list[int]:\n    return max(m)\n"
    assert_same(source, {"m": []}, ValueError)
