"""Number-theoretic transforms and coset low-degree extension over Goldilocks (prover only).

Layout and ordering choices (measured in ../shared/PERF-NOTES.md, advice 1 and 5):

* Matrices are row-major ``(rows, cols)`` uint64: each butterfly then runs over a whole row of
  columns, which vectorizes at every stage, and each row of an LDE is already a Merkle leaf.
* There is no explicit bit-reversal pass in the transforms. The forward transform is
  decimation-in-frequency (natural order in, **bit-reversed** order out) and the inverse is
  decimation-in-time (bit-reversed in, natural out). LDEs stay in bit-reversed order, which
  also puts the FRI folding cosets {x, -x, ...} in adjacent rows.
* One twiddle table ``tw[m + j] = w_{2m}^j`` serves every transform size (``w_{2m}`` the
  primitive 2m-th root of unity); the table for size n is a prefix of the table for any larger
  size.
* Stages with a small span run block by block so a block stays in cache (``BLOCK_LOG``).

Coset LDE: with ``N = n * blowup`` and the evaluation domain ``shift * <w_N>`` stored in
bit-reversed order, stored block ``r`` (rows ``r*n .. r*n+n-1``) is the coset
``shift * w_N^b * <w_n>`` with ``b = bitrev(r)`` over log2(blowup) bits, itself in bit-reversed
order. So the LDE is ``blowup`` independent size-n transforms of the scaled coefficients,
which is cheaper than one size-N transform and parallel over blocks.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit, prange

from zkvm.errors import ParameterError
from zkvm.field import goldilocks as gl
from zkvm.field.kernels import ONE, add, mul, power, powers_into, sub

BLOCK_LOG_ROWS = 10
"""Row blocks of 2^10 rows are transformed in cache for the small-span stages (2-D)."""

BLOCK_LOG_1D = 13
"""Element blocks for one-column transforms (64 KiB of uint64)."""


# --------------------------------------------------------------------------------------
# Twiddle tables
# --------------------------------------------------------------------------------------
@njit(cache=True, parallel=True)
def _fill_top_level(tw, m, root):
    """tw[m + j] = root^j for j < m, in parallel chunks."""
    chunk = 1 << 14
    for c in prange((m + chunk - 1) // chunk):
        lo = c * chunk
        hi = min(m, lo + chunk)
        powers_into(root, power(root, np.uint64(lo)), tw[m + lo : m + hi])


@njit(cache=True)
def _fill_lower_levels(tw, top):
    """Each lower level is a strided copy of the level above: w_{2m}^j = w_{4m}^{2j}."""
    m = top >> 1
    while m >= 1:
        for j in range(m):
            tw[m + j] = tw[2 * m + 2 * j]
        m >>= 1


class _TwiddleCache:
    """Process-wide tables of forward and inverse twiddles, grown on demand."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[bool, np.ndarray] = {}

    def get(self, log_n: int, inverse: bool) -> np.ndarray:
        n = 1 << log_n
        table = self._tables.get(inverse)
        if table is not None and table.shape[0] >= n:
            return table
        with self._lock:
            table = self._tables.get(inverse)
            if table is None or table.shape[0] < n:
                table = _build_twiddles(max(log_n, 1), inverse)
                self._tables[inverse] = table
        return table


def _build_twiddles(log_n: int, inverse: bool) -> np.ndarray:
    n = 1 << log_n
    tw = np.zeros(n, dtype=np.uint64)
    top = n >> 1
    root = gl.root_of_unity(log_n)
    if inverse:
        root = gl.inv(root)
    _fill_top_level(tw, top, np.uint64(root))
    _fill_lower_levels(tw, top)
    return tw


TWIDDLES = _TwiddleCache()


# --------------------------------------------------------------------------------------
# One-column kernels (vectorize along j)
# --------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _dif_butterflies_1d(lo, hi, tw):
    for j in range(lo.shape[0]):
        u = lo[j]
        v = hi[j]
        lo[j] = add(u, v)
        hi[j] = mul(sub(u, v), tw[j])


