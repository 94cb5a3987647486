"""Merkle batch-opening verification (verifier-safe: the ``blake3`` package and stdlib only).

Tree shape: leaves are rows of field elements, hashed as their little-endian bytes with BLAKE3
keyed by ``LEAF_KEY``; a parent is BLAKE3 keyed by ``NODE_KEY`` of its two children's 32-byte
digests. The two keys separate leaves from inner nodes, so no leaf can pass for a node.

A batch opening for a set of leaf indices is the list of sibling digests the verifier cannot
compute itself, in canonical order: level by level from the leaves up, and within a level in
ascending position, the sibling (pos ^ 1) of every known position whose sibling is unknown.
Each needed node is sent exactly once.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import blake3

from zkvm.errors import MerkleError

LEAF_KEY = blake3.blake3(b"zkvm merkle leaf v1").digest()
NODE_KEY = blake3.blake3(b"zkvm merkle node v1").digest()
MAX_DEPTH = 40
_P = 0xFFFF_FFFF_0000_0001
# keyed hashers set up once: copying one costs less than half of what keying a new one does
# (the verifier hashes some 15,000 nodes and leaves per proof of a large model)
_LEAF_HASHER = blake3.blake3(key=LEAF_KEY)
_NODE_HASHER = blake3.blake3(key=NODE_KEY)


def leaf_digest(row: Sequence[int] | bytes) -> bytes:
    """Digest of one leaf: a row of canonical field elements (or its serialized bytes)."""
    if isinstance(row, (bytes, bytearray)):
        data = bytes(row)
    else:
        try:
            data = struct.pack(f"<{len(row)}Q", *row)
        except (struct.error, TypeError) as e:
            raise MerkleError(f"leaf values must be 64-bit field elements ({e})") from None
    h = _LEAF_HASHER.copy()
    h.update(data)
    return h.digest()


def node_digest(left: bytes, right: bytes) -> bytes:
    h = _NODE_HASHER.copy()
    h.update(left + right)
    return h.digest()


def verify_batch(
    root: bytes,
    depth: int,
    indices: Sequence[int],
    leaf_digests: Sequence[bytes],
    nodes: Sequence[bytes],
) -> None:
    """Check that the leaves with these digests sit at these indices under ``root``.

    Raises:
        MerkleError: naming what is wrong (index range, duplicates, counts, node size, root).
    """
    if not isinstance(depth, int) or not 0 <= depth <= MAX_DEPTH:
        raise MerkleError(f"tree depth {depth!r} out of range")
    if len(indices) != len(leaf_digests):
        raise MerkleError(f"{len(indices)} indices but {len(leaf_digests)} leaves")
    if not indices:
        raise MerkleError("no leaf to open")
    if not isinstance(root, (bytes, bytearray)) or len(root) != 32:
        raise MerkleError("the root must be a 32-byte digest")
    size = 1 << depth
    level: list[tuple[int, bytes]] = []
    for i, d in zip(indices, leaf_digests):
        if not isinstance(i, int) or not 0 <= i < size:
            raise MerkleError(f"leaf index {i!r} outside a tree of {size} leaves")
        if not isinstance(d, (bytes, bytearray)) or len(d) != 32:
            raise MerkleError("leaf digests are 32 bytes")
        level.append((i, bytes(d)))
    level.sort(key=lambda entry: entry[0])
    for (a, _), (b, _) in zip(level, level[1:]):
        if a == b:
            raise MerkleError(f"leaf index {a} opened twice")
    nodes = list(nodes)
    for node in nodes:
        if not isinstance(node, (bytes, bytearray)) or len(node) != 32:
            raise MerkleError("opening nodes are 32-byte digests")
    keyed = _NODE_HASHER.copy
    used = 0
    for _ in range(depth):
        # known positions in ascending order; a missing sibling is the next node sent
        parents: list[tuple[int, bytes]] = []
        i, count = 0, len(level)
        while i < count:
            pos, digest = level[i]
            if pos & 1 == 0 and i + 1 < count and level[i + 1][0] == pos + 1:
                data = digest + level[i + 1][1]
                i += 2
            else:
                if used == len(nodes):
                    raise MerkleError("the opening has too few nodes")
                sibling = nodes[used]
                used += 1
                data = digest + sibling if pos & 1 == 0 else sibling + digest
                i += 1
            h = keyed()
            h.update(data)
            parents.append((pos >> 1, h.digest()))
        level = parents
    if used != len(nodes):
        raise MerkleError("the opening has unused extra nodes")
    if level[0][1] != bytes(root):
        raise MerkleError("the opened leaves do not hash to the committed root")


def verify_rows(
    root: bytes,
    depth: int,
    indices: Sequence[int],
    rows: Sequence[Sequence[int]],
    nodes: Sequence[bytes],
) -> None:
    """Hash the rows (canonical field elements) and check them with :func:`verify_batch`."""
    if len(indices) != len(rows):
        raise MerkleError(f"{len(indices)} indices but {len(rows)} rows")
    digests = []
    for row in rows:
        digests.append(leaf_digest(row))  # refuses values that are not 64-bit integers
        if row and max(row) >= _P:
            raise MerkleError("leaf values must be canonical field elements")
    verify_batch(root, depth, indices, digests, nodes)
