"""Zero-knowledge: what a proof opens does not depend on the private input.

The statistical test proves a program whose private input is one bit b many times, and
compares, between b = 0 and b = 1, the distribution of the trace values the proof opens at the
first queried position and at the out-of-domain point, with a two-sample Kolmogorov-Smirnov
test. With zk the values are uniform field elements for both bits and the test finds nothing;
the same test on ``zk=False`` proofs must find the difference (there every proof of the same
statement is identical, so the samples are two different point masses). The provers' seeds are
fixed so that the test is reproducible.
"""

from __future__ import annotations

import math

import pytest

import zkvm
from zkvm.air import layout as L
from zkvm.errors import VerificationError
from zkvm.field.goldilocks import P
from zkvm.fri.options import FriOptions
from zkvm.proof_file import ProofFile
from zkvm.verifier import verify

SECRET_BIT = '''
def main(b: int, x: int) -> int:
    score = 0
    if b == 1:
        score = x * 3 + 7
    else:
        score = x - 5
    return score > 10
'''

SECRET_ALLOCATION = '''
def main(b: int, x: int) -> list[int]:
    s = 0
    if b == 1:
        tmp = [x, x + 1, x + 2]
        s = tmp[0] * 3 + 7
    else:
        s = x - 5
    return [s > 10]
'''
"""Issue 17's program: the secret decides whether a list is allocated (its output record's
address used to reveal it)."""

PROOFS_PER_BIT = 24
COLUMNS = ("pc", "a_val", "c_val", "f_mul", "isz")


@pytest.fixture(scope="module")
def program():
    return zkvm.compile(SECRET_BIT)


def _prove(program, b: int, zk: bool, k: int) -> ProofFile:
    # x is chosen so that both bits give the same public output (1, or [1])
    seed = bytes([b, k, 1 if zk else 0]) + bytes(29)
    result = zkvm.prove(program, [b, 20], options=FriOptions(zk=zk), zk_seed=seed)
    assert result.outputs in ([1], [1, 1])
    return ProofFile.from_bytes(result.proof)


def _samples(program, b: int, zk: bool) -> dict[str, list[float]]:
    """Per column: the value opened at the first queried row, and the value at z, of each proof
    (as fractions of p, so that uniform field elements give uniform numbers in [0, 1))."""
    out: dict[str, list[float]] = {}
    for k in range(PROOFS_PER_BIT):
        st = _prove(program, b, zk, k).stark.tables[0]
        row = st.main_opening.rows[0]
        for name in COLUMNS:
            c = L.COL[name]
            out.setdefault(f"{name} opened", []).append(row[c] / P)
            out.setdefault(f"{name} at z", []).append(st.ood_main[c][0] / P)
    return out


def ks_pvalue(xs: list[float], ys: list[float]) -> float:
    """Two-sample Kolmogorov-Smirnov test: the asymptotic p-value of the largest distance
    between the two empirical distribution functions."""
    xs, ys = sorted(xs), sorted(ys)
    n, m = len(xs), len(ys)
    i = j = 0
    d = 0.0
    while i < n and j < m:
        v = min(xs[i], ys[j])
        while i < n and xs[i] == v:
            i += 1
        while j < m and ys[j] == v:
            j += 1
        d = max(d, abs(i / n - j / m))
    ne = n * m / (n + m)
    lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
    if lam < 1e-3:
        return 1.0
    p = 2 * sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
    return min(1.0, max(0.0, p))


def test_ks_pvalue_sanity():
    """The test statistic itself: far apart samples give a tiny p-value, interleaved ones not."""
    assert ks_pvalue([0.1] * 20, [0.9] * 20) < 1e-6
    assert ks_pvalue([k / 40 for k in range(0, 40, 2)], [k / 40 for k in range(1, 40, 2)]) > 0.5


@pytest.mark.parametrize("zk", [True, False])
def test_opened_values_do_not_depend_on_the_private_bit(program, zk):
    zeros, ones = _samples(program, 0, zk), _samples(program, 1, zk)
    pvalues = {key: ks_pvalue(zeros[key], ones[key]) for key in zeros}
    if zk:
        # no column distinguishes the bits (threshold corrected for the number of tests)
        assert min(pvalues.values()) > 1e-3 / len(pvalues), pvalues
    else:
        # the test has the power to see a leak: without zk most columns give it away (a column
        # that is zero whatever b, like a flag of an instruction neither branch runs, cannot)
        assert sum(p < 1e-6 for p in pvalues.values()) >= len(pvalues) / 2, pvalues


def test_secret_allocation_leaves_no_trace_in_the_proof():
    """A program whose allocation depends on the secret: the statements are identical and the
    opened values indistinguishable."""
    program = zkvm.compile(SECRET_ALLOCATION)
    zeros, ones = _samples(program, 0, True), _samples(program, 1, True)
    pvalues = {key: ks_pvalue(zeros[key], ones[key]) for key in zeros}
    assert min(pvalues.values()) > 1e-3 / len(pvalues), pvalues
    files = [_prove(program, b, True, 0) for b in (0, 1)]
    assert files[0].outputs == files[1].outputs and files[0].output_address == files[1].output_address


