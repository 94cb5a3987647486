"""PublicColumns.evaluate (numpy) against the per-entry Python reference and against galois
interpolation; the vectorized value reduction of from_entries against int(x) % p."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.oracles import EDGE_VALUES, P, elements, ext_elements, gf, to_gf2, from_gf2
from zkvm.errors import FieldError
from zkvm.field import goldilocks as gl
from zkvm.field.ext2 import Ext2
from zkvm.stark.public_columns import PublicColumns


@st.composite
def sparse_columns(draw, max_log_n=10):
    log_n = draw(st.integers(0, max_log_n))
    n = 1 << log_n
    entries = []
    for _ in range(draw(st.integers(1, 5))):
        rows = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=min(n, 80)))
        vals = draw(st.lists(elements, min_size=len(rows), max_size=len(rows)))
        entries.append((rows, vals))
    return n, PublicColumns.from_entries(entries)


def ext_point(pair) -> Ext2:
    return Ext2(*pair)


class both_paths:
    """Run the body with the Python-int path for small columns and with the numpy path for
    every size (the threshold at 0)."""

    def __iter__(self):
        from zkvm.stark import public_columns as module

        saved = module.SMALL_ENTRIES
        try:
            for threshold in (saved, 0):
                module.SMALL_ENTRIES = threshold
                yield threshold
        finally:
            module.SMALL_ENTRIES = saved


@given(sparse_columns(), ext_elements.filter(lambda e: e[1] != 0))
def test_evaluate_equals_reference(cols_n, z):
    n, cols = cols_n
    z = ext_point(z)
    for _ in both_paths():
        assert cols.evaluate(n, z) == cols._evaluate_reference(n, z)


@given(sparse_columns(max_log_n=6), elements)
def test_base_field_points(cols_n, z0):
    """z in the base field: equal values, or the same FieldError when z is a row's point g^j."""
    n, cols = cols_n
    z = Ext2(z0)
    for _ in both_paths():
        try:
            expect = cols._evaluate_reference(n, z)
        except FieldError:
            with pytest.raises(FieldError):
                cols.evaluate(n, z)
        else:
            assert cols.evaluate(n, z) == expect


def test_point_on_a_row_raises():
    n = 16
    g = gl.root_of_unity(4)
    cols = PublicColumns.from_entries([([0, 3, 9], [5, 6, 7])])
    for _ in both_paths():
        with pytest.raises(FieldError):
            cols.evaluate(n, Ext2(pow(g, 9, P)))
    with pytest.raises(FieldError):
        cols._evaluate_reference(n, Ext2(pow(g, 9, P)))
    # a domain point without a value contributes nothing and is not an error
    assert cols.evaluate(n, Ext2(pow(g, 4, P))) == cols._evaluate_reference(n, Ext2(pow(g, 4, P)))


@given(st.integers(0, 4), st.data())
def test_evaluate_equals_galois_interpolation(log_n, data):
    """Independent oracle: interpolate the dense column with galois, evaluate at z in GF(p^2)."""
    import galois

    n = 1 << log_n
    F = gf()
    dense = data.draw(st.lists(elements, min_size=n, max_size=n))
    z = data.draw(ext_elements.filter(lambda e: e[1] != 0))
    g = gl.root_of_unity(log_n)
    xs = F([pow(g, j, P) for j in range(n)])
    poly = galois.lagrange_poly(xs, F(dense))
    coeffs = [int(c) for c in poly.coeffs[::-1]]  # lowest degree first
    zz = to_gf2(*z)
    acc = to_gf2(0, 0)
    for c in reversed(coeffs):
        acc = acc * zz + to_gf2(c, 0)
    cols = PublicColumns.from_dense([dense])
    (value,) = cols.evaluate(n, Ext2(*z))
    assert value.to_pair() == from_gf2(acc)


def test_both_row_index_paths():
    """Rows weighed over a dense range, through a row mask, or through np.unique: same values."""
    rng = np.random.default_rng(3)
    z = Ext2(int(rng.integers(0, 2**62)), int(rng.integers(1, 2**62)))
    n = 1 << 16
    for k in (3, 500, 6000, 30000):  # 8 * total + 4096 < n only for the small ones
        cols = []
        for _ in range(3):
            rows = np.sort(rng.choice(n, size=k, replace=False))
            cols.append((rows.tolist(), [int(v) for v in rng.integers(0, P, size=k, dtype=np.uint64)]))
        pc = PublicColumns.from_entries(cols)
        assert pc.evaluate(n, z) == pc._evaluate_reference(n, z)


