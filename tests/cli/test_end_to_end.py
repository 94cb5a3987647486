"""The product through its real interface: ``python -m zkvm`` in a subprocess.

Every example model in programs/ runs, proves and verifies, and its attested output equals what
CPython computes by running the same file; tampered proofs, proofs checked against another
program and wrong output claims exit 1; bad input files exit 2 naming the problem, with no
traceback.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ROOT / "programs"
# the 1.1 M-parameter model takes a minute and ~6 GB to prove: benchmarked in bench/, not here
MODELS = ["digits_mlp", "credit_logistic", "fraud_forest", "digits_cnn"]


def zkvm(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "zkvm", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def cpython_output(name: str):
    inputs = json.loads((PROGRAMS / f"{name}.input.json").read_text())
    return runpy.run_path(str(PROGRAMS / f"{name}.py"))["main"](**inputs)


@pytest.fixture(scope="module")
def proofs(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    out = {}
    d = tmp_path_factory.mktemp("proofs")
    for name in MODELS:
        proof = d / f"{name}.proof"
        r = zkvm("run", str(PROGRAMS / f"{name}.py"), "--input", str(PROGRAMS / f"{name}.input.json"),
                 "--prove", "--proof", str(proof), "--json")
        assert r.returncode == 0, r.stderr
        out[name] = (proof, json.loads(r.stdout))
    return out


@pytest.mark.parametrize("name", MODELS)
def test_model_runs_proves_and_verifies(proofs, name):
    proof, summary = proofs[name]
    expected = cpython_output(name)
    assert summary["output"] == expected
    assert summary["proof_bytes"] == proof.stat().st_size > 0
    assert summary["security_bits"] >= 100
    assert summary["cycles"] > 0 and summary["prove_seconds"] > 0
    r = zkvm("verify", str(proof), "--program", str(PROGRAMS / f"{name}.py"), "--json")
    assert r.returncode == 0, r.stderr
    verdict = json.loads(r.stdout)
    assert verdict["valid"] is True and verdict["output"] == expected


def test_run_without_prove_prints_output_and_cycles():
    r = zkvm("run", str(PROGRAMS / "digits_mlp.py"), "--input", str(PROGRAMS / "digits_mlp.input.json"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == json.dumps(cpython_output("digits_mlp"))
    assert "cycles" in r.stdout


@pytest.mark.parametrize("offset", [0.1, 0.5, 0.9])
def test_tampered_proof_is_rejected(proofs, tmp_path, offset):
    proof, _ = proofs["digits_mlp"]
    data = bytearray(proof.read_bytes())
    data[int(len(data) * offset)] ^= 0x04
    bad = tmp_path / "bad.proof"
    bad.write_bytes(bytes(data))
    r = zkvm("verify", str(bad), "--program", str(PROGRAMS / "digits_mlp.py"), "--json")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert json.loads(r.stdout)["valid"] is False
    assert "Traceback" not in r.stderr


def test_truncated_proof_is_rejected(proofs, tmp_path):
    proof, _ = proofs["fraud_forest"]
    bad = tmp_path / "short.proof"
    bad.write_bytes(proof.read_bytes()[:1000])
    r = zkvm("verify", str(bad), "--program", str(PROGRAMS / "fraud_forest.py"))
    assert r.returncode == 1 and "REJECTED" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("other", ["credit_logistic", "digits_cnn"])
def test_proof_checked_against_another_program_is_rejected(proofs, other):
    proof, _ = proofs["digits_mlp"]
    r = zkvm("verify", str(proof), "--program", str(PROGRAMS / f"{other}.py"))
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "REJECTED" in r.stderr and "Traceback" not in r.stderr


def test_wrong_output_claim_is_rejected(proofs):
    proof, summary = proofs["fraud_forest"]
    flag, votes = summary["output"]
    program = str(PROGRAMS / "fraud_forest.py")
    r = zkvm("verify", str(proof), "--program", program, "--expect-output", json.dumps([1 - flag, votes]))
    assert r.returncode == 1 and "REJECTED" in r.stderr
    r = zkvm("verify", str(proof), "--program", program, "--expect-output", json.dumps([flag, votes]))
    assert r.returncode == 0, r.stderr


def test_edited_output_in_the_proof_file_is_rejected(proofs, tmp_path):
    """Rewrite the statement's output inside the proof file (a forger's first try)."""
    from zkvm.proof_file import ProofFile

    proof, _ = proofs["credit_logistic"]
    pf = ProofFile.from_bytes(proof.read_bytes())
    forged = ProofFile(**{**pf.__dict__, "outputs": tuple(1 - v for v in pf.outputs)})
    bad = tmp_path / "forged.proof"
    bad.write_bytes(forged.to_bytes())
    r = zkvm("verify", str(bad), "--program", str(PROGRAMS / "credit_logistic.py"), "--json")
    assert r.returncode == 1 and json.loads(r.stdout)["valid"] is False


BAD_INPUTS = {
    "invalid_json": ('{"pixels": [1, 2', "not valid JSON"),
    "wrong_name": ('{"pixel": [0]}', "pixel"),
    "missing": ('{}', "pixels"),
    "wrong_shape": ('{"pixels": [[1, 2], [3, 4]]}', "pixels"),
    "float": ('{"pixels": [' + ", ".join(["1.5"] * 64) + "]}", "float"),
    "string": ('{"pixels": "abc"}', "pixels"),
    "not_an_object": ("[1, 2, 3]", "object"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_file_exits_2_naming_the_problem(tmp_path, case):
    text, needle = BAD_INPUTS[case]
    f = tmp_path / "in.json"
    f.write_text(text)
    for cmd in (["run"], ["check"]):
        r = zkvm(*cmd, str(PROGRAMS / "digits_mlp.py"), "--input", str(f))
        assert r.returncode == 2, (cmd, r.stdout, r.stderr)
        assert needle in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def test_missing_files_and_bad_usage_exit_2(tmp_path):
    assert zkvm("run", str(tmp_path / "nope.py")).returncode == 2
    assert zkvm("verify", str(tmp_path / "nope.proof"), "--program", str(PROGRAMS / "digits_mlp.py")).returncode == 2
    assert zkvm("frobnicate").returncode == 2
    r = zkvm("verify")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_bad_proof_options_exit_2_before_running(tmp_path):
    out = tmp_path / "p.proof"
    base = ("run", str(PROGRAMS / "credit_logistic.py"), "--input", str(PROGRAMS / "credit_logistic.input.json"),
            "--prove", "--proof", str(out))
    for flags, needle in ((("--blowup", "3"), "blowup"), (("--queries", "5"), "num_queries"),
                          (("--blowup", "4", "--queries", "20"), "num_queries")):
        r = zkvm(*base, *flags)
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, (flags, r.stderr)
        assert not out.exists()


def test_failed_assert_exits_1_naming_the_line(tmp_path):
    f = tmp_path / "in.json"
    f.write_text(json.dumps({"pixels": [0] * 63}))
    r = zkvm("run", str(PROGRAMS / "digits_mlp.py"), "--input", str(f), "--prove")
    assert r.returncode == 1, (r.stdout, r.stderr)
    line = next(i for i, t in enumerate((PROGRAMS / "digits_mlp.py").read_text().splitlines(), 1) if "assert len(pixels)" in t)
    assert f"digits_mlp.py:{line}" in r.stderr and "assertion failed" in r.stderr
    assert not (PROGRAMS / "digits_mlp.proof").exists() or "Traceback" not in r.stderr


def test_inspect_shows_the_statement(proofs):
    proof, summary = proofs["digits_cnn"]
    r = zkvm("inspect", str(proof), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    text = json.dumps(info)
    assert summary["program_hash"] in text
    r = zkvm("inspect", str(proof))
    assert r.returncode == 0 and summary["program_hash"][:16] in r.stdout


def test_help_on_every_command():
    for cmd in ("run", "verify", "compile", "inspect", "check"):
        r = zkvm(cmd, "--help")
        assert r.returncode == 0 and "usage" in r.stdout.lower()


def test_inspect_shows_a_returned_list_as_the_program_returns_it(tmp_path):
    """A list whose length is known only at run time is claimed as a memory record [length,
    values...]; inspect shows the list itself (as run and verify do) and the cells apart."""
    prog = tmp_path / "evens.py"
    prog.write_text("def main(xs: list[int]) -> list[int]:\n"
                    "    out = []\n"
                    "    for x in xs:\n"
                    "        if x % 2 == 0:\n"
                    "            out.append(x)\n"
                    "    return out\n")
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps({"xs": [3, 4, 7, 10, 12]}))
    proof = tmp_path / "evens.proof"
    r = zkvm("run", str(prog), "--input", str(inp), "--prove", "--proof", str(proof), "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["output"] == [4, 10, 12]
    r = zkvm("inspect", str(proof), "--json")
    info = json.loads(r.stdout)
    assert info["output"] == [4, 10, 12] and info["output_cells"] == [3, 4, 10, 12]
