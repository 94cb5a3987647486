"""Merkle trees over the rows of a field-element matrix (prover side, Numba hashing).

Leaf digests and each level of parents are computed by whole-level Numba kernels
(:mod:`zkvm.crypto.blake3_kernels`), never one package call per node (measured 35x slower).
Memory: the leaf digests are not kept (they are recomputed from the leaf rows for the few
siblings an opening needs), so a tree costs about 32 bytes per leaf beyond its matrix.
Hashing conventions and the batch-opening order are those of
:mod:`zkvm.crypto.merkle_verify`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from zkvm.crypto import blake3_kernels as bk
from zkvm.crypto.merkle_verify import LEAF_KEY, NODE_KEY, leaf_digest, node_digest
from zkvm.errors import ParameterError

_LEAF_WORDS = bk.key_words(LEAF_KEY)
_NODE_WORDS = bk.key_words(NODE_KEY)


class MerkleTree:
    """A commitment to the rows of ``leaves`` ((n, k) uint64, n a power of two)."""

    def __init__(self, leaves: np.ndarray) -> None:
        if not isinstance(leaves, np.ndarray) or leaves.dtype != np.uint64 or leaves.ndim != 2 or leaves.shape[1] < 1:
            raise ParameterError("leaves", "expected a (n, k) uint64 matrix with k >= 1")
        n = leaves.shape[0]
        if n < 1 or n & (n - 1):
            raise ParameterError("leaves", f"the number of leaves must be a power of two, got {n}")
        self.leaves: np.ndarray | None = np.ascontiguousarray(leaves)
        self._leaf_digests: np.ndarray | None = None
        self._dropped = 0
        self._build(bk.hash_rows(self.leaves, _LEAF_WORDS))

    @classmethod
    def from_leaf_digests(cls, digests: np.ndarray, keep_leaf_digests: bool = True,
                          dropped_levels: int = 0) -> "MerkleTree":
        """A tree over leaves hashed elsewhere (e.g. block by block while streaming an LDE
        that is never held whole). With ``keep_leaf_digests=False`` the leaf level (half the
        tree's memory) is dropped: :meth:`open` then needs the sibling rows it asks for via
        :meth:`siblings_needed`, which a prover can recompute from its polynomials.
        ``dropped_levels`` (with ``keep_leaf_digests=False``) also drops that many levels of
        parents above the leaves (level 1 is a quarter of the tree, levels 1-2 three eighths:
        their nodes are rehashed from the rows of the 2^(d+1) leaves around each opened one,
        which :meth:`siblings_needed` then asks for). For narrow matrices, whose rows are cheap
        to recompute: a segment's memory images (zkvm/stark/table_prover.py)."""
        n = digests.shape[0]
        if digests.dtype != np.uint32 or digests.ndim != 2 or digests.shape[1] != 8 or n < 1 or n & (n - 1):
            raise ParameterError("digests", "expected a (n, 8) uint32 array, n a power of two")
        if dropped_levels and keep_leaf_digests:
            raise ParameterError("dropped_levels", "levels are dropped only from a tree that keeps no leaf digests")
        tree = cls.__new__(cls)
        tree.leaves = None
        tree._leaf_digests = digests
        tree._dropped = min(int(dropped_levels), n.bit_length() - 2) if n > 2 else 0
        tree._build(digests)
        if not keep_leaf_digests:
            tree._leaf_digests = None
        return tree

    def siblings_needed(self, indices: Iterable[int]) -> list[int]:
        """The leaf positions, besides ``indices``, whose rows an opening needs (their digests,
        or with dropped levels the rest of each opened leaf's block, hashed again)."""
        known = set(int(i) for i in indices)
        span = min(1 << (self._dropped + 1), self.num_leaves)
        return sorted({q for p in known for q in range(p & -span, (p & -span) + span)} - known)

    @staticmethod
    def hash_leaves(rows: np.ndarray, tail: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """Leaf digests of rows (uint32 (n, 8)), for :meth:`from_leaf_digests`; with ``tail``,
        each leaf is its row followed by the same row of ``tail`` (e.g. a salt); ``out`` takes
        the digests in place of a new array."""
        return bk.hash_rows(np.ascontiguousarray(rows), _LEAF_WORDS, tail, out)

    def _build(self, digests: np.ndarray) -> None:
        n = digests.shape[0]
        self.num_leaves = n
        self.depth = n.bit_length() - 1
        # levels[i] holds the digests of level i + 1 (leaf digests are kept only when the rows
        # are not: otherwise a needed one is recomputed from its row)
        self._levels: list[np.ndarray | None] = []
        level = digests
        while level.shape[0] > 1:
            level = bk.hash_pairs(level, _NODE_WORDS)
            self._levels.append(level)
            if len(self._levels) > 1 and len(self._levels) - 1 <= self._dropped:
                self._levels[-2] = None  # (dropped once its parents are built)
        self.root: bytes = (level if self.depth else digests)[0].tobytes()

    def _digest(self, level: int, pos: int, leaf_rows: dict[int, bytes] | None = None) -> bytes:
        if level == 0:
            if self._leaf_digests is not None:
                return self._leaf_digests[pos].tobytes()
            if self.leaves is not None:
                return leaf_digest(self.leaves[pos].tobytes())
            if leaf_rows is None or pos not in leaf_rows:
                raise ParameterError("leaf_rows", f"this tree keeps no leaf digests: pass the row of leaf {pos}")
            return leaf_digest(leaf_rows[pos])
        nodes = self._levels[level - 1]
        if nodes is None:  # a dropped level: hashed again from the level below
            return node_digest(self._digest(level - 1, 2 * pos, leaf_rows), self._digest(level - 1, 2 * pos + 1, leaf_rows))
        return nodes[pos].tobytes()

    def open(self, indices: Iterable[int], leaf_rows: dict[int, bytes] | None = None) -> list[bytes]:
        """Batch opening of a set of leaf indices (duplicates ignored), canonical order.
        ``leaf_rows`` maps sibling positions to their row bytes (little-endian uint64) for a
        tree that keeps no leaf digests."""
        return batch_opening(self.num_leaves, self.depth, indices, lambda level, pos: self._digest(level, pos, leaf_rows))


def batch_opening(num_leaves: int, depth: int, indices: Iterable[int], node: Callable[[int, int], bytes]) -> list[bytes]:
    """The nodes a batch opening of these leaf positions sends, in the canonical order of
    :mod:`zkvm.crypto.merkle_verify`: level by level from the leaves up, ascending, the sibling
    of every known node whose sibling is not known; ``node(level, pos)`` gives a node."""
    known = sorted(set(int(i) for i in indices))
    if not known:
        raise ParameterError("indices", "nothing to open")
    if known[0] < 0 or known[-1] >= num_leaves:
        raise ParameterError("indices", f"leaf indices must be in [0, {num_leaves})")
    nodes: list[bytes] = []
    for level in range(depth):
        present = set(known)
        for pos in known:
            if pos ^ 1 not in present and (pos & 1 == 0 or pos - 1 not in present):
                nodes.append(node(level, pos ^ 1))
        known = sorted({p >> 1 for p in known})
    return nodes


def commit(leaves: np.ndarray) -> MerkleTree:
    return MerkleTree(leaves)
