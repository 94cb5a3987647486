"""FRI accepts low-degree codewords and rejects everything else, with our own error types."""

from __future__ import annotations

import math

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.codec import Reader
from zkvm.crypto.transcript import Transcript
from zkvm.errors import FriError, MerkleError, ParameterError, PowError, ProofFormatError, VerificationError
from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.field.ext2 import Ext2
from tests.oracles import elements
from zkvm.fri import prover, verifier
from zkvm.fri.options import FriOptions
from zkvm.fri.proof import FriProof
from zkvm.field.poly import evaluate

P = gl.P
FAST = dict(num_queries=20, grinding_bits=4, min_security_bits=0)


def codeword_of(coeffs: np.ndarray, domain_size: int, shift: int = gl.GENERATOR) -> np.ndarray:
    """Evaluate (c, 2) extension coefficients on shift*<w_N> in bit-reversed order."""
    padded = np.zeros((domain_size, 2), dtype=np.uint64)
    padded[: coeffs.shape[0]] = coeffs
    return ntt.lde_from_coefficients(padded, 1, shift)


def random_coeffs(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, P, (count, 2), dtype=np.uint64)


def prove_and_verify(codeword, degree_bound, options, check_degree=True, context=b"ctx", verify_context=b"ctx"):
    tp = Transcript(context)
    result = prover.prove(codeword, degree_bound, options, tp, check_degree=check_degree)
    tv = Transcript(verify_context)
    return result, verifier.verify(result.proof, options, tv, codeword.shape[0], degree_bound)


def test_codeword_helper_matches_direct_evaluation():
    coeffs = random_coeffs(4, 1)
    cw = codeword_of(coeffs, 16)
    perm = ntt.bitrev_permutation(4)
    w = gl.root_of_unity(4)
    poly = [Ext2(int(a), int(b)) for a, b in coeffs]
    for s in range(16):
        x = gl.GENERATOR * pow(w, int(perm[s]), P) % P
        assert evaluate(poly, x).to_pair() == tuple(int(v) for v in cw[s])


@given(
    log_d=st.integers(0, 10),
    folding=st.sampled_from([2, 4, 8, 16]),
    blowup=st.sampled_from([2, 4, 8]),
    final=st.sampled_from([0, 1, 3, 7, 15]),
    seed=st.integers(0, 2**32),
)
def test_accepts_low_degree(log_d, folding, blowup, final, seed):
    d = 1 << log_d
    options = FriOptions(blowup=blowup, folding_factor=folding, final_degree=final, **FAST)
    cw = codeword_of(random_coeffs(d, seed), d * blowup)
    result, queries = prove_and_verify(cw, d, options)
    assert queries.positions == result.positions
    # layer-0 values reported to the caller are the codeword's values at the positions
    assert queries.values == [tuple(int(v) for v in cw[p]) for p in result.positions]
    # the proof survives its own encoding
    data = result.proof.to_bytes()
    assert FriProof.from_bytes(data, options, d * blowup, d) == result.proof


@pytest.mark.parametrize("folding", [2, 4, 8])
def test_rejects_degree_just_above_bound(folding):
    d = 256
    options = FriOptions(blowup=4, folding_factor=folding, final_degree=3, **FAST)
    cw = codeword_of(random_coeffs(d + 1, 5), d * 4)
    with pytest.raises(prover.DegreeTooHigh):
        prover.prove(cw, d, options, Transcript(b"ctx"))
    with pytest.raises(FriError) as info:
        prove_and_verify(cw, d, options, check_degree=False)
    assert "final polynomial" in str(info.value) or "layer" in str(info.value)


def test_rejects_random_word():
    options = FriOptions(blowup=8, folding_factor=4, final_degree=7, **FAST)
    rng = np.random.default_rng(3)
    cw = rng.integers(0, P, (4096, 2), dtype=np.uint64)
    with pytest.raises(FriError):
        prove_and_verify(cw, 512, options, check_degree=False)


@pytest.fixture(scope="module")
def valid():
    options = FriOptions(blowup=4, folding_factor=4, final_degree=3, num_queries=24, grinding_bits=0, min_security_bits=0)
    d = 1024
    cw = codeword_of(random_coeffs(d, 9), d * 4)
    result = prover.prove(cw, d, options, Transcript(b"ctx"))
    return options, d, cw, result.proof


def _verify(proof, options, d, context=b"ctx"):
    return verifier.verify(proof, options, Transcript(context), d * options.blowup, d)


def test_valid_fixture_verifies(valid):
    options, d, _, proof = valid
    _verify(proof, options, d)


