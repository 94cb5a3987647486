"""Whole-array kernels (Numba) against galois and the scalar reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.oracles import EDGE_VALUES, P, elements, ext_elements, from_gf2, gf, to_gf2
from zkvm.errors import FieldError, ParameterError
from zkvm.field import arrays as fa

vectors = st.lists(elements, min_size=1, max_size=64)


def _pairs(draw_len):
    return st.integers(1, 64).flatmap(
        lambda n: st.tuples(st.lists(elements, min_size=n, max_size=n), st.lists(elements, min_size=n, max_size=n))
    )


@given(_pairs(None))
def test_array_ops_match_galois(ab):
    a, b = ab
    F = gf()
    A, B = np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)
    ga, gb = F(a), F(b)
    assert fa.add(A, B).tolist() == [int(v) for v in ga + gb]
    assert fa.sub(A, B).tolist() == [int(v) for v in ga - gb]
    assert fa.mul(A, B).tolist() == [int(v) for v in ga * gb]
    assert fa.neg(A).tolist() == [int(v) for v in -ga]


def test_edge_value_products_all_pairs():
    edges = np.array(EDGE_VALUES, dtype=np.uint64) % np.uint64(P)
    a = np.repeat(edges, len(edges))
    b = np.tile(edges, len(edges))
    expect = [int(x) * int(y) % P for x, y in zip(a, b)]
    assert fa.mul(a, b).tolist() == expect


def test_large_random_mul_against_python():
    rng = np.random.default_rng(7)
    a = rng.integers(0, P, 1 << 17, dtype=np.uint64)
    b = rng.integers(0, P, 1 << 17, dtype=np.uint64)
    got = fa.mul(a, b)
    idx = rng.integers(0, a.size, 2000)
    assert all(int(got[i]) == int(a[i]) * int(b[i]) % P for i in idx)


@given(vectors, st.integers(-(2**66), 2**66))
def test_power_matches_galois(a, e):
    A = np.array(a, dtype=np.uint64)
    F = gf()
    if e < 0 and 0 in a:
        with pytest.raises(FieldError):
            fa.power(A, e)
        return
    assert fa.power(A, e).tolist() == [int(F(v) ** e) if (v or e > 0) else 1 for v in a]


@given(vectors)
def test_batch_inverse_matches_galois(a):
    A = np.array(a, dtype=np.uint64)
    if 0 in a:
        with pytest.raises(FieldError) as info:
            fa.batch_inverse(A)
        assert str(a.index(0)) in str(info.value)
        return
    F = gf()
    assert fa.batch_inverse(A).tolist() == [int(F(v) ** -1) for v in a]


def test_rejects_non_canonical_and_bad_dtypes():
    with pytest.raises(FieldError):
        fa.add(np.array([P], dtype=np.uint64), np.array([1], dtype=np.uint64))
    with pytest.raises(ParameterError):
        fa.mul(np.array([1.5]), np.array([1.0]))
    with pytest.raises(ParameterError):
        fa.add(np.zeros(3, dtype=np.uint64), np.zeros(4, dtype=np.uint64))


@given(st.lists(st.integers(-(P // 2), P // 2), min_size=1, max_size=30))
def test_signed_conversion(values):
    small = [v for v in values if -(2**63) <= v < 2**63]
    arr = fa.from_signed(np.array(small, dtype=np.int64)) if small else np.zeros(0, np.uint64)
    assert arr.tolist() == [v % P for v in small]
    assert fa.to_signed(arr).tolist() == small
    assert fa.from_signed(values).tolist() == [v % P for v in values]


@given(st.integers(1, 20).flatmap(lambda n: st.tuples(st.lists(ext_elements, min_size=n, max_size=n), st.lists(ext_elements, min_size=n, max_size=n))))
def test_ext_array_ops_match_galois(ab):
    a, b = ab
    A, B = np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)
    prod = fa.ext_mul(A, B)
    assert [tuple(r) for r in prod.tolist()] == [from_gf2(to_gf2(*x) * to_gf2(*y)) for x, y in zip(a, b)]
    s = fa.ext_add(A, B)
    assert [tuple(r) for r in s.tolist()] == [from_gf2(to_gf2(*x) + to_gf2(*y)) for x, y in zip(a, b)]
    d = fa.ext_sub(A, B)
    assert [tuple(r) for r in d.tolist()] == [from_gf2(to_gf2(*x) - to_gf2(*y)) for x, y in zip(a, b)]
    nonzero = [x for x in a if x != (0, 0)]
    if nonzero:
        inv = fa.ext_batch_inverse(np.array(nonzero, dtype=np.uint64))
        assert [tuple(r) for r in inv.tolist()] == [from_gf2(to_gf2(*x) ** -1) for x in nonzero]


@given(st.lists(ext_elements, min_size=1, max_size=5), st.integers(0, 2**129))
def test_ext_array_power(a, e):
    A = np.array(a, dtype=np.uint64)
    got = fa.ext_power(A, e)
    assert [tuple(r) for r in got.tolist()] == [from_gf2(to_gf2(*x) ** e) for x in a]


def test_ext_zero_inverse_raises():
    with pytest.raises(FieldError):
        fa.ext_batch_inverse(np.array([[1, 0], [0, 0]], dtype=np.uint64))
