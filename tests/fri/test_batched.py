"""Batched FRI over codewords of several sizes (one per table height of a multi-table proof).

Oracles: the codewords themselves (built from random coefficients and checked against direct
evaluation in test_fri.py); what the verifier returns for each codeword must be its values at
the queried positions, and a codeword of too high a degree must be rejected wherever it
enters.
"""

from __future__ import annotations

import pytest

from zkvm.crypto.transcript import Transcript
from zkvm.errors import FriError, ParameterError
from zkvm.fri import prover, verifier
from zkvm.fri.options import FriOptions
from zkvm.fri.proof import FriProof
from zkvm.fri.schedule import layer_sizes
from tests.fri.test_fri import codeword_of, random_coeffs
from tests.oracles import gf
from zkvm.field import goldilocks as gl


def _bitrev(x: int, bits: int) -> int:
    return int(format(x, f"0{bits}b")[::-1], 2) if bits else 0


def options(k: int = 8, final: int = 7) -> FriOptions:
    return FriOptions(blowup=8, num_queries=16, grinding_bits=0, folding_factor=k, final_degree=final, min_security_bits=0)


@pytest.mark.parametrize("k", [2, 4, 8, 16])
@pytest.mark.parametrize("sizes", [[2**12, 2**9], [2**13, 2**12, 2**7, 2**4], [2**10, 2**5], [2**11]])
def test_low_degree_codewords_verify_and_each_gets_its_own_values(k, sizes):
    opts = options(k)
    words = [codeword_of(random_coeffs(s // opts.blowup, s), s) for s in sizes]
    result = prover.prove_batched(words, opts, Transcript(b"t"))
    data = result.proof.to_bytes()
    from zkvm.codec import Reader

    r = Reader(data)
    proof = FriProof.decode_layers(r, opts, layer_sizes(sizes, opts))
    r.finish()
    got = verifier.verify_batched(proof, opts, Transcript(b"t"), sizes)
    for word, size, q in zip(words, sizes, got):
        shift = (sizes[0].bit_length() - size.bit_length())
        assert q.positions == [p >> shift for p in result.positions]
        assert q.values == [tuple(int(v) for v in word[p]) for p in q.positions]
        # each codeword's own domain GENERATOR * <w_size>, bit-reversed: galois computes the point
        w = gf()(gl.root_of_unity(size.bit_length() - 1))
        assert q.points == [int(gf()(gl.GENERATOR) * w ** _bitrev(p, size.bit_length() - 1)) for p in q.positions]


def test_every_input_domain_is_a_layer_and_folding_stops_at_the_last():
    opts = options(8, final=7)
    sizes = layer_sizes([2**20, 2**18, 2**11, 2**4], opts)
    for s in (2**20, 2**18, 2**11, 2**4):
        assert s in sizes
    assert all(a // b <= 8 for a, b in zip(sizes, sizes[1:]))
    assert sizes[-1] == 2**4
    with pytest.raises(ParameterError):
        layer_sizes([2**10, 2**10], opts)
    with pytest.raises(ParameterError):
        layer_sizes([2**10, 2**12], opts)


@pytest.mark.parametrize("bad", [0, 1, 2])
def test_a_high_degree_codeword_is_rejected_wherever_it_enters(bad):
    opts = options(4)
    sizes = [2**12, 2**10, 2**7]
    words = [codeword_of(random_coeffs(s // opts.blowup, s + 1), s) for s in sizes]
    words[bad] = codeword_of(random_coeffs(sizes[bad] // opts.blowup * 2, 99), sizes[bad])
    with pytest.raises(prover.DegreeTooHigh):
        prover.prove_batched(words, opts, Transcript(b"t"))
    result = prover.prove_batched(words, opts, Transcript(b"t"), check_degree=False)
    try:
        got = verifier.verify_batched(result.proof, opts, Transcript(b"t"), sizes)
    except FriError:
        return
    # FRI alone accepted: then the values it implies must differ from some codeword's own,
    # which the caller's check (the DEEP values, in a STARK) catches
    if any(q.values != [tuple(int(v) for v in w[p]) for p in q.positions] for w, q in zip(words, got)):
        return
    pytest.fail("a codeword of too high a degree passed the batched FRI")


def test_sizes_the_proof_was_not_made_for_are_rejected():
    opts = options(8)
    sizes = [2**12, 2**9]
    words = [codeword_of(random_coeffs(s // opts.blowup, s), s) for s in sizes]
    result = prover.prove_batched(words, opts, Transcript(b"t"))
    for other in ([2**12], [2**12, 2**8], [2**13, 2**9], [2**9, 2**12]):
        with pytest.raises(FriError):
            verifier.verify_batched(result.proof, opts, Transcript(b"t"), other)
