"""Example AIRs used by the tests and benchmarks of the STARK layer.

* :func:`fibonacci_air` — two columns holding consecutive terms (a' = a + b, b' = a' + b);
  the public inputs are the first two terms and the last b.
* :func:`range_check_air` — values proven to lie in [0, 2^bits) by a LogUp argument against a
  table column that runs from 0 to 2^bits - 1.
* :func:`permutation_air` — column ``b`` proven to be a permutation of column ``a`` by a grand
  product (multiset) argument.
* :func:`wide_air` — about 30 columns with degree-3 transitions, for benchmarks.

Each comes with a Numba trace generator (and an aux-trace builder where needed).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkvm.errors import ParameterError
from zkvm.field import goldilocks as gl
from zkvm.field.kernels import ONE, ZERO, add, ext_batch_inverse_into, ext_mul, mul, sub
from zkvm.stark.air import Air, AirBuilder

P = gl.P


# --------------------------------------------------------------------------------------
# Fibonacci
# --------------------------------------------------------------------------------------
def fibonacci_air() -> Air:
    b = AirBuilder("fibonacci", main=["a", "b"], public=["a0", "b0", "result"])
    a, bb = b.main("a"), b.main("b")
    b.transition("a' = a + b", b.next("a") - (a + bb))
    b.transition("b' = a' + b", b.next("b") - (b.next("a") + bb))
    b.boundary("first a", a - b.public("a0"), "first")
    b.boundary("first b", bb - b.public("b0"), "first")
    b.boundary("result", bb - b.public("result"), "last")
    return b.build()


@njit(cache=True)
def _fib_rows(a0, b0, n):
    out = np.empty((n, 2), dtype=np.uint64)
    a = a0
    bb = b0
    for i in range(n):
        out[i, 0] = a
        out[i, 1] = bb
        a = add(a, bb)
        bb = add(a, bb)
    return out


def fibonacci_trace(n: int, a0: int = 1, b0: int = 1) -> tuple[np.ndarray, list[int]]:
    """The trace of n rows and its public inputs [a0, b0, last b]."""
    trace = _fib_rows(np.uint64(a0 % P), np.uint64(b0 % P), n)
    return trace, [a0 % P, b0 % P, int(trace[-1, 1])]


# --------------------------------------------------------------------------------------
# LogUp range check
# --------------------------------------------------------------------------------------
def range_check_air(bits: int) -> Air:
    """Every value of column ``v`` lies in [0, 2^bits). Needs traces of at least 2^bits rows."""
    if not 1 <= bits <= 16:
        raise ParameterError("bits", "range tables of 1 to 16 bits are supported")
    b = AirBuilder(f"range-check-{bits}", main=["v", "t", "m"], aux=["s"], num_challenges=1)
    v, t, m, s = b.main("v"), b.main("t"), b.main("m"), b.aux("s")
    alpha = b.challenge(0)
    step = b.next("t") - t
    b.transition("table steps by 0 or 1", step * (step - 1))
    b.boundary("table starts at 0", t, "first")
    b.boundary("table ends at 2^bits - 1", t - ((1 << bits) - 1), "last")
    # s' = s + m/(alpha - t) - 1/(alpha - v), multiplied out, around the whole cycle: the
    # increments then sum to zero, which is exactly the LogUp identity
    b.transition(
        "logup running sum",
        (b.aux_next("s") - s) * (alpha - t) * (alpha - v) - m * (alpha - v) + (alpha - t),
        cyclic=True,
    )
    b.boundary("logup starts at 0", s, "first")
    return b.build(build_aux=_range_check_aux)


@njit(cache=True)
def _logup_terms(t, v, m, a0, a1):
    """Running sum s with s_0 = 0 and s_{i+1} = s_i + m_i/(alpha - t_i) - 1/(alpha - v_i)."""
    n = t.shape[0]
    dens = np.empty((2 * n, 2), dtype=np.uint64)
    for i in range(n):
        dens[i, 0] = sub(a0, t[i])
        dens[i, 1] = a1
        dens[n + i, 0] = sub(a0, v[i])
        dens[n + i, 1] = a1
    inv = np.empty_like(dens)
    ext_batch_inverse_into(dens, inv)
    out = np.empty((n, 2), dtype=np.uint64)
    s0 = ZERO
    s1 = ZERO
    for i in range(n):
        out[i, 0] = s0
        out[i, 1] = s1
        s0 = sub(add(s0, mul(m[i], inv[i, 0])), inv[n + i, 0])
        s1 = sub(add(s1, mul(m[i], inv[i, 1])), inv[n + i, 1])
    return out


def _range_check_aux(main: np.ndarray, challenges, publics, pubcols=None) -> np.ndarray:
    a0, a1 = challenges[0]
    return _logup_terms(
        np.ascontiguousarray(main[:, 1]), np.ascontiguousarray(main[:, 0]), np.ascontiguousarray(main[:, 2]),
        np.uint64(a0), np.uint64(a1),
    )


def range_check_trace(values: np.ndarray, bits: int) -> np.ndarray:
    """Trace for :func:`range_check_air`: column v = values (n of them, n >= 2^bits a power of
    two), t = 0, 1, ..., 2^bits - 1 then repeated last value, m = multiplicity of t in v
    (counted once per distinct table row)."""
    n = len(values)
    size = 1 << bits
    if n < size or n & (n - 1):
        raise ParameterError("values", f"need a power-of-two count >= 2^{bits}")
    v = np.asarray(values, dtype=np.uint64)
    t = np.minimum(np.arange(n, dtype=np.uint64), np.uint64(size - 1))
    counts = np.bincount(v[v < size].astype(np.int64), minlength=size).astype(np.uint64)
    m = np.zeros(n, dtype=np.uint64)
    m[:size] = counts
    return np.ascontiguousarray(np.stack([v, t, m], axis=1))


# --------------------------------------------------------------------------------------
# Multiset permutation
# --------------------------------------------------------------------------------------
def permutation_air() -> Air:
    """Column b is a permutation of column a: prod (alpha - a_i) = prod (alpha - b_i)."""
    b = AirBuilder("permutation", main=["a", "b"], aux=["z"], num_challenges=1)
    a, bb, z = b.main("a"), b.main("b"), b.aux("z")
    alpha = b.challenge(0)
    # z' (alpha - b) = z (alpha - a) around the whole cycle: the product of the ratios is 1
    b.transition("grand product", b.aux_next("z") * (alpha - bb) - z * (alpha - a), cyclic=True)
    b.boundary("product starts at 1", z - 1, "first")
    return b.build(build_aux=_permutation_aux)


@njit(cache=True)
def _grand_product(a, bcol, a0, a1):
    n = a.shape[0]
    dens = np.empty((n, 2), dtype=np.uint64)
    for i in range(n):
        dens[i, 0] = sub(a0, bcol[i])
        dens[i, 1] = a1
    inv = np.empty_like(dens)
    ext_batch_inverse_into(dens, inv)
    out = np.empty((n, 2), dtype=np.uint64)
    z0 = ONE
    z1 = ZERO
    for i in range(n):
        out[i, 0] = z0
        out[i, 1] = z1
        n0, n1 = ext_mul(z0, z1, sub(a0, a[i]), a1)
        z0, z1 = ext_mul(n0, n1, inv[i, 0], inv[i, 1])
    return out


def _permutation_aux(main: np.ndarray, challenges, publics, pubcols=None) -> np.ndarray:
    a0, a1 = challenges[0]
    return _grand_product(np.ascontiguousarray(main[:, 0]), np.ascontiguousarray(main[:, 1]), np.uint64(a0), np.uint64(a1))


def permutation_trace(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, P, n, dtype=np.uint64)
    b = a[rng.permutation(n)]
    return np.ascontiguousarray(np.stack([a, b], axis=1))


# --------------------------------------------------------------------------------------
# A wide degree-3 AIR for benchmarks
# --------------------------------------------------------------------------------------
def wide_air(width: int = 30) -> Air:
    """x_i' = x_i * x_{i+1} * x_{i+2} + x_i + i (indices mod width), x_i(0) = i + 1, and the
    last row's x_0 is public."""
    names = [f"x{i}" for i in range(width)]
    b = AirBuilder(f"wide-{width}", main=names, public=["out"])
    x = [b.main(nm) for nm in names]
    for i in range(width):
        b.transition(f"x{i} step", b.next(names[i]) - (x[i] * x[(i + 1) % width] * x[(i + 2) % width] + x[i] + i))
        b.boundary(f"x{i} start", x[i] - (i + 1), "first")
    b.boundary("output", x[0] - b.public("out"), "last")
    return b.build()


@njit(cache=True)
def _wide_rows(n, width):
    out = np.empty((n, width), dtype=np.uint64)
    for c in range(width):
        out[0, c] = np.uint64(c + 1)
    for r in range(n - 1):
        for c in range(width):
            prod = mul(mul(out[r, c], out[r, (c + 1) % width]), out[r, (c + 2) % width])
            out[r + 1, c] = add(add(prod, out[r, c]), np.uint64(c))
    return out


def wide_trace(n: int, width: int = 30) -> tuple[np.ndarray, list[int]]:
    trace = _wide_rows(n, width)
    return trace, [int(trace[-1, 0])]
