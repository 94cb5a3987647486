"""The private-data table (zkvm/air/private_table.py): private weights answer the dot-product
table's lookups and hash, inside the proof, to the public commitment; every lie is rejected.

Oracles: numpy's W @ x + b for the layers (the dot table's stand-in system), the Python
Poseidon2 sponge (itself pinned by the reference implementation's known answer) for the
commitment."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from zkvm.air.dot_table import dot_table_air, frozen_standin_air, layer_traces, mac_source_standin_air
from zkvm.air.private_table import private_table_air, private_trace
from zkvm.crypto import poseidon2 as p2
from zkvm.errors import VerificationError
from zkvm.field import arrays as fa
from zkvm.fri.options import FriOptions
from zkvm.stark.debug import ConstraintViolation
from zkvm.stark.multi_prover import prove_tables
from zkvm.stark.multi_verifier import verify_tables
from zkvm.stark.prover import ProverError
from zkvm.stark.tables import TableSystem

FAST = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=False)
SOURCE, DOT, PRIVATE, FROZEN, RANGES = range(5)
K = 8
SALT = [11, 22, 33, 44, 55, 66, 77, 88]


def system() -> TableSystem:
    return TableSystem("private-standalone", (mac_source_standin_air(), dot_table_air(K), private_table_air(),
                                              frozen_standin_air(), range_standin_air()))


def range_standin_air():
    """Stands in for the CPU's 16-bit range table: answers (value) m times on the range bus
    (nothing checks its values: the private table's lookups must match them)."""
    from zkvm.air.buses import RANGE
    from zkvm.stark.air import AirBuilder
    from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions

    b = AirBuilder("ranges", ["v", "m"], num_challenges=BUS_CHALLENGES)
    bus = BusInteractions(b)
    bus.send(RANGE, [b.main("v")], b.main("m"))
    return b.build(bus.finish().build_matrix)


def range_trace(priv: np.ndarray) -> np.ndarray:
    """The range stand-in's rows for the private table's lookups (its weight rows' words + 2^15)."""
    on, first = priv[:, 0] == 1, priv[:, 1] == 1
    vals = ((priv[on & ~first, 5 : 5 + K].astype(object) + (1 << 15)) % p2.P).reshape(-1)
    distinct, counts = np.unique(vals.astype(np.uint64), return_counts=True)
    out = np.zeros((max(8, 1 << int(distinct.size - 1).bit_length()), 2), dtype=np.uint64)
    out[: distinct.size, 0], out[: distinct.size, 1] = distinct, counts
    return out


def layers(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, 16)
    w1, b1 = rng.integers(-128, 128, (6, 16)), rng.integers(-1000, 1000, 6)
    h = np.concatenate([np.maximum(0, (w1 @ x + b1) >> 6), np.zeros(2, dtype=np.int64)])
    w2, b2 = rng.integers(-128, 128, (3, 8)), rng.integers(-9, 9, 3)
    return [(w1, b1, x), (w2, b2, h)]


def honest(ls=None, salt=SALT, height=None):
    """The stand-in system's traces with the weights in the private table: (traces, publics,
    commitment)."""
    ls = ls or layers()
    traces, outs, _, _, _ = layer_traces(ls, K)
    for (w, b, x), o in zip(ls, outs):
        assert (o == w @ x + b).all()
    weights = np.concatenate([w.ravel() for w, _, _ in ls])
    data = traces[2]
    rows = weights.size // K
    air = private_table_air()
    priv, pub = private_trace(air, fa.from_signed(weights), salt, 0, data[:rows, 1],
                              height or max(8, 1 << rows.bit_length()))
    traces[2] = priv
    traces.append(range_trace(priv))
    blocks = [salt] + [[int(v) % p2.P for v in weights[i : i + K]] for i in range(0, weights.size, K)]
    assert pub[2:] == p2.sponge(blocks)  # the table's digest is the reference sponge's
    return traces, [[], [], pub, [], []], pub[2:]


@pytest.mark.parametrize("height", [None, 32])
def test_private_weights_prove_and_verify_against_their_commitment(height):
    traces, pubs, _ = honest(height=height)
    proof = prove_tables(system(), traces, pubs, FAST, debug_check=True)
    verify_tables(proof, system(), pubs, 0)


def test_the_table_fills_exactly_its_height_too():
    ls = layers()
    rows = sum(w.size for w, _, _ in ls) // K  # 14 rows + the salt row: 15, padded to 16
    traces, pubs, _ = honest(height=rows + 1)
    assert traces[PRIVATE].shape[0] == rows + 1 and traces[PRIVATE][0, 1] == 1  # no padding: row 0 is the salt row
    proof = prove_tables(system(), traces, pubs, FAST, debug_check=True) if (rows + 1) & rows == 0 else None
    if proof is not None:
        verify_tables(proof, system(), pubs, 0)


def test_a_proof_is_rejected_under_another_commitment_or_length():
    traces, pubs, _ = honest()
    proof = prove_tables(system(), traces, pubs, FAST)
    for i in (2, 3, 4, 5):  # each digest element
        other = [list(p) for p in pubs]
        other[PRIVATE][i] = (other[PRIVATE][i] + 1) % p2.P
        with pytest.raises(VerificationError):
            verify_tables(proof, system(), other, 0)
    other = [list(p) for p in pubs]
    other[PRIVATE][1] += 1  # another number of blocks
    with pytest.raises(VerificationError):
        verify_tables(proof, system(), other, 0)


def forge(traces, pubs, match=None):
    """The prover's own checks refuse the traces, and a proof forced from them is rejected."""
    with pytest.raises((ProverError, ConstraintViolation)):
        prove_tables(system(), [t.copy() for t in traces], pubs, FAST, debug_check=True)
    proof = prove_tables(system(), traces, pubs, FAST, check=False)
    with pytest.raises(VerificationError, match=match):
        verify_tables(proof, system(), pubs, 0)


def test_other_weights_with_a_consistent_hash_chain_are_rejected_under_the_real_commitment():
    """The forger uses other weights everywhere (dot table, private table with its whole hash
    chain recomputed): every constraint and bus holds, but the digest is not the commitment."""
    real = layers()
    _, real_pubs, commitment = honest(real)
    fake = [(w.copy(), b, x) for w, b, x in real]
    fake[0][0][2, 5] += 1
    traces, fake_pubs, fake_commitment = honest(fake)
    assert fake_commitment != commitment
    prove_tables(system(), [t.copy() for t in traces], fake_pubs, FAST, debug_check=True)  # consistent in itself
    forge(traces, real_pubs)


def test_a_changed_salt_is_rejected():
    _, pubs, _ = honest()
    traces, _, _ = honest(salt=[1] + SALT[1:])
    forge(traces, pubs)


def test_a_weight_changed_in_the_private_table_only_is_rejected():
    traces, pubs, _ = honest()
    row = int(np.flatnonzero(traces[PRIVATE][:, 1])[0]) + 1  # the first weight row
    traces[PRIVATE][row, 5] = (int(traces[PRIVATE][row, 5]) + 1) % p2.P
    forge(traces, pubs)


def test_a_weight_changed_after_hashing_is_rejected():
    """The forger recomputes the chain from the changed row on but claims the real digest."""
    ls = layers()
    traces, pubs, _ = honest(ls)
    fake = [(w.copy(), b, x) for w, b, x in ls]
    fake[1][0][0, 0] += 1
    fake_traces, _, _ = honest(fake)
    traces[PRIVATE] = fake_traces[PRIVATE]
    forge(traces, pubs)


def test_the_salt_row_cannot_answer_a_lookup():
    """The forger puts the first weight row in the salt (at addr0 - 8) and lets the salt row
    answer its lookups: everything balances and the digest is its own, but the salt row answers
    nothing (else a salt, chosen freely by whoever commits, could stand in for a data row)."""
    ls = layers()
    traces, _, _, _, _ = layer_traces(ls, K)
    weights = fa.from_signed(np.concatenate([w.ravel() for w, _, _ in ls]))
    m = traces[2][:, 1]
    rows = weights.size // K
    priv, pub = private_trace(private_table_air(), weights[K:], [int(v) for v in weights[:K]], K, m[1:rows], 16)
    first = int(np.flatnonzero(priv[:, 1])[0])
    priv[first, 3] = m[0]
    traces[2] = priv
    traces.append(range_trace(priv))
    forge(traces, [[], [], pub, [], []])


def test_a_weight_changed_everywhere_but_the_hash_chain_is_rejected():
    """The forger changes a weight in the dot table and in the private table's block, and keeps
    the honest permutation inputs and witnesses: the digest is the commitment, every lookup
    balances, only the chain (input = block + previous output) breaks."""
    real = layers()
    real_traces, pubs, _ = honest(real)
    fake = [(w.copy(), b, x) for w, b, x in real]
    fake[0][0][1, 3] += 5
    traces, _, _ = honest(fake)
    priv = traces[PRIVATE]
    s0 = private_table_air().main_columns.index("s0")
    priv[:, s0:] = real_traces[PRIVATE][:, s0:]
    forge(traces, pubs)


def test_padding_rows_cannot_come_after_real_rows():
    traces, pubs, _ = honest(height=32)
    priv = traces[PRIVATE]
    priv[-1, 0] = 0  # the last row claimed padding: the digest then sits on a padding row
    forge(traces, pubs)


def test_a_proof_is_bound_to_the_table_system():
    traces, pubs, _ = honest()
    proof = prove_tables(system(), traces, pubs, FAST)
    bad = replace(proof, tables=proof.tables)  # same proof, verified against another AIR digest
    other = TableSystem("private-standalone", (mac_source_standin_air(), dot_table_air(K),
                                               private_table_air().renamed("private data #2"), frozen_standin_air(),
                                               range_standin_air()))
    with pytest.raises(VerificationError):
        verify_tables(bad, other, pubs, 0)


def reader_air():
    """A stand-in for any table that reads weight rows: sends (address, w_0..w_7) on the data
    bus, once per row it marks ``on``; nothing checks what it claims."""
    from zkvm.air.buses import data_bus
    from zkvm.stark.air import AirBuilder
    from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions

    b = AirBuilder("reader", ["on", "addr", *[f"w{j}" for j in range(K)]], num_challenges=BUS_CHALLENGES)
    bus = BusInteractions(b)
    bus.send(data_bus(K), [b.main("addr")] + [b.main(f"w{j}") for j in range(K)], b.main("on"))
    return b.build(bus.finish().build_matrix)


def test_rows_read_at_each_others_addresses_are_rejected():
    """The forger reads row 2's words at row 1's address and the reverse, and swaps the two
    rows' addresses in the private table: the hash (over the blocks only) and the lookups
    balance, the addresses no longer advance by 8."""
    rng = np.random.default_rng(5)
    words = rng.integers(0, 1000, 4 * K).astype(np.uint64)
    addr0 = 64
    air = private_table_air()
    priv, pub = private_trace(air, words, SALT, addr0, np.ones(4, dtype=np.uint64), 8)
    first = int(np.flatnonzero(priv[:, 1])[0])
    rows = words.reshape(4, K)
    reads = np.zeros((8, 2 + K), dtype=np.uint64)
    order = [1, 0, 2, 3]  # the words read at each address: row 1's at addr0, row 0's at addr0 + 8
    for i, src in enumerate(order):
        reads[i, 0], reads[i, 1], reads[i, 2 : 2 + K] = 1, addr0 + K * i, rows[src]
    priv[first + 1, 2], priv[first + 2, 2] = priv[first + 2, 2], priv[first + 1, 2]
    sysm = TableSystem("reader-private", (reader_air(), air, range_standin_air()))
    ranges = range_trace(priv)  # (column 2 is addr: the rows swapped their addresses above)
    with pytest.raises((ProverError, ConstraintViolation)):
        prove_tables(sysm, [reads.copy(), priv.copy(), ranges], [[], pub, []], FAST, debug_check=True)
    proof = prove_tables(sysm, [reads, priv, ranges], [[], pub, []], FAST, check=False)
    with pytest.raises(VerificationError):
        verify_tables(proof, sysm, [[], pub, []], 0)
    # the honest reads of the same table verify
    honest_priv, _ = private_trace(air, words, SALT, addr0, np.ones(4, dtype=np.uint64), 8)
    for i in range(4):
        reads[i, 2 : 2 + K] = rows[i]
    verify_tables(prove_tables(sysm, [reads, honest_priv, ranges], [[], pub, []], FAST, debug_check=True), sysm,
                  [[], pub, []], 0)


def test_a_table_longer_than_its_declared_blocks_is_rejected():
    """Whoever commits hashes one row more than the initial state declares (a digest like any
    other), so that the extra row answers a lookup past the private region, where public
    constants live: the row count must end at the declared number of blocks."""
    from zkvm.crypto.poseidon2_kernels import absorb_into

    rng = np.random.default_rng(9)
    words = rng.integers(0, 1000, 4 * K).astype(np.uint64)  # 3 rows declared + 1 extra
    addr0 = 64
    air = private_table_air()
    priv, pub = private_trace(air, words, SALT, addr0, np.ones(4, dtype=np.uint64), 8)
    cols = {c: i for i, c in enumerate(air.main_columns)}
    pad = int(np.flatnonzero(priv[:, 1])[0])
    blocks = np.vstack([np.array(SALT, dtype=np.uint64), words.reshape(4, K)])
    final = absorb_into(priv, pad, blocks, p2.initial_state(4), cols["v0"], cols["s0"], cols["r0_0_x3"])
    pub = [addr0, 4, *final[: p2.DIGEST]]  # declares 4 blocks (salt + 3 rows), absorbs 5
    reads = np.zeros((8, 2 + K), dtype=np.uint64)
    for i in range(4):
        reads[i, 0], reads[i, 1], reads[i, 2:] = 1, addr0 + K * i, words[K * i : K * (i + 1)]
    sysm = TableSystem("reader-private", (reader_air(), air, range_standin_air()))
    ranges = range_trace(priv)
    with pytest.raises((ProverError, ConstraintViolation)):
        prove_tables(sysm, [reads.copy(), priv.copy(), ranges], [[], pub, []], FAST, debug_check=True)
    proof = prove_tables(sysm, [reads, priv, ranges], [[], pub, []], FAST, check=False)
    with pytest.raises(VerificationError):
        verify_tables(proof, sysm, [[], pub, []], 0)