@njit(cache=True, inline="always")
def _dit_butterflies_1d(lo, hi, tw):
    for j in range(lo.shape[0]):
        u = lo[j]
        v = mul(hi[j], tw[j])
        lo[j] = add(u, v)
        hi[j] = sub(u, v)


@njit(cache=True)
def _dif_stage_1d(a, tw, m, first, last):
    """DIF butterflies of span m for butterfly blocks first..last-1."""
    t = tw[m : 2 * m]
    for k in range(first, last):
        base = k * 2 * m
        _dif_butterflies_1d(a[base : base + m], a[base + m : base + 2 * m], t)


@njit(cache=True)
def _dit_stage_1d(a, tw, m, first, last):
    t = tw[m : 2 * m]
    for k in range(first, last):
        base = k * 2 * m
        _dit_butterflies_1d(a[base : base + m], a[base + m : base + 2 * m], t)


@njit(cache=True)
def _dif_block_1d(a, tw, span):
    """All DIF stages with m < span on one block of a (a fits in cache)."""
    m = span >> 1
    while m >= 1:
        _dif_stage_1d(a, tw, m, 0, a.shape[0] // (2 * m))
        m >>= 1


@njit(cache=True)
def _dit_block_1d(a, tw, span):
    m = 1
    while m < span:
        _dit_stage_1d(a, tw, m, 0, a.shape[0] // (2 * m))
        m <<= 1


@njit(cache=True)
def _dif_big_stage_1d(a, tw, m, j0, j1):
    """Butterflies j0..j1-1 of every block for a stage whose span m exceeds the block."""
    n = a.shape[0]
    for base in range(0, n, 2 * m):
        _dif_butterflies_1d(a[base + j0 : base + j1], a[base + m + j0 : base + m + j1], tw[m + j0 : m + j1])


@njit(cache=True)
def _dit_big_stage_1d(a, tw, m, j0, j1):
    n = a.shape[0]
    for base in range(0, n, 2 * m):
        _dit_butterflies_1d(a[base + j0 : base + j1], a[base + m + j0 : base + m + j1], tw[m + j0 : m + j1])


@njit(cache=True, parallel=True)
def dif_1d(a, tw, block_log):
    """Forward NTT in place, natural order in, bit-reversed order out (one column)."""
    n = a.shape[0]
    block = min(n, 1 << block_log)
    m = n >> 1
    while m >= block:
        step = max(1, min(m, 1 << 14))
        for c in prange(m // step):
            _dif_big_stage_1d(a, tw, m, c * step, (c + 1) * step)
        m >>= 1
    for b in prange(n // block):
        _dif_block_1d(a[b * block : (b + 1) * block], tw, block)


@njit(cache=True, parallel=True)
def dit_1d(a, tw, block_log):
    """Inverse-structure NTT in place, bit-reversed in, natural out (no 1/n scaling)."""
    n = a.shape[0]
    block = min(n, 1 << block_log)
    for b in prange(n // block):
        _dit_block_1d(a[b * block : (b + 1) * block], tw, block)
    m = block
    while m < n:
        step = max(1, min(m, 1 << 14))
        for c in prange(m // step):
            _dit_big_stage_1d(a, tw, m, c * step, (c + 1) * step)
        m <<= 1


# --------------------------------------------------------------------------------------
# Row-major kernels (vectorize along the columns of a row)
# --------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _dif_rows(lo, hi, w):
    for l in range(lo.shape[0]):
        u = lo[l]
        v = hi[l]
        lo[l] = add(u, v)
        hi[l] = mul(sub(u, v), w)


@njit(cache=True, inline="always")
def _dit_rows(lo, hi, w):
    for l in range(lo.shape[0]):
        u = lo[l]
        v = mul(hi[l], w)
        lo[l] = add(u, v)
        hi[l] = sub(u, v)


@njit(cache=True)
def _dif_rows_range(a, tw, m, j0, j1):
    """Butterflies j0..j1-1 of every block of span m (2-D)."""
    n = a.shape[0]
    for base in range(0, n, 2 * m):
        for j in range(j0, j1):
            _dif_rows(a[base + j], a[base + m + j], tw[m + j])


@njit(cache=True)
def _dit_rows_range(a, tw, m, j0, j1):
    n = a.shape[0]
    for base in range(0, n, 2 * m):
        for j in range(j0, j1):
            _dit_rows(a[base + j], a[base + m + j], tw[m + j])


@njit(cache=True)
def dif_rows_serial(a, tw, block_log):
    """Forward NTT of every column of a (rows, cols) block in place; single-threaded."""
    n = a.shape[0]
    block = min(n, 1 << block_log)
    m = n >> 1
    while m >= block:
        _dif_rows_range(a, tw, m, 0, m)
        m >>= 1
    for b in range(n // block):
        sub_a = a[b * block : (b + 1) * block]
        mm = block >> 1
        while mm >= 1:
            _dif_rows_range(sub_a, tw, mm, 0, mm)
            mm >>= 1


@njit(cache=True)
def dit_rows_serial(a, tw, block_log):
    n = a.shape[0]
    block = min(n, 1 << block_log)
    for b in range(n // block):
        sub_a = a[b * block : (b + 1) * block]
        mm = 1
        while mm < block:
            _dit_rows_range(sub_a, tw, mm, 0, mm)
            mm <<= 1
    m = block
    while m < n:
        _dit_rows_range(a, tw, m, 0, m)
        m <<= 1


@njit(cache=True, parallel=True)
def dif_rows(a, tw, block_log):
    """Forward NTT of every column in place, parallel over row ranges and blocks."""
    n = a.shape[0]
    block = min(n, 1 << block_log)
    m = n >> 1
    while m >= block:
        step = max(1, min(m, 1 << 9))
        for c in prange(m // step):
            _dif_rows_range(a, tw, m, c * step, (c + 1) * step)
        m >>= 1
    for b in prange(n // block):
        sub_a = a[b * block : (b + 1) * block]
        mm = block >> 1
        while mm >= 1:
            _dif_rows_range(sub_a, tw, mm, 0, mm)
            mm >>= 1


@njit(cache=True, parallel=True)
def dit_rows(a, tw, block_log):
    n = a.shape[0]
    block = min(n, 1 << block_log)
    for b in prange(n // block):
        sub_a = a[b * block : (b + 1) * block]
        mm = 1
        while mm < block:
            _dit_rows_range(sub_a, tw, mm, 0, mm)
            mm <<= 1
    m = block
    while m < n:
        step = max(1, min(m, 1 << 9))
        for c in prange(m // step):
            _dit_rows_range(a, tw, m, c * step, (c + 1) * step)
        m <<= 1


# --------------------------------------------------------------------------------------
# Permutations and scaling
# --------------------------------------------------------------------------------------
@njit(cache=True)
def bit_reverse_index(i, log_n):
    r = 0
    for _ in range(log_n):
        r = (r << 1) | (i & 1)
        i >>= 1
    return r


@njit(cache=True, parallel=True)
def _bit_reverse_2d(a, log_n):
    n = a.shape[0]
    for i in prange(n):
        r = bit_reverse_index(i, log_n)
        if i < r:
            for l in range(a.shape[1]):
                t = a[i, l]
                a[i, l] = a[r, l]
                a[r, l] = t


@njit(cache=True, parallel=True)
def _bit_reverse_1d(a, log_n):
    n = a.shape[0]
    for i in prange(n):
        r = bit_reverse_index(i, log_n)
        if i < r:
            t = a[i]
            a[i] = a[r]
            a[r] = t


def bit_reverse_rows(a: np.ndarray, log_n: int) -> None:
    """Permute the rows of a (n, cols) matrix (or a vector) into bit-reversed order in place."""
    if a.ndim == 1:
        _bit_reverse_1d(a, log_n)
    else:
        _bit_reverse_2d(a, log_n)


@njit(cache=True)
def _scale_rows_by_powers(src, dst, base, start):
    """dst[i, :] = src[i, :] * start * base^i."""
    acc = start
    for i in range(src.shape[0]):
        s = src[i]
        d = dst[i]
        for l in range(s.shape[0]):
            d[l] = mul(s[l], acc)
        acc = mul(acc, base)


@njit(cache=True, parallel=True)
def _lde_blocks(coeffs, out, offsets, tw, block_log, inv_n):
    """For every stored block r: out[r*n:(r+1)*n] = DIF(coeffs scaled by (offsets[r])^i / n)."""
    n = coeffs.shape[0]
    for r in prange(offsets.shape[0]):
        dst = out[r * n : (r + 1) * n]
        _scale_rows_by_powers(coeffs, dst, offsets[r], inv_n)
        dif_rows_serial(dst, tw, block_log)


@njit(cache=True, parallel=True)
def _scale_rows_parallel(a, base, start):
    n = a.shape[0]
    chunk = 1 << 12
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        hi = min(n, lo + chunk)
        first = mul(start, power(base, np.uint64(lo)))
        _scale_rows_by_powers(a[lo:hi], a[lo:hi], base, first)


@njit(cache=True)
def bitrev_powers_kernel(base, log_n, start):
    """out[t] = start * base^bitrev(t) over log_n bits, for t < 2^log_n.

    Built level by level: the entries with highest set bit h are the entries below 2^h times
    base^(2^(log_n - 1 - h)), so each level is one vector loop (no per-entry bit reversal).
    """
    n = 1 << log_n
    out = np.empty(n, dtype=np.uint64)
    out[0] = start
    c = base
    factors = np.empty(max(log_n, 1), dtype=np.uint64)
    for k in range(log_n):  # factors[k] = base^(2^k)
        factors[k] = c
        c = mul(c, c)
    for h in range(log_n):
        f = factors[log_n - 1 - h]
        lo = 1 << h
        for t in range(lo):
            out[lo + t] = mul(out[t], f)
    return out


# --------------------------------------------------------------------------------------
# Narrow matrices: one 1-D transform per column (row-major butterflies cannot vectorize
# over two or three columns)
# --------------------------------------------------------------------------------------
NARROW_COLUMNS = 8


@njit(cache=True)
def dif_1d_serial(a, tw, block_log):
    n = a.shape[0]
    block = min(n, 1 << block_log)
    m = n >> 1
    while m >= block:
        _dif_big_stage_1d(a, tw, m, 0, m)
        m >>= 1
    for b in range(n // block):
        _dif_block_1d(a[b * block : (b + 1) * block], tw, block)


@njit(cache=True, parallel=True)
def _lde_blocks_narrow(coeffs_t, out, offsets, tw, block_log, inv_n):
    """Per (block, column): scale the column's coefficients, transform, store strided."""
    cols, n = coeffs_t.shape
    blocks = offsets.shape[0]
    for task in prange(blocks * cols):
        r = task // cols
        c = task % cols
        tmp = np.empty(n, dtype=np.uint64)
        powers_into(offsets[r], inv_n, tmp)
        src = coeffs_t[c]
        for i in range(n):
            tmp[i] = mul(tmp[i], src[i])
        dif_1d_serial(tmp, tw, block_log)
        for i in range(n):
            out[r * n + i, c] = tmp[i]


# --------------------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------------------
def _log2_exact(n: int, what: str) -> int:
    if n < 1 or n & (n - 1):
        raise ParameterError(what, f"must be a power of two, got {n}")
    return n.bit_length() - 1


def _check_matrix(a: np.ndarray) -> None:
    if a.dtype != np.uint64 or not a.flags.c_contiguous or a.ndim not in (1, 2):
        raise ParameterError("a", "expected a C-contiguous uint64 vector or (rows, cols) matrix")


def forward_bitrev(a: np.ndarray) -> np.ndarray:
    """Evaluate, in place, the polynomials whose coefficients are a's columns on <w_n>.

    Input: coefficients in natural order. Output: evaluations in bit-reversed order.
    """
    _check_matrix(a)
    log_n = _log2_exact(a.shape[0], "rows")
    tw = TWIDDLES.get(log_n, inverse=False)
    if a.ndim == 1:
        dif_1d(a, tw, BLOCK_LOG_1D)
    elif a.shape[1] < NARROW_COLUMNS:
        for c in range(a.shape[1]):
            col = np.ascontiguousarray(a[:, c])
            dif_1d(col, tw, BLOCK_LOG_1D)
            a[:, c] = col
    else:
        dif_rows(a, tw, BLOCK_LOG_ROWS)
    return a


def inverse_from_bitrev(a: np.ndarray) -> np.ndarray:
    """Interpolate, in place: evaluations on <w_n> in bit-reversed order -> coefficients."""
    _check_matrix(a)
    n = a.shape[0]
    log_n = _log2_exact(n, "rows")
    tw = TWIDDLES.get(log_n, inverse=True)
    if a.ndim == 1:
        dit_1d(a, tw, BLOCK_LOG_1D)
    elif a.shape[1] < NARROW_COLUMNS:
        for c in range(a.shape[1]):
            col = np.ascontiguousarray(a[:, c])
            dit_1d(col, tw, BLOCK_LOG_1D)
            a[:, c] = col
    else:
        dit_rows(a, tw, BLOCK_LOG_ROWS)
    n_inv = np.uint64(gl.inv(n))
    _scale_rows_parallel(a.reshape(n, -1), ONE, n_inv)
    return a


def ntt(a: np.ndarray) -> np.ndarray:
    """Forward NTT, natural order in and out (returns a new array). Convenience for tests."""
    out = np.ascontiguousarray(a, dtype=np.uint64).copy()
    forward_bitrev(out)
    bit_reverse_rows(out, _log2_exact(out.shape[0], "rows"))
    return out


def intt(a: np.ndarray) -> np.ndarray:
    """Inverse NTT, natural order in and out (returns a new array)."""
    out = np.ascontiguousarray(a, dtype=np.uint64).copy()
    bit_reverse_rows(out, _log2_exact(out.shape[0], "rows"))
    inverse_from_bitrev(out)
    return out


def interpolate_columns(values: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """Coefficients (natural order) of the columns of a trace given on <w_n> in natural order.

    Returns a new (n, cols) array; the 1/n factor is applied. With ``overwrite``, a writable
    C-ordered uint64 matrix is transformed in place and returned (no copy of a large trace
    whose values are not needed again).
    """
    if (overwrite and isinstance(values, np.ndarray) and values.dtype == np.uint64 and values.ndim == 2
            and values.flags.c_contiguous and values.flags.writeable):
        coeffs = values
    else:
        coeffs = np.array(values, dtype=np.uint64, order="C", copy=True)
    if coeffs.ndim == 1:
        coeffs = coeffs.reshape(-1, 1)
    if coeffs.shape[1]:
        bit_reverse_rows(coeffs, _log2_exact(coeffs.shape[0], "rows"))
        inverse_from_bitrev(coeffs)
    return coeffs


def coset_offsets(n: int, blowup: int, shift: int = gl.GENERATOR) -> np.ndarray:
    """offsets[r] = shift * w_N^bitrev(r): the coset of stored LDE block r."""
    log_b = _log2_exact(blowup, "blowup")
    log_big = _log2_exact(n, "rows") + log_b
    w_big = gl.root_of_unity(log_big)
    return np.array(
        [shift * pow(w_big, _bitrev_py(r, log_b), gl.P) % gl.P for r in range(blowup)],
        dtype=np.uint64,
    )


def lde_from_coefficients(
    coeffs: np.ndarray,
    blowup: int,
    shift: int = gl.GENERATOR,
    already_scaled: bool = True,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Evaluate the columns' polynomials on the coset ``shift * <w_{n*blowup}>``.

    ``coeffs`` is (n, cols) in natural order. Returns (n*blowup, cols) in bit-reversed order
    (see the module docstring). With ``already_scaled=False`` the coefficients are taken as
    n times too large (the raw output of an unscaled inverse transform) and 1/n is applied.
    """
    coeffs = np.ascontiguousarray(coeffs, dtype=np.uint64)
    if coeffs.ndim == 1:
        coeffs = coeffs.reshape(-1, 1)
    n, cols = coeffs.shape
    log_n = _log2_exact(n, "rows")
    log_b = _log2_exact(blowup, "blowup")
    tw = TWIDDLES.get(max(log_n, 1), inverse=False)
    if out is None:
        out = np.empty((n * blowup, cols), dtype=np.uint64)
    elif out.shape != (n * blowup, cols) or out.dtype != np.uint64 or not out.flags.c_contiguous:
        raise ParameterError("out", f"expected a C-contiguous uint64 buffer of shape {(n * blowup, cols)}")
    scale = np.uint64(1 if already_scaled else gl.inv(n))
    offsets = coset_offsets(n, 1 << log_b, shift)
    if cols < NARROW_COLUMNS:
        _lde_blocks_narrow(np.ascontiguousarray(coeffs.T), out, offsets, tw, BLOCK_LOG_1D, scale)
    else:
        _lde_blocks(coeffs, out, offsets, tw, BLOCK_LOG_ROWS, scale)
    return out


@njit(cache=True)
def _scale_rows_into(src, dst, base, start):
    _scale_rows_by_powers(src, dst, base, start)


def lde_block(coeffs: np.ndarray, block: int, blowup: int, out: np.ndarray, shift: int = gl.GENERATOR) -> np.ndarray:
    """One block of :func:`lde_from_coefficients`: rows ``block*n .. block*n + n - 1`` of the
    LDE, computed alone into ``out`` ((n, cols), reused between blocks), using both cores."""
    n, cols = coeffs.shape
    log_n = _log2_exact(n, "rows")
    offset = int(coset_offsets(n, blowup, shift)[block])
    tw = TWIDDLES.get(max(log_n, 1), inverse=False)
    if cols < NARROW_COLUMNS:
        for c in range(cols):
            col = np.empty(n, dtype=np.uint64)
            _scale_rows_into(np.ascontiguousarray(coeffs[:, c]).reshape(n, 1), col.reshape(n, 1), np.uint64(offset), ONE)
            dif_1d(col, tw, BLOCK_LOG_1D)
            out[:, c] = col
    else:
        _scale_rows_parallel_into(coeffs, out, np.uint64(offset), ONE)
        dif_rows(out, tw, BLOCK_LOG_ROWS)
    return out


@njit(cache=True, parallel=True)
def _scale_rows_parallel_into(src, dst, base, start):
    n = src.shape[0]
    chunk = 1 << 12
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        hi = min(n, lo + chunk)
        first = mul(start, power(base, np.uint64(lo)))
        _scale_rows_by_powers(src[lo:hi], dst[lo:hi], base, first)


def low_degree_extend(
    trace: np.ndarray, blowup: int, shift: int = gl.GENERATOR, out: np.ndarray | None = None
) -> np.ndarray:
    """Coset LDE of many columns at once.

    ``trace`` is (n, cols): column values at w_n^i in natural row order. Returns
    (n*blowup, cols): the interpolating polynomials evaluated on ``shift * <w_{n*blowup}>`` in
    bit-reversed order. ``out`` may supply a reused buffer (fresh memory costs page faults).
    """
    trace = np.ascontiguousarray(trace, dtype=np.uint64)
    if trace.ndim == 1:
        trace = trace.reshape(-1, 1)
    n = trace.shape[0]
    log_n = _log2_exact(n, "rows")
    coeffs = interpolate_columns(trace)
    return lde_from_coefficients(coeffs, blowup, shift, out=out)


def _bitrev_py(i: int, bits: int) -> int:
    return int(format(i, f"0{bits}b")[::-1], 2) if bits else 0


def bitrev_permutation(log_n: int) -> np.ndarray:
    """The bit-reversal permutation of 0..2^log_n-1 as an int64 array."""
    n = 1 << log_n
    idx = np.arange(n, dtype=np.int64)
    out = np.zeros(n, dtype=np.int64)
    for b in range(log_n):
        out |= ((idx >> b) & 1) << (log_n - 1 - b)
    return out
