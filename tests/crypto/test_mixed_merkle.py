"""One Merkle tree over matrices of several heights (zkvm/crypto/mixed_merkle.py).

The root is checked against a slow reference built with the blake3 package alone (leaves,
parents and injections written out level by level); openings verify at random positions for
random mixes of heights; and every lie about an opening is rejected: a changed node, a changed
row of a tall or a short part, two parts of one height swapped, a part opened at positions
other than those of its level, a part claimed at another height, a node too many or too few.
"""

from __future__ import annotations

import blake3
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.crypto.merkle import MerkleTree
from zkvm.crypto.merkle_verify import INJECT_KEY, LEAF_KEY, NODE_KEY, verify_mixed
from zkvm.crypto.mixed_merkle import MixedTree
from zkvm.errors import MerkleError


def _leaf(row: np.ndarray) -> bytes:
    return blake3.blake3(row.astype("<u8").tobytes(), key=LEAF_KEY).digest()


def _reference_root(parts: list[np.ndarray | None]) -> bytes:
    present = [p for p in parts if p is not None]
    tall = max(p.shape[0] for p in present)
    depth = tall.bit_length() - 1
    at: dict[int, list[list[bytes]]] = {}
    for p in present:
        at.setdefault(depth - (p.shape[0].bit_length() - 1), []).append([_leaf(r) for r in p])
    level = None
    for k in range(depth + 1):
        if k:
            level = [blake3.blake3(level[2 * i] + level[2 * i + 1], key=NODE_KEY).digest() for i in range(len(level) // 2)]
        for leaves in at.get(k, []):
            if level is None:
                level = leaves
            else:
                level = [blake3.blake3(a + b, key=INJECT_KEY).digest() for a, b in zip(level, leaves)]
    return level[0]


HEIGHTS = st.lists(st.one_of(st.none(), st.sampled_from([1, 2, 4, 8, 16, 32])), min_size=1, max_size=5).filter(
    lambda hs: any(h is not None for h in hs))


def _parts(heights, seed=0):
    rng = np.random.default_rng(seed)
    return [None if h is None else rng.integers(0, 2**64 - 2**32, (h, 3), dtype=np.uint64) for h in heights]


def _opening(heights, rows, positions):
    tree = MixedTree([None if r is None else MerkleTree.hash_leaves(r) for r in rows])
    depth = tree.depth
    tallest = [i for i, h in enumerate(heights) if h == tree.num_leaves]
    leaf_rows = {p: rows[tallest[0]][p].astype("<u8").tobytes() for p in tree.siblings_needed(positions)}
    nodes = tree.open(positions, leaf_rows)
    parts = []
    for r in rows:
        if r is None:
            parts.append(None)
            continue
        log = r.shape[0].bit_length() - 1
        parts.append((log, {p >> (depth - log): _leaf(r[p >> (depth - log)]) for p in positions}))
    return tree, parts, nodes


@given(HEIGHTS, st.data())
def test_root_matches_the_reference_and_openings_verify(heights, data):
    rows = _parts(heights)
    tree = MixedTree([None if r is None else MerkleTree.hash_leaves(r) for r in rows])
    assert tree.root == _reference_root(rows)
    positions = sorted(data.draw(st.sets(st.integers(0, tree.num_leaves - 1), min_size=1, max_size=6)))
    tree, parts, nodes = _opening(heights, rows, positions)
    verify_mixed(tree.root, parts, nodes)


def test_every_lie_about_an_opening_is_rejected():
    heights = [16, 4, 16, None, 2, 4]
    rows = _parts(heights, 1)
    positions = [1, 6, 11]
    tree, parts, nodes = _opening(heights, rows, positions)
    verify_mixed(tree.root, parts, nodes)
    for k in range(len(nodes)):  # any node changed
        bad = list(nodes)
        bad[k] = bytes(32) if bad[k] != bytes(32) else b"\1" * 32
        with pytest.raises(MerkleError):
            verify_mixed(tree.root, parts, bad)
    for i, part in enumerate(parts):  # any row of any part, tall or short
        if part is None:
            continue
        log, digests = part
        for pos in digests:
            bad = list(parts)
            bad[i] = (log, {**digests, pos: _leaf(rows[i][pos] + np.uint64(1))})
            with pytest.raises(MerkleError):
                verify_mixed(tree.root, bad, nodes)
    swapped = [parts[2], parts[1], parts[0], parts[3], parts[4], parts[5]]  # two parts of one height
    with pytest.raises(MerkleError):
        verify_mixed(tree.root, swapped, nodes)
    swapped = [parts[0], parts[5], parts[2], parts[3], parts[4], parts[1]]
    with pytest.raises(MerkleError):
        verify_mixed(tree.root, swapped, nodes)
    log, digests = parts[1]  # a short part opened at a position of no query
    moved = dict(digests)
    moved[3 if 3 not in moved else 0] = moved.pop(next(iter(moved)))
    with pytest.raises(MerkleError):
        verify_mixed(tree.root, [parts[0], (log, moved), *parts[2:]], nodes)
    with pytest.raises(MerkleError):  # a part claimed at another height
        verify_mixed(tree.root, [parts[0], (log + 1, digests), *parts[2:]], nodes)
    with pytest.raises(MerkleError):
        verify_mixed(tree.root, parts, nodes[:-1])
    with pytest.raises(MerkleError):
        verify_mixed(tree.root, parts, nodes + [bytes(32)])
    with pytest.raises(MerkleError):
        verify_mixed(tree.root, [None] * len(parts), nodes)


def test_one_part_is_the_plain_tree():
    """A single matrix gives the tree of zkvm.crypto.merkle: single-table commitments are unchanged."""
    rows = _parts([32])[0]
    assert MixedTree([MerkleTree.hash_leaves(rows)]).root == MerkleTree(rows).root
