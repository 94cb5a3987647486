"""Merkle commitments: roots equal a tree built with the blake3 package; batch openings
verify, and any tampering is rejected with MerkleError."""

from __future__ import annotations

import subprocess
import sys

import blake3
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.oracles import P
from zkvm.crypto.merkle import MerkleTree
from zkvm.crypto.merkle_verify import LEAF_KEY, NODE_KEY, verify_batch, verify_rows
from zkvm.errors import MerkleError, ParameterError


def _matrix(seed: int, n: int, k: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, P, (n, k), dtype=np.uint64)


def _reference_root(rows: np.ndarray) -> bytes:
    level = [blake3.blake3(r.tobytes(), key=LEAF_KEY).digest() for r in rows]
    while len(level) > 1:
        level = [blake3.blake3(level[i] + level[i + 1], key=NODE_KEY).digest() for i in range(0, len(level), 2)]
    return level[0]


@pytest.mark.parametrize("log_n", range(0, 11))
def test_root_matches_package_tree(log_n):
    rows = _matrix(log_n, 1 << log_n, 5)
    assert MerkleTree(rows).root == _reference_root(rows)


def _reference_node_count(n: int, indices: set[int]) -> int:
    """Count by brute force: nodes on the paths' sibling sets that are not themselves on a path."""
    count = 0
    level = set(indices)
    while n > 1:
        on_path = level
        count += len({p ^ 1 for p in on_path} - on_path)
        level = {p >> 1 for p in on_path}
        n //= 2
    return count


@given(st.integers(0, 9), st.data())
def test_batch_openings_verify(log_n, data):
    n = 1 << log_n
    rows = _matrix(log_n, n, 3)
    tree = MerkleTree(rows)
    idx = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=20))
    nodes = tree.open(idx)
    distinct = sorted(set(idx))
    assert len(nodes) == _reference_node_count(n, set(distinct))
    verify_rows(tree.root, log_n, distinct, [list(map(int, rows[i])) for i in distinct], nodes)
    # the verifier sorts internally: any order of (index, row) pairs is fine
    rev = distinct[::-1]
    verify_rows(tree.root, log_n, rev, [list(map(int, rows[i])) for i in rev], nodes)


@pytest.fixture(scope="module")
def opened():
    rows = _matrix(42, 64, 4)
    tree = MerkleTree(rows)
    idx = [3, 17, 18, 40]
    return tree, rows, idx, tree.open(idx)


def _rows_of(rows, idx):
    return [list(map(int, rows[i])) for i in idx]


def test_every_flipped_bit_in_a_node_is_rejected(opened):
    tree, rows, idx, nodes = opened
    for j in range(len(nodes)):
        for bit in (0, 7, 100, 255):
            bad = list(nodes)
            b = bytearray(bad[j])
            b[bit // 8] ^= 1 << (bit % 8)
            bad[j] = bytes(b)
            with pytest.raises(MerkleError):
                verify_rows(tree.root, 6, idx, _rows_of(rows, idx), bad)


def test_every_flipped_bit_in_a_leaf_value_is_rejected(opened):
    tree, rows, idx, nodes = opened
    for r in range(len(idx)):
        for c in range(rows.shape[1]):
            for bit in (0, 31, 63):
                vals = _rows_of(rows, idx)
                vals[r][c] ^= 1 << bit
                if vals[r][c] >= P:
                    continue
                with pytest.raises(MerkleError):
                    verify_rows(tree.root, 6, idx, vals, nodes)


def test_wrong_index_root_depth_and_counts(opened):
    tree, rows, idx, nodes = opened
    vals = _rows_of(rows, idx)
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, [3, 17, 18, 41], vals, nodes)  # wrong index
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, [17, 3, 18, 40], vals, nodes)  # swapped rows
    with pytest.raises(MerkleError):
        verify_rows(bytes(32), 6, idx, vals, nodes)  # wrong root
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 5, idx, vals, nodes)  # wrong depth
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, idx, vals, nodes[:-1])  # missing node
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, idx, vals, nodes + [nodes[0]])  # extra node
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, [3, 17, 18, 64], vals, nodes)  # out of range
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, [3, 3, 18, 40], vals, nodes)  # duplicate index
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, idx, vals, nodes[:1] + [b"short"] + nodes[2:])
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, idx, vals[:-1], nodes)
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 99, idx, vals, nodes)
    with pytest.raises(MerkleError):
        verify_rows(tree.root, 6, idx, [vals[0], vals[1], vals[2], [P] + vals[3][1:]], nodes)


