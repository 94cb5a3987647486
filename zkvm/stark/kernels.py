"""Numba kernels of the STARK prover that do not depend on a particular AIR.

Rows of every LDE matrix are stored in bit-reversed order over the domain
``shift * <w_N>``; row ``r*n + u`` is the point ``offsets[r] * wbr[u]`` where ``offsets[r]`` is the
coset of block r (see :func:`zkvm.field.ntt.coset_offsets`) and ``wbr[u] = w_n^bitrev(u)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkvm import threads
from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.field.kernels import ONE, ZERO, add, batch_inverse_into, ext_inverse, ext_mul, mul, power, powers_parallel, sub

CHUNK = 1024


def bitrev_powers(n: int) -> np.ndarray:
    """wbr[u] = w_n^bitrev(u): the trace-domain points in bit-reversed order."""
    log_n = n.bit_length() - 1
    return ntt.bitrev_powers_kernel(np.uint64(gl.root_of_unity(log_n)), log_n, ONE)


def next_row_permutation(n: int) -> np.ndarray:
    """nxt[u]: the offset, within a bit-reversed block, of the point after point u (x -> x*g)."""
    perm = ntt.bitrev_permutation(n.bit_length() - 1)
    return perm[(perm + 1) % n].astype(np.int64)


TRANSITION = 0
CYCLIC = 1
BOUNDARY = 2


@njit(cache=True)
def _combine_chunk(groups, kinds, points, g_last, inv_zn, offsets, wbr, n, s0, s1, out, dens, inv):
    C = s1 - s0
    for i in range(C):
        out[s0 + i, 0] = ZERO
        out[s0 + i, 1] = ZERO
    for g in range(groups.shape[0]):
        kind = kinds[g]
        if kind == BOUNDARY:
            for i in range(C):
                s = s0 + i
                r = s // n
                dens[i] = sub(mul(offsets[r], wbr[s - r * n]), points[g])
            batch_inverse_into(dens[:C], inv[:C])
        for i in range(C):
            s = s0 + i
            r = s // n
            if kind == TRANSITION:
                x = mul(offsets[r], wbr[s - r * n])
                f = mul(sub(x, g_last), inv_zn[r])
            elif kind == CYCLIC:
                f = inv_zn[r]
            else:
                f = inv[i]
            out[s, 0] = add(out[s, 0], mul(groups[g, s, 0], f))
            out[s, 1] = add(out[s, 1], mul(groups[g, s, 1], f))


@njit(cache=True, nogil=True)
def _combine_groups_range(groups, kinds, points, g_last, inv_zn, offsets, wbr, n, t0, t1, out):
    dens = np.empty(CHUNK, dtype=np.uint64)
    inv = np.empty(CHUNK, dtype=np.uint64)
    m = out.shape[0]
    for t in range(t0, t1):
        s0 = t * CHUNK
        _combine_chunk(groups, kinds, points, g_last, inv_zn, offsets, wbr, n, s0, min(m, s0 + CHUNK), out, dens, inv)


def combine_groups(groups, kinds, points, g_last, inv_zn, offsets, wbr, n: int, out: np.ndarray) -> None:
    """Divide each group sum by its vanishing polynomial and add: the composition values.

    Transitions vanish on every row but the last: divide by (x^n - 1)/(x - g^(n-1)).
    Cyclic transitions vanish on every row: divide by x^n - 1. A boundary group for row k
    vanishes at g^k: divide by (x - g^k). (x^n is constant on each coset block.)
    Chunks of rows on Python threads (see :mod:`zkvm.threads` for why not parallel=True).
    """
    tasks = (out.shape[0] + CHUNK - 1) // CHUNK
    threads.run(lambda t0, t1: _combine_groups_range(groups, kinds, points, g_last, inv_zn, offsets, wbr, n, t0, t1, out), tasks)


@njit(cache=True, nogil=True)
def _combine_rows(main_c, aux_c, comp_c, fixed_c, gm, ga, gc, gf, lo, hi, out_trace, out_all):
    wm = main_c.shape[1]
    wf = fixed_c.shape[1]
    wa = aux_c.shape[1] // 2
    wc = comp_c.shape[1] // 2
    for i in range(lo, hi):
        row = main_c[i]
        t0 = ZERO
        t1 = ZERO
        for c in range(wm):
            v = row[c]
            t0 = add(t0, mul(gm[c, 0], v))
            t1 = add(t1, mul(gm[c, 1], v))
        if wa > 0:
            arow = aux_c[i]
            for c in range(wa):
                e0, e1 = ext_mul(ga[c, 0], ga[c, 1], arow[2 * c], arow[2 * c + 1])
                t0 = add(t0, e0)
                t1 = add(t1, e1)
        out_trace[i, 0] = t0
        out_trace[i, 1] = t1
        crow = comp_c[i]
        for c in range(wc):
            e0, e1 = ext_mul(gc[c, 0], gc[c, 1], crow[2 * c], crow[2 * c + 1])
            t0 = add(t0, e0)
            t1 = add(t1, e1)
        if wf > 0:
            frow = fixed_c[i]
            for c in range(wf):
                v = frow[c]
                t0 = add(t0, mul(gf[c, 0], v))
                t1 = add(t1, mul(gf[c, 1], v))
        out_all[i, 0] = t0
        out_all[i, 1] = t1


def combine_coefficients(main_c, aux_c, comp_c, fixed_c, gm, ga, gc, gf, out_trace: np.ndarray,
                         out_all: np.ndarray) -> None:
    """Coefficients of L_T = sum gamma_i T_i (trace columns) and L = L_T + sum gamma_k C_k +
    sum gamma_f F_f (composition pieces and committed public columns, which are opened at z
    only), from the columns' coefficient matrices; ranges of rows on Python threads."""
    threads.run(lambda lo, hi: _combine_rows(main_c, aux_c, comp_c, fixed_c, gm, ga, gc, gf, lo, hi, out_trace, out_all),
                main_c.shape[0], CHUNK)


