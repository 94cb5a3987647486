"""``--json`` on every failure of every command: exactly one JSON object on stdout with the
error's kind, file, line, column and message (None where not applicable), and the exit codes
kept (0 ok, 1 rejected or execution failed, 2 usage, compile or input errors, 3 internal).

Most cases run ``zkvm.cli.main`` in this process (stdout and stderr captured); a few run
``python -m zkvm`` to see the real streams.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zkvm import cli

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"ok", "exit_code", "kind", "file", "line", "column", "message"}

GOOD = '''def main(xs: list[int], k: int) -> int:
    assert k >= 0, "k must not be negative"
    return xs[k] * 2
'''
BAD = '''RATE = 0.5


def main(x: int) -> int:
    return sum(v for v in bogus(x)) + missing
'''


def zkvm(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def failure(*args: str, code: int, kind: str) -> dict:
    """Run a failing command with --json: one JSON object on stdout, the exit code, the kind."""
    rc, out, err = zkvm(*args, "--json")
    assert rc == code, (rc, out, err)
    assert out.count("\n") == 1 and out.endswith("\n"), out
    obj = json.loads(out)
    assert KEYS <= set(obj), obj
    assert obj["ok"] is False and obj["exit_code"] == code and obj["kind"] == kind, obj
    assert isinstance(obj["message"], str) and obj["message"], obj
    return obj


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("json")
    f = {name: d / name for name in ("good.py", "bad.py", "in.json", "short.json", "broken.json", "list.json", "prog.s")}
    f["good.py"].write_text(GOOD)
    f["bad.py"].write_text(BAD)
    f["in.json"].write_text(json.dumps({"xs": [3, 4, 5], "k": 1}))
    f["short.json"].write_text(json.dumps({"xs": [3, 4, 5], "k": 7}))
    f["broken.json"].write_text('{"xs": [3, 4,\n  5], "k": }')
    f["list.json"].write_text(json.dumps({"xs": [[1]], "k": 1}))
    f["prog.s"].write_text("addi r1, r0\n")
    proof = d / "good.proof"
    rc, out, err = zkvm("run", str(f["good.py"]), "--input", str(f["in.json"]), "--prove", "--proof", str(proof),
                        "--quiet", "--json", "--blowup", "4", "--grinding", "0")
    assert rc == 0, err
    f["proof"] = proof
    data = bytearray(proof.read_bytes())
    data[len(data) // 2] ^= 0x10
    f["tampered"] = d / "tampered.proof"
    f["tampered"].write_bytes(bytes(data))
    f["garbage"] = d / "garbage.proof"
    f["garbage"].write_bytes(b"not a proof")
    f["dir"] = d
    return f


# --- compile errors (2) -------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["run", "compile", "check", "keygen"])
def test_compile_errors_list_every_diagnostic(files, command):
    args = [command, str(files["bad.py"])] + (["--input", str(files["in.json"])] if command in ("run", "check", "keygen") else [])
    obj = failure(*args, code=2, kind="compile")
    assert (obj["file"], obj["line"], obj["column"]) == (str(files["bad.py"]), 1, 8)
    assert obj["message"].startswith("unsupported: float")
    got = [(e["line"], e["column"], e["message"].split(";")[0]) for e in obj["errors"]]
    assert got == [(1, 8, "unsupported: float"), (5, 27, "unknown function bogus()"), (5, 39, "unknown name 'missing'")]


def test_verify_against_a_program_with_errors(files):
    obj = failure("verify", str(files["proof"]), "--program", str(files["bad.py"]), code=2, kind="compile")
    assert obj["line"] == 1


def test_a_syntax_error_has_its_position(files):
    bad = files["dir"] / "syntax.py"
    bad.write_text("def main(x: int) -> int:\n    return x +\n")
    obj = failure("compile", str(bad), code=2, kind="compile")
    assert (obj["line"], obj["column"]) == (2, 15) and "syntax error" in obj["message"]
    assert len(obj["errors"]) == 1


# --- input errors (2) ---------------------------------------------------------------------------
def test_input_errors_name_the_file(files):
    obj = failure("run", str(files["good.py"]), "--input", str(files["broken.json"]), code=2, kind="input")
    assert (obj["file"], obj["line"], obj["column"]) == (str(files["broken.json"]), 2, 12)
    obj = failure("check", str(files["good.py"]), "--input", str(files["list.json"]), code=2, kind="input")
    assert obj["file"] == str(files["list.json"]) and obj["parameter"] == "xs" and obj["line"] is None
    obj = failure("run", str(files["dir"] / "missing.py"), code=2, kind="input")
    assert obj["file"] == str(files["dir"] / "missing.py")
    obj = failure("compile", str(files["good.py"]), "--input", str(files["dir"] / "none.json"), code=2, kind="input")
    assert obj["file"] == str(files["dir"] / "none.json")
    obj = failure("verify", str(files["dir"] / "none.proof"), "--program", str(files["good.py"]), code=2, kind="input")
    assert obj["file"] == str(files["dir"] / "none.proof")
    obj = failure("inspect", str(files["dir"] / "none.proof"), code=2, kind="input")
    assert obj["file"] == str(files["dir"] / "none.proof")
    obj = failure("verify", str(files["proof"]), "--program", str(files["good.py"]), "--vk", str(files["dir"] / "none.vk"),
                  code=2, kind="input")
    assert obj["file"] == str(files["dir"] / "none.vk")
    obj = failure("verify", str(files["proof"]), "--program", str(files["good.py"]), "--expect-output", "[1,", code=2,
                  kind="input")
    assert obj["parameter"] == "--expect-output"
    obj = failure("compile", str(files["good.py"]), "--input", str(files["in.json"]), "--out",
                  str(files["dir"] / "no" / "such" / "dir.json"), code=2, kind="input")
    assert obj["file"] == str(files["dir"] / "no" / "such" / "dir.json")


def test_an_assembly_error_has_its_line(files):
    obj = failure("run", str(files["prog.s"]), code=2, kind="assembly")
    assert obj["file"] == str(files["prog.s"]) and obj["line"] == 1


# --- execution errors (1) -----------------------------------------------------------------------
def test_a_runtime_error_names_the_source_line(files):
    obj = failure("run", str(files["good.py"]), "--input", str(files["short.json"]), code=1, kind="execution")
    assert (obj["file"], obj["line"], obj["column"]) == (str(files["good.py"]), 3, None)
    assert "list index out of range" in obj["message"]
    neg = files["dir"] / "neg.json"
    neg.write_text(json.dumps({"xs": [1], "k": -1}))
    obj = failure("keygen", str(files["good.py"]), "--input", str(neg), code=1, kind="execution")
    assert obj["line"] == 2 and "k must not be negative" in obj["message"]


# --- verification failures (1) ------------------------------------------------------------------
def test_rejected_proofs(files):
    obj = failure("verify", str(files["tampered"]), "--program", str(files["good.py"]), code=1, kind="verification")
    assert obj["valid"] is False and obj["check"] and obj["file"] == str(files["tampered"])
    obj = failure("verify", str(files["proof"]), "--program", str(files["good.py"]), "--expect-output", "7", code=1,
                  kind="verification")
    assert obj["check"] == "statement" and obj["line"] is None and obj["column"] is None
    obj = failure("inspect", str(files["garbage"]), code=1, kind="verification")
    assert obj["check"] == "proof format" and obj["file"] == str(files["garbage"])
    obj = failure("keygen", str(files["good.py"]), "--proof", str(files["tampered"]), code=1, kind="verification")
    assert obj["file"] == str(files["tampered"])
    bad_key = files["dir"] / "bad.vk"
    bad_key.write_bytes(b"not a key")
    obj = failure("verify", str(files["proof"]), "--program", str(files["good.py"]), "--vk", str(bad_key), code=1,
                  kind="verification")
    assert obj["file"] == str(bad_key) and obj["check"] == "verifying key"


# --- usage errors (2) ---------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["run"], ["verify", "x.proof"], ["compile"], ["check", "p.py"], ["inspect"], ["keygen"],
    ["warmup", "--bogus"], ["run", "p.py", "--blowup", "x"], ["frobnicate"], [],
])
def test_usage_errors_argparse_refuses(args):
    obj = failure(*args, code=2, kind="usage")
    assert obj["file"] is None and obj["message"].startswith("zkvm")


def test_usage_errors_of_the_commands(files):
    obj = failure("keygen", str(files["good.py"]), code=2, kind="usage")
    assert obj["parameter"] == "--proof/--input"
    obj = failure("run", str(files["good.py"]), "--input", str(files["in.json"]), "--prove", "--blowup", "3", code=2,
                  kind="usage")
    assert "blowup" in obj["message"]


# --- internal errors (3) ------------------------------------------------------------------------
def test_an_internal_error_is_one_json_object_too(files, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("something zkvm did not expect")

    monkeypatch.setattr("zkvm.programs.load", broken)
    obj = failure("run", str(files["good.py"]), "--input", str(files["in.json"]), code=3, kind="internal")
    assert "RuntimeError" in obj["message"] and "bug in zkvm" in obj["message"]


# --- successes with --json are one object too ---------------------------------------------------
def test_success_outputs_of_compile_and_check(files):
    rc, out, _ = zkvm("compile", str(files["good.py"]), "--input", str(files["in.json"]), "--json")
    obj = json.loads(out)
    assert rc == 0 and obj["ok"] is True and obj["instructions"] > 0 and out.count("\n") == 1
    rc, out, _ = zkvm("compile", str(files["good.py"]), "--input", str(files["in.json"]), "--asm", "--json")
    assert rc == 0 and "ret" in json.loads(out)["asm"] and out.count("\n") == 1
    rc, out, _ = zkvm("check", str(files["good.py"]), "--input", str(files["in.json"]), "--json")
    obj = json.loads(out)
    assert rc == 0 and obj["input_values"] == 4 and [p["name"] for p in obj["params"]] == ["xs", "k"]


def test_without_json_errors_stay_text_on_stderr(files):
    rc, out, err = zkvm("run", str(files["good.py"]), "--input", str(files["short.json"]))
    assert rc == 1 and out == "" and err.startswith("execution failed:")
    rc, out, err = zkvm("compile")
    assert rc == 2 and out == "" and "the following arguments are required" in err and err.startswith("usage:")


# --- the real process -----------------------------------------------------------------------------
def test_the_process_prints_one_object_on_stdout_and_keeps_the_exit_code(files):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for args, code, kind in ((["compile", str(files["bad.py"])], 2, "compile"),
                             (["run", str(files["good.py"]), "--input", str(files["short.json"])], 1, "execution"),
                             (["verify", "--bogus"], 2, "usage")):
        r = subprocess.run([sys.executable, "-m", "zkvm", *args, "--json"], capture_output=True, text=True, env=env,
                           timeout=300)
        assert r.returncode == code, r.stderr
        obj = json.loads(r.stdout)
        assert obj["kind"] == kind and "Traceback" not in r.stderr
