"""Numba kernels of the STARK prover that do not depend on a particular AIR.

Rows of every LDE matrix are stored in bit-reversed order over the domain
``shift * <w_N>``; row ``r*n + u`` is the point ``offsets[r] * wbr[u]`` where ``offsets[r]`` is the
coset of block r (see :func:`zkvm.field.ntt.coset_offsets`) and ``wbr[u] = w_n^bitrev(u)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.field.kernels import ONE, ZERO, add, batch_inverse_into, ext_mul, ext_inverse, mul, powers_parallel, sub

CHUNK = 1024


def bitrev_powers(n: int) -> np.ndarray:
    """wbr[u] = w_n^bitrev(u): the trace-domain points in bit-reversed order."""
    log_n = n.bit_length() - 1
    natural = powers_parallel(np.uint64(gl.root_of_unity(log_n)), ONE, n)
    return natural[ntt.bitrev_permutation(log_n)]


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


@njit(cache=True, parallel=True)
def combine_groups(groups, kinds, points, g_last, inv_zn, offsets, wbr, n, out):
    """Divide each group sum by its vanishing polynomial and add: the composition values.

    Transitions vanish on every row but the last: divide by (x^n - 1)/(x - g^(n-1)).
    Cyclic transitions vanish on every row: divide by x^n - 1. A boundary group for row k
    vanishes at g^k: divide by (x - g^k). (x^n is constant on each coset block.)
    """
    m = out.shape[0]
    tasks = (m + CHUNK - 1) // CHUNK
    for t in prange(tasks):
        s0 = t * CHUNK
        s1 = min(m, s0 + CHUNK)
        dens = np.empty(CHUNK, dtype=np.uint64)
        inv = np.empty(CHUNK, dtype=np.uint64)
        _combine_chunk(groups, kinds, points, g_last, inv_zn, offsets, wbr, n, s0, s1, out, dens, inv)


@njit(cache=True)
def _deep_chunk(main, aux, comp, gm, ga, gc, lz0, lz1, lzg0, lzg1, z0, z1, zg0, zg1, offsets, wbr, n, s0, s1, out):
    C = s1 - s0
    num1 = np.empty((C, 2), dtype=np.uint64)
    num2 = np.empty((C, 2), dtype=np.uint64)
    den1 = np.empty((C, 2), dtype=np.uint64)
    den2 = np.empty((C, 2), dtype=np.uint64)
    wm = main.shape[1]
    wa = aux.shape[1] // 2
    wc = comp.shape[1] // 2
    for i in range(C):
        s = s0 + i
        r = s // n
        x = mul(offsets[r], wbr[s - r * n])
        row = main[s]
        t0 = ZERO
        t1 = ZERO
        for c in range(wm):
            v = row[c]
            t0 = add(t0, mul(gm[c, 0], v))
            t1 = add(t1, mul(gm[c, 1], v))
        if wa > 0:
            arow = aux[s]
            for c in range(wa):
                e0, e1 = ext_mul(ga[c, 0], ga[c, 1], arow[2 * c], arow[2 * c + 1])
                t0 = add(t0, e0)
                t1 = add(t1, e1)
        crow = comp[s]
        c0 = ZERO
        c1 = ZERO
        for c in range(wc):
            e0, e1 = ext_mul(gc[c, 0], gc[c, 1], crow[2 * c], crow[2 * c + 1])
            c0 = add(c0, e0)
            c1 = add(c1, e1)
        num1[i, 0] = sub(add(t0, c0), lz0)
        num1[i, 1] = sub(add(t1, c1), lz1)
        num2[i, 0] = sub(t0, lzg0)
        num2[i, 1] = sub(t1, lzg1)
        den1[i, 0] = sub(x, z0)
        den1[i, 1] = sub(ZERO, z1)
        den2[i, 0] = sub(x, zg0)
        den2[i, 1] = sub(ZERO, zg1)
    # Montgomery batch inversion of both denominators at once
    acc0, acc1 = ONE, ZERO
    pre = np.empty((2 * C, 2), dtype=np.uint64)
    for i in range(2 * C):
        d = den1[i] if i < C else den2[i - C]
        pre[i, 0] = acc0
        pre[i, 1] = acc1
        acc0, acc1 = ext_mul(acc0, acc1, d[0], d[1])
    inv0, inv1 = ext_inverse(acc0, acc1)
    for i in range(2 * C - 1, -1, -1):
        d = den1[i] if i < C else den2[i - C]
        q0, q1 = ext_mul(pre[i, 0], pre[i, 1], inv0, inv1)
        inv0, inv1 = ext_mul(inv0, inv1, d[0], d[1])
        if i < C:
            den1[i, 0] = q0
            den1[i, 1] = q1
        else:
            den2[i - C, 0] = q0
            den2[i - C, 1] = q1
    for i in range(C):
        a0, a1 = ext_mul(num1[i, 0], num1[i, 1], den1[i, 0], den1[i, 1])
        b0, b1 = ext_mul(num2[i, 0], num2[i, 1], den2[i, 0], den2[i, 1])
        out[s0 + i, 0] = add(a0, b0)
        out[s0 + i, 1] = add(a1, b1)


@njit(cache=True, parallel=True)
def deep_codeword(main, aux, comp, gm, ga, gc, lz, lzg, z, zg, offsets, wbr, n, out):
    """DEEP composition over the whole LDE:
    (L(x) - L(z)) / (x - z) + (L_T(x) - L_T(zg)) / (x - zg), where L is the gamma-weighted sum
    of all committed columns and L_T its trace-only part."""
    m = out.shape[0]
    tasks = (m + CHUNK - 1) // CHUNK
    for t in prange(tasks):
        s0 = t * CHUNK
        s1 = min(m, s0 + CHUNK)
        _deep_chunk(main, aux, comp, gm, ga, gc, lz[0], lz[1], lzg[0], lzg[1], z[0], z[1], zg[0], zg[1], offsets, wbr, n, s0, s1, out)
