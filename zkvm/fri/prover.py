"""FRI prover: commit to successive foldings of a codeword, then answer the queries.

Protocol, mirrored step for step by :mod:`zkvm.fri.verifier`:

1. For each layer i (starting with the input codeword): commit to the codeword with a Merkle
   tree whose leaf t holds the ``folding_factor`` values at rows k*t .. k*t+k-1 (one folding
   coset, thanks to the bit-reversed order); absorb the root; draw beta_i; fold.
2. Send the last folded polynomial as coefficients (absorbed).
3. Grind a proof-of-work nonce on the transcript (absorbed).
4. Draw ``num_queries`` positions in the layer-0 domain; for each layer open the leaves that
   hold the queried positions (position p of layer i lies in leaf p >> log2(k), and the folded
   value lands at position p >> log2(k) of layer i + 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zkvm.crypto.merkle import MerkleTree
from zkvm.crypto.pow import grind
from zkvm.crypto.transcript import Transcript
from zkvm.errors import ParameterError, ZkvmError
from zkvm.field import arrays as fa
from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.field.ext2 import Ext2
from zkvm.fri.folding import fold
from zkvm.fri.options import FriOptions
from zkvm.fri.proof import FriLayerProof, FriProof
from zkvm.fri.schedule import folding_factors, layer_sizes


class DegreeTooHigh(ZkvmError):
    """The prover was given a codeword that is not of the declared degree (a prover bug)."""


@dataclass
class FriProverResult:
    proof: FriProof
    positions: list[int]


def final_coefficients(codeword: np.ndarray, shift: int) -> list[tuple[int, int]]:
    """Coefficients of the polynomial whose values on shift*<w_M> (bit-reversed) are given."""
    m = codeword.shape[0]
    coeffs = ntt.inverse_from_bitrev(np.ascontiguousarray(codeword).copy())
    s_inv = gl.inv(shift)
    out = []
    scale = 1
    for i in range(m):
        c0, c1 = int(coeffs[i, 0]), int(coeffs[i, 1])
        out.append((c0 * scale % gl.P, c1 * scale % gl.P))
        scale = scale * s_inv % gl.P
    return out


def prove(
    codeword: np.ndarray,
    degree_bound: int,
    options: FriOptions,
    transcript: Transcript,
    shift: int = gl.GENERATOR,
    check_degree: bool = True,
) -> FriProverResult:
    """Prove that ``codeword`` ((N, 2) extension values on shift*<w_N>, bit-reversed) is close
    to a polynomial with at most ``degree_bound`` coefficients.

    ``check_degree=False`` lets tests play a lying prover: the final polynomial is then simply
    truncated to the allowed size, and the verifier must reject.
    """
    codeword = np.ascontiguousarray(codeword, dtype=np.uint64)
    n = codeword.shape[0]
    if codeword.ndim != 2 or codeword.shape[1] != 2:
        raise ParameterError("codeword", "expected an (N, 2) extension-field array")
    if n & (n - 1) or n < 1:
        raise ParameterError("codeword", f"length must be a power of two, got {n}")
    if degree_bound < 1 or degree_bound & (degree_bound - 1) or degree_bound * options.blowup != n:
        raise ParameterError("degree_bound", f"must be a power of two with degree_bound * blowup = {n}")
    return prove_batched([codeword], options, transcript, shift, check_degree)


def prove_batched(
    codewords: Sequence[np.ndarray],
    options: FriOptions,
    transcript: Transcript,
    shift: int = gl.GENERATOR,
    check_degree: bool = True,
) -> FriProverResult:
    """Prove that each codeword ((N_j, 2) extension values on shift*<w_N_j>, bit-reversed, the
    N_j distinct and descending) is close to a polynomial of degree < N_j / blowup, in one
    proof (see :mod:`zkvm.fri.schedule`). The query positions are in the largest domain."""
    words = [np.ascontiguousarray(c, dtype=np.uint64) for c in codewords]
    for c in words:
        if c.ndim != 2 or c.shape[1] != 2:
            raise ParameterError("codeword", "expected (N, 2) extension-field arrays")
    sizes = layer_sizes([c.shape[0] for c in words], options)
    factors = folding_factors(sizes)
    entering = {c.shape[0]: c for c in words[1:]}

    trees: list[tuple[MerkleTree, np.ndarray]] = []
    current = words[0]
    s = shift % gl.P
    for f, size in zip(factors, sizes[1:]):
        leaves = current.reshape(current.shape[0] // f, 2 * f)
        tree = MerkleTree(leaves)
        trees.append((tree, leaves))
        transcript.absorb_digest(b"fri layer root", tree.root)
        beta = transcript.challenge_ext(b"fri beta")
        current = fold(current, beta.to_pair(), s, f)
        s = pow(s, f, gl.P)
        if size in entering:  # layer += beta^f * input (fold gave sum_t beta^t f_t, t < f)
            current = _add_scaled(current, entering[size], beta ** f)

    coeffs = final_coefficients(current, s)
    final_count = sizes[-1] // options.blowup
    if check_degree and any(c != (0, 0) for c in coeffs[final_count:]):
        raise DegreeTooHigh(
            f"the folded polynomial has degree >= {final_count}: an input codeword is not of its declared degree"
        )
    final = coeffs[:final_count]
    transcript.absorb_ext(b"fri final", [Ext2(c0, c1) for c0, c1 in final])

    seed = transcript.pow_seed()
    nonce = grind(seed, options.grinding_bits)
    transcript.absorb_int(b"pow nonce", nonce)
    positions = transcript.challenge_indices(b"fri queries", options.num_queries, sizes[0])

    layer_proofs = []
    pos = positions
    for (tree, leaves), f in zip(trees, factors):
        log_f = f.bit_length() - 1
        leaf_ids = sorted({p >> log_f for p in pos})
        rows = tuple(tuple(int(v) for v in leaves[i]) for i in leaf_ids)
        layer_proofs.append(FriLayerProof(rows, tuple(tree.open(leaf_ids))))
        pos = [p >> log_f for p in pos]

    proof = FriProof(
        layer_roots=tuple(t.root for t, _ in trees),
        layers=tuple(layer_proofs),
        final_coeffs=tuple(final),
        pow_nonce=nonce,
    )
    return FriProverResult(proof, positions)


def _add_scaled(values: np.ndarray, other: np.ndarray, c: Ext2) -> np.ndarray:
    """values + c * other for (M, 2) extension columns and an extension scalar c."""
    a0, a1 = other[:, 0], other[:, 1]
    prod0 = fa.add(fa.scale(a0, c.c0), fa.scale(a1, 7 * c.c1 % gl.P))
    prod1 = fa.add(fa.scale(a0, c.c1), fa.scale(a1, c.c0))
    return np.ascontiguousarray(np.stack([fa.add(values[:, 0], prod0), fa.add(values[:, 1], prod1)], axis=1))
