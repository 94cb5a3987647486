"""NTT, coset LDE and column evaluation against galois (independent oracle)."""

from __future__ import annotations

import galois
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.oracles import P, ext_elements, from_gf2, galois_intt, galois_ntt, gf, to_gf2
from zkvm.errors import ParameterError
from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.field.poly_kernels import evaluate_columns


def _random_matrix(seed: int, rows: int, cols: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.integers(0, P, (rows, cols), dtype=np.uint64)
    # sprinkle edge values so carries and reductions are exercised
    edges = np.array([0, 1, P - 1, 2**32, 2**63], dtype=np.uint64)
    flat = m.reshape(-1)
    flat[: min(flat.size, 5)] = edges[: min(flat.size, 5)]
    return m


@given(st.integers(0, 12), st.integers(0, 2**32))
def test_ntt_1d_matches_galois(log_n, seed):
    n = 1 << log_n
    a = _random_matrix(seed, n, 1)[:, 0].copy()
    expect = galois_ntt(a.tolist())
    assert ntt.ntt(a).tolist() == [int(v) for v in expect]
    assert ntt.intt(ntt.ntt(a)).tolist() == a.tolist()
    assert ntt.intt(a).tolist() == galois_intt(a.tolist())


@given(st.integers(0, 11), st.integers(1, 40), st.integers(0, 2**32))
def test_ntt_rows_matches_per_column_galois(log_n, cols, seed):
    n = 1 << log_n
    m = _random_matrix(seed, n, cols)
    got = ntt.ntt(m)
    for c in range(0, cols, max(1, cols // 4)):
        assert got[:, c].tolist() == galois_ntt(m[:, c].tolist())
    assert ntt.intt(got).tolist() == m.tolist()


@pytest.mark.parametrize("log_n", [14, 15])
def test_blocked_stages_large_sizes(log_n):
    """Sizes beyond the cache block exercise the streaming stages (1-D and rows)."""
    n = 1 << log_n
    a = _random_matrix(log_n, n, 1)[:, 0].copy()
    got = ntt.ntt(a)
    # spot-check outputs against direct sums A[k] = sum a[i] w^(ik) with galois arithmetic
    F = gf()
    w = F(gl.root_of_unity(log_n))
    fa = F(a.tolist())
    idx = np.arange(n)
    for k in [0, 1, 5, n // 2 + 3, n - 1]:
        assert int(got[k]) == int(np.sum(fa * (w ** (idx * k % n)))), k
    m = _random_matrix(log_n + 1, n, 9)
    assert ntt.intt(ntt.ntt(m)).tolist() == m.tolist()
    assert ntt.ntt(m)[:, 3].tolist() == ntt.ntt(m[:, 3].copy()).tolist()


def test_forward_bitrev_is_bit_reversed_ntt():
    a = _random_matrix(3, 256, 1)[:, 0].copy()
    natural = ntt.ntt(a)
    rev = ntt.forward_bitrev(a.copy())
    perm = ntt.bitrev_permutation(8)
    assert rev.tolist() == natural[perm].tolist()
    assert ntt.inverse_from_bitrev(rev).tolist() == a.tolist()


@given(st.integers(0, 9), st.sampled_from([1, 2, 4, 8, 16]), st.integers(1, 6), st.integers(0, 2**32))
def test_lde_matches_galois_evaluation(log_n, blowup, cols, seed):
    n = 1 << log_n
    trace = _random_matrix(seed, n, cols)
    lde = ntt.low_degree_extend(trace, blowup)
    assert lde.shape == (n * blowup, cols)
    F = gf()
    big = n * blowup
    log_big = big.bit_length() - 1
    w = gl.root_of_unity(log_big)
    perm = ntt.bitrev_permutation(log_big)
    rng = np.random.default_rng(seed)
    rows = sorted(set(rng.integers(0, big, 6).tolist()) | {0, big - 1})
    for c in range(cols):
        # interpolate with galois, then evaluate at the coset points
        coeffs = galois_intt(trace[:, c].tolist())
        polynomial = galois.Poly(list(reversed([int(v) for v in coeffs])), field=F)
        xs = F([gl.GENERATOR * pow(w, int(perm[s]), P) % P for s in rows])
        assert lde[rows, c].tolist() == [int(v) for v in polynomial(xs)]


def test_lde_on_trace_domain_reproduces_trace():
    """Blowup 1 with shift 1 is the identity up to bit-reversal."""
    trace = _random_matrix(11, 64, 3)
    lde = ntt.low_degree_extend(trace, 1, shift=1)
    perm = ntt.bitrev_permutation(6)
    assert lde.tolist() == trace[perm].tolist()


@given(st.integers(0, 10), st.integers(1, 5), ext_elements, st.integers(0, 2**32))
def test_evaluate_columns_at_extension_point(log_n, cols, z, seed):
    n = 1 << log_n
    coeffs = _random_matrix(seed, n, cols)
    got = evaluate_columns(coeffs, z)
    F2 = type(to_gf2(0, 0))
    gz = to_gf2(*z)
    for c in range(cols):
        polynomial = galois.Poly([to_gf2(int(v), 0) for v in reversed(coeffs[:, c].tolist())], field=F2)
        assert tuple(got[c].tolist()) == from_gf2(polynomial(gz))


def test_shapes_are_validated():
    with pytest.raises(ParameterError):
        ntt.ntt(np.zeros(6, dtype=np.uint64))
    with pytest.raises(ParameterError):
        ntt.low_degree_extend(np.zeros((8, 2), dtype=np.uint64), 3)
    with pytest.raises(ParameterError):
        ntt.forward_bitrev(np.zeros(8, dtype=np.int64))


@given(st.integers(0, 12), st.integers(1, P - 1), st.integers(1, P - 1))
def test_bitrev_powers_kernel(log_n, base, start):
    out = ntt.bitrev_powers_kernel(np.uint64(base), log_n, np.uint64(start))
    perm = ntt.bitrev_permutation(log_n)
    for t in {0, 1, (1 << log_n) - 1, (1 << log_n) // 3} & set(range(1 << log_n)):
        assert int(out[t]) == start * pow(base, int(perm[t]), P) % P


@pytest.mark.parametrize("cols", [1, 2, 3, 7, 8, 9])
def test_narrow_and_wide_lde_paths_agree_with_reference(cols):
    """Fewer than 8 columns take the per-column path; both must equal direct evaluation."""
    trace = _random_matrix(cols, 256, cols)
    lde = ntt.low_degree_extend(trace, 4)
    buf = np.empty_like(lde)
    assert np.array_equal(ntt.low_degree_extend(trace, 4, out=buf), lde)
    perm = ntt.bitrev_permutation(10)
    w = gl.root_of_unity(10)
    coeffs = ntt.interpolate_columns(trace)
    for s in [0, 5, 1023]:
        x = gl.GENERATOR * pow(w, int(perm[s]), P) % P
        for c in range(cols):
            v = 0
            for cf in reversed(coeffs[:, c].tolist()):
                v = (v * x + cf) % P
            assert int(lde[s, c]) == v


def test_interpolate_in_place_equals_the_copying_form():
    """overwrite=True transforms the matrix itself (same coefficients, no copy); inputs it
    cannot overwrite (read-only, not C-ordered) are copied and left untouched."""
    trace = _random_matrix(11, 64, 5)
    expect = ntt.interpolate_columns(trace)
    work = trace.copy()
    got = ntt.interpolate_columns(work, overwrite=True)
    assert got is work and np.array_equal(got, expect)
    fortran = np.asfortranarray(trace)
    assert np.array_equal(ntt.interpolate_columns(fortran, overwrite=True), expect)
    assert np.array_equal(fortran, trace)
    frozen = trace.copy()
    frozen.flags.writeable = False
    assert np.array_equal(ntt.interpolate_columns(frozen, overwrite=True), expect) and np.array_equal(frozen, trace)