def test_shared_rows_edge_values_and_non_canonical_arrays():
    n = 1 << 12
    rows = list(range(0, n, 7))
    vals = [EDGE_VALUES[i % len(EDGE_VALUES)] % P for i in range(len(rows))]
    # values handed in as a uint64 array are stored as given, even if not canonical
    raw = np.array([2**64 - 1 - i for i in range(len(rows))], dtype=np.uint64)
    pc = PublicColumns.from_entries([(rows, vals), (rows, raw), (rows[::2], vals[::2]), ([], [])])
    z = Ext2(12345, 67890)
    assert pc.evaluate(n, z) == pc._evaluate_reference(n, z)
    assert pc.evaluate(n, z)[3] == Ext2(0)


def test_negative_rows_do_not_fit():
    from zkvm.errors import ParameterError

    pc = PublicColumns((np.array([-1, 2], dtype=np.int64),), (np.array([5, 6], dtype=np.uint64),))
    with pytest.raises(ParameterError):
        pc.evaluate(8, Ext2(3, 4))


def test_empty():
    z = Ext2(3, 4)
    assert PublicColumns((), ()).evaluate(8, z) == []
    pc = PublicColumns.from_entries([([], []), ([1], [0])])
    assert pc.evaluate(8, z) == [Ext2(0), Ext2(0)]
    assert pc._evaluate_reference(8, z) == [Ext2(0), Ext2(0)]


def test_large_trace_sparse_column_is_cheap():
    """A huge claimed trace length with few entries must not allocate per row of the trace."""
    pc = PublicColumns.from_entries([([0, 5, 2**30 - 1], [1, 2, 3])])
    z = Ext2(11, 13)
    assert pc.evaluate(2**31, z) == pc._evaluate_reference(2**31, z)


value_lists = st.lists(
    st.one_of(
        st.sampled_from([0, 1, -1, P, P - 1, P + 1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, -(2**64), 2**80]),
        st.integers(-(2**63), 2**63 - 1),
        st.integers(-(2**70), 2**70),
    ),
    max_size=30,
)


@given(value_lists)
def test_from_entries_reduces_like_python(values):
    pc = PublicColumns.from_entries([(list(range(len(values))), values)])
    expect = [int(v) % P for v in values]
    rows = [j for j, v in enumerate(expect) if v]
    assert pc.rows[0].tolist() == rows
    assert pc.values[0].tolist() == [v for v in expect if v]
    assert pc.values[0].dtype == np.uint64 and pc.rows[0].dtype == np.int64


def test_from_entries_digest_is_pinned():
    """The digest of a fixed statement (values reduced the old, per-element way) is unchanged."""
    values = [-1, 2**64 + 5, 7, -(2**63), 2**63, 0, P + 2, 12345678901234567]
    pc = PublicColumns.from_entries([(list(range(8)), values), ([3, 1], [True, 2.0])])
    old_vals = [int(v) % P for v in values]
    ref = PublicColumns(
        (np.array([j for j, v in enumerate(old_vals) if v], dtype=np.int64), np.array([1, 3], dtype=np.int64)),
        (np.array([v for v in old_vals if v], dtype=np.uint64), np.array([2, 1], dtype=np.uint64)),
    )
    assert pc.digest() == ref.digest()


def test_verifier_path_imports_no_numba():
    code = (
        "import sys\n"
        "import zkvm.verifier, zkvm.stark.verifier, zkvm.air.vm_air\n"
        "from zkvm.stark.public_columns import PublicColumns\n"
        "from zkvm.field.ext2 import Ext2\n"
        "PublicColumns.from_entries([([0, 2], [5, 6])]).evaluate(4, Ext2(3, 4))\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite', 'lark')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_kept_arrays_across_points_and_trace_lengths():
    """The point-independent arrays are kept per object: later points and other trace lengths
    (which replace them) must still give the reference values."""
    cols = PublicColumns.from_entries([([0, 3, 9, 12], [5, 6, 7, P - 1]), ([1, 2], [8, 9])])
    for n in (16, 16, 32, 16, 64):
        for z in (Ext2(3, 5), Ext2(11, 1), Ext2(P - 7, 2)):
            assert cols.evaluate(n, z) == cols._evaluate_reference(n, z)


def test_large_columns_split_between_threads():
    """Past 2^16 rows the weights and the entries are computed in two halves on two threads."""
    rng = np.random.default_rng(3)
    n = 1 << 18
    dense_rows = np.arange(5, 5 + 70_000)
    sparse_rows = np.sort(rng.choice(n, 3000, replace=False))
    cols = PublicColumns.from_entries([
        (dense_rows, rng.integers(0, P, dense_rows.size, dtype=np.uint64)),
        (sparse_rows, rng.integers(0, P, sparse_rows.size, dtype=np.uint64)),
    ])
    z = Ext2(int(rng.integers(0, P, dtype=np.uint64)), int(rng.integers(1, P, dtype=np.uint64)))
    assert cols.evaluate(n, z) == cols._evaluate_reference(n, z)
    z0 = Ext2(int(rng.integers(0, P, dtype=np.uint64)))  # a base-field point: the sparse weighing
    assert cols.evaluate(n, z0) == cols._evaluate_reference(n, z0)