@njit(cache=True)
def divide_by_linear(p, z0, z1, out):
    """Coefficients of (P(X) - P(z)) / (X - z) accumulated into out (both (n, 2) extension).

    Synthetic division: the quotient does not depend on the constant term, so subtracting the
    claimed value P(z) only changes the remainder, which is zero when the claim is true (an
    untrue claim shows up as a mismatch in the verifier's pointwise DEEP check)."""
    n = p.shape[0]
    q0 = ZERO
    q1 = ZERO
    for i in range(n - 1, 0, -1):
        # q_{i-1} = p_i + z * q_i
        m0, m1 = ext_mul(z0, z1, q0, q1)
        q0 = add(p[i, 0], m0)
        q1 = add(p[i, 1], m1)
        out[i - 1, 0] = add(out[i - 1, 0], q0)
        out[i - 1, 1] = add(out[i - 1, 1], q1)


@njit(cache=True)
def _fold_part(coeffs, high, high_scale, offsets, k, lo, hi, acc):
    """acc[j, i mod k] += (coeffs[i] + [i < h] high_scale[j] * high[i]) * offsets[j]^i for
    rows i in [lo, hi)."""
    q = offsets.shape[0]
    cols = coeffs.shape[1]
    h = high.shape[0]
    pw = np.empty(q, dtype=np.uint64)
    for j in range(q):
        pw[j] = power(offsets[j], np.uint64(lo))
    mask = k - 1
    for i in range(lo, hi):
        row = coeffs[i]
        r = i & mask
        for j in range(q):
            p = pw[j]
            a = acc[j, r]
            if i < h:
                s = high_scale[j]
                hrow = high[i]
                for c in range(cols):
                    a[c] = add(a[c], mul(add(row[c], mul(hrow[c], s)), p))
            else:
                for c in range(cols):
                    a[c] = add(a[c], mul(row[c], p))
            pw[j] = mul(p, offsets[j])


@njit(cache=True, nogil=True)
def _fold_parts(coeffs, high, high_scale, offsets, k, step, t0, t1, partial):
    n = coeffs.shape[0]
    for t in range(t0, t1):
        lo = t * step
        hi = min(n, lo + step)
        if lo < hi:
            _fold_part(coeffs, high, high_scale, offsets, k, lo, hi, partial[t])


