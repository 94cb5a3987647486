"""The private-data table (zkvm/air/private_table.py): private weights answer the dot-product
table's lookups and hash, inside the proof, to the public commitment; every lie is rejected.

Oracles: numpy's W @ x + b for the layers (the dot table's stand-in system), and the Python
Poseidon2 sponge (pinned by the reference implementation's known answer) over blocks packed
here with Python ints for the commitment."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from zkvm.air.dot_table import dot_table_air, frozen_standin_air, layer_traces, mac_source_standin_air
from zkvm.air.private_table import WORDS, private_table_air, private_trace
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
COLS = {c: i for i, c in enumerate(private_table_air().main_columns)}
W0 = COLS["w0"]


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
    on, first = priv[:, COLS["on"]] == 1, priv[:, COLS["first"]] == 1
    vals = ((priv[on & ~first, W0 : W0 + WORDS].astype(object) + (1 << 15)) % p2.P).reshape(-1)
    distinct, counts = np.unique(vals.astype(np.uint64), return_counts=True)
    out = np.zeros((max(8, 1 << int(distinct.size - 1).bit_length()), 2), dtype=np.uint64)
    out[: distinct.size, 0], out[: distinct.size, 1] = distinct, counts
    return out


def reference_commitment(weights, salt) -> list[int]:
    """The sponge over the salt and the weights packed three to an element (w + 2^15, 16 bits
    each), in Python ints."""
    w = [int(v) + (1 << 15) for v in weights]
    assert len(w) % WORDS == 0 and all(0 <= v < 1 << 16 for v in w)
    packed = [w[i] + (w[i + 1] << 16) + (w[i + 2] << 32) for i in range(0, len(w), 3)]
    return p2.sponge([list(salt)] + [packed[i : i + 8] for i in range(0, len(packed), 8)])


def layers(seed: int = 0, words: int = 5 * WORDS):
    """Two dense layers (16 -> 6 -> 3, the second padded to 8 inputs) whose weights fill
    ``words`` (a multiple of 24: the first layer takes the rest)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, 16)
    outs = (words - 3 * 8) // 16
    w1, b1 = rng.integers(-128, 128, (outs, 16)), rng.integers(-1000, 1000, outs)
    h = np.maximum(0, (w1 @ x + b1) >> 6)[:8]
    h = np.concatenate([h, np.zeros(8 - h.size, dtype=np.int64)])
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
    rows = weights.size // WORDS
    air = private_table_air()
    priv, pub = private_trace(air, fa.from_signed(weights), salt, 0, data[: weights.size // K, 1],
                              height or max(8, 1 << rows.bit_length()))
    traces[2] = priv
    traces.append(range_trace(priv))
    assert pub[2:] == reference_commitment(weights, salt)  # the table's digest is the reference sponge's
    return traces, [[], [], pub, [], []], pub[2:]


@pytest.mark.parametrize("height", [None, 32])
def test_private_weights_prove_and_verify_against_their_commitment(height):
    traces, pubs, _ = honest(height=height)
    proof = prove_tables(system(), traces, pubs, FAST, debug_check=True)
    verify_tables(proof, system(), pubs, 0)


def test_the_table_fills_exactly_its_height_too():
    ls = layers(words=7 * WORDS)  # 7 rows + the salt row: 8, no padding
    traces, pubs, _ = honest(ls, height=8)
    assert traces[PRIVATE][0, COLS["first"]] == 1  # row 0 is the salt row
    verify_tables(prove_tables(system(), traces, pubs, FAST, debug_check=True), system(), pubs, 0)


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
    traces[PRIVATE][row, W0 + 2] = (int(traces[PRIVATE][row, W0 + 2]) + 1) % p2.P
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
    """The forger lets the salt row (at addr0 - 24) answer the three data rows below addr0: its
    first 8 words are the salt, the other 16 are absorbed nowhere. Everything balances and the
    digest is the forger's own, but the salt row answers nothing (else a salt, or free words,
    could stand in for data rows)."""
    rng = np.random.default_rng(4)
    words = rng.integers(-500, 500, 2 * WORDS)
    addr0 = 64
    air = private_table_air()
    priv, pub = private_trace(air, fa.from_signed(words), SALT, addr0, np.ones(6, dtype=np.uint64), 8)
    first = int(np.flatnonzero(priv[:, COLS["first"]])[0])
    fake = [int(v) for v in rng.integers(0, 100, WORDS - 8)]
    priv[first, W0 + 8 : W0 + WORDS] = fake
    priv[first, COLS["m0"] : COLS["m0"] + 3] = 1
    reads = np.zeros((16, 2 + K), dtype=np.uint64)
    below = SALT + fake
    for i in range(3):  # the three data rows below addr0, "read" from the salt row
        reads[i, 0], reads[i, 1], reads[i, 2:] = 1, addr0 - WORDS + K * i, below[K * i : K * (i + 1)]
    for i in range(6):
        reads[3 + i, 0], reads[3 + i, 1], reads[3 + i, 2:] = 1, addr0 + K * i, fa.from_signed(words[K * i : K * (i + 1)])
    forge_reader(reads, priv, pub)


@pytest.mark.parametrize("index", [18, 19, 20, 100])  # each limb of a packed element, and a later row
def test_a_weight_changed_everywhere_but_the_hash_chain_is_rejected(index):
    """The forger changes a weight in the dot table and in the private table's block, and keeps
    the honest permutation inputs and witnesses: the digest is the commitment, every lookup
    balances, only the chain (input = block + previous output) breaks."""
    real = layers()
    real_traces, pubs, _ = honest(real)
    fake = [(w.copy(), b, x) for w, b, x in real]
    flat = np.concatenate([w.ravel() for w, _, _ in fake])
    flat[index] += 5
    fake[0] = (flat[: real[0][0].size].reshape(real[0][0].shape), fake[0][1], fake[0][2])
    fake[1] = (flat[real[0][0].size :].reshape(real[1][0].shape), fake[1][1], fake[1][2])
    traces, _, _ = honest(fake)
    priv = traces[PRIVATE]
    s0 = COLS["s0"]
    priv[:, s0 : len(COLS) - 2] = real_traces[PRIVATE][:, s0 : len(COLS) - 2]
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


def forge_reader(reads, priv, pub):
    """With the reader stand-in: the prover's checks refuse, a forced proof is rejected."""
    sysm = TableSystem("reader-private", (reader_air(), private_table_air(), range_standin_air()))
    ranges = range_trace(priv)
    with pytest.raises((ProverError, ConstraintViolation)):
        prove_tables(sysm, [reads.copy(), priv.copy(), ranges], [[], pub, []], FAST, debug_check=True)
    proof = prove_tables(sysm, [reads, priv, ranges], [[], pub, []], FAST, check=False)
    with pytest.raises(VerificationError):
        verify_tables(proof, sysm, [[], pub, []], 0)


def test_rows_read_at_each_others_addresses_are_rejected():
    """The forger reads table row 2's words at row 1's addresses and the reverse, and swaps the
    two rows' addresses in the private table: the hash (over the blocks only) and the lookups
    balance, the addresses no longer advance by 24."""
    rng = np.random.default_rng(5)
    words = rng.integers(0, 1000, 4 * WORDS).astype(np.uint64)
    addr0 = 64
    air = private_table_air()
    priv, pub = private_trace(air, words, SALT, addr0, np.ones(12, dtype=np.uint64), 8)
    first = int(np.flatnonzero(priv[:, COLS["first"]])[0])
    rows = words.reshape(12, K)
    order = [3, 4, 5, 0, 1, 2, 6, 7, 8, 9, 10, 11]  # table row 1's data rows read at row 0's addresses
    reads = np.zeros((16, 2 + K), dtype=np.uint64)
    for i, src in enumerate(order):
        reads[i, 0], reads[i, 1], reads[i, 2:] = 1, addr0 + K * i, rows[src]
    a = COLS["addr"]
    priv[first + 1, a], priv[first + 2, a] = priv[first + 2, a], priv[first + 1, a]
    forge_reader(reads, priv, pub)
    # the honest reads of the same table verify
    honest_priv, _ = private_trace(air, words, SALT, addr0, np.ones(12, dtype=np.uint64), 8)
    for i in range(12):
        reads[i, 2:] = rows[i]
    sysm = TableSystem("reader-private", (reader_air(), air, range_standin_air()))
    ranges = range_trace(honest_priv)
    verify_tables(prove_tables(sysm, [reads, honest_priv, ranges], [[], pub, []], FAST, debug_check=True), sysm,
                  [[], pub, []], 0)


def test_a_table_longer_than_its_declared_blocks_is_rejected():
    """Whoever commits hashes one row more than the initial state declares (a digest like any
    other), so that the extra row answers a lookup past the private region, where public
    constants live: the row count must end at the declared number of blocks."""
    from zkvm.crypto.poseidon2_kernels import absorb_into

    from zkvm.air.private_table import pack_rows

    rng = np.random.default_rng(9)
    words = rng.integers(0, 1000, 4 * WORDS).astype(np.uint64)  # 3 rows declared + 1 extra
    addr0 = 64
    air = private_table_air()
    priv, pub = private_trace(air, words, SALT, addr0, np.ones(12, dtype=np.uint64), 8)
    pad = int(np.flatnonzero(priv[:, COLS["first"]])[0])
    blocks = np.vstack([np.array(SALT, dtype=np.uint64), pack_rows(words)])
    final = absorb_into(priv, pad, blocks, p2.initial_state(4), -1, COLS["s0"], COLS["r0_0_x3"])
    pub = [addr0, 4, *final[: p2.DIGEST]]  # declares 4 blocks (salt + 3 rows), absorbs 5
    reads = np.zeros((16, 2 + K), dtype=np.uint64)
    for i in range(12):
        reads[i, 0], reads[i, 1], reads[i, 2:] = 1, addr0 + K * i, words[K * i : K * (i + 1)]
    forge_reader(reads, priv, pub)
