"""The composition polynomial's coefficients when the kept LDE blocks are a few points short
(prover only; the verifier and the proof are unaffected).

The prover evaluates the constraint quotient Q on the first ``nextpow2(C) * n`` rows of the
LDE (C = the AIR's composition columns), which it keeps from committing to the trace. Without
zero-knowledge that is enough points to interpolate Q. With zk the trace polynomials have h
random coefficients beyond degree n, so Q has up to about D * h more coefficients than those
blocks have points (D = the largest constraint degree). Rather than keep and evaluate twice as
many blocks, the prover evaluates Q on one small extra coset t * <w_k> (k = nextpow2 of the
shortfall, a few hundred points) and combines the two interpolations:

    Q = A + (X^m - s^m) * B,   A = Q mod (X^m - s^m),   deg B < k

where s * <w_m> is the kept domain, A is the interpolant there, and on the extra coset
X^m - s^m is the nonzero constant t^m - s^m, so B's values there are (Q - A) / (t^m - s^m).
The trace, auxiliary and public columns are evaluated on the extra coset (and on t * g * <w_k>
for the next-row values) straight from their coefficients.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkvm.field import arrays as fa
from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.stark import codegen
from zkvm.stark import kernels as sk
from zkvm.stark.air import Air

SHIFT = gl.GENERATOR
EXTRA_OFFSET = SHIFT * SHIFT % gl.P
"""t: the extra coset's offset. Its points are outside the trace domain (t^n != 1, so the
vanishing polynomials do not vanish there) and outside the kept domain (t^m != s^m), since
the generator's order p - 1 exceeds every domain size."""


def kept_blocks(air: Air) -> int:
    """LDE blocks of n rows the prover keeps for constraint evaluation: nextpow2(C)."""
    return 1 << (air.composition_columns - 1).bit_length()


def quotient_coefficients(air: Air, n: int, randomness: int) -> int:
    """An upper bound on the number of coefficients of the constraint quotient Q, for traces
    of n rows whose polynomials carry ``randomness`` extra coefficients (zk)."""
    degree = n + randomness - 1
    worst = 1
    for c in air.constraints:
        divisor = 1 if c.kind == "boundary" else n if c.kind == "cyclic" else n - 1
        worst = max(worst, c.degree * degree - divisor + 1)
    return worst


def extra_coset_size(air: Air, n: int, randomness: int) -> int:
    """k: the extra coset's size (0 if the kept blocks have enough points)."""
    short = quotient_coefficients(air, n, randomness) - kept_blocks(air) * n
    return 0 if short <= 0 else max(2, 1 << (short - 1).bit_length())


def _values_on_cosets(coeffs: np.ndarray, high: np.ndarray | None, offsets: Sequence[int], n: int, k: int) -> np.ndarray:
    """Each column of coeffs + X^n * high on each coset o * <w_k>: (len(offsets) * k, cols),
    each block of k rows in bit-reversed order (row u at o * w_k^bitrev(u))."""
    cols = coeffs.shape[1]
    if high is None:
        high = np.zeros((0, cols), dtype=np.uint64)
    offs = np.array(offsets, dtype=np.uint64)
    scales = np.array([pow(int(o), n, gl.P) for o in offsets], dtype=np.uint64)
    parts = 8 if 64 * k <= coeffs.shape[0] else 2
    folded = sk.fold_to_cosets(np.ascontiguousarray(coeffs), np.ascontiguousarray(high), scales, offs, k, parts)
    if cols:
        for j in range(len(offsets)):
            ntt.forward_bitrev(folded[j * k : (j + 1) * k])
    return folded


def quotient_on_extra_coset(
    program: codegen.ConstraintProgram,
    columns: Sequence[tuple[np.ndarray, np.ndarray | None]],
    pub_coeffs: np.ndarray | None,
    n: int,
    k: int,
    g: int,
    challenges: Sequence[tuple[int, int]],
    publics: Sequence[int],
    alphas: np.ndarray,
    kinds: np.ndarray,
    points: np.ndarray,
) -> np.ndarray:
    """Q's values on t * <w_k> in bit-reversed order ((k, 2), extension). ``columns`` holds
    (coefficients, high part) of the main and the auxiliary trace."""
    t = EXTRA_OFFSET
    here_and_next = [t, t * g % gl.P]
    (main_c, main_hi), (aux_c, aux_hi) = columns
    main = _values_on_cosets(main_c, main_hi, here_and_next, n, k)
    aux = _values_on_cosets(aux_c, aux_hi, here_and_next, n, k)
    pub = _values_on_cosets(pub_coeffs, None, [t], n, k) if pub_coeffs is not None else None
    nxt = np.arange(k, 2 * k, dtype=np.int64)  # the next point of row u is row k + u
    groups = codegen.evaluate_groups(program, main, aux, k, 1, challenges, publics, alphas, pub, nxt=nxt)
    t_n = pow(t, n, gl.P)
    inv_zn = np.array([gl.inv(t_n - 1)], dtype=np.uint64)
    g_last = np.uint64(pow(g, n - 1, gl.P))
    out = np.empty((k, 2), dtype=np.uint64)
    sk.combine_groups(groups, kinds, points, g_last, inv_zn, np.array([t], dtype=np.uint64), sk.bitrev_powers(k), k, out)
    return out


def combine(a_coeffs: np.ndarray, q_extra: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Q's coefficients ((rows, 2), rows >= m + k) from A (the interpolant on the kept domain
    s * <w_m>, (m, 2)) and Q's values on the extra coset. Also returns B's coefficients (k of
    them), whose top ones must be zero for an honest trace."""
    m = a_coeffs.shape[0]
    k = q_extra.shape[0]
    t = EXTRA_OFFSET
    a_extra = _values_on_cosets(a_coeffs, None, [t], m, k)
    c = (pow(t, m, gl.P) - pow(SHIFT, m, gl.P)) % gl.P
    b = fa.scale(fa.sub(q_extra, a_extra), gl.inv(c))
    ntt.inverse_from_bitrev(b)  # coefficients of B(t * X)
    ntt._scale_rows_parallel(b, np.uint64(gl.inv(t)), np.uint64(1))  # -> B(X)
    out = np.zeros((rows, 2), dtype=np.uint64)
    out[:m] = a_coeffs
    out[:k] = fa.sub(out[:k], fa.scale(b, pow(SHIFT, m, gl.P)))
    out[m : m + k] = b
    return out, b
