"""Verifying keys and committed program columns through the library and the CLI.

A program's code and constants may be committed by the prover; a verifier then checks their
root against a key it trusts (computed from the program alone) or evaluates them itself. The
oracle for the key's root is an independent computation from the program's columns (zkvm.keygen
against the prover's commitment is checked at the STARK layer against galois and the blake3
package in tests/stark/test_committed_columns.py); here the attacks are the point: keys of
other programs, other roots, other trace lengths, tampered proofs and malformed key bytes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.cli.test_end_to_end import PROGRAMS, zkvm
from zkvm.air import vm_air
from zkvm.errors import KeyFormatError, StatementMismatch, VerificationError
from zkvm.isa.asm import assemble
from zkvm.keygen import program_root, verifying_key
from zkvm.keys import VerifyingKey
from zkvm.proof_file import ProofFile
from zkvm.prover import prove
from zkvm.verifier import verify

SOURCE = """
.data {data}
.inputs 2
.outputs 1
.stack 8
    lda 0, @in+0
    lda 1, @in+1
    mul 0, 0, 1
    lda 1, @data+3
    add 0, 0, 1
    sta 0, @out+0
    halt
"""


def _program(seed: int = 0):
    return assemble(SOURCE.format(data=", ".join(str(seed + 7 * i) for i in range(40))))


@pytest.fixture(scope="module")
def proved():
    """A small program proved three ways: committing code and constants, constants only (the
    default for large models, forced here by lowering the size rule), and nothing."""
    program = _program()
    out = {}
    for name, commit in (("both", True), ("none", False)):
        out[name] = prove(program, [3, 4], commit_program=commit, zk_seed=bytes(32))
    saved = vm_air.COMMIT_ENTRIES
    vm_air.COMMIT_ENTRIES = 32  # 40 constants, 7 instructions: the constants only
    try:
        assert vm_air.default_commitment(program) == vm_air.COMMIT_DATA
        out["data"] = prove(program, [3, 4], zk_seed=bytes(32))
    finally:
        vm_air.COMMIT_ENTRIES = saved
    return program, out


def _key(program, result) -> VerifyingKey:
    return verifying_key(program, [(result.trace_length, result.blowup)], result.commitment)


@pytest.mark.parametrize("name", ["both", "data"])
def test_committed_proofs_verify_with_and_without_a_key(proved, name):
    program, results = proved
    r = results[name]
    assert r.commitment == {"both": 3, "data": 2}[name]
    key = _key(program, r)
    assert key.root_for(r.trace_length, r.blowup, r.commitment) == r.program_root  # recomputed from the program alone
    with_key = verify(r.proof, program, vk=key)
    without = verify(r.proof, program)
    assert with_key.output_values == without.output_values == (3 * 4 + 7 * 3,)  # in0 * in1 + data[3]
    assert (with_key.program_columns, without.program_columns) == ("key", "evaluated")
    assert verify(r.proof, program, vk=key.to_bytes()).output == with_key.output


def test_default_commitment_follows_the_size_of_each_part():
    small = _program()
    assert vm_air.default_commitment(small) == 0
    big = assemble(SOURCE.format(data=", ".join(["5"] * vm_air.COMMIT_ENTRIES)))
    assert vm_air.default_commitment(big) == vm_air.COMMIT_DATA


def test_key_of_another_program_is_rejected(proved):
    program, results = proved
    r = results["both"]
    other = _program(seed=1)
    assert other.hash() != program.hash()
    key = verifying_key(other, [(r.trace_length, r.blowup)], r.commitment)
    with pytest.raises(StatementMismatch):
        verify(r.proof, program, vk=key)
    # relabelled with this program's hash, the other program's root must still fail
    relabelled = VerifyingKey(program.hash(), key.roots)
    with pytest.raises(StatementMismatch):
        verify(r.proof, program, vk=relabelled)


def test_key_for_another_trace_length_or_blowup_falls_back_to_evaluation(proved):
    """A key without this proof's (trace length, blowup, parts) cannot vouch for it: the
    verifier evaluates the columns itself, which still accepts an honest proof."""
    program, results = proved
    r = results["both"]
    key = verifying_key(program, [(2 * r.trace_length, r.blowup), (r.trace_length, 2 * r.blowup)], r.commitment)
    assert verify(r.proof, program, vk=key).program_columns == "evaluated"
    # and a root made for other parts is not used for this proof's parts
    assert verify(results["data"].proof, program, vk=_key(program, r)).program_columns == "evaluated"


def test_root_under_another_trace_length_differs(proved):
    program, results = proved
    r = results["both"]
    assert program_root(program, r.trace_length, r.blowup, 3) != program_root(program, 2 * r.trace_length, r.blowup, 3)


def test_proof_committing_other_columns_is_rejected(proved):
    """The commitment flags in the proof file changed: the statement no longer matches."""
    program, results = proved
    for name, flipped in (("both", 2), ("data", 3), ("none", 2), ("data", 0)):
        pf = ProofFile.from_bytes(results[name].proof)
        bad = dataclasses.replace(pf, commitment=flipped).to_bytes()
        with pytest.raises(VerificationError):
            verify(bad, program)


def test_tampered_committed_opening_is_rejected(proved):
    program, results = proved
    r = results["data"]
    pf = ProofFile.from_bytes(r.proof)
    table = pf.stark.tables[0]
    opening = table.fixed_opening
    rows = list(opening.rows)
    rows[-1] = ((rows[-1][0] + 1) % (2**64 - 2**32 + 1),)
    table = dataclasses.replace(table, fixed_opening=dataclasses.replace(opening, rows=tuple(rows)))
    stark = dataclasses.replace(pf.stark, tables=(table,))
    bad = dataclasses.replace(pf, stark=stark).to_bytes()
    for key in (None, _key(program, r)):
        with pytest.raises(VerificationError):
            verify(bad, program, vk=key)


@pytest.mark.parametrize("data", [b"", b"ZKVMVK01", b"not a key at all", bytes(100)])
def test_malformed_key_bytes_raise_our_error(proved, data):
    program, results = proved
    with pytest.raises(KeyFormatError):
        verify(results["both"].proof, program, vk=data)


def test_key_bytes_round_trip_and_bounds(proved):
    program, results = proved
    key = _key(program, results["both"]).merged(_key(program, results["data"]))
    assert VerifyingKey.from_bytes(key.to_bytes()) == key
    blob = key.to_bytes()
    for cut in (len(blob) - 1, 10, 45):
        with pytest.raises(KeyFormatError):
            VerifyingKey.from_bytes(blob[:cut])
    with pytest.raises(KeyFormatError):
        VerifyingKey.from_bytes(blob + b"\0")
    with pytest.raises(KeyFormatError):
        key.merged(VerifyingKey(_program(seed=2).hash(), {}))


# --- the CLI ---------------------------------------------------------------------------------
def test_cli_keygen_run_and_verify_with_a_key(tmp_path):
    program, inputs = PROGRAMS / "credit_logistic.py", PROGRAMS / "credit_logistic.input.json"
    proof, run_key, own_key = tmp_path / "p.proof", tmp_path / "run.vk", tmp_path / "own.vk"
    r = zkvm("run", str(program), "-i", str(inputs), "--prove", "--proof", str(proof), "--commit-program",
             "--vk", str(run_key), "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["program_columns"] == "committed"
    r = zkvm("keygen", str(program), "--proof", str(proof), "--out", str(own_key), "--json")
    assert r.returncode == 0, r.stderr
    assert own_key.read_bytes() == run_key.read_bytes()  # the verifier's own key equals the prover's
    r = zkvm("verify", str(proof), "--program", str(program), "--vk", str(own_key), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["program_columns"] == "key"
    # a key of another program or a malformed key file: rejected (exit 1); a missing one: exit 2
    other_key = tmp_path / "other.vk"
    other = PROGRAMS / "fraud_forest.py"
    r = zkvm("keygen", str(other), "-i", str(PROGRAMS / "fraud_forest.input.json"), "--commit-program", "--out", str(other_key))
    assert r.returncode == 0, r.stderr
    r = zkvm("verify", str(proof), "--program", str(program), "--vk", str(other_key))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    bad = tmp_path / "bad.vk"
    bad.write_bytes(b"ZKVMVK01garbage")
    r = zkvm("verify", str(proof), "--program", str(program), "--vk", str(bad), "--json")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    verdict = json.loads(r.stdout)
    assert verdict["valid"] is False and verdict["check"] == "verifying key" and str(bad) in verdict["error"]
    r = zkvm("verify", str(proof), "--program", str(program), "--vk", str(tmp_path / "missing.vk"))
    assert r.returncode == 2 and "--vk" in r.stderr and "Traceback" not in r.stderr
