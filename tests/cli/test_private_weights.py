"""Private weights behind a model commitment, end to end (issue 21): load_private, zkvm commit,
zkvm run --prove --salt, zkvm verify --commitment, zkvm inspect, and verify(..., commitment=).

Oracles: CPython running the same program file (its output), the Python Poseidon2 sponge over
the packed weights (the commitment). Attacks: other weights, another model's commitment, a
changed salt, weights changed after committing, the proof's commitment copy replaced, a weight
outside 16 bits in a forged run."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path

import numpy as np
import pytest

from zkvm.cli import main
from zkvm.errors import ParameterError, VerificationError

PROGRAM = '''"""A two-layer classifier whose weights are private."""
from zkvm.lang import load, load_private

W1 = load_private("model.npz", "W1")
B1 = load_private("model.npz", "B1")
W2 = load_private("model.npz", "W2")
SCALE = load("model.npz", "SCALE")


def dense(w: list[list[int]], b: list[int], x: list[int]) -> list[int]:
    return [sum(wi * xi for wi, xi in zip(row, x)) + bi for row, bi in zip(w, b)]


def main(x: list[int]) -> list[int]:
    for v in x:
        assert 0 <= v < 256
    h = [max(0, v) // SCALE[0] for v in dense(W1, B1, x)]
    scores = [sum(wi * hi for wi, hi in zip(row, h)) for row in W2]
    return scores + [W1[2][5] * 3 - B1[1]]
'''


def make_model(folder: Path, seed: int = 0, program: str = PROGRAM) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "model.npz", W1=rng.integers(-3000, 3000, (12, 16)), B1=rng.integers(-32768, 32767, 12),
             W2=rng.integers(-32768, 32767, (3, 12)), SCALE=np.array([64]))
    (folder / "model.py").write_text(program)
    (folder / "model.input.json").write_text(json.dumps({"x": [int(v) for v in rng.integers(0, 256, 16)]}))
    return folder / "model.py"


def cli(*args: str) -> tuple[int, dict]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*args, "--json"])
    return code, json.loads(out.getvalue().strip().splitlines()[-1])


def cpython_output(path: Path) -> list[int]:
    mod = runpy.run_path(str(path))
    return mod["main"](json.loads(path.with_suffix(".input.json").read_text())["x"])


@pytest.fixture(scope="module")
def proven(tmp_path_factory):
    """A committed model, proven: (folder, program path, commitment object from the CLI)."""
    folder = tmp_path_factory.mktemp("private")
    prog = make_model(folder)
    code, commit = cli("commit", str(prog))
    assert code == 0, commit
    code, ran = cli("run", str(prog), "--input", str(prog.with_suffix(".input.json")), "--prove", "--quiet")
    assert code == 0, ran
    return folder, prog, commit, ran


def test_commit_prove_verify_matches_cpython_and_the_reference_commitment(proven):
    folder, prog, commit, ran = proven
    assert ran["output"] == cpython_output(prog)
    assert ran["model_commitment"] == commit["commitment"]
    # the commitment is the reference sponge over the salt and the weights packed 3 x 16 bits
    from zkvm.crypto import poseidon2 as p2

    salt = [int(v) for v in json.loads(prog.with_suffix(".salt").read_text())["salt"]]
    w = np.load(folder / "model.npz")
    region = [*w["W1"].ravel(), *w["B1"], *[0] * 4, *w["W2"].ravel()]  # offsets: arrays start on 8-word rows
    region += [0] * (-len(region) % 24)
    limbs = [int(v) + (1 << 15) for v in region]
    packed = [limbs[i] + (limbs[i + 1] << 16) + (limbs[i + 2] << 32) for i in range(0, len(limbs), 3)]
    digest = p2.sponge([salt] + [packed[i : i + 8] for i in range(0, len(packed), 8)])
    assert commit["commitment"] == b"".join(v.to_bytes(8, "little") for v in digest).hex()
    for given in (str(prog.with_suffix(".commitment")), commit["commitment"]):
        code, ok = cli("verify", str(prog.with_suffix(".proof")), "--program", str(prog), "--commitment", given)
        assert code == 0 and ok["valid"] and ok["output"] == ran["output"], ok
        assert ok["model_commitment"] == commit["commitment"]
    code, shown = cli("inspect", str(prog.with_suffix(".proof")))
    assert code == 0 and shown["model_commitment"] == commit["commitment"]


def test_the_program_hash_does_not_depend_on_the_private_values(proven, tmp_path):
    from zkvm import programs

    folder, prog, _, _ = proven
    other = make_model(tmp_path / "other", seed=7)
    inputs = json.loads(prog.with_suffix(".input.json").read_text())
    assert programs.load(prog, inputs).program.hash() == programs.load(other, inputs).program.hash()
    public = make_model(tmp_path / "public", program=PROGRAM.replace("load_private(", "load("))
    assert programs.load(public, inputs).program.hash() != programs.load(prog, inputs).program.hash()


def test_verifying_without_a_commitment_is_a_usage_error(proven):
    _, prog, _, _ = proven
    code, err = cli("verify", str(prog.with_suffix(".proof")), "--program", str(prog))
    assert code == 2 and err["kind"] == "usage" and "commitment" in err["message"]
    from zkvm import programs
    from zkvm.proof_file import ProofFile
    from zkvm.verifier import verify

    data = prog.with_suffix(".proof").read_bytes()
    program = programs.load(prog, None, signature=ProofFile.from_bytes(data).signature).program
    with pytest.raises(ParameterError, match="commitment"):
        verify(data, program)


def test_a_commitment_for_a_program_without_private_weights_is_refused(tmp_path):
    from zkvm.verifier import verify

    prog = make_model(tmp_path, program=PROGRAM.replace("load_private(", "load("))
    code, ran = cli("run", str(prog), "--input", str(prog.with_suffix(".input.json")), "--prove", "--quiet")
    assert code == 0
    from zkvm import programs

    program = programs.load(prog, json.loads(prog.with_suffix(".input.json").read_text())).program
    with pytest.raises(ParameterError, match="no private weights"):
        verify(prog.with_suffix(".proof").read_bytes(), program, commitment="00" * 32)


def test_a_proof_for_other_weights_is_rejected(proven, tmp_path):
    """Someone proves with weights of their own (their own salt and commitment): the proof is
    valid for their commitment, rejected against the published one."""
    _, prog, commit, _ = proven
    other = make_model(tmp_path / "other", seed=3)
    assert cli("commit", str(other))[0] == 0
    assert cli("run", str(other), "--input", str(prog.with_suffix(".input.json")), "--prove", "--quiet")[0] == 0
    proof = str(other.with_suffix(".proof"))
    assert cli("verify", proof, "--program", str(prog), "--commitment", str(other.with_suffix(".commitment")))[0] == 0
    code, err = cli("verify", proof, "--program", str(prog), "--commitment", commit["commitment"])
    assert code == 1 and err["kind"] == "verification"


def test_a_commitment_from_another_model_is_rejected(proven, tmp_path):
    _, prog, _, _ = proven
    other = make_model(tmp_path / "m2", seed=5)
    code, theirs = cli("commit", str(other))
    assert code == 0
    code, err = cli("verify", str(prog.with_suffix(".proof")), "--program", str(prog), "--commitment", theirs["commitment"])
    assert code == 1


def test_a_changed_salt_or_changed_weights_cannot_prove_the_published_commitment(proven, tmp_path):
    folder, prog, commit, _ = proven
    work = tmp_path / "copy"
    shutil.copytree(folder, work)
    copy = work / "model.py"
    inp = str(copy.with_suffix(".input.json"))
    # a changed salt: the run refuses to write a proof that does not match model.commitment
    salt = json.loads(copy.with_suffix(".salt").read_text())
    salt["salt"][0] = str((int(salt["salt"][0]) + 1) % (2**64 - 2**32 + 1))
    (work / "other.salt").write_text(json.dumps(salt))
    code, err = cli("run", str(copy), "--input", inp, "--prove", "--quiet", "--salt", str(work / "other.salt"))
    assert code == 2 and "another commitment" in err["message"]
    # ... and a proof made with it anyway (no commitment file beside it) is rejected
    copy.with_suffix(".commitment").unlink()
    assert cli("run", str(copy), "--input", inp, "--prove", "--quiet", "--salt", str(work / "other.salt"))[0] == 0
    code, _ = cli("verify", str(copy.with_suffix(".proof")), "--program", str(copy), "--commitment", commit["commitment"])
    assert code == 1
    # a weight changed after committing: the same, with the original salt
    w = dict(np.load(work / "model.npz"))
    w["W2"][1, 4] += 1
    np.savez(work / "model.npz", **w)
    assert cli("run", str(copy), "--input", inp, "--prove", "--quiet")[0] == 0
    code, _ = cli("verify", str(copy.with_suffix(".proof")), "--program", str(copy), "--commitment", commit["commitment"])
    assert code == 1


def test_the_proofs_commitment_copy_replaced_is_rejected(proven, tmp_path):
    """A forger proves other weights and writes the published commitment into the proof file's
    copy: the copy agrees, the proof does not."""
    from dataclasses import replace

    from zkvm import programs
    from zkvm.private import Commitment
    from zkvm.proof_file import ProofFile
    from zkvm.verifier import verify

    _, prog, commit, _ = proven
    other = make_model(tmp_path / "forger", seed=11)
    assert cli("commit", str(other))[0] == 0
    assert cli("run", str(other), "--input", str(prog.with_suffix(".input.json")), "--prove", "--quiet")[0] == 0
    pf = ProofFile.from_bytes(other.with_suffix(".proof").read_bytes())
    published = Commitment.from_hex(commit["commitment"])
    forged = replace(pf, model_commitment=published.digest).to_bytes()
    program = programs.load(prog, None, signature=pf.signature).program
    with pytest.raises(VerificationError):
        verify(forged, program, commitment=published)


def test_bad_private_weight_files_are_named(tmp_path):
    prog = make_model(tmp_path)
    w = dict(np.load(tmp_path / "model.npz"))
    w["W2"][0, 0] = 40000
    np.savez(tmp_path / "model.npz", **w)
    code, err = cli("commit", str(prog))
    assert code == 2 and err["kind"] == "input" and "model.npz:W2" in err["message"] and "16-bit" in err["message"]
    w["W2"] = w["W2"][:, :5]  # another shape than the program was compiled for... (compiled from this file: fine)
    np.savez(tmp_path / "model.npz", **w)
    code, err = cli("run", str(prog), "--input", str(prog.with_suffix(".input.json")), "--prove", "--quiet")
    assert code != 0 and err["ok"] is False
    code, err = cli("run", str(prog), "--input", str(prog.with_suffix(".input.json")))
    assert code != 0 and err["ok"] is False


def test_proving_without_a_salt_names_the_flag(tmp_path):
    prog = make_model(tmp_path)
    code, err = cli("run", str(prog), "--input", str(prog.with_suffix(".input.json")), "--prove", "--quiet")
    assert code == 2 and err["parameter"] == "--salt" and "zkvm commit" in err["message"]


def test_private_weights_in_module_level_expressions_are_refused(tmp_path):
    prog = make_model(tmp_path, program=PROGRAM.replace('SCALE = load("model.npz", "SCALE")',
                                                        'SCALE = load("model.npz", "SCALE")\nTOTAL = sum(B1)'))
    code, err = cli("run", str(prog), "--input", str(prog.with_suffix(".input.json")))
    assert code == 2 and err["kind"] == "compile" and "private" in err["message"] and err["line"] == 8


def test_a_weight_outside_16_bits_in_a_forged_run_is_rejected(proven):
    """A forger lays out a region with a weight of 40,000 (hashing it into its own commitment)
    and proves with every prover check off: the range lookup has no table entry."""
    from zkvm import programs
    from zkvm.air.vm_air import public_columns, statement_bytes
    from zkvm.fri.options import FriOptions
    from zkvm.private import commit, load_region, load_salt
    from zkvm.proof_file import ProofFile
    from zkvm.prover import vm_tables
    from zkvm.stark.multi_prover import prove_tables
    from zkvm.verifier import verify
    from zkvm.vm.run import run

    folder, prog, _, _ = proven
    loaded = programs.load(prog, json.loads(prog.with_suffix(".input.json").read_text()))
    program = loaded.program
    region = load_region(program, folder)
    region[5] = 40000  # (a field element: 40000 is not a signed 16-bit value)
    salt = load_salt(prog.with_suffix(".salt"))
    ex = run(program, loaded.inputs, private_words=region)
    cols = public_columns(program, ex.public_inputs, ex.outputs, ex.trace_length, ex.output_address)
    system, traces, publics, table_columns = vm_tables(program, ex, cols, 0, salt=salt)
    traces[0] = ex.trace
    heights = [t.shape[0] for t in traces]
    stark = prove_tables(system, traces, publics, FriOptions.for_tables(heights), public_columns=table_columns,
                         statement=statement_bytes(program.hash(), ex.public_inputs, ex.outputs, ex.output_address),
                         check=False)
    digest = commit(region, salt)
    assert tuple(publics[-1][2:]) == digest
    pf = ProofFile(program.hash(), ex.public_inputs, tuple(ex.outputs), stark, None, dict(program.signature),
                   ex.output_address, 0, digest)
    with pytest.raises(VerificationError):
        verify(pf.to_bytes(), program, commitment=list(digest))


def test_private_weights_in_segments_verify_against_the_commitment(tmp_path):
    """zkvm run --segment-cycles: every segment proves the private weights' commitment (the
    private-data table in each); the file verifies against the published commitment with
    CPython's output, and not against another model's."""
    long = PROGRAM.replace("    return scores + [W1[2][5] * 3 - B1[1]]", """    acc = 0
    for r in range(400):
        acc = (acc * 7 + scores[r % 3] + W2[r % 3][r % 12]) % 100003
    return scores + [W1[2][5] * 3 - B1[1], acc]""")
    prog = make_model(tmp_path / "long", program=long)
    code, commit = cli("commit", str(prog))
    assert code == 0, commit
    proof = tmp_path / "segmented.proof"
    code, seg = cli("run", str(prog), "--input", str(prog.with_suffix(".input.json")), "--prove", "--segment-cycles",
                    "2048", "--proof", str(proof), "--quiet")
    assert code == 0, seg
    assert seg["segments"] >= 3 and seg["output"] == cpython_output(prog)
    assert seg["model_commitment"] == commit["commitment"]
    code, ok = cli("verify", str(proof), "--program", str(prog), "--commitment", commit["commitment"])
    assert code == 0 and ok["valid"] and ok["segments"] == seg["segments"] and ok["output"] == seg["output"], ok
    other = make_model(tmp_path / "other", seed=3, program=long)
    code, _ = cli("commit", str(other))
    assert code == 0
    code, bad = cli("verify", str(proof), "--program", str(prog), "--commitment", str(other.with_suffix(".commitment")))
    assert code == 1 and not bad.get("valid"), bad
