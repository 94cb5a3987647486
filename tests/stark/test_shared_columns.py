"""Shared columns: two proofs committing to the same columns under the same root.

The example (its own little machine, nothing of the VM): a *writer* proof computes a sequence
x_0 = x0 (public), x_{i+1} = 3 x_i + 1 and hands it over on a bus to an ``image`` table whose
two columns (idx, v) are shared; a *reader* proof holds an ``image`` table with the same shared
columns, sends them to a ``consumer`` table and claims the value at the last index (public).
The two proofs are about the same image exactly when their shared roots are equal, which is
how a segmented run hands its memory from one segment to the next (docs/air.md, "Segments").
"""

from __future__ import annotations

import dataclasses

import blake3
import numpy as np
import pytest

from tests.oracles import P, galois_intt
from zkvm.crypto.merkle_verify import LEAF_KEY, NODE_KEY
from zkvm.errors import ParameterError, ProofFormatError, VerificationError
from zkvm.field import goldilocks as gl
from zkvm.fri.options import FriOptions
from zkvm.stark.air import AirBuilder
from zkvm.stark.multi_proof import MultiProof
from zkvm.stark.multi_prover import prove_tables
from zkvm.stark.multi_verifier import verify_tables
from zkvm.stark.proof import Opening
from zkvm.stark.tables import BUS_CHALLENGES, Bus, BusInteractions, TableSystem

HANDOFF = Bus("handoff", 7, 2)
N = 128
FAST = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=False)
ZK = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=True)
SEED = bytes(range(32))


def image_air(name: str, send: bool, masked: bool):
    b = AirBuilder(name, ["idx", "v"], num_challenges=BUS_CHALLENGES)
    bus = BusInteractions(b, masked=masked)
    (bus.send if send else bus.receive)(HANDOFF, [b.main("idx"), b.main("v")])
    return b.build(bus.finish().build_matrix)


def producer_air(masked: bool):
    b = AirBuilder("producer", ["i", "x"], public=["x0"], num_challenges=BUS_CHALLENGES)
    b.boundary("i starts at 0", b.main("i"), "first")
    b.boundary("x starts at x0", b.main("x") - b.public("x0"), "first")
    b.transition("i counts", b.next("i") - b.main("i") - 1)
    b.transition("x steps", b.next("x") - 3 * b.main("x") - 1)
    bus = BusInteractions(b, masked=masked)
    bus.send(HANDOFF, [b.main("i"), b.main("x")])
    return b.build(bus.finish().build_matrix)


def consumer_air(masked: bool):
    b = AirBuilder("consumer", ["i", "y"], public=["last"], num_challenges=BUS_CHALLENGES)
    b.boundary("i starts at 0", b.main("i"), "first")
    b.transition("i counts", b.next("i") - b.main("i") - 1)
    b.boundary("the last value is public", b.main("y") - b.public("last"), "last")
    bus = BusInteractions(b, masked=masked)
    bus.receive(HANDOFF, [b.main("i"), b.main("y")])
    return b.build(bus.finish().build_matrix)


def systems(zk: bool):
    writer = TableSystem("writer", (producer_air(zk), image_air("image out", False, zk)), shared=(("image out", ("idx", "v")),))
    reader = TableSystem("reader", (image_air("image in", True, zk), consumer_air(zk)), shared=(("image in", ("idx", "v")),))
    return writer, reader


def sequence(x0: int) -> list[int]:
    xs = [x0 % P]
    for _ in range(N - 1):
        xs.append((3 * xs[-1] + 1) % P)
    return xs


def image_trace(values: list[int], width: int) -> np.ndarray:
    t = np.zeros((N, width), dtype=np.uint64)
    t[:, 0] = np.arange(N, dtype=np.uint64)
    t[:, 1] = np.array(values, dtype=np.uint64)
    return t


