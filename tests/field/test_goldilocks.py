"""Scalar base-field and extension-field arithmetic against galois."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.oracles import EDGE_VALUES, P, elements, ext_elements, from_gf2, gf, nonzero_elements, to_gf2
from zkvm.errors import FieldError
from zkvm.field import goldilocks as gl
from zkvm.field import poly
from zkvm.field.ext2 import Ext2, ext_batch_inverse


@given(elements, elements)
def test_base_ops_match_galois(a, b):
    F = gf()
    assert gl.add(a, b) == int(F(a) + F(b))
    assert gl.sub(a, b) == int(F(a) - F(b))
    assert gl.mul(a, b) == int(F(a) * F(b))
    assert gl.neg(a) == int(-F(a))


@given(nonzero_elements, st.integers(-(2**70), 2**70))
def test_power_and_inverse_match_galois(a, e):
    F = gf()
    assert gl.power(a, e) == int(F(a) ** e)
    assert gl.inv(a) == int(F(a) ** -1)


def test_edge_values_pairwise():
    F = gf()
    for a in EDGE_VALUES:
        for b in EDGE_VALUES:
            a_, b_ = a % P, b % P
            assert gl.mul(a_, b_) == int(F(a_) * F(b_))


def test_inverse_of_zero_raises():
    with pytest.raises(FieldError):
        gl.inv(0)
    with pytest.raises(FieldError):
        gl.batch_inverse([1, 0, 3])


@given(st.lists(nonzero_elements, min_size=0, max_size=20))
def test_batch_inverse(values):
    F = gf()
    assert gl.batch_inverse(values) == [int(F(v) ** -1) for v in values]


@given(st.integers(-(P // 2), P // 2))
def test_signed_round_trip(x):
    """Integers in the symmetric range (-p/2, p/2) survive the trip through the field."""
    assert gl.to_signed(gl.from_signed(x)) == x
    assert gl.from_signed(x) == int(gf()(x % P))


@pytest.mark.parametrize("log_n", [0, 1, 2, 5, 16, 31, 32])
def test_roots_of_unity_are_primitive(log_n):
    w = gl.root_of_unity(log_n)
    F = gf()
    assert F(w) ** (1 << log_n) == 1
    if log_n:
        assert F(w) ** (1 << (log_n - 1)) == F(P - 1)


def test_generator_is_primitive():
    assert int(gf().primitive_element) == gl.GENERATOR


def test_root_of_unity_range_is_checked():
    with pytest.raises(Exception) as info:
        gl.root_of_unity(33)
    assert "log_n" in str(info.value)


# --- extension ----------------------------------------------------------------------------
@given(ext_elements, ext_elements)
def test_ext_ops_match_galois(a, b):
    x, y = Ext2(*a), Ext2(*b)
    ga, gb = to_gf2(*a), to_gf2(*b)
    assert (x + y).to_pair() == from_gf2(ga + gb)
    assert (x - y).to_pair() == from_gf2(ga - gb)
    assert (x * y).to_pair() == from_gf2(ga * gb)
    assert (-x).to_pair() == from_gf2(-ga)


@given(ext_elements.filter(lambda t: t != (0, 0)), st.integers(-(2**40), 2**130))
def test_ext_power_inverse_match_galois(a, e):
    x = Ext2(*a)
    ga = to_gf2(*a)
    assert x.inverse().to_pair() == from_gf2(ga**-1)
    assert (x**e).to_pair() == from_gf2(ga**e)


@given(ext_elements, elements)
def test_ext_mixes_with_base(a, b):
    x = Ext2(*a)
    gb = to_gf2(b, 0)
    assert (x * b).to_pair() == from_gf2(to_gf2(*a) * gb)
    assert (b - x).to_pair() == from_gf2(gb - to_gf2(*a))
    assert (x + b) == (b + x)


def test_ext_zero_inverse_raises():
    with pytest.raises(FieldError):
        Ext2(0).inverse()
    with pytest.raises(FieldError):
        ext_batch_inverse([Ext2(1, 2), Ext2(0, 0)])


@given(st.lists(ext_elements.filter(lambda t: t != (0, 0)), max_size=10))
def test_ext_batch_inverse(values):
    xs = [Ext2(*v) for v in values]
    assert [y.to_pair() for y in ext_batch_inverse(xs)] == [from_gf2(to_gf2(*v) ** -1) for v in values]


# --- polynomial helpers --------------------------------------------------------------------
@given(st.lists(elements, min_size=1, max_size=12), ext_elements)
def test_poly_evaluate_matches_galois(coeffs, z):
    import galois

    F2 = type(to_gf2(0, 0))
    gpoly = galois.Poly([to_gf2(c, 0) for c in reversed(coeffs)], field=F2)
    assert poly.evaluate(coeffs, Ext2(*z)).to_pair() == from_gf2(gpoly(to_gf2(*z)))
    F = gf()
    base_poly = galois.Poly(list(reversed(coeffs)), field=F)
    assert poly.evaluate(coeffs, z[0]) == int(base_poly(F(z[0])))


@given(st.lists(elements, min_size=1, max_size=8, unique=True), st.data())
def test_interpolate_round_trip(xs, data):
    ys = data.draw(st.lists(elements, min_size=len(xs), max_size=len(xs)))
    coeffs = poly.interpolate(xs, ys)
    assert [poly.evaluate(coeffs, x) for x in xs] == ys
    ext_ys = [Ext2(y, y * 3) for y in ys]
    ext_coeffs = poly.interpolate(xs, ext_ys)
    assert [poly.evaluate(ext_coeffs, x) for x in xs] == ext_ys


def test_interpolate_rejects_repeated_points():
    with pytest.raises(FieldError):
        poly.interpolate([1, 1], [2, 3])