@njit(cache=True)
def _sum_parts(partial):
    """The sum over the first axis, (parts, a, b, c) -> (a * b, c)."""
    parts, q, k, cols = partial.shape
    out = np.zeros((q * k, cols), dtype=np.uint64)
    for t in range(parts):
        for j in range(q):
            for r in range(k):
                for c in range(cols):
                    out[j * k + r, c] = add(out[j * k + r, c], partial[t, j, r, c])
    return out


def fold_to_cosets(coeffs: np.ndarray, high: np.ndarray, high_scale: np.ndarray, offsets: np.ndarray, k: int,
                   parts: int) -> np.ndarray:
    """Coefficients, folded to k terms, of each column's polynomial on each coset o_j * <w_k>:
    row ``j*k + r`` holds sum_q c[q*k + r] * o_j^(q*k + r), whose size-k NTT gives the values
    on the coset (k divides n). The polynomial is coeffs + X^n * high, and X^n is the constant
    ``high_scale[j]`` = o_j^n on the coset. Rows are split in ``parts`` (on Python threads)."""
    n, cols = coeffs.shape
    step = (n + parts - 1) // parts
    partial = np.zeros((parts, offsets.shape[0], k, cols), dtype=np.uint64)
    threads.run(lambda t0, t1: _fold_parts(coeffs, high, high_scale, offsets, k, step, t0, t1, partial), parts)
    return _sum_parts(partial)


@njit(cache=True)
def _partial_rows_pm(coeffs, squares, lo, hi, acc):
    """For rows [lo, hi) (lo even): acc[2j] += sum c[2i] * y_j^i and acc[2j + 1] += sum
    c[2i + 1] * y_j^i, with y_j = squares[j]: a polynomial's even and odd parts at x_j^2.

    Flat arrays at unsigned offsets, no per-row views: a view costs an atomic reference-count
    update on the whole array, which the two threads (working on parts of the same arrays)
    would take turns on, every row."""
    q = squares.shape[0]
    n = coeffs.shape[0]
    cols = coeffs.shape[1]
    src = coeffs.ravel()
    dst = acc.ravel()
    width = np.uint64(cols)
    pw = np.empty(q, dtype=np.uint64)
    for j in range(q):
        pw[j] = power(squares[j], np.uint64(lo // 2))
    for i in range(lo, hi, 2):
        even = np.uint64(i) * width
        has_odd = i + 1 < n
        for j in range(q):
            p = pw[j]
            a = np.uint64(2 * j) * width
            for c in range(cols):
                k = np.uint64(c)
                dst[a + k] = add(dst[a + k], mul(src[even + k], p))
            if has_odd:
                odd = even + width
                b = a + width
                for c in range(cols):
                    k = np.uint64(c)
                    dst[b + k] = add(dst[b + k], mul(src[odd + k], p))
            pw[j] = mul(p, squares[j])


@njit(cache=True, parallel=True)  # kept: on Python threads it measured equal alone but slower inside
def evaluate_rows_pm(coeffs, points):  # the 1.1 M model's proof (openings 2.9 s -> 3.4-4.5 s)
    """Every column's polynomial at each point x and at -x: (2 * points, columns), row 2j
    holding P(x_j) and row 2j + 1 P(-x_j). Both come from the even and odd parts at x_j^2,
    at the cost of one evaluation: the query openings need each row with its Merkle sibling,
    and a sibling's point is the negation of its partner's."""
    n, cols = coeffs.shape
    q = points.shape[0]
    squares = np.empty(q, dtype=np.uint64)
    for j in range(q):
        squares[j] = mul(points[j], points[j])
    parts = 8
    step = ((n + parts - 1) // parts + 1) // 2 * 2
    partial = np.zeros((parts, 2 * q, cols), dtype=np.uint64)
    for t in prange(parts):
        lo = t * step
        hi = min(n, lo + step)
        if lo < hi:
            _partial_rows_pm(coeffs, squares, lo, hi, partial[t])
    out = np.empty((2 * q, cols), dtype=np.uint64)
    for j in range(q):
        for c in range(cols):
            e = ZERO
            o = ZERO
            for t in range(parts):
                e = add(e, partial[t, 2 * j, c])
                o = add(o, partial[t, 2 * j + 1, c])
            o = mul(o, points[j])
            out[2 * j, c] = add(e, o)
            out[2 * j + 1, c] = sub(e, o)
    return out