def _replace_leaf(proof, layer, leaf, slot, delta=1):
    layers = list(proof.layers)
    leaves = [list(v) for v in layers[layer].leaves]
    leaves[leaf][slot] = (leaves[leaf][slot] + delta) % P
    layers[layer] = dataclasses.replace(layers[layer], leaves=tuple(tuple(v) for v in leaves))
    return dataclasses.replace(proof, layers=tuple(layers))


@pytest.mark.parametrize("layer", [0, 1, 2, -1])
def test_rejects_tampered_layer_value(valid, layer):
    options, d, _, proof = valid
    bad = _replace_leaf(proof, layer % len(proof.layers), 0, 1)
    with pytest.raises(MerkleError) as info:
        _verify(bad, options, d)
    assert "fri layer" in str(info.value)


@pytest.mark.parametrize("layer", [0, 1, -1])
def test_rejects_tampered_merkle_path(valid, layer):
    options, d, _, proof = valid
    layers = list(proof.layers)
    li = layer % len(layers)
    nodes = list(layers[li].nodes)
    nodes[len(nodes) // 2] = bytes([nodes[len(nodes) // 2][0] ^ 1]) + nodes[len(nodes) // 2][1:]
    layers[li] = dataclasses.replace(layers[li], nodes=tuple(nodes))
    with pytest.raises(MerkleError):
        _verify(dataclasses.replace(proof, layers=tuple(layers)), options, d)


def test_rejects_tampered_root(valid):
    options, d, _, proof = valid
    roots = list(proof.layer_roots)
    roots[1] = bytes(32)
    with pytest.raises(VerificationError):
        _verify(dataclasses.replace(proof, layer_roots=tuple(roots)), options, d)


def test_rejects_tampered_final_polynomial(valid):
    options, d, _, proof = valid
    coeffs = list(proof.final_coeffs)
    coeffs[0] = ((coeffs[0][0] + 1) % P, coeffs[0][1])
    with pytest.raises(FriError) as info:
        _verify(dataclasses.replace(proof, final_coeffs=tuple(coeffs)), options, d)
    assert "final" in str(info.value) or "layer" in str(info.value)


def test_rejects_replay_under_another_context(valid):
    """The same proof bound to another statement (transcript) no longer verifies."""
    options, d, _, proof = valid
    with pytest.raises(FriError):
        _verify(proof, options, d, context=b"another commitment")


def test_rejects_proof_for_another_commitment():
    """A caller binding the committed codeword's root first cannot be fooled by a proof made
    for a different codeword."""
    options = FriOptions(blowup=4, folding_factor=2, final_degree=1, **FAST)
    d = 128
    a = codeword_of(random_coeffs(d, 1), d * 4)
    b = codeword_of(random_coeffs(d, 2), d * 4)
    proof_a = prover.prove(a, d, options, Transcript(b"ctx")).proof
    proof_b = prover.prove(b, d, options, Transcript(b"ctx")).proof
    # splice a's layer-0 root into b's proof: the openings no longer match
    spliced = dataclasses.replace(proof_b, layer_roots=(proof_a.layer_roots[0],) + proof_b.layer_roots[1:])
    with pytest.raises(VerificationError):
        _verify(spliced, options, d)


def test_rejects_bad_proof_of_work():
    options = FriOptions(blowup=8, folding_factor=4, final_degree=7, num_queries=27, grinding_bits=20)
    d = 64
    cw = codeword_of(random_coeffs(d, 4), d * 8)
    proof = prover.prove(cw, d, options, Transcript(b"ctx")).proof
    _verify(proof, options, d)
    with pytest.raises(PowError):
        _verify(dataclasses.replace(proof, pow_nonce=(proof.pow_nonce + 1) % 2**64), options, d)


def test_shape_errors(valid):
    options, d, _, proof = valid
    with pytest.raises(FriError):
        _verify(dataclasses.replace(proof, final_coeffs=proof.final_coeffs[:-1]), options, d)
    with pytest.raises(FriError):
        _verify(dataclasses.replace(proof, layers=proof.layers[:-1]), options, d)
    with pytest.raises(FriError):
        verifier.verify(proof, options, Transcript(b"ctx"), d * 8, d)


@given(st.binary(max_size=2000))
def test_random_bytes_raise_format_error(data):
    options = FriOptions(blowup=4, folding_factor=4, final_degree=3, num_queries=24, grinding_bits=0, min_security_bits=0)
    try:
        proof = FriProof.from_bytes(data, options, 4096, 1024)
    except ProofFormatError:
        return
    with pytest.raises(VerificationError):
        verifier.verify(proof, options, Transcript(b"ctx"), 4096, 1024)


def test_truncated_and_extended_bytes(valid):
    options, d, _, proof = valid
    data = proof.to_bytes()
    for cut in [0, 1, 7, len(data) // 3, len(data) - 1]:
        with pytest.raises(ProofFormatError):
            FriProof.from_bytes(data[:cut], options, d * 4, d)
    with pytest.raises(ProofFormatError):
        FriProof.from_bytes(data + b"\0", options, d * 4, d)


def test_decoder_refuses_huge_counts_without_allocating(valid):
    options, d, _, proof = valid
    data = bytearray(proof.to_bytes())
    # the first layer's leaf count sits after the layer count and the roots
    offset = 4 + 32 * len(proof.layer_roots)
    data[offset : offset + 4] = (2**32 - 1).to_bytes(4, "little")
    with pytest.raises(ProofFormatError) as info:
        FriProof.from_bytes(bytes(data), options, d * 4, d)
    assert "count" in str(info.value)


# --- options -------------------------------------------------------------------------------
def test_security_formula():
    o = FriOptions(blowup=8, num_queries=27, grinding_bits=20, zk=False)
    assert o.query_security_bits() == 81 + 20
    assert o.security_bits(1 << 23) == 100
    # with zk the committed polynomials have n + 2q + 8 coefficients: each query is worth
    # log2(8n / (n + 2q + 8)) bits, rounded down in total
    z = FriOptions(blowup=8, num_queries=28, grinding_bits=20)
    assert z.zk_randomness == 64
    assert z.security_bits(8 * 2048) == int(28 * math.log2(8 * 2048 / (2048 + 64))) + 20 - 1 == 101
    assert z.security_bits(8 << 20) == 83 + 20 - 1  # 27.99.. bits rounded down
    # the extension field caps security for huge domains
    assert o.security_bits(1 << 30) == 128 - 30 - 1
    # grinding does not count below 80 query bits
    weak = FriOptions(blowup=2, num_queries=40, grinding_bits=20, min_security_bits=0)
    assert weak.query_security_bits() == 40


@pytest.mark.parametrize(
    "field,value",
    [("blowup", 3), ("blowup", 1), ("num_queries", 0), ("grinding_bits", 33), ("folding_factor", 3), ("final_degree", 4), ("num_queries", 10)],
)
def test_invalid_options_name_the_field(field, value):
    with pytest.raises(ParameterError) as info:
        FriOptions(**{field: value})
    assert info.value.parameter == field or (field == "num_queries" and info.value.parameter == "num_queries")


def test_options_below_minimum_are_refused():
    with pytest.raises(ParameterError) as info:
        FriOptions(num_queries=20, grinding_bits=0)
    assert "below the minimum" in str(info.value)


@given(st.integers(8, 26), st.booleans(), st.sampled_from([None, 2, 4, 16]))
def test_default_options_take_the_fewest_queries_that_reach_the_minimum(log_rows, zk, blowup):
    """for_trace: blowup 8 for short traces and 4 from LARGE_TRACE_ROWS (unless fixed); the
    security level is reached, and one query fewer would not reach it."""
    from zkvm.fri.options import DEFAULT_MIN_SECURITY_BITS, LARGE_TRACE_ROWS

    rows = 1 << log_rows
    try:
        o = FriOptions.for_trace(rows, zk=zk, blowup=blowup)
    except ParameterError:  # only when no query count can reach the minimum (tiny zk traces)
        for q in (1, 64, 128, 255):
            trial = FriOptions(blowup=blowup or 8, num_queries=q, zk=zk, min_security_bits=0)
            assert trial.security_bits(rows * trial.blowup) < DEFAULT_MIN_SECURITY_BITS
        return
    assert o.blowup == (blowup or (4 if rows >= LARGE_TRACE_ROWS else 8))
    assert o.zk == zk
    assert o.security_bits(rows * o.blowup) >= DEFAULT_MIN_SECURITY_BITS
    fewer = FriOptions(blowup=o.blowup, num_queries=o.num_queries - 1, zk=zk, min_security_bits=0)
    assert fewer.security_bits(rows * o.blowup) < DEFAULT_MIN_SECURITY_BITS


@given(st.integers(3, 20), st.tuples(elements, elements), st.lists(elements, min_size=16, max_size=16),
       st.integers(1, P - 1))
def test_written_out_fold_of_eight_equals_the_loop(log_size, beta, values, base_inv):
    """The verifier's unrolled k = 8 fold equals its general folding loop (itself checked
    against the prover's folding by every FRI proof in this file)."""
    from zkvm.fri.verifier import _LayerFolder

    folder = _LayerFolder(8, Ext2(*beta))
    assert folder._fold8(tuple(values), base_inv) == folder._fold_any(tuple(values), base_inv)
