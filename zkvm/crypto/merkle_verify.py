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
from itertools import chain

import blake3

from zkvm.errors import MerkleError

LEAF_KEY = blake3.blake3(b"zkvm merkle leaf v1").digest()
NODE_KEY = blake3.blake3(b"zkvm merkle node v1").digest()
INJECT_KEY = blake3.blake3(b"zkvm merkle inject v1").digest()
"""A mixed tree's injection of a shorter matrix's leaf into a node (:func:`verify_mixed`)."""
MAX_DEPTH = 40
_P = 0xFFFF_FFFF_0000_0001
# keyed hashers set up once: copying one costs less than half of what keying a new one does
# (the verifier hashes some 15,000 nodes and leaves per proof of a large model)
_LEAF_HASHER = blake3.blake3(key=LEAF_KEY)
_NODE_HASHER = blake3.blake3(key=NODE_KEY)
_INJECT_HASHER = blake3.blake3(key=INJECT_KEY)


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
    nodes = _checked_nodes(nodes)
    positions, digests, used = [p for p, _ in level], [d for _, d in level], 0
    for _ in range(depth):
        positions, digests, used = _parent_level(positions, digests, nodes, used)
    if used != len(nodes):
        raise MerkleError("the opening has unused extra nodes")
    if digests[0] != bytes(root):
        raise MerkleError("the opened leaves do not hash to the committed root")


def _checked_nodes(nodes: Sequence[bytes]) -> list[bytes]:
    nodes = list(nodes)
    if not set(map(type, nodes)) <= _DIGEST_TYPES or not set(map(len, nodes)) <= {32}:
        raise MerkleError("opening nodes are 32-byte digests")
    return nodes


_DIGEST_TYPES = {bytes, bytearray}


def _parent_level(positions: list[int], digests: list[bytes], nodes: list[bytes],
                  used: int) -> tuple[list[int], list[bytes], int]:
    """One level up: the parents of the known nodes (ascending positions), a missing sibling
    being the next node sent; returns them and how many nodes are used now. (The verifier's
    innermost loop, some 5,000 parents per segment proof: parallel lists, no tuple per node.)"""
    keyed = _NODE_HASHER.copy
    up_positions: list[int] = []
    up_digests: list[bytes] = []
    i, count, available = 0, len(positions), len(nodes)
    while i < count:
        pos = positions[i]
        if pos & 1:
            if used == available:
                raise MerkleError("the opening has too few nodes")
            data = nodes[used] + digests[i]
            used += 1
            i += 1
        elif i + 1 < count and positions[i + 1] == pos + 1:
            data = digests[i] + digests[i + 1]
            i += 2
        else:
            if used == available:
                raise MerkleError("the opening has too few nodes")
            data = digests[i] + nodes[used]
            used += 1
            i += 1
        up_digests.append(keyed().update(data).digest())
        up_positions.append(pos >> 1)
    return up_positions, up_digests, used


def verify_mixed(root: bytes, parts: Sequence[tuple[int, dict[int, bytes]] | None], nodes: Sequence[bytes]) -> None:
    """Check a mixed tree's opening (:mod:`zkvm.crypto.mixed_merkle` builds it): ``parts[t]``
    is (log2 of part t's height, its opened leaf digests by position), or None for a table
    without this phase. Level 0 starts from the first tallest part's digests; after each
    level's parents are computed, the parts of that height are injected in table order, and
    each must be opened exactly at the positions known at its level.

    Raises:
        MerkleError: naming what is wrong.
    """
    present = [p for p in parts if p is not None]
    if not present:
        raise MerkleError("no part to open")
    if not isinstance(root, (bytes, bytearray)) or len(root) != 32:
        raise MerkleError("the root must be a 32-byte digest")
    depth = max(log for log, _ in present)
    if not 0 <= depth <= MAX_DEPTH or any(log < 0 for log, _ in present):
        raise MerkleError(f"tree depth {depth!r} out of range")
    by_level: dict[int, list[dict[int, bytes]]] = {}
    for log, digests in present:
        for pos, d in digests.items():
            if not isinstance(pos, int) or not 0 <= pos < 1 << log:
                raise MerkleError(f"leaf index {pos!r} outside a part of {1 << log} rows")
            if not isinstance(d, (bytes, bytearray)) or len(d) != 32:
                raise MerkleError("leaf digests are 32 bytes")
        by_level.setdefault(depth - log, []).append(digests)
    first, *rest = by_level[0]
    if not first:
        raise MerkleError("no leaf to open")
    positions = sorted(first)
    digests = _injected(positions, [bytes(first[pos]) for pos in positions], rest, 0)
    nodes = _checked_nodes(nodes)
    used = 0
    for k in range(1, depth + 1):
        positions, digests, used = _parent_level(positions, digests, nodes, used)
        digests = _injected(positions, digests, by_level.get(k, ()), k)
    if used != len(nodes):
        raise MerkleError("the opening has unused extra nodes")
    if digests[0] != bytes(root):
        raise MerkleError("the opened rows do not hash to the committed root")


def _injected(positions: list[int], digests: list[bytes], parts: Sequence[dict[int, bytes]], k: int) -> list[bytes]:
    """The known nodes' digests of level k with these parts' leaf digests injected, in order."""
    for part in parts:
        if len(part) != len(positions) or any(pos not in part for pos in positions):
            raise MerkleError(f"a part's opened rows are not at the positions known at level {k} of the tree")
        keyed = _INJECT_HASHER.copy
        digests = [keyed().update(node + part[pos]).digest() for pos, node in zip(positions, digests)]
    return digests


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
    verify_batch(root, depth, indices, row_digests(rows), nodes)


def row_digests(rows: Sequence[Sequence[int]]) -> list[bytes]:
    """The leaf digests of opened rows, refusing values that are not canonical field elements
    (the check every opened row passes before the verifier computes with it)."""
    rows = list(rows)
    total = sum(map(len, rows))
    try:
        data = struct.pack(f"<{total}Q", *chain.from_iterable(rows))  # 64-bit integers, checked in C
    except (struct.error, TypeError) as e:
        raise MerkleError(f"leaf values must be 64-bit field elements ({e})") from None
    if total and max(chain.from_iterable(rows)) >= _P:
        raise MerkleError("leaf values must be canonical field elements")
    view = memoryview(data)
    digests, start, copy = [], 0, _LEAF_HASHER.copy
    for row in rows:
        end = start + 8 * len(row)
        h = copy()
        h.update(view[start:end])
        digests.append(h.digest())
        start = end
    return digests