def prove_pair(options: FriOptions, x0: int = 5, reader_values: list[int] | None = None, seed: bytes = SEED,
               reader_seed: bytes | None = None):
    writer, reader = systems(options.zk)
    xs = sequence(x0)
    ys = xs if reader_values is None else reader_values
    w_width = writer.tables[1].width
    r_width = reader.tables[0].width
    p_trace = np.zeros((N, writer.tables[0].width), dtype=np.uint64)
    p_trace[:, 0], p_trace[:, 1] = np.arange(N, dtype=np.uint64), np.array(xs, dtype=np.uint64)
    c_trace = np.zeros((N, reader.tables[1].width), dtype=np.uint64)
    c_trace[:, 0], c_trace[:, 1] = np.arange(N, dtype=np.uint64), np.array(ys, dtype=np.uint64)
    w_proof = prove_tables(writer, [p_trace, image_trace(xs, w_width)], [[x0], []], options, shared_seeds={(1, 0): seed},
                           zk_seed=bytes(32))
    r_proof = prove_tables(reader, [image_trace(ys, r_width), c_trace], [[], [ys[-1]]], options,
                           shared_seeds={(0, 0): reader_seed or seed}, zk_seed=bytes([1] * 32))
    return (writer, w_proof, [[x0], []]), (reader, r_proof, [[], [ys[-1]]])


def _reference_root(columns: np.ndarray, blowup: int) -> bytes:
    """The Merkle root of the columns' low-degree extension, from scratch: coefficients by
    galois, values at the bit-reversed coset points, leaves (the row's little-endian words)
    and parents with the blake3 package."""
    coeffs = [galois_intt([int(v) for v in columns[:, c]]) for c in range(columns.shape[1])]
    big = columns.shape[0] * blowup
    bits = big.bit_length() - 1
    w = gl.root_of_unity(bits)
    level = []
    for i in range(big):
        x = gl.GENERATOR * pow(w, int(format(i, f"0{bits}b")[::-1], 2), P) % P
        row = b""
        for cs in coeffs:
            acc = 0
            for c in reversed(cs):
                acc = (acc * x + c) % P
            row += acc.to_bytes(8, "little")
        level.append(blake3.blake3(row, key=LEAF_KEY).digest())
    while len(level) > 1:
        level = [blake3.blake3(level[i] + level[i + 1], key=NODE_KEY).digest() for i in range(0, len(level), 2)]
    return level[0]


@pytest.fixture(scope="module")
def zk_pair():
    return prove_pair(ZK)


def _verify(case) -> None:
    system, proof, publics = case
    verify_tables(MultiProof.from_bytes(proof.to_bytes()), system, publics, min_security_bits=0)


def test_honest_pair_verifies_and_shares_one_root(zk_pair):
    w, r = zk_pair
    _verify(w)
    _verify(r)
    assert w[1].tables[1].shared_roots[0] == r[1].tables[0].shared_roots[0]
    assert w[1].tables[0].shared_roots == () and r[1].tables[1].shared_roots == ()


def test_root_without_zk_is_the_columns_low_degree_extension():
    w, r = prove_pair(FAST)
    _verify(w)
    _verify(r)
    expected = _reference_root(image_trace(sequence(5), 2), FAST.blowup)
    assert w[1].tables[1].shared_roots[0] == expected == r[1].tables[0].shared_roots[0]


def test_other_seed_gives_other_root(zk_pair):
    w, r = prove_pair(ZK, reader_seed=bytes([9] * 32))
    _verify(r)
    assert r[1].tables[0].shared_roots[0] != zk_pair[0][1].tables[1].shared_roots[0]


def test_reader_about_another_image_has_another_root(zk_pair):
    """A forger proves a consistent reader whose image differs in one value (and claims its
    last value): the proof verifies on its own, but it does not share the writer's root."""
    xs = sequence(5)
    forged = list(xs)
    forged[-1] = (forged[-1] + 1) % P
    w, r = prove_pair(ZK, reader_values=forged)
    _verify(r)
    assert r[2][1] == [forged[-1]]
    assert r[1].tables[0].shared_roots[0] != w[1].tables[1].shared_roots[0]


def test_shared_root_replaced_is_rejected(zk_pair):
    _, (system, proof, publics) = zk_pair
    other = prove_pair(ZK, x0=6)[1][1]
    t0 = dataclasses.replace(proof.tables[0], shared_roots=other.tables[0].shared_roots)
    forged = dataclasses.replace(proof, tables=(t0,) + proof.tables[1:])
    with pytest.raises(VerificationError):
        verify_tables(forged, system, publics, min_security_bits=0)


