"""The extra-coset interpolation of the composition polynomial (zkvm.stark.extra_coset) and
the query openings' paired evaluator.

Oracle: polynomials with known random coefficients, evaluated point by point with galois.
"""

from __future__ import annotations

import galois
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.oracles import P, gf
from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.stark import extra_coset as ec
from zkvm.stark import kernels as sk


def _eval(GF, coeffs: np.ndarray, x: int) -> list[int]:
    """Each column of a coefficient matrix at x, with galois (the oracle)."""
    out = []
    for c in range(coeffs.shape[1]):
        poly = galois.Poly([int(v) for v in coeffs[::-1, c]], field=GF)
        out.append(int(poly(GF(x))))
    return out


@given(st.integers(2, 5), st.integers(1, 4), st.integers(0, 3), st.integers(0, 2**32))
def test_values_on_cosets_match_pointwise_evaluation(log_n, log_k_less, h, seed):
    """Folded-and-transformed values equal the polynomial coeffs + X^n * high at each coset
    point, for several cosets, in bit-reversed order."""
    GF = gf()
    n = 1 << log_n
    k = max(2, n >> log_k_less)
    rng = np.random.default_rng(seed)
    coeffs = rng.integers(0, P, (n, 3), dtype=np.uint64)
    high = rng.integers(0, P, (h, 3), dtype=np.uint64)
    offsets = [int(rng.integers(2, P, dtype=np.uint64)), 7]
    got = ec._values_on_cosets(coeffs, high, offsets, n, k)
    combined = np.vstack([coeffs, high])  # coeffs + X^n * high as one coefficient list
    wbr = sk.bitrev_powers(k)
    for j, o in enumerate(offsets):
        for u in range(k):
            x = o * int(wbr[u]) % P
            assert [int(v) for v in got[j * k + u]] == _eval(GF, combined, x), (j, u)


@given(st.integers(3, 6), st.integers(0, 2**32), st.integers(1, 8))
def test_combine_recovers_a_polynomial_from_kept_domain_and_extra_coset(log_n, seed, extra):
    """A polynomial with m + extra coefficients, known on s * <w_m> and on the extra coset,
    is recovered exactly; the top coefficients of B are zero."""
    GF = gf()
    m = 1 << log_n
    k = max(2, 1 << (extra - 1).bit_length())
    rng = np.random.default_rng(seed)
    q = rng.integers(0, P, (m + extra, 2), dtype=np.uint64)
    # values on the kept domain in bit-reversed order -> A by the prover's own path
    shift_pts = [gl.GENERATOR * int(w) % P for w in sk.bitrev_powers(m)]
    kept = np.array([_eval(GF, q, x) for x in shift_pts], dtype=np.uint64)
    a = ntt.inverse_from_bitrev(kept)
    ntt._scale_rows_parallel(a, np.uint64(gl.inv(gl.GENERATOR)), np.uint64(1))
    t = ec.EXTRA_OFFSET
    extra_vals = np.array([_eval(GF, q, t * int(w) % P) for w in sk.bitrev_powers(k)], dtype=np.uint64)
    got, b = ec.combine(a, extra_vals, m + k)
    assert np.array_equal(got[: m + extra], q)
    assert not got[m + extra :].any()
    assert not b[extra:].any()


@given(st.integers(1, 130), st.integers(1, 5), st.integers(0, 2**32))
def test_evaluate_rows_pm_gives_each_point_and_its_negation(n, q, seed):
    """The query openings' evaluator: P(x) and P(-x) for every column, against galois (any
    number of coefficients: the zk high parts have an arbitrary count)."""
    GF = gf()
    rng = np.random.default_rng(seed)
    coeffs = rng.integers(0, P, (n, 3), dtype=np.uint64)
    points = rng.integers(0, P, q, dtype=np.uint64)
    points[0] = 1
    got = sk.evaluate_rows_pm(coeffs, points)
    for j, x in enumerate(points.tolist()):
        assert [int(v) for v in got[2 * j]] == _eval(GF, coeffs, x)
        assert [int(v) for v in got[2 * j + 1]] == _eval(GF, coeffs, (P - x) % P)
