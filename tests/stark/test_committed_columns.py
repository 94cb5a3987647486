"""Committed public columns: the prover commits to some public columns (a large program's code
and constants) and the verifier either trusts a root or computes their values and compares.

Oracles: the root is rebuilt from the columns with galois (interpolation) and the blake3
package (leaves and parents); attacks play a prover that commits to one set of columns and
argues about another."""

from __future__ import annotations

import dataclasses

import blake3
import numpy as np
import pytest

from tests.oracles import P, galois_intt
from tests.stark.test_stark import _pubcol_air, _pubcol_case
from zkvm.crypto.merkle_verify import LEAF_KEY, NODE_KEY
from zkvm.errors import DeepMismatch, MerkleError, OodMismatch, StatementMismatch, VerificationError
from zkvm.field import goldilocks as gl
from zkvm.fri.options import FriOptions
from zkvm.stark import prover, table_prover, verifier
from zkvm.stark.proof import Opening, StarkProof
from zkvm.stark.public_columns import PublicColumns

N = 64
OPTIONS = FriOptions(zk=False)


def _split(cols: PublicColumns) -> PublicColumns:
    """The demo's two columns as parts: the weights committed, the selector computed."""
    w = PublicColumns((cols.rows[0],), (cols.values[0],))
    sel = PublicColumns((cols.rows[1],), (cols.values[1],))
    return PublicColumns.combine(2, ((w, (0,), True), (sel, (1,), False)))


@pytest.fixture(scope="module")
def case():
    trace, flat = _pubcol_case(N)
    cols = _split(flat)
    proof = prover.prove(_pubcol_air(), trace, [], OPTIONS, public_columns=cols, statement=b"demo")
    return trace, cols, proof


def _reference_root(column: np.ndarray, blowup: int) -> bytes:
    """The Merkle root of the column's low-degree extension, from scratch: coefficients by
    galois, values at the bit-reversed coset points shift * w^bitrev(i), leaves and parents
    with the blake3 package."""
    coeffs = galois_intt([int(v) for v in column])
    big = len(column) * blowup
    bits = big.bit_length() - 1
    w = gl.root_of_unity(bits)
    level = []
    for i in range(big):
        x = gl.GENERATOR * pow(w, int(format(i, f"0{bits}b")[::-1], 2), P) % P
        acc = 0
        for c in reversed(coeffs):
            acc = (acc * x + c) % P
        level.append(blake3.blake3(acc.to_bytes(8, "little"), key=LEAF_KEY).digest())
    while len(level) > 1:
        level = [blake3.blake3(level[i] + level[i + 1], key=NODE_KEY).digest() for i in range(0, len(level), 2)]
    return level[0]


def test_root_is_the_columns_low_degree_extension(case):
    trace, cols, proof = case
    assert proof.fixed_root == _reference_root(cols.committed_dense(N)[:, 0], OPTIONS.blowup)
    tree, _ = prover.commit_public_columns(cols, N, OPTIONS.blowup)
    assert tree.root == proof.fixed_root


def test_honest_proof_verifies_with_and_without_a_trusted_root(case):
    _, cols, proof = case
    air = _pubcol_air()
    data = proof.to_bytes()
    verifier.verify_bytes(data, air, [], public_columns=cols, statement=b"demo")
    verifier.verify_bytes(data, air, [], public_columns=cols, statement=b"demo", trusted_root=proof.fixed_root)
    assert StarkProof.from_bytes(data) == proof


def test_zero_knowledge_proof_with_committed_columns():
    n = 1024
    trace, flat = _pubcol_case(n, seed=4)
    cols = _split(flat)
    options = FriOptions(zk=True)
    air = _pubcol_air()
    proof = prover.prove(air, trace, [], options, public_columns=cols, statement=b"zk", zk_seed=bytes(32))
    tree, _ = prover.commit_public_columns(cols, n, options.blowup)
    assert proof.fixed_root == tree.root  # public columns carry no salt or randomizer
    verifier.verify(proof, air, [], public_columns=cols, statement=b"zk")
    verifier.verify(proof, air, [], public_columns=cols, statement=b"zk", trusted_root=tree.root)


def test_root_from_another_key_is_rejected(case):
    _, cols, proof = case
    with pytest.raises(StatementMismatch):
        verifier.verify(proof, _pubcol_air(), [], public_columns=cols, statement=b"demo", trusted_root=bytes(32))


def test_tampered_root_is_rejected(case):
    _, cols, proof = case
    bad = dataclasses.replace(proof, fixed_root=bytes([proof.fixed_root[0] ^ 1]) + proof.fixed_root[1:])
    with pytest.raises(VerificationError):
        verifier.verify(bad, _pubcol_air(), [], public_columns=cols, statement=b"demo")
    with pytest.raises(StatementMismatch):
        verifier.verify(bad, _pubcol_air(), [], public_columns=cols, statement=b"demo", trusted_root=proof.fixed_root)


@pytest.mark.parametrize("trusted", [False, True])
def test_tampered_value_at_z_is_rejected(case, trusted):
    _, cols, proof = case
    (c0, c1), = proof.ood_fixed
    bad = dataclasses.replace(proof, ood_fixed=(((c0 + 1) % P, c1),))
    root = proof.fixed_root if trusted else None
    with pytest.raises(OodMismatch if not trusted else VerificationError):
        verifier.verify(bad, _pubcol_air(), [], public_columns=cols, statement=b"demo", trusted_root=root)


