"""Poseidon2 over Goldilocks, width 12 (zkvm/crypto/poseidon2.py, poseidon2_kernels.py).

Oracles: the HorizenLabs reference implementation's known-answer test and round constants for
its Goldilocks t = 12 instance (github.com/HorizenLabs/poseidon2, commit 5ecbe7f,
plain_implementations/src/poseidon2/poseidon2.rs ``kats`` and poseidon2_instance_goldilocks.rs
``RC12``), and galois for the linear layers; the Numba sponge is checked against the Python one."""

from __future__ import annotations

import galois
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm.crypto import poseidon2 as p2
from zkvm.crypto.poseidon2_kernels import absorb_into, sponge

GF = galois.GF(p2.P)

KAT_INPUT = list(range(12))
KAT_OUTPUT = [
    0x12A0E34A20879EC7, 0xDFF531B65BCD2770, 0xACFDE64ACE0BB075, 0x0D9044B55D697E2C,
    0x3AFFFD14AEAAB03D, 0x49F51FC35517972A, 0x74DA7D0508892CC7, 0x04CDCA75B5646FE2,
    0xB110BCEA2FE730C1, 0x9558A7F7AF657D1E, 0x9751E0CB1EE16C17, 0xD2574BEE1659FEE7,
]
"""The reference implementation's permutation of (0, 1, ..., 11)."""

REFERENCE_ROUND_CONSTANTS = {  # (round, element): value, from the reference instance's RC12
    (28, 0): 0x0864AE3BA35AF1B9, (28, 11): 0xF2B8A970984ACF87,
    (29, 0): 0x8A3F96F9CA67752E, (29, 5): 0xFD7CB913022FB888, (29, 11): 0x679A9DFDCF0FCCB4,
    (10, 10): 0xCF6F77AC16722AFA, (10, 11): 0x3FD4C0D74672AEBD,
}

field_elements = st.integers(0, p2.P - 1)


def test_the_permutation_matches_the_reference_known_answer():
    assert p2.permute(KAT_INPUT) == KAT_OUTPUT


def test_the_grain_round_constants_match_the_reference_instance():
    rc = p2.round_constants()
    assert len(rc) == p2.FULL_ROUNDS + p2.PARTIAL_ROUNDS and all(len(r) == 12 for r in rc)
    for (r, i), v in REFERENCE_ROUND_CONSTANTS.items():
        assert rc[r][i] == v
    assert all(0 <= v < p2.P for r in rc for v in r)


def test_the_linear_layers_are_the_stated_matrices():
    m4 = GF(np.array(p2.M4))
    external = GF.Zeros((12, 12))
    for a in range(3):
        for b in range(3):
            external[4 * a : 4 * a + 4, 4 * b : 4 * b + 4] = m4 * GF(2) if a == b else m4
    internal = GF.Ones((12, 12)) + GF(np.diag(np.array(p2.INTERNAL_DIAG_MINUS_1, dtype=np.uint64)))
    rng = np.random.default_rng(1)
    for _ in range(5):
        v = [int(x) for x in rng.integers(0, p2.P, 12, dtype=np.uint64)]
        assert p2.external_layer(v) == [int(x) for x in external @ GF(v)]
        assert p2.internal_layer(v) == [int(x) for x in internal @ GF(v)]
    assert np.linalg.matrix_rank(internal) == 12 and np.linalg.matrix_rank(external) == 12


@settings(max_examples=20, deadline=None)
@given(st.lists(st.lists(field_elements, min_size=8, max_size=8), min_size=1, max_size=5))
def test_the_numba_sponge_equals_the_python_sponge(blocks):
    trace = np.zeros((len(blocks), 8 + 12 + 2 * (8 * 12 + 22)), dtype=np.uint64)
    final = absorb_into(trace, 0, np.array(blocks, dtype=np.uint64), p2.initial_state(len(blocks)), 0, 8, 20)
    assert final[: p2.DIGEST] == p2.sponge(blocks)
    assert sponge(np.array(blocks, dtype=np.uint64)) == p2.sponge(blocks)
    # the first row's witnesses: x^3 and x^7 of the first full round's inputs
    s = [(a + b) % p2.P for a, b in zip(p2.initial_state(len(blocks)), list(blocks[0]) + [0] * 4)]
    x = [(v + c) % p2.P for v, c in zip(p2.external_layer(s), p2.round_constants()[0])]
    assert [int(v) for v in trace[0, 20:44:2]] == [pow(v, 3, p2.P) for v in x]
    assert [int(v) for v in trace[0, 21:45:2]] == [pow(v, 7, p2.P) for v in x]


def test_the_sponge_separates_lengths_and_blocks():
    a = p2.sponge([[1] * 8])
    assert a != p2.sponge([[1] * 8, [0] * 8])  # a zero block appended: the length is in the capacity
    assert a != p2.sponge([[1] * 7 + [2]])
    assert len(a) == p2.DIGEST
