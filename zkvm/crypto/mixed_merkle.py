"""One Merkle tree over the rows of several matrices of power-of-two heights (prover side).

A multi-table proof commits, in each phase (main traces, auxiliary traces, composition
polynomials), to the LDEs of every table, of different heights. One tree per phase instead of
one per table means one authentication path per query and phase for the verifier, not one per
table (the idea of Plonky3's mixed-matrix commitment). Shape (:mod:`zkvm.crypto.merkle_verify`,
``verify_mixed``, is the reference):

- the parts are the matrices' leaf digests, in table order; N is the tallest part's height;
- level 0 holds the first tallest part's leaf digests, then every other part of height N is
  *injected*: node j becomes ``H_inject(node j || leaf digest j of that part)``;
- level k (N / 2^k nodes) holds the parents of level k - 1 (``H_node``), then the parts of
  that height are injected the same way, in table order.

In bit-reversed LDE order, row j of a part of height N / 2^k sits under node j of level k (its
position is the query position shifted right by k), so a query opens one path per phase and
the rows of every table at its own position. The verifier computes every injected digest
itself; the opening sends only siblings. Injection has its own key: an injected node can never
be read as a parent of two children or as a leaf.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from zkvm.crypto import blake3_kernels as bk
from zkvm.crypto.merkle import batch_opening
from zkvm.crypto.merkle_verify import INJECT_KEY, NODE_KEY, leaf_digest
from zkvm.errors import ParameterError

_NODE_WORDS = bk.key_words(NODE_KEY)
_INJECT_WORDS = bk.key_words(INJECT_KEY)


def inject(nodes: np.ndarray, digests: np.ndarray) -> np.ndarray:
    """``H_inject(nodes[j] || digests[j])`` for every j ((m, 8) uint32 each), written over
    ``nodes`` (each block of rows is read before it is written): the leaf-hashing kernel
    with the digests as each row's tail, no joined copy."""
    nodes = np.ascontiguousarray(nodes)
    return bk.hash_rows(nodes.view(np.uint64), _INJECT_WORDS, np.ascontiguousarray(digests).view(np.uint64), out=nodes)


class MixedTree:
    """A commitment to several matrices' leaf digests (``parts``: (m_t, 8) uint32 arrays, m_t
    powers of two, in table order; None for a table without this phase)."""

    def __init__(self, parts: Sequence[np.ndarray | None]) -> None:
        present = [(t, d) for t, d in enumerate(parts) if d is not None]
        if not present:
            raise ParameterError("parts", "nothing to commit")
        for t, d in present:
            m = d.shape[0]
            if d.dtype != np.uint32 or d.ndim != 2 or d.shape[1] != 8 or m < 1 or m & (m - 1):
                raise ParameterError("parts", f"part {t}: expected a (m, 8) uint32 array, m a power of two")
        self.heights = [None if d is None else d.shape[0] for d in parts]
        n = max(d.shape[0] for _, d in present)
        self.num_leaves = n
        self.depth = n.bit_length() - 1
        by_level: dict[int, list[np.ndarray]] = {}
        for _, d in present:
            by_level.setdefault(self.depth - (d.shape[0].bit_length() - 1), []).append(d)
        first, *rest = by_level[0]
        level = np.ascontiguousarray(first)
        for d in rest:
            level = inject(level, d)
        # levels[k] holds level k's nodes after injection; level 0 is dropped when it is a
        # single part's leaf digests (they are recomputed from its rows for an opening, as in
        # MerkleTree, instead of holding 32 bytes per LDE row of the tallest table)
        self.single_tallest = not rest
        self._levels: list[np.ndarray | None] = [None if self.single_tallest else level]
        for k in range(1, self.depth + 1):
            level = bk.hash_pairs(level, _NODE_WORDS)
            for d in by_level.get(k, ()):
                level = inject(level, d)
            self._levels.append(level)
        self.root: bytes = level[0].tobytes()

    def siblings_needed(self, indices: Iterable[int]) -> list[int]:
        """Level-0 positions, besides ``indices``, whose nodes an opening sends: with a single
        tallest part, their rows of that part must be given to :meth:`open`."""
        known = set(int(i) for i in indices)
        return sorted({p ^ 1 for p in known if self.depth} - known)

    def _node(self, level: int, pos: int, leaf_rows: dict[int, bytes] | None) -> bytes:
        nodes = self._levels[level]
        if nodes is not None:
            return nodes[pos].tobytes()
        if leaf_rows is None or pos not in leaf_rows:
            raise ParameterError("leaf_rows", f"pass the tallest part's row {pos}: its leaf digests are not kept")
        return leaf_digest(leaf_rows[pos])

    def open(self, indices: Iterable[int], leaf_rows: dict[int, bytes] | None = None) -> list[bytes]:
        """Batch opening of level-0 positions (the canonical order of merkle_verify).
        ``leaf_rows``: the tallest part's sibling rows (row bytes, salts included) when it is
        the only part of its height."""
        return batch_opening(self.num_leaves, self.depth, indices, lambda level, pos: self._node(level, pos, leaf_rows))


__all__ = ["MixedTree", "inject"]
