"""The dot-product table with its stand-ins (zkvm/air/dot_table.py): honest runs of dense
layers for every k verify, and every lie about a multiply-accumulate is rejected.

Oracle: numpy's integer matrix product (W @ x + b) for each layer's outputs."""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.air.dot_table import layer_traces, standalone_system
from zkvm.errors import VerificationError
from zkvm.field import goldilocks as gl
from zkvm.field.ext2 import Ext2
from zkvm.fri.options import FriOptions
from zkvm.stark.debug import ConstraintViolation
from zkvm.stark.multi_prover import prove_tables
from zkvm.stark.multi_verifier import verify_tables
from zkvm.stark.prover import ProverError, commit_public_columns

FAST = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=False)
SOURCE, DOT, DATA, FROZEN = range(4)


def layers(k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, 4 * k)
    w1, b1 = rng.integers(-128, 128, (6, 4 * k)), rng.integers(-1000, 1000, 6)
    h = np.maximum(0, (w1 @ x + b1) >> 6)
    pad = np.zeros(k * ((6 + k - 1) // k) - 6, dtype=np.int64)
    h = np.concatenate([h, pad])
    w2, b2 = rng.integers(-128, 128, (3, h.size)), rng.integers(-9, 9, 3)
    return [(w1, b1, x), (w2, b2, h)]


@pytest.mark.parametrize("k", [1, 2, 3, 4, 8])
def test_dense_layers_prove_and_verify_with_numpy_results(k):
    ls = layers(k)
    traces, outs, public, _, pubs = layer_traces(ls, k)
    for (w, b, x), o in zip(ls, outs):
        assert (o == w @ x + b).all()
    system = standalone_system(k)
    proof = prove_tables(system, traces, pubs, FAST, debug_check=True, public_columns=public)
    verify_tables(proof, system, pubs, 0, public_columns=public)
    root = commit_public_columns(public[DATA], traces[DATA].shape[0], FAST.blowup)[0].root
    verify_tables(proof, system, pubs, 0, public_columns=public, trusted_roots=[None, None, root, None])
    # the CPU stand-in's claimed results are what the proof attests
    src = traces[SOURCE]
    claimed = [int(v) - gl.P if int(v) > gl.P // 2 else int(v) for v in src[src[:, 0] == 1][:, 5]]
    assert claimed == [int(v) for o in outs for v in o]


def forged(k, lie, match=None):
    """Apply ``lie`` to honest traces; the prover's checks must refuse and the verifier must
    reject the forced proof."""
    system = standalone_system(k)
    traces, _, public, _, pubs = layer_traces(layers(k), k)
    lie(traces)
    with pytest.raises((ProverError, ConstraintViolation)):
        prove_tables(system, [t.copy() for t in traces], pubs, FAST, debug_check=True, public_columns=public)
    proof = prove_tables(system, traces, pubs, FAST, check=False, public_columns=public)
    with pytest.raises(VerificationError, match=match):
        verify_tables(proof, system, pubs, 0, public_columns=public)


@pytest.mark.parametrize("k", [1, 4])
def test_a_wrong_result_claimed_by_the_cpu_is_rejected(k):
    def lie(t):
        t[SOURCE][0, 5] = (int(t[SOURCE][0, 5]) + 1) % gl.P
    forged(k, lie, "bus")


@pytest.mark.parametrize("k", [1, 4])
def test_a_wrong_result_in_both_cpu_and_dot_table_is_rejected(k):
    """The forger changes the claimed result and the dot table's out column of that segment:
    the bus balances, the last row's sum does not."""
    def lie(t):
        t[SOURCE][0, 5] = (int(t[SOURCE][0, 5]) + 1) % gl.P
        seg = t[DOT][:, 7] == t[DOT][0, 7]
        t[DOT][np.flatnonzero(seg)[: len(layers(k)[0][2]) // k], 7] = t[SOURCE][0, 5]
    forged(k, lie)


@pytest.mark.parametrize("k", [1, 4])
def test_an_activation_other_than_the_frozen_value_is_rejected(k):
    def lie(t):
        x0 = 10 + k
        t[DOT][0, x0] = (int(t[DOT][0, x0]) + 1) % gl.P
        # keep the arithmetic consistent: the segment's later accumulators and out follow
        w = int(t[DOT][0, 10])
        rows = len(layers(k)[0][2]) // k
        for r in range(1, rows):
            t[DOT][r, 6] = (int(t[DOT][r, 6]) + w) % gl.P
        for r in range(rows):
            t[DOT][r, 7] = (int(t[DOT][r, 7]) + w) % gl.P
        t[SOURCE][0, 5] = (int(t[SOURCE][0, 5]) + w) % gl.P
    forged(k, lie, "bus")


@pytest.mark.parametrize("k", [1, 4])
def test_a_weight_other_than_the_programs_is_rejected(k):
    def lie(t):
        t[DOT][0, 10] = (int(t[DOT][0, 10]) + 1) % gl.P
    forged(k, lie)


def test_a_segment_shorter_than_the_mac_is_rejected():
    """The forger ends the first segment one row early (its last row's sum made to match):
    the MAC message says R rows, the segment counts fewer."""
    k = 2

    def lie(t):
        rows = len(layers(k)[0][2]) // k
        d = t[DOT]
        d[rows - 2, 2] = 1  # last one row early
        d[rows - 1, 1] = 1  # the dropped row starts a new segment...
    forged(k, lie)


def test_a_proof_over_other_weights_is_rejected_with_and_without_a_key():
    """The forger proves with weights of its choice (committed honestly as its own program
    columns); the verifier holds the real program's weights, or only their root."""
    k = 2
    system = standalone_system(k)
    real = layers(k)
    fake = [(w.copy(), b, x) for w, b, x in real]
    fake[0][0][0, 0] += 1
    traces, _, fake_public, _, pubs = layer_traces(fake, k)
    real_public = layer_traces(real, k)[2]
    proof = prove_tables(system, traces, pubs, FAST, public_columns=fake_public)
    verify_tables(proof, system, pubs, 0, public_columns=fake_public)
    with pytest.raises(VerificationError):  # (the columns' digest is bound: every challenge differs)
        verify_tables(proof, system, pubs, 0, public_columns=real_public)
    root = commit_public_columns(real_public[DATA], traces[DATA].shape[0], FAST.blowup)[0].root
    with pytest.raises(VerificationError, match="verifying key"):
        verify_tables(proof, system, pubs, 0, public_columns=real_public, trusted_roots=[None, None, root, None])
    # a forger claiming the real root for its own columns: the openings do not match it
    from dataclasses import replace

    t = proof.tables[DATA]
    lying = replace(proof, tables=(*proof.tables[:DATA], replace(t, fixed_root=root), *proof.tables[DATA + 1:]))
    with pytest.raises(VerificationError):
        verify_tables(lying, system, pubs, 0, public_columns=real_public, trusted_roots=[None, None, root, None])


def _guessed_sum(source: np.ndarray, c0: Ext2, c1: Ext2) -> Ext2:
    """What the CPU stand-in's claimed bus sum is if its rows are these: one fraction
    1 / (c0 - fp(message)) per mac it sends."""
    from zkvm.air.buses import MAC

    total = Ext2(0)
    for row in source[source[:, 0] == 1]:
        fp = Ext2(0)
        for v in reversed([int(x) for x in row[1:8]]):
            fp = (fp + v) * c1
        total = total + (c0 - (fp + MAC.bus_id)).inverse()
    return total


@pytest.mark.parametrize("zk", [False, True])
def test_claimed_bus_sums_reveal_the_private_tuples_only_without_zero_knowledge(zk):
    """An observer who knows the bus challenges (anyone: they come from the transcript) can
    test a guess of a table's private tuples against its claimed sum. Without zero knowledge
    the guess of the true input is confirmed and a wrong guess refuted; with it the masked sum
    matches neither."""
    from zkvm.stark.multi_verifier import bus_challenges

    k = 2
    system = standalone_system(k)
    real, other = layers(k, seed=0), layers(k, seed=1)
    traces, _, public, _, pubs = layer_traces(real, k)
    guess_true, guess_false = traces[SOURCE].copy(), layer_traces(other, k)[0][SOURCE]
    options = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=zk)
    if zk:  # tables of at least 256 rows, as zero knowledge needs
        traces, _, public, _, pubs = layer_traces(real, k, min_rows=256)
        guess_true = traces[SOURCE].copy()
    proof = prove_tables(system, traces, pubs, options, public_columns=public, zk_seed=bytes(32) if zk else None)
    verify_tables(proof, system, pubs, 0, public_columns=public)
    c0, c1 = bus_challenges(proof, system, pubs, public_columns=public)
    claimed = Ext2(*proof.tables[SOURCE].claimed_sums[0])
    if zk:
        assert claimed != _guessed_sum(guess_true, c0, c1)
        assert claimed != _guessed_sum(guess_false, c0, c1)
    else:
        assert claimed == _guessed_sum(guess_true, c0, c1)
        assert claimed != _guessed_sum(guess_false, c0, c1)


@pytest.mark.parametrize("k", [2, 8])
def test_tall_tables_split_into_pieces_prove_and_verify(k):
    """The dot and data tables as several power-of-two pieces (less padding): the same results,
    verified; each piece's data starts at its own address."""
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, 8 * k)
    w1, b1 = rng.integers(-128, 128, (37, 8 * k)), rng.integers(-99, 99, 37)
    traces, outs, public, system, pubs = layer_traces([(w1, b1, x)], k, split=True)
    assert (outs[0] == w1 @ x + b1).all()
    assert len(system.tables) > 5  # (at least one table came in pieces)
    proof = prove_tables(system, traces, pubs, FAST, debug_check=True, public_columns=public)
    verify_tables(proof, system, pubs, 0, public_columns=public)
    moved = [list(p) for p in pubs]
    i = next(i for i, p in enumerate(pubs) if p and p[0])
    moved[i] = [moved[i][0] + k]
    with pytest.raises(VerificationError):
        verify_tables(proof, system, moved, 0, public_columns=public)


def test_flipped_bytes_of_a_dot_table_proof_are_rejected_with_our_errors():
    """Every section of a proof with masks, committed program columns and several tables."""
    from zkvm.errors import ProofFormatError
    from zkvm.stark.multi_verifier import verify_tables_bytes

    k = 2
    traces, _, public, system, pubs = layer_traces(layers(k), k)
    data = bytearray(prove_tables(system, traces, pubs, FAST, public_columns=public).to_bytes())
    verify_tables_bytes(bytes(data), system, pubs, 0, public_columns=public)
    rng = np.random.default_rng(11)
    for pos in rng.choice(len(data), 150, replace=False):
        bad = bytearray(data)
        bad[pos] ^= 1 << int(rng.integers(8))
        with pytest.raises((VerificationError, ProofFormatError)):
            verify_tables_bytes(bytes(bad), system, pubs, 0, public_columns=public)


@pytest.mark.parametrize("k", [2, 8])
def test_tables_of_one_height_proven_as_one(k):
    """The pieces of equal height (dot and data pieces, the stand-ins of 2^12 rows) combined:
    fewer tables, the same results, verified; the parts' claimed sums all sent; lies in a part
    still caught."""
    rng = np.random.default_rng(4)
    x = rng.integers(0, 256, 8 * k)
    w1, b1 = rng.integers(-128, 128, (37, 8 * k)), rng.integers(-99, 99, 37)
    separate = layer_traces([(w1, b1, x)], k, split=True)
    traces, outs, public, system, pubs = layer_traces([(w1, b1, x)], k, split=True, combine=True)
    assert system.user_tables < separate[3].user_tables
    proof = prove_tables(system, traces, pubs, FAST, debug_check=True, public_columns=public)
    verify_tables(proof, system, pubs, 0, public_columns=public)
    # with verifying-key roots for the combined tables' committed program columns
    roots = [commit_public_columns(p, t.shape[0], FAST.blowup)[0].root if p is not None and p.committed_width else None
             for p, t in zip(public, traces)]
    assert any(r is not None for r in roots)
    verify_tables(proof, system, pubs, 0, public_columns=public, trusted_roots=roots)
    assert sum(len(t.claimed_sums) for t in proof.tables) == sum(
        system.bus_sums(i) for i in range(len(system.tables)))
    # a weight changed in a combined table's dot part: caught
    t0 = next(i for i, a in enumerate(system.tables) if "dot" in a.name and "data" in a.name)
    col = system.tables[t0].main_columns.index(f"dot{k}.w0")
    traces[t0][0, col] = (int(traces[t0][0, col]) + 1) % gl.P
    with pytest.raises((ProverError, ConstraintViolation)):
        prove_tables(system, [t.copy() for t in traces], pubs, FAST, debug_check=True, public_columns=public)
    forced = prove_tables(system, traces, pubs, FAST, check=False, public_columns=public)
    with pytest.raises(VerificationError):
        verify_tables(forced, system, pubs, 0, public_columns=public)


def test_combined_tables_with_zero_knowledge_mask_every_part():
    k = 2
    rng = np.random.default_rng(6)
    x = rng.integers(0, 256, 4 * k)
    w1, b1 = rng.integers(-128, 128, (300, 4 * k)), rng.integers(-99, 99, 300)
    traces, _, public, system, pubs = layer_traces([(w1, b1, x)], k, min_rows=256, split=True, combine=True)
    options = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=True)
    proof = prove_tables(system, traces, pubs, options, public_columns=public, zk_seed=bytes(32))
    verify_tables(proof, system, pubs, 0, public_columns=public)
    from zkvm.stark.tables import mask_pairs

    masks = sum(len(mask_pairs(t)) for t in system.tables[: system.user_tables])
    assert masks >= 4 and proof.tables[-1].trace_length >= 256
