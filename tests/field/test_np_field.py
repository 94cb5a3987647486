"""The numpy-only field arithmetic (zkvm.field.np_field) against galois and Python ints."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.oracles import EDGE_VALUES, P, elements, ext_elements, from_gf2, gf, nonzero_elements, to_gf2
from zkvm.errors import FieldError
from zkvm.field import np_field as npf

U64 = np.uint64
any_u64 = st.one_of(st.sampled_from(EDGE_VALUES + [2**64 - 1, 2**64 - 2, P + 1, 2**64 - 2**32 + 5]), st.integers(0, 2**64 - 1))


def arr(values) -> np.ndarray:
    return np.array(values, dtype=U64)


def pairs(elem):
    return st.lists(st.tuples(elem, elem), min_size=0, max_size=60)


@given(pairs(elements))
def test_base_ops_match_galois(ab):
    F = gf()
    a = [x for x, _ in ab]
    b = [y for _, y in ab]
    fa, fb = F(a), F(b)
    assert npf.mul(arr(a), arr(b)).tolist() == [int(v) for v in fa * fb]
    assert npf.add(arr(a), arr(b)).tolist() == [int(v) for v in fa + fb]
    assert npf.sub(arr(a), arr(b)).tolist() == [int(v) for v in fa - fb]
    assert npf.neg(arr(a)).tolist() == [int(v) for v in -fa]


def test_edge_values_pairwise():
    F = gf()
    edges = [v % P for v in EDGE_VALUES]
    a = [x for x in edges for _ in edges]
    b = [y for _ in edges for y in edges]
    fa, fb = F(a), F(b)
    assert npf.mul(arr(a), arr(b)).tolist() == [int(v) for v in fa * fb]
    assert npf.add(arr(a), arr(b)).tolist() == [int(v) for v in fa + fb]
    assert npf.sub(arr(a), arr(b)).tolist() == [int(v) for v in fa - fb]


@given(st.lists(st.tuples(any_u64, any_u64), min_size=1, max_size=60))
def test_mul_reduces_any_uint64(ab):
    """mul accepts non-canonical inputs (anything below 2^64) and returns canonical products."""
    a = [x for x, _ in ab]
    b = [y for _, y in ab]
    assert npf.mul(arr(a), arr(b)).tolist() == [x * y % P for x, y in ab]


def test_mul_across_blocks_and_shapes():
    rng = np.random.default_rng(5)
    size = 2 * npf._CHUNK + 3  # several blocks and a short last one
    a = rng.integers(0, 2**64 - 1, size=size, dtype=U64, endpoint=True)
    b = rng.integers(0, 2**64 - 1, size=size, dtype=U64, endpoint=True)
    expect = [x * y % P for x, y in zip(a.tolist(), b.tolist())]
    assert npf.mul(a, b).tolist() == expect
    # strided views, scalar broadcasting (both sides), 2-D broadcasting, 0-d and empty
    assert npf.mul(a[:-3:3], b[1::3]).tolist() == [x * y % P for x, y in zip(a[:-3:3].tolist(), b[1::3].tolist())]
    s = P - 1
    assert npf.mul(a[:100], U64(s)).tolist() == [x * s % P for x in a[:100].tolist()]
    assert npf.mul(s, a[:100]).tolist() == [x * s % P for x in a[:100].tolist()]
    grid = npf.mul(a[:7].reshape(7, 1), b[:5])
    assert grid.shape == (7, 5)
    assert grid.tolist() == [[x * y % P for y in b[:5].tolist()] for x in a[:7].tolist()]
    assert int(npf.mul(U64(2**63), U64(2**63))) == 2**126 % P
    assert npf.mul(a[:0], b[:0]).shape == (0,)


@given(st.lists(nonzero_elements, min_size=0, max_size=200))
def test_batch_inverse_matches_galois(values):
    F = gf()
    inv = npf.batch_inverse(arr(values))
    assert inv.tolist() == [int(F(v) ** -1) for v in values]


def test_batch_inverse_all_sizes_around_the_tree():
    F = gf()
    rng = np.random.default_rng(1)
    for size in list(range(0, 140)) + [1000, 1023, 1025, 4097]:
        a = rng.integers(1, P - 1, size=size, dtype=U64, endpoint=True)
        inv = npf.batch_inverse(a)
        assert inv.shape == (size,)
        if size <= 140:
            assert inv.tolist() == [int(F(int(v)) ** -1) for v in a]
        else:
            assert np.all(npf.mul(inv, a) == 1)


def test_batch_inverse_of_zero_raises():
    for values in ([0], [1, 0, 3], [5] * 100 + [0] + [7] * 100, [P]):
        with pytest.raises(FieldError):
            npf.batch_inverse(arr(values))


@given(elements, st.integers(0, 3000))
def test_powers(base, count):
    assert npf.powers(base, count).tolist() == [pow(base, i, P) for i in range(count)]


@given(elements, st.integers(0, 36), st.data())
def test_pow_indices(base, log_bound, data):
    bound = 1 << log_bound
    exps = data.draw(st.lists(st.integers(0, bound - 1), max_size=50))
    got = npf.pow_indices(base, np.array(exps, dtype=np.int64), bound)
    assert got.tolist() == [pow(base, e, P) for e in exps]


@given(st.lists(any_u64, max_size=100))
def test_sum_mod(values):
    assert npf.sum_mod(arr(values)) == sum(values) % P


def test_sum_mod_many_large():
    a = np.full(1 << 20, 2**64 - 1, dtype=U64)
    assert npf.sum_mod(a) == ((2**64 - 1) << 20) % P


@given(st.lists(st.tuples(ext_elements, ext_elements), min_size=1, max_size=30))
def test_ext_mul_matches_galois(ab):
    a0, a1 = arr([x[0] for x, _ in ab]), arr([x[1] for x, _ in ab])
    b0, b1 = arr([y[0] for _, y in ab]), arr([y[1] for _, y in ab])
    c0, c1 = npf.ext_mul((a0, a1), (b0, b1))
    for k, (x, y) in enumerate(ab):
        assert (int(c0[k]), int(c1[k])) == from_gf2(to_gf2(*x) * to_gf2(*y))
    s0, s1 = npf.ext_add((a0, a1), (b0, b1))
    d0, d1 = npf.ext_sub((a0, a1), (b0, b1))
    for k, (x, y) in enumerate(ab):
        assert (int(s0[k]), int(s1[k])) == from_gf2(to_gf2(*x) + to_gf2(*y))
        assert (int(d0[k]), int(d1[k])) == from_gf2(to_gf2(*x) - to_gf2(*y))


@given(st.lists(ext_elements.filter(lambda e: e != (0, 0)), min_size=1, max_size=40))
def test_ext_batch_inverse_matches_galois(values):
    c0, c1 = npf.ext_batch_inverse((arr([v[0] for v in values]), arr([v[1] for v in values])))
    for k, v in enumerate(values):
        assert (int(c0[k]), int(c1[k])) == from_gf2(to_gf2(*v) ** -1)


def test_ext_batch_inverse_of_zero_raises():
    with pytest.raises(FieldError):
        npf.ext_batch_inverse((arr([1, 0]), arr([2, 0])))


def test_imports_no_numba():
    code = (
        "import sys, zkvm.field.np_field, zkvm.stark.public_columns; "
        "print([m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
