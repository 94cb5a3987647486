"""The Numba BLAKE3 kernels are byte-exact with the `blake3` package (the oracle)."""

from __future__ import annotations

import blake3
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.oracles import EDGE_VALUES, P
from zkvm.crypto import blake3_kernels as bk
from zkvm.errors import ParameterError

KEY = blake3.blake3(b"test key").digest()
KW = bk.key_words(KEY)
LENGTHS = [1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 40, 41, 63, 64, 65, 127, 128, 129, 130, 256, 300]


def _rows(seed: int, n: int, k: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.integers(0, P, (n, k), dtype=np.uint64)
    flat = m.reshape(-1)
    edges = np.array(EDGE_VALUES, dtype=np.uint64) % np.uint64(P)
    flat[: min(flat.size, edges.size)] = edges[: min(flat.size, edges.size)]
    return m


@pytest.mark.parametrize("k", LENGTHS)
def test_hash_rows_matches_package(k):
    n = 70  # one full batch of lanes and a partial one
    rows = _rows(k, n, k)
    got = bk.hash_rows(rows, KW)
    for i in range(n):
        assert got[i].tobytes() == blake3.blake3(rows[i].astype("<u8").tobytes(), key=KEY).digest(), (k, i)


@given(st.integers(1, 40), st.integers(1, 150), st.integers(0, 2**32))
def test_hash_rows_random_shapes(n, k, seed):
    rows = _rows(seed, n, k)
    key = blake3.blake3(seed.to_bytes(8, "little")).digest()
    got = bk.hash_rows(rows, bk.key_words(key))
    for i in {0, n // 2, n - 1}:
        assert got[i].tobytes() == blake3.blake3(rows[i].tobytes(), key=key).digest()


@given(st.integers(1, 40), st.integers(1, 300), st.integers(0, 6), st.integers(0, 2**32))
def test_hash_rows_with_tail_hashes_the_joined_row(n, k, t, seed):
    """A tail (the zk salt) is hashed as if appended to its row, also across block and chunk
    boundaries: the oracle hashes the joined bytes with the package."""
    rows = _rows(seed, n, k)
    tail = _rows(seed + 1, n, t)
    got = bk.hash_rows(rows, KW, tail)
    for i in {0, n // 2, n - 1}:
        joined = rows[i].astype("<u8").tobytes() + tail[i].astype("<u8").tobytes()
        assert got[i].tobytes() == blake3.blake3(joined, key=KEY).digest()


def test_hash_rows_tail_must_match_rows():
    with pytest.raises(ParameterError):
        bk.hash_rows(np.zeros((4, 3), dtype=np.uint64), KW, np.zeros((3, 2), dtype=np.uint64))


@given(st.integers(1, 200), st.integers(0, 2**32))
def test_hash_pairs_matches_package(m, seed):
    rng = np.random.default_rng(seed)
    children = rng.integers(0, 2**32, (2 * m, 8), dtype=np.uint64).astype(np.uint32)
    got = bk.hash_pairs(children, KW)
    for i in {0, m // 3, m - 1}:
        expect = blake3.blake3(children[2 * i].tobytes() + children[2 * i + 1].tobytes(), key=KEY).digest()
        assert got[i].tobytes() == expect


def test_multi_chunk_tree_shapes():
    """Rows of 1..9 chunks exercise every shape of BLAKE3's chunk tree."""
    for chunks in range(1, 10):
        k = 128 * chunks - 3
        rows = _rows(chunks, 3, k)
        got = bk.hash_rows(rows, KW)
        for i in range(3):
            assert got[i].tobytes() == blake3.blake3(rows[i].tobytes(), key=KEY).digest(), chunks


@pytest.mark.parametrize("k,t", [(32, 0), (8, 16), (32, 4), (3, 40), (120, 20), (30, 200), (200, 0)])
def test_full_batches_with_and_without_tails(k, t):
    """Full batches of lanes take the transposing loads (from the rows, from the tail, across
    chunk boundaries), the last partial batch the element-wise ones; every row is checked."""
    n = 2 * bk.LANES + 5
    rows = _rows(k + 7 * t, n, k)
    tail = _rows(k + 7 * t + 1, n, t)
    got = bk.hash_rows(rows, KW, tail if t else None)
    for i in range(n):
        joined = rows[i].astype("<u8").tobytes() + tail[i].astype("<u8").tobytes()
        assert got[i].tobytes() == blake3.blake3(joined, key=KEY).digest(), (k, t, i)


def test_pairs_full_batches():
    m = 2 * bk.LANES + 3
    children = np.random.default_rng(5).integers(0, 2**32, (2 * m, 8), dtype=np.uint64).astype(np.uint32)
    got = bk.hash_pairs(children, KW)
    for i in range(m):
        assert got[i].tobytes() == blake3.blake3(children[2 * i : 2 * i + 2].tobytes(), key=KEY).digest()


def test_transpose_intrinsics_match_numpy():
    from numba import njit

    @njit
    def transpose(src, src_index, src_stride, dst, dst_index, dst_stride):
        bk.transpose16(src, np.uint64(src_index), np.uint64(src_stride), dst, np.uint64(dst_index), np.uint64(dst_stride))

    @njit
    def store(cv, cv_index, cv_stride, out, out_index):
        bk.store_digests16(cv, np.uint64(cv_index), np.uint64(cv_stride), out, np.uint64(out_index))

    rng = np.random.default_rng(9)
    for src_index, src_stride, dst_index, dst_stride in [(0, 16, 0, 16), (3, 37, 5, 64), (17, 100, 0, 20)]:
        src = rng.integers(0, 2**32, src_index + 16 * src_stride + 16, dtype=np.uint64).astype(np.uint32)
        dst = np.zeros(dst_index + 16 * dst_stride + 16, dtype=np.uint32)
        transpose(src, src_index, src_stride, dst, dst_index, dst_stride)
        for l in range(16):
            for w in range(16):
                assert dst[dst_index + w * dst_stride + l] == src[src_index + l * src_stride + w]
        untouched = np.ones(dst.size, dtype=bool)
        for w in range(16):
            untouched[dst_index + w * dst_stride : dst_index + w * dst_stride + 16] = False
        assert not dst[untouched].any()
    cv = rng.integers(0, 2**32, 8 * 64, dtype=np.uint64).astype(np.uint32)
    out = np.zeros(200, dtype=np.uint32)
    store(cv, 16, 64, out, 40)
    expect = cv.reshape(8, 64)[:, 16:32].T.reshape(-1)
    assert (out[40:168] == expect).all() and not out[:40].any() and not out[168:].any()


def test_bad_arguments():
    with pytest.raises(ParameterError):
        bk.key_words(b"short")
    with pytest.raises(ParameterError):
        bk.hash_rows(np.zeros((2, 3), dtype=np.int64), KW)
    with pytest.raises(ParameterError):
        bk.hash_pairs(np.zeros((3, 8), dtype=np.uint32), KW)


def _has_avx512() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return "avx512f" in f.read()
    except OSError:
        return False


def test_compression_is_vectorized():
    """The lane loop must compile to AVX-512 code with vector rotates, or throughput collapses."""
    if not _has_avx512():
        pytest.skip("no AVX-512 on this CPU")
    import subprocess
    import sys
    import tempfile

    code = (
        "import numpy as np, blake3\n"
        "from zkvm.crypto import blake3_kernels as bk\n"
        "bk.hash_pairs(np.zeros((128, 8), np.uint32), bk.key_words(bytes(32)))\n"
        "bk.hash_rows(np.zeros((64, 32), np.uint64), bk.key_words(bytes(32)))\n"
        "for f in (bk._compress_lanes,):\n"
        "    asm = list(f.inspect_asm().values())[0]\n"
        "    print(('zmm' in asm) and asm.count('vprold') + asm.count('vprord') >= 200)\n"
    )
    with tempfile.TemporaryDirectory() as tmp:  # a fresh cache so the kernels compile here
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**__import__("os").environ, "NUMBA_CACHE_DIR": tmp}, check=True)
    assert out.stdout.split() == ["True"], out.stdout + out.stderr


def test_hash_rows_into_a_given_array():
    rows = _rows(11, 70, 9)
    whole = np.zeros((100, 8), dtype=np.uint32)
    got = bk.hash_rows(rows, KW, out=whole[10:80])
    assert got.base is whole or got is whole[10:80] or np.shares_memory(got, whole)
    assert np.array_equal(whole[10:80], bk.hash_rows(rows, KW)) and not whole[:10].any() and not whole[80:].any()
    with pytest.raises(ParameterError):
        bk.hash_rows(rows, KW, out=np.zeros((70, 8), dtype=np.uint64))
    with pytest.raises(ParameterError):
        bk.hash_rows(rows, KW, out=np.zeros((8, 70), dtype=np.uint32).T)