@pytest.mark.parametrize("where", ["value", "salt", "node"])
def test_tampered_shared_opening_is_rejected(zk_pair, where):
    _, (system, proof, publics) = zk_pair
    op = proof.tables[0].shared_openings[0]
    rows, nodes = [list(r) for r in op.rows], list(op.nodes)
    if where == "value":
        rows[0][1] = (rows[0][1] + 1) % P
    elif where == "salt":
        rows[0][-1] = (rows[0][-1] + 1) % P
    else:
        nodes[0] = bytes(32)
    t0 = dataclasses.replace(proof.tables[0], shared_openings=(Opening(tuple(tuple(r) for r in rows), tuple(nodes)),))
    with pytest.raises(VerificationError):
        verify_tables(dataclasses.replace(proof, tables=(t0,) + proof.tables[1:]), system, publics, min_security_bits=0)


def test_shared_opening_must_agree_with_the_main_rows(zk_pair):
    """The same value changed in both the shared and the main opening still fails (the main
    phase's tree, or the DEEP values at that row)."""
    _, (system, proof, publics) = zk_pair
    t = proof.tables[0]
    srows = [list(r) for r in t.shared_openings[0].rows]
    mrows = [list(r) for r in t.main_opening.rows]
    srows[0][1] = mrows[0][1] = (mrows[0][1] + 1) % P
    t0 = dataclasses.replace(t, shared_openings=(Opening(tuple(map(tuple, srows)), t.shared_openings[0].nodes),),
                             main_opening=Opening(tuple(map(tuple, mrows)), t.main_opening.nodes))
    with pytest.raises(VerificationError):
        verify_tables(dataclasses.replace(proof, tables=(t0,) + proof.tables[1:]), system, publics, min_security_bits=0)


def test_shared_commitment_dropped_is_rejected(zk_pair):
    _, (system, proof, publics) = zk_pair
    t0 = dataclasses.replace(proof.tables[0], shared_roots=(), shared_openings=())
    with pytest.raises(VerificationError):
        verify_tables(dataclasses.replace(proof, tables=(t0,) + proof.tables[1:]), system, publics, min_security_bits=0)


def test_truncated_or_flagged_bytes_raise_format_errors(zk_pair):
    _, (system, proof, publics) = zk_pair
    data = proof.to_bytes()
    assert MultiProof.from_bytes(data) == proof
    for cut in (len(data) // 3, len(data) - 5):
        with pytest.raises(ProofFormatError):
            MultiProof.from_bytes(data[:cut])
    sections = proof.sections()
    name, table0 = next((n, b) for n, b in sections if n == "table 0")
    flags_at = 1 + 4 + 0 + 1 + 4 + 16 * len(proof.tables[0].claimed_sums)
    assert table0[flags_at] == 2  # shared column groups only
    bad = table0[:flags_at] + bytes([4]) + table0[flags_at + 1:]
    with pytest.raises(ProofFormatError):
        MultiProof.from_bytes(b"".join(bad if n == "table 0" else b for n, b in sections))


def test_zero_knowledge_needs_the_shared_seed():
    writer, _ = systems(True)
    xs = sequence(5)
    p_trace = np.zeros((N, writer.tables[0].width), dtype=np.uint64)
    p_trace[:, 0], p_trace[:, 1] = np.arange(N, dtype=np.uint64), np.array(xs, dtype=np.uint64)
    with pytest.raises(ParameterError, match="seed"):
        prove_tables(writer, [p_trace, image_trace(xs, writer.tables[1].width)], [[5], []], ZK)


def test_shared_columns_read_on_the_next_row_are_refused():
    b = AirBuilder("stepping", ["idx", "v"], num_challenges=BUS_CHALLENGES)
    b.transition("v steps", b.next("v") - b.main("v"))
    bus = BusInteractions(b)
    bus.receive(HANDOFF, [b.main("idx"), b.main("v")])
    air = b.build(bus.finish().build_matrix)
    with pytest.raises(ParameterError, match="next row"):
        TableSystem("bad", (air,), shared=(("stepping", ("idx", "v")),))
    TableSystem("fine", (air,), shared=(("stepping", ("idx",)),))  # idx is never read on the next row
    with pytest.raises(ParameterError, match="disjoint"):
        TableSystem("overlap", (air,), shared=(("stepping", ("idx",)), ("stepping", ("idx",))))


def test_shared_columns_change_the_system_digest():
    a = TableSystem("s", (image_air("image", True, False),))
    b = TableSystem("s", (image_air("image", True, False),), shared=(("image", ("idx", "v")),))
    assert a.digest() != b.digest()
