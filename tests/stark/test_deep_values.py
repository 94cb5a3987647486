"""The verifier's DEEP values (zkvm.stark.deep) against the DEEP formula computed element by
element in galois' GF(p^2): packed two-lane sums, tables of one height summed before the
division, the sent high part and x^n, at random and at extreme values."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.oracles import P, from_gf2, gf, gf2, to_gf2
from zkvm.field import goldilocks as gl
from zkvm.stark import deep

SALT = 4  # opened rows carry salt values after the columns: they must not enter the sums


def _bitrev(x: int, bits: int) -> int:
    return int(format(x, f"0{bits}b")[::-1], 2) if bits else 0


def _random_table(rnd: random.Random, widths, count, value):
    w, a, c, f = widths
    ext = lambda: (value(), value())  # noqa: E731
    return {
        "widths": widths,
        "ood": {"main": [ext() for _ in range(w)], "main next": [ext() for _ in range(w)],
                "aux": [ext() for _ in range(a)], "aux next": [ext() for _ in range(a)],
                "composition": [ext() for _ in range(c)], "fixed": [ext() for _ in range(f)]},
        "main": [[value() for _ in range(w + SALT)] for _ in range(count)],
        "aux": [[value() for _ in range(2 * a + SALT)] for _ in range(count)] if a else None,
        "composition": [[value() for _ in range(2 * c + SALT)] for _ in range(count)],
        "fixed": [[value() for _ in range(f)] for _ in range(count)] if f else None,
        "high": [ext() for _ in range(rnd.choice([0, 5, 64]))],
    }


def _reference(tables, gammas_per_table, positions, z, n, lde):
    """sum over tables of (sum gamma f(x) - L_z)/(x - z) + (sum_trace gamma f(x) - L_zg)/(x - zg)
    - x^n high(x), in GF(p^2), one element at a time."""
    F2 = gf2()
    zz = to_gf2(*z)
    g = F2(gl.root_of_unity(n.bit_length() - 1))
    log_lde = lde.bit_length() - 1
    w_lde = gl.root_of_unity(log_lde)
    out = []
    for qi, p in enumerate(positions):
        x = F2(gl.GENERATOR * pow(w_lde, _bitrev(p, log_lde), P) % P)
        total = F2(0)
        for tab, gammas in zip(tables, gammas_per_table):
            w, a, c, f = tab["widths"]
            gs = [to_gf2(*gm) for gm in gammas]
            values = [F2(v) for v in tab["main"][qi][:w]]
            row = tab["aux"][qi] if a else []
            values += [to_gf2(row[2 * i], row[2 * i + 1]) for i in range(a)]
            trace_count = len(values)
            row = tab["composition"][qi]
            values += [to_gf2(row[2 * i], row[2 * i + 1]) for i in range(c)]
            values += [F2(v) for v in (tab["fixed"][qi] if f else [])]
            at_z = [to_gf2(*v) for k in ("main", "aux", "composition", "fixed") for v in tab["ood"][k]]
            at_zg = [to_gf2(*v) for k in ("main next", "aux next") for v in tab["ood"][k]]
            full = sum((gm * (v - o) for gm, v, o in zip(gs, values, at_z)), F2(0))
            trace = sum((gm * (v - o) for gm, v, o in zip(gs[:trace_count], values[:trace_count], at_zg)), F2(0))
            total += full / (x - zz) + trace / (x - zz * g)
            high = sum((to_gf2(*h) * x**i for i, h in enumerate(tab["high"])), F2(0))
            total -= x**n * high
        out.append(from_gf2(total))
    return out


def _run(seed: int, widths_list, value=None, log_n=6, log_blowup=3, queries=9):
    rnd = random.Random(seed)
    value = value or (lambda: rnd.randrange(P))
    n, lde = 1 << log_n, 1 << (log_n + log_blowup)
    positions = sorted(set(rnd.randrange(lde) for _ in range(queries)))
    z = (rnd.randrange(P), rnd.randrange(1, P))
    gamma = (rnd.randrange(P), rnd.randrange(P))
    acc = (1, 0)
    tables, gammas_per_table, parts = [], [], []
    for widths in widths_list:
        tab = _random_table(rnd, widths, len(positions), value)
        gammas, acc = deep.powers(gamma, acc, sum(widths))
        terms = deep.TableDeep.build(gammas, widths, tab["ood"], tab["high"])
        sums = terms.row_sums(tab["main"], tab["aux"], tab["composition"], tab["fixed"])
        tables.append(tab)
        gammas_per_table.append(gammas)
        parts.append((terms, *sums))
    got = deep.height_values(parts, positions, deep.domain_points(positions, lde), z, n, lde)
    assert got == _reference(tables, gammas_per_table, positions, z, n, lde)


@pytest.mark.parametrize("widths_list", [
    [(5, 0, 2, 0)],
    [(7, 3, 4, 2)],
    [(74, 16, 4, 0), (4, 2, 4, 8)],  # the shapes of a CPU table and a data table
    [(2, 1, 3, 0), (13, 5, 4, 0), (1, 0, 1, 1)],
])
def test_height_values_equal_the_formula(widths_list):
    _run(1, widths_list)


def test_extreme_values_keep_the_lanes_apart():
    """Every value and coefficient p - 1 (the largest products, the largest sums): a lane
    that spilled into the other would change the result."""
    _run(2, [(200, 40, 8, 8), (3, 1, 2, 0)], value=lambda: P - 1)
    _run(3, [(64, 8, 4, 4)], value=lambda: random.Random(9).choice([0, 1, P - 1, P - 2, 2**63, 2**32 - 1]))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32), st.lists(st.tuples(st.integers(1, 12), st.integers(0, 4), st.integers(1, 4),
                                                 st.integers(0, 3)), min_size=1, max_size=3),
       st.integers(2, 4))
def test_height_values_random_shapes(seed, widths_list, log_blowup):
    _run(seed, widths_list, log_n=4 + seed % 3, log_blowup=log_blowup, queries=5)


def test_packing_round_trip():
    rnd = random.Random(4)
    F2 = gf2()
    coeffs = [(rnd.randrange(P), rnd.randrange(P)) for _ in range(30)]
    values = [(rnd.randrange(P), rnd.randrange(P)) for _ in range(30)]
    base = [rnd.randrange(P) for _ in range(30)]
    expect_ext = sum((to_gf2(*c) * to_gf2(*v) for c, v in zip(coeffs, values)), F2(0))
    expect_base = sum((to_gf2(*c) * F2(b) for c, b in zip(coeffs, base)), F2(0))
    got_ext = deep.unpack(sum(x * y for x, y in zip(deep.pack_ext(coeffs), deep.flat(values))))
    got_base = deep.unpack(sum(x * y for x, y in zip(deep.pack_base(coeffs), base)))
    assert got_ext == from_gf2(expect_ext) and got_base == from_gf2(expect_base)
    assert gf()(1)  # the base oracle is the same field


def test_powers_are_the_extension_powers():
    F2 = gf2()
    gamma = (123456789, 987654321)
    got, nxt = deep.powers(gamma, (5, 6), 10)
    expect = [to_gf2(5, 6) * to_gf2(*gamma) ** i for i in range(11)]
    assert got == [from_gf2(e) for e in expect[:10]] and nxt == from_gf2(expect[10])


def test_a_point_on_the_domain_is_refused():
    from zkvm.errors import FieldError

    xs = deep.domain_points([0, 3], 64)
    with pytest.raises(FieldError):
        deep._inverse_distances(xs, (xs[1], 0))