def test_tampered_opening_is_rejected(case):
    _, cols, proof = case
    rows = list(proof.fixed_opening.rows)
    rows[0] = ((rows[0][0] + 1) % P,)
    bad = dataclasses.replace(proof, fixed_opening=Opening(tuple(rows), proof.fixed_opening.nodes))
    with pytest.raises(MerkleError):
        verifier.verify(bad, _pubcol_air(), [], public_columns=cols, statement=b"demo", trusted_root=proof.fixed_root)


def test_commitment_must_match_the_statement(case):
    """A proof that computes every column is no proof for a statement that commits some, and
    the other way round."""
    trace, cols, proof = case
    air = _pubcol_air()
    _, flat = _pubcol_case(N)
    plain = prover.prove(air, trace, [], OPTIONS, public_columns=flat, statement=b"demo")
    assert plain.fixed_root is None and plain.fixed_opening is None
    verifier.verify(plain, air, [], public_columns=flat, statement=b"demo")
    with pytest.raises(StatementMismatch):
        verifier.verify(plain, air, [], public_columns=cols, statement=b"demo")
    with pytest.raises(StatementMismatch):
        verifier.verify(proof, air, [], public_columns=flat, statement=b"demo")


def _other_weights(cols: PublicColumns) -> tuple[PublicColumns, np.ndarray]:
    """The same statement shape with one weight changed, and a trace satisfying it."""
    trace, _ = _pubcol_case(N)
    w = cols.dense(N)[:, 0].copy()
    sel = cols.dense(N)[:, 1]
    w[2] = (int(w[2]) + 5) % P
    acc = np.zeros(N, dtype=np.uint64)
    for i in range(N - 1):
        acc[i + 1] = (int(acc[i]) + int(w[i]) * int(trace[i, 0])) % P
    other = _split(PublicColumns.from_dense([w, sel]))
    return other, np.stack([trace[:, 0], acc], axis=1)


@pytest.mark.parametrize("trusted", [False, True])
@pytest.mark.parametrize("opens", ["committed rows", "its own rows"])
def test_lying_prover_committing_the_true_columns_is_rejected(case, monkeypatch, trusted, opens):
    """The prover commits to the true weights (so the root matches the key) but argues about
    other weights everywhere else, with a trace valid for those: the transcript matches the
    verifier's and the out-of-domain check passes on the sent values. Opening the committed
    rows, the DEEP check at the queries must catch that the sent values at z are not the
    committed polynomial's; opening its own rows, the Merkle check must."""
    _, cols, proof = case
    other, trace = _other_weights(cols)
    object.__setattr__(other, "_digest", [cols.digest()])  # claim the true statement
    real_commit, real_open = table_prover.commit_public_columns, table_prover._open
    true_tree, true_coeffs = real_commit(cols, N, OPTIONS.blowup)

    def lying_commit(columns, n, blowup, report=None):
        return true_tree, real_commit(columns, n, blowup, report)[1]

    def lying_open(tree, coeffs, *args, **kwargs):
        honest_rows = tree is true_tree and opens == "committed rows"
        return real_open(tree, true_coeffs if honest_rows else coeffs, *args, **kwargs)

    monkeypatch.setattr(table_prover, "commit_public_columns", lying_commit)
    monkeypatch.setattr(table_prover, "_open", lying_open)
    lie = prover.prove(_pubcol_air(), trace, [], OPTIONS, public_columns=other, statement=b"demo", check=False)
    assert lie.fixed_root == proof.fixed_root
    if not trusted:
        expected = OodMismatch  # the verifier computes the true values at z itself
    else:
        expected = DeepMismatch if opens == "committed rows" else MerkleError
    with pytest.raises(expected):
        verifier.verify(lie, _pubcol_air(), [], public_columns=cols, statement=b"demo",
                        trusted_root=proof.fixed_root if trusted else None)


def test_lying_prover_committing_other_columns_is_rejected(case):
    """Committing to other weights consistently: the root differs from the key's, and without a
    key the values at z differ from the true columns'."""
    _, cols, proof = case
    other, trace = _other_weights(cols)
    object.__setattr__(other, "_digest", [cols.digest()])
    lie = prover.prove(_pubcol_air(), trace, [], OPTIONS, public_columns=other, statement=b"demo", check=False)
    with pytest.raises(StatementMismatch):
        verifier.verify(lie, _pubcol_air(), [], public_columns=cols, statement=b"demo", trusted_root=proof.fixed_root)
    with pytest.raises(OodMismatch):
        verifier.verify(lie, _pubcol_air(), [], public_columns=cols, statement=b"demo")


def test_every_committed_section_tampered_is_rejected(case):
    _, cols, proof = case
    data = bytearray(proof.to_bytes())
    sections = proof.sections()
    start = 0
    for name, part in sections:
        if name in ("commitments", "out-of-domain values", "query openings"):
            for offset in range(0, len(part), max(1, len(part) // 7)):
                bad = bytearray(data)
                bad[start + offset] ^= 0x10
                with pytest.raises(VerificationError):
                    verifier.verify_bytes(bytes(bad), _pubcol_air(), [], public_columns=cols, statement=b"demo",
                                          trusted_root=proof.fixed_root)
        start += len(part)