def test_leaf_cannot_pass_for_a_node():
    """Domain separation: the parent digest of two leaves is not the leaf digest of their bytes."""
    rows = _matrix(1, 2, 8)
    tree = MerkleTree(rows)
    fake_leaf = np.frombuffer(blake3.blake3(rows[0].tobytes(), key=LEAF_KEY).digest() + blake3.blake3(rows[1].tobytes(), key=LEAF_KEY).digest(), dtype=np.uint64)
    assert MerkleTree(fake_leaf.reshape(1, 8).copy()).root != tree.root


def test_single_leaf_tree():
    rows = _matrix(3, 1, 6)
    tree = MerkleTree(rows)
    assert tree.open([0]) == []
    verify_rows(tree.root, 0, [0], _rows_of(rows, [0]), [])


def test_bad_tree_inputs():
    with pytest.raises(ParameterError):
        MerkleTree(np.zeros((3, 2), dtype=np.uint64))
    with pytest.raises(ParameterError):
        MerkleTree(np.zeros((4, 2), dtype=np.int32))
    tree = MerkleTree(np.zeros((4, 2), dtype=np.uint64))
    with pytest.raises(ParameterError):
        tree.open([4])
    with pytest.raises(MerkleError):
        verify_batch(tree.root, 2, [], [], [])


def test_verifier_imports_no_numba():
    code = "import sys, zkvm.crypto.merkle_verify, zkvm.crypto.pow, zkvm.crypto.transcript, zkvm.fri.verifier, zkvm.stark.verifier; print('numba' in sys.modules or 'llvmlite' in sys.modules or 'lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_row_digests_are_the_package_leaf_hashes_and_refuse_bad_values():
    from zkvm.crypto.merkle_verify import row_digests

    rows = [list(map(int, r)) for r in _matrix(7, 6, 5)] + [[0, 1, P - 1, 2**63, 7]]
    assert row_digests(rows) == [blake3.blake3(np.array(r, dtype=np.uint64).tobytes(), key=LEAF_KEY).digest()
                                 for r in rows]
    assert row_digests([]) == []
    for bad in (P, P + 5, 2**64, -1, 1.5, "7"):
        with pytest.raises(MerkleError):
            row_digests(rows[:2] + [[1, 2, bad, 4, 5]])


@given(st.integers(0, 9), st.integers(0, 4), st.data())
def test_tree_with_dropped_levels_opens_like_a_whole_tree(log_n, dropped, data):
    """A tree that keeps no leaf digests and no parents in the lowest levels (a segment's
    image trees) has the package tree's root and sends the same opening, rehashed from the
    rows it asks for; without those rows it refuses instead of sending a wrong node."""
    n = 1 << log_n
    rows = _matrix(100 + log_n, n, 2)
    digests = MerkleTree.hash_leaves(rows)
    tree = MerkleTree.from_leaf_digests(digests, keep_leaf_digests=False, dropped_levels=dropped)
    assert tree.root == _reference_root(rows)
    idx = sorted(set(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=12))))
    needed = tree.siblings_needed(idx)
    assert not set(needed) & set(idx)
    nodes = tree.open(idx, {p: rows[p].astype("<u8").tobytes() for p in needed})
    assert nodes == MerkleTree(rows).open(idx)
    verify_rows(tree.root, log_n, idx, [list(map(int, rows[i])) for i in idx], nodes)
    if needed:
        with pytest.raises(ParameterError):
            tree.open(idx, {p: rows[p].astype("<u8").tobytes() for p in needed[1:]})


def test_dropped_levels_need_a_tree_without_leaf_digests():
    digests = MerkleTree.hash_leaves(_matrix(7, 16, 2))
    with pytest.raises(ParameterError):
        MerkleTree.from_leaf_digests(digests, keep_leaf_digests=True, dropped_levels=1)
