"""End-to-end STARK tests on the example AIRs: honest proofs verify; mutated traces, wrong
public inputs, tampered proof sections and malformed bytes are rejected."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm.errors import InsufficientMemory, InsufficientSecurity, ParameterError, StatementMismatch, VerificationError
from zkvm.field import goldilocks as gl
from zkvm.fri.options import FriOptions
from zkvm.stark import debug, prover, verifier
from zkvm.stark.examples import (
    fibonacci_air,
    fibonacci_trace,
    permutation_air,
    permutation_trace,
    range_check_air,
    range_check_trace,
    wide_air,
    wide_trace,
)
from zkvm.stark.proof import StarkProof

P = gl.P
OPTIONS = FriOptions()  # the default: 100 conjectured bits, zero-knowledge


def opts(air, trace) -> FriOptions:
    """The default options, with zk when the trace is long enough for the zk randomizers (from
    1024 rows: below, they would lower the code rate under 100 bits; the toy traces of 8 to
    128 rows are proved without zk)."""
    n = trace.shape[0]
    return FriOptions(zk=n >= 1024 and air.max_degree * OPTIONS.zk_randomness < n)


def _example(name: str, log_n: int):
    n = 1 << log_n
    if name == "fibonacci":
        trace, pub = fibonacci_trace(n, 1, 2)
        return fibonacci_air(), trace, pub
    if name == "range":
        bits = min(16, log_n)
        values = np.random.default_rng(log_n).integers(0, 1 << bits, n)
        return range_check_air(bits), range_check_trace(values, bits), []
    if name == "permutation":
        return permutation_air(), permutation_trace(n, log_n), []
    if name == "wide":
        trace, pub = wide_trace(n, 12)
        return wide_air(12), trace, pub
    raise KeyError(name)


EXAMPLES = ["fibonacci", "range", "permutation", "wide"]


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("log_n", [3, 6, 10])
def test_honest_proofs_verify(name, log_n):
    air, trace, pub = _example(name, log_n)
    proof = prover.prove(air, trace, pub, opts(air, trace), debug_check=True)
    assert proof.security_bits >= 100
    data = proof.to_bytes()
    decoded = StarkProof.from_bytes(data)
    assert decoded == proof
    verifier.verify(decoded, air, pub)


@pytest.mark.parametrize("name", ["fibonacci", "range", "permutation"])
def test_honest_proofs_verify_at_2_16(name):
    """2^16 rows; for the range check this is the full 16-bit table."""
    air, trace, pub = _example(name, 16)
    proof = prover.prove(air, trace, pub, opts(air, trace))
    verifier.verify_bytes(proof.to_bytes(), air, pub)


def _mutate(trace: np.ndarray, row: int, col: int) -> np.ndarray:
    bad = trace.copy()
    bad[row, col] = (int(bad[row, col]) + 1) % P
    return bad


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("seed,log_n", [(0, 6), (1, 6), (2, 10)])
def test_mutated_cell_is_caught_by_debugger_and_verifier(name, seed, log_n):
    air, trace, pub = _example(name, log_n)
    rng = np.random.default_rng(seed)
    row, col = int(rng.integers(0, trace.shape[0])), int(rng.integers(0, trace.shape[1]))
    if name == "range":
        # the table and multiplicity columns only matter on rows whose values they describe
        row, col = int(rng.integers(0, 64)), int(rng.integers(0, 3))
    bad = _mutate(trace, row, col)
    challenges = [(3, 5)] if air.num_challenges else []
    aux = air.build_aux(bad, challenges, pub) if air.aux_width else None
    failures = debug.check_constraints(air, bad, aux, challenges, pub)
    assert failures, f"mutation at row {row} col {col} not caught by the debugger"
    with pytest.raises((debug.ConstraintViolation, prover.ProverError)):
        prover.prove(air, bad, pub, opts(air, bad), debug_check=True)
    with pytest.raises(prover.ProverError):
        prover.prove(air, bad, pub, opts(air, bad))
    lying = prover.prove(air, bad, pub, opts(air, bad), check=False)
    with pytest.raises(VerificationError):
        verifier.verify(lying, air, pub)


def test_debugger_names_constraint_and_row():
    air, trace, pub = _example("fibonacci", 5)
    bad = _mutate(trace, 7, 1)
    with pytest.raises(debug.ConstraintViolation) as info:
        prover.prove(air, bad, pub, opts(air, bad), debug_check=True)
    msg = str(info.value)
    assert "b' = a' + b" in msg and "row 6" in msg


@pytest.mark.parametrize("name", ["fibonacci", "wide"])
def test_wrong_public_inputs_are_rejected(name):
    air, trace, pub = _example(name, 5)
    proof = prover.prove(air, trace, pub, opts(air, trace))
    wrong = list(pub)
    wrong[-1] = (wrong[-1] + 1) % P
    with pytest.raises(StatementMismatch):
        verifier.verify(proof, air, wrong)
    # a lying prover claiming the wrong output for the honest trace
    lying = prover.prove(air, trace, wrong, opts(air, trace), check=False)
    with pytest.raises(VerificationError):
        verifier.verify(lying, air, wrong)


def test_proof_for_another_air_is_rejected():
    air, trace, pub = _example("fibonacci", 5)
    proof = prover.prove(air, trace, pub, opts(air, trace))
    other, _, _ = _example("wide", 5)
    with pytest.raises(StatementMismatch):
        verifier.verify(proof, other, pub)


@pytest.fixture(scope="module")
def proofs():
    out = {}
    for name in ["fibonacci", "range"]:
        air, trace, pub = _example(name, 7)
        out[name] = (air, pub, prover.prove(air, trace, pub, opts(air, trace)))
    return out


@pytest.mark.parametrize("name", ["fibonacci", "range"])
def test_every_section_tampered_is_rejected(proofs, name):
    air, pub, proof = proofs[name]
    sections = proof.sections()
    offset = 0
    for section_name, blob in sections:
        positions = sorted({0, len(blob) // 3, len(blob) // 2, len(blob) - 1})
        for pos in positions:
            data = bytearray(proof.to_bytes())
            data[offset + pos] ^= 0x01
            with pytest.raises(VerificationError):
                verifier.verify_bytes(bytes(data), air, pub)
        offset += len(blob)


@settings(max_examples=30)
@given(st.data())
def test_random_byte_flips_are_rejected(proofs, data):
    air, pub, proof = proofs["fibonacci"]
    blob = bytearray(proof.to_bytes())
    pos = data.draw(st.integers(0, len(blob) - 1))
    bit = data.draw(st.integers(0, 7))
    blob[pos] ^= 1 << bit
    with pytest.raises(VerificationError):
        verifier.verify_bytes(bytes(blob), air, pub)


@given(st.binary(max_size=4000))
def test_random_bytes_raise_our_error(data):
    air = fibonacci_air()
    with pytest.raises(VerificationError):
        verifier.verify_bytes(data, air, [1, 2, 3])


def test_truncated_and_extended_proofs(proofs):
    air, pub, proof = proofs["fibonacci"]
    data = proof.to_bytes()
    for cut in [0, 8, 10, 50, len(data) // 2, len(data) - 1]:
        with pytest.raises(VerificationError):
            verifier.verify_bytes(data[:cut], air, pub)
    with pytest.raises(VerificationError):
        verifier.verify_bytes(data + b"\x00", air, pub)


def test_security_policy(proofs):
    air, pub, proof = proofs["fibonacci"]
    assert proof.security_bits == proof.options.security_bits(proof.lde_size) >= 100
    with pytest.raises(InsufficientSecurity):
        verifier.verify(proof, air, pub, min_security_bits=110)
    weak = FriOptions(num_queries=10, grinding_bits=0, min_security_bits=0, zk=False)
    air2, trace, pub2 = _example("fibonacci", 5)
    weak_proof = prover.prove(air2, trace, pub2, weak)
    verifier.verify(weak_proof, air2, pub2, min_security_bits=20)
    with pytest.raises(InsufficientSecurity):
        verifier.verify(weak_proof, air2, pub2)  # default minimum is 100 bits


def test_security_bits_are_bound(proofs):
    """Editing the claimed security in the header is caught (it is bound in the transcript and
    recomputed from the parameters)."""
    air, pub, proof = proofs["fibonacci"]
    data = bytearray(proof.to_bytes())
    data[8 + 2 + 6 + 1] = 120  # the security byte of the header
    with pytest.raises(VerificationError):
        verifier.verify_bytes(bytes(data), air, pub)


def test_memory_budget_is_enforced():
    air, trace, pub = _example("fibonacci", 10)
    with pytest.raises(InsufficientMemory) as info:
        prover.prove(air, trace, pub, opts(air, trace), memory_budget=100_000)
    assert "GiB" in str(info.value)


def test_bad_shapes_are_parameter_errors():
    air, trace, pub = _example("fibonacci", 4)
    with pytest.raises(ParameterError):
        prover.prove(air, trace[:, :1], pub, opts(air, trace[:, :1]))
    with pytest.raises(ParameterError):
        prover.prove(air, trace[:12], pub, opts(air, trace[:12]))
    with pytest.raises(ParameterError):
        prover.prove(air, trace, pub[:2], opts(air, trace))


# --- public columns ---------------------------------------------------------------------------
def _pubcol_air():
    from zkvm.stark.air import AirBuilder

    b = AirBuilder("pubcol-demo", main=["x", "acc"], public_columns=["w", "sel"])
    x, acc = b.main("x"), b.main("acc")
    w, sel = b.pubcol("w"), b.pubcol("sel")
    # acc' = acc + w * x (a dot product with public weights), x pinned where sel = 1
    b.transition("weighted sum", b.next("acc") - acc - w * x)
    b.transition("pinned inputs", sel * (x - 7))
    b.boundary("acc starts at 0", acc, "first")
    return b.build()


def _pubcol_case(n: int = 64, seed: int = 0):
    from zkvm.stark.public_columns import PublicColumns

    rng = np.random.default_rng(seed)
    w = rng.integers(0, 1000, n).astype(np.uint64)
    w[n // 2 :] = 0  # sparse: only the first half of the rows carry weights
    sel = np.zeros(n, dtype=np.uint64)
    sel[3] = sel[9] = 1
    x = rng.integers(0, 1000, n).astype(np.uint64)
    x[3] = x[9] = 7
    acc = np.zeros(n, dtype=np.uint64)
    for i in range(n - 1):
        acc[i + 1] = (int(acc[i]) + int(w[i]) * int(x[i])) % P
    return np.stack([x, acc], axis=1), PublicColumns.from_dense([w, sel])


def test_public_columns_prove_and_verify():
    air = _pubcol_air()
    trace, cols = _pubcol_case()
    proof = prover.prove(air, trace, [], opts(air, trace), public_columns=cols, statement=b"demo", debug_check=True)
    verifier.verify_bytes(proof.to_bytes(), air, [], public_columns=cols, statement=b"demo")


def test_public_columns_are_bound():
    from zkvm.stark.public_columns import PublicColumns

    air = _pubcol_air()
    trace, cols = _pubcol_case()
    proof = prover.prove(air, trace, [], opts(air, trace), public_columns=cols, statement=b"demo")
    w = cols.dense(64)[:, 0].copy()
    w[5] += 1
    other = PublicColumns.from_dense([w, cols.dense(64)[:, 1]])
    with pytest.raises(VerificationError):
        verifier.verify(proof, air, [], public_columns=other, statement=b"demo")
    with pytest.raises(VerificationError):
        verifier.verify(proof, air, [], public_columns=cols, statement=b"another statement")


def test_public_column_evaluation_matches_interpolation():
    """The verifier's barycentric evaluation equals the interpolating polynomial (galois)."""
    import galois

    from tests.oracles import from_gf2, galois_intt, to_gf2
    from zkvm.field.ext2 import Ext2
    from zkvm.stark.public_columns import PublicColumns

    rng = np.random.default_rng(5)
    n = 32
    col = rng.integers(0, P, n, dtype=np.uint64)
    col[rng.integers(0, n, 10)] = 0
    cols = PublicColumns.from_dense([col])
    z = Ext2(123456789, 987654321)
    coeffs = galois_intt(col.tolist())
    F2 = type(to_gf2(0, 0))
    poly = galois.Poly([to_gf2(c, 0) for c in reversed(coeffs)], field=F2)
    assert cols.evaluate(n, z)[0].to_pair() == from_gf2(poly(to_gf2(z.c0, z.c1)))


def test_pubcol_trace_violation_detected():
    air = _pubcol_air()
    trace, cols = _pubcol_case()
    bad = trace.copy()
    bad[9, 0] = 8  # breaks the pinned input (and the weighted sum)
    failures = debug.check_constraints(air, bad, pubcols=cols.dense(64))
    assert any(f.constraint == "pinned inputs" and f.row == 9 for f in failures)
    lying = prover.prove(air, bad, [], opts(air, bad), public_columns=cols, check=False)
    with pytest.raises(VerificationError):
        verifier.verify(lying, air, [], public_columns=cols)