def test_zk_proofs_differ_run_to_run_and_all_verify(program):
    a = zkvm.prove(program, [1, 20]).proof
    b = zkvm.prove(program, [1, 20]).proof
    assert a != b
    for proof in (a, b):
        claim = verify(proof, program)
        assert claim.output == 1 and claim.zero_knowledge


def test_non_zk_proofs_are_marked(program):
    proof = zkvm.prove(program, [1, 20], options=FriOptions(zk=False)).proof
    assert proof == zkvm.prove(program, [1, 20], options=FriOptions(zk=False)).proof  # deterministic
    claim = verify(proof, program)
    assert claim.zero_knowledge is False


def _tampered(proof: bytes, section: str, offset: int) -> bytes:
    pf = ProofFile.from_bytes(proof)
    start = 0
    for name, blob in pf.stark.sections():
        if name == section:
            break
        start += len(blob)
    stark_bytes = pf.stark.to_bytes()
    pos = proof.index(stark_bytes) + start + offset
    data = bytearray(proof)
    data[pos] ^= 1
    return bytes(data)


@pytest.mark.parametrize("offset", [4, 4 + 8, 4 + 16 * 10 + 3])
def test_tampered_deep_high_part_is_rejected(program, offset):
    proof = zkvm.prove(program, [0, 20]).proof
    with pytest.raises(VerificationError):
        verify(_tampered(proof, "table 0 DEEP high part", offset), program)


def test_tampered_salt_is_rejected(program):
    """A salt is the last element of each opened row: flipping it breaks the Merkle path."""
    proof = zkvm.prove(program, [0, 20]).proof
    pf = ProofFile.from_bytes(proof)
    blob = dict(pf.stark.sections())["query openings"]
    width = len(pf.stark.tables[0].main_opening.rows[0])
    offset = 4 + 8 * (width - 1)  # the row count, then the first row: its last element
    with pytest.raises(VerificationError):
        verify(_tampered(proof, "query openings", offset), program)
    assert len(blob) > offset


# --- private weights (issue 21): the weights are hidden like private inputs ------------------
PRIVATE_MODEL = '''
from zkvm.lang import load_private

W = load_private("w.npz", "W")


def main(x: list[int]) -> int:
    return sum(w * v for w, v in zip(W, x)) > 100
'''
PRIVATE_COLUMNS = ("w0", "w5", "w13", "s0", "s9", "r0_3_x7", "r10_0_x3")


@pytest.fixture(scope="module")
def private_model(tmp_path_factory):
    import numpy as np

    from zkvm import programs

    folder = tmp_path_factory.mktemp("zk_private")
    rng = np.random.default_rng(21)
    weights = [rng.integers(1, 3000, 24), rng.integers(1, 3000, 24)]  # two models, both positive
    np.savez(folder / "w.npz", W=weights[0])
    (folder / "model.py").write_text(PRIVATE_MODEL)
    program = programs.load(folder / "model.py", {"x": [1] * 24}).program
    return program, weights


def _private_samples(private_model, which: int, zk: bool) -> dict[str, list[float]]:
    import numpy as np

    from zkvm.air.private_table import private_columns
    from zkvm.field import arrays as fa

    program, weights = private_model
    region = np.zeros(24, dtype=np.uint64)
    region[:] = fa.from_signed(np.asarray(weights[which], dtype=np.int64))
    salt = [7, 1, 2, 3, 4, 5, 6, 8]  # (one salt for both models: only the weights differ)
    cols = {c: i for i, c in enumerate(private_columns())}
    out: dict[str, list[float]] = {}
    for k in range(PROOFS_PER_BIT // 2):
        seed = bytes([which, k, 7 if zk else 0]) + bytes(29)
        result = zkvm.prove(program, [3] * 24, options=FriOptions(zk=zk), zk_seed=seed, private_words=region, salt=salt)
        assert result.outputs == [1]
        st = ProofFile.from_bytes(result.proof).stark.tables[-2]  # the private-data table (then the mask table)
        row = st.main_opening.rows[0]
        for name in PRIVATE_COLUMNS:
            c = cols[name]
            out.setdefault(f"{name} opened", []).append(row[c] / P)
            out.setdefault(f"{name} at z", []).append(st.ood_main[c][0] / P)
    return out


@pytest.mark.parametrize("zk", [True, False])
def test_opened_values_do_not_depend_on_the_private_weights(private_model, zk):
    """Two models of one shape, the same input and output: the private-data table's opened
    values (weights, sponge state, S-box witnesses) are indistinguishable with zk, and tell the
    models apart without it."""
    a, b = _private_samples(private_model, 0, zk), _private_samples(private_model, 1, zk)
    pvalues = {key: ks_pvalue(a[key], b[key]) for key in a}
    if zk:
        assert min(pvalues.values()) > 1e-3 / len(pvalues), pvalues
    else:  # (12 samples a side: complete separation gives p = 2.3e-6)
        assert sum(p < 1e-5 for p in pvalues.values()) >= len(pvalues) / 2, pvalues
