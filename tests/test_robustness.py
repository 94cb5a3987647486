"""Hostile proofs, keys, signatures and input files: each gives our typed error, fast.

The findings of issue 17's attack, one test (or a parametrized family) each:

- sizes taken from a proof or its embedded program are checked against the trace before
  anything proportional to them is built (an input region of 2^36 words: ProofFormatError,
  not MemoryError; 2*10^7 words: rejected in milliseconds, not 5.7 s and 1.7 GiB);
- ``zkvm keygen --proof`` verifies the proof before trusting its trace length (a false proof
  claiming 2^23 or 2^28 rows: exit 1 in seconds, not 40 s and 5 GiB or an out-of-memory);
- a signature nested 100,000 deep, in a proof file, an embedded program, a program file or
  the signature ``zkvm verify`` compiles for: our error, exit 1 (never RecursionError, exit 3);
- malformed signature shapes (``{"params": 5}``, a string shape, negative or huge sizes):
  our error, exit 1 for proofs;
- the proof file's copy of the signature is bound: every byte of it matters;
- malformed input files: InputError naming the parameter, exit 2.

The oracles are the error classes (zkvm.errors) and exit codes the docs promise, and measured
time and traced memory against the figures the issue reports.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zkvm
from tests.malformed import INPUTS, SOURCE
from tests.cli.test_end_to_end import ROOT, zkvm as zkvm_cli
from tests.malformed import (
    claiming_trace_length,
    cost_of,
    deep_json,
    program_with_signature,
    sections,
    untraced_cpu_seconds,
    with_embedded,
    with_signature,
)
from zkvm import programs
from zkvm.errors import (
    InputError,
    ParameterError,
    ProofFormatError,
    StatementMismatch,
    VerificationError,
)
from zkvm.isa.program import Program, signature_bytes
from zkvm.proof_file import ProofFile
from zkvm.verifier import verify

DEEP = 100_000
MiB = 1 << 20


@dataclasses.dataclass
class Proved:
    path: Path  # the program's source file
    program: Program
    proof: bytes  # program not embedded
    embedded: bytes  # program embedded
    proof_path: Path
    embedded_path: Path


@pytest.fixture(scope="module")
def proved(tmp_path_factory) -> Proved:
    d = tmp_path_factory.mktemp("robustness")
    path = d / "sumsq.py"
    path.write_text(SOURCE)
    loaded = programs.load(path, INPUTS)
    proof = zkvm.prove(loaded.program, loaded.inputs).proof
    embedded = zkvm.prove(loaded.program, loaded.inputs, embed_program=True).proof
    assert verify(proof, loaded.program).output == 3 + 1 + 4 + 9  # and warms the verifier's imports
    assert verify(embedded, None).output == 17
    (d / "p.proof").write_bytes(proof)
    (d / "e.proof").write_bytes(embedded)
    return Proved(path, loaded.program, proof, embedded, d / "p.proof", d / "e.proof")


def _relabelled(proved: Proved, program: Program) -> bytes:
    """The embedded proof with ``program`` embedded and its hash as the statement's."""
    pf = ProofFile.from_bytes(proved.embedded)
    return dataclasses.replace(pf, program=program, program_hash=program.hash(), signature=program.signature).to_bytes()


# --- sizes from the proof, checked before anything is allocated --------------------------------
HUGE_LAYOUTS = [
    ("in_size", 1 << 36), ("in_size", 20_000_000), ("out_size", 1 << 40), ("out_base", 1 << 50),
    ("stack_base", 1 << 60), ("heap_base", (1 << 64) - 1), ("pubin_base", 1 << 33),
]


@pytest.mark.parametrize("field,value", HUGE_LAYOUTS)
def test_a_program_whose_regions_exceed_the_trace_is_refused_before_allocating(proved, field, value):
    """The issue's finding: an embedded layout claiming an input region of 2^36 words raised
    MemoryError, 2*10^7 words cost 5.7 s and 1.7 GiB. Now ProofFormatError, in milliseconds."""
    bad_program = Program(proved.program.code, proved.program.data,
                          dataclasses.replace(proved.program.layout, **{field: value}), proved.program.signature)
    bad = _relabelled(proved, bad_program)
    for program in (None, bad_program):  # accepting the embedded program, or given the program
        cost = cost_of(verify, bad, program)
        assert isinstance(cost.error, ProofFormatError), repr(cost.error)
        assert "fit" in str(cost.error)
        assert cost.seconds < 0.25 and cost.peak_bytes < 16 * MiB, cost


def test_signature_shapes_beyond_the_trace_are_refused(proved):
    """An embedded program's signature claiming more input words than the trace has rows (a
    shape the verifier would otherwise unflatten or compile for) is malformed."""
    for shape, where in (([1 << 12], "verify"), ([1 << 20, 1 << 20], "decode")):
        sig = {**proved.program.signature, "params": [{"name": "x", "type": "int", "shape": []},
                                                       {"name": "ys", "type": "list[int]", "shape": shape}]}
        bad_program = Program(proved.program.code, proved.program.data, proved.program.layout, sig)
        bad = _relabelled(proved, bad_program)
        if where == "decode":
            with pytest.raises(ProofFormatError, match="words"):
                ProofFile.from_bytes(bad)
        cost = cost_of(verify, bad, None)
        assert isinstance(cost.error, ProofFormatError) and "words" in str(cost.error), repr(cost.error)
        assert cost.seconds < 0.25 and cost.peak_bytes < 16 * MiB, cost


@pytest.mark.parametrize("log_n", [23, 28])
def test_a_false_proof_claiming_a_huge_trace_costs_the_verifier_nothing(proved, log_n):
    """Well formed for 2^log_n rows (the AIR's digest and widths, every count in range), false
    in its values: rejected by the library verifier with no work proportional to the claim."""
    from zkvm.air.vm_air import vm_system

    pf = ProofFile.from_bytes(proved.proof)
    fake = dataclasses.replace(pf, stark=claiming_trace_length(pf.stark, log_n, vm_system(1 << log_n))).to_bytes()
    cost = cost_of(verify, fake, proved.program, min_security_bits=0)
    if log_n > 26:  # past the VM's limit (the read-only constants' base): refused from its header
        assert isinstance(cost.error, ProofFormatError) and "2^26" in str(cost.error), repr(cost.error)
    else:
        assert isinstance(cost.error, VerificationError) and not isinstance(cost.error, ProofFormatError), repr(cost.error)
    assert cost.seconds < 1 and cost.peak_bytes < 32 * MiB, cost


# --- keygen never trusts an unverified header ---------------------------------------------------
_MEASURED = """
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run([sys.executable, "-m", "zkvm", *sys.argv[1:]], capture_output=True, text=True)
print(r.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
sys.stderr.write(r.stderr)
"""


def _measured_cli(*args: str) -> tuple[int, float, int, str]:
    """zkvm in a fresh child of a fresh process: exit code, seconds, peak RSS (bytes), stderr."""
    r = subprocess.run([sys.executable, "-c", _MEASURED, *args], capture_output=True, text=True, cwd=ROOT, timeout=600,
                       env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    code, secs, rss = r.stdout.split()
    return int(code), float(secs), int(rss), r.stderr


@pytest.mark.parametrize("log_n", [23, 28])
def test_keygen_refuses_a_false_proof_claiming_a_huge_trace(proved, tmp_path, log_n):
    """The issue's finding: 75 KB claiming 2^23 rows cost 40 s and 5 GiB, 2^28 rows ran out of
    memory (exit 3). keygen now verifies the proof first: exit 1, in the time of a verify."""
    from zkvm.air.vm_air import vm_system

    pf = ProofFile.from_bytes(proved.proof)
    fake = tmp_path / "fake.proof"
    fake.write_bytes(dataclasses.replace(pf, stark=claiming_trace_length(pf.stark, log_n, vm_system(1 << log_n))).to_bytes())
    assert fake.stat().st_size < 200_000
    key = tmp_path / "k.vk"
    code, secs, rss, err = _measured_cli("keygen", str(proved.path), "--proof", str(fake), "--out", str(key),
                                         "--min-security", "0")
    assert code == 1, err
    assert "Traceback" not in err and "rejected" in err
    assert secs < 30 and rss < 1 << 30, (secs, rss)
    assert not key.exists()


def test_keygen_refuses_a_tampered_proof(proved, tmp_path):
    """Before, keygen only compared the program hash: a proof with garbage after its header
    made a key. A proof must now verify."""
    s = sections(proved.proof)
    stark = bytearray(s.stark)
    stark[len(stark) // 2] ^= 0x10
    bad = tmp_path / "bad.proof"
    bad.write_bytes(dataclasses.replace(s, stark=bytes(stark)).join())
    r = zkvm_cli("keygen", str(proved.path), "--proof", str(bad), "--out", str(tmp_path / "k.vk"))
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "k.vk").exists()
    r = zkvm_cli("keygen", str(proved.path), "--proof", str(proved.proof_path), "--out", str(tmp_path / "k.vk"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["trace_rows"] == ProofFile.from_bytes(proved.proof).trace_length


# --- signatures nested 100,000 deep ---------------------------------------------------------------
DEEP_SIGNATURES = {
    "arrays": deep_json(DEEP),
    "objects": ('{"a":' * DEEP + "1" + "}" * DEEP).encode(),
    "in params": b'{"params":' + deep_json(DEEP) + b"}",
}


@pytest.mark.parametrize("kind", sorted(DEEP_SIGNATURES))
def test_deep_signature_in_a_proof_file_is_a_format_error(proved, kind):
    raw = DEEP_SIGNATURES[kind]
    for data in (with_signature(proved.proof, raw), with_signature(proved.embedded, raw)):
        with pytest.raises(ProofFormatError, match="signature"):
            ProofFile.from_bytes(data)
        cost = cost_of(verify, data, proved.program)
        assert isinstance(cost.error, ProofFormatError), repr(cost.error)
        assert cost.seconds < 0.25 and cost.peak_bytes < 32 * MiB, cost


@pytest.mark.parametrize("kind", sorted(DEEP_SIGNATURES))
def test_deep_signature_in_an_embedded_program_is_a_format_error(proved, kind):
    data = with_embedded(proved.embedded, program_with_signature(proved.program, DEEP_SIGNATURES[kind]))
    with pytest.raises(ProofFormatError, match="embedded program.*signature"):
        ProofFile.from_bytes(data)
    cost = cost_of(verify, data, None)
    assert isinstance(cost.error, ProofFormatError) and cost.seconds < 0.25, cost


def _deep_object(depth: int):
    """A Python value nested ``depth`` deep, built without recursion (json.loads cannot make it)."""
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_deep_signature_in_a_program_file_or_a_proofs_signature_is_our_error(proved):
    obj = proved.program.to_json()
    for sig in ({"params": _deep_object(DEEP)}, {"extra": _deep_object(DEEP)}, _deep_object(DEEP)):
        with pytest.raises(ParameterError, match="signature"):
            Program.from_json({**obj, "signature": sig})
        # the signature zkvm verify compiles the source for (programs.load): a malformed proof
        with pytest.raises(ProofFormatError):
            programs.load(proved.path, None, signature=sig)


def test_cli_verify_and_inspect_exit_1_on_a_deep_signature(proved, tmp_path):
    bad = tmp_path / "deep.proof"
    bad.write_bytes(with_signature(proved.proof, DEEP_SIGNATURES["arrays"]))
    r = zkvm_cli("verify", str(bad), "--program", str(proved.path), "--json")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    verdict = json.loads(r.stdout)
    assert verdict["valid"] is False and verdict["check"] == "proof format"
    r = zkvm_cli("inspect", str(bad))
    assert r.returncode == 1 and "signature" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_proof_of_the_previous_format_is_refused_with_a_clear_message(proved, tmp_path):
    """Proof files of format 2 held a single-table STARK proof: this zkvm (multi-table, format
    3) says so, and to prove again, in the library and on the command line."""
    old = bytearray(proved.proof)
    old[8:10] = (2).to_bytes(2, "little")
    with pytest.raises(ProofFormatError, match="older zkvm.*prove again"):
        verify(bytes(old), proved.program)
    path = tmp_path / "old.proof"
    path.write_bytes(bytes(old))
    r = zkvm_cli("verify", str(path), "--program", str(proved.path), "--json")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "older zkvm" in json.loads(r.stdout)["error"]


# --- malformed signature shapes -------------------------------------------------------------------
BAD_SIGNATURES = {
    "params is a number": {"params": 5},
    "params is a string": {"params": "x, ys"},
    "param is a number": {"params": [5]},
    "name is a number": {"params": [{"name": 5}]},
    "no name": {"params": [{"shape": []}]},
    "duplicate names": {"params": [{"name": "x"}, {"name": "x"}]},
    "string shape": {"params": [{"name": "x", "shape": "abc"}, {"name": "ys", "shape": [3]}]},
    "number shape": {"params": [{"name": "x", "shape": 3}, {"name": "ys", "shape": [3]}]},
    "negative shape": {"params": [{"name": "x", "shape": []}, {"name": "ys", "shape": [-1]}]},
    "huge shape": {"params": [{"name": "x", "shape": []}, {"name": "ys", "shape": [1 << 40]}]},
    "huge product": {"params": [{"name": "x", "shape": []}, {"name": "ys", "shape": [1 << 20] * 8}]},
    "float shape": {"params": [{"name": "x", "shape": []}, {"name": "ys", "shape": [3.0]}]},
    "bool shape": {"params": [{"name": "x", "shape": []}, {"name": "ys", "shape": [True]}]},
    "rank 9": {"params": [{"name": "x", "shape": []}, {"name": "ys", "shape": [1] * 9}]},
    "type is a list": {"params": [{"name": "x", "type": ["int"]}]},
    "output is a number": {"output": 5},
    "output shape string": {"output": {"shape": "scalar"}},
    "output record not bool": {"output": {"record": 1}},
    "output depth string": {"output": {"record": True, "depth": "2"}},
    "output depth zero": {"output": {"record": True, "depth": 0}},
    "a list": [1, 2],
    "a string": "main(x, ys)",
    "a number": 5,
    "null": None,
    "huge integer": {"extra": 1 << 70},
}


@pytest.mark.parametrize("case", sorted(BAD_SIGNATURES))
def test_malformed_signature_shapes_are_typed_errors(proved, case):
    sig = BAD_SIGNATURES[case]
    raw = json.dumps(sig, sort_keys=True, separators=(",", ":")).encode()
    for data in (with_signature(proved.proof, raw), with_embedded(proved.embedded, program_with_signature(proved.program, raw))):
        with pytest.raises(ProofFormatError):
            ProofFile.from_bytes(data)
    with pytest.raises(ParameterError, match="signature"):
        Program.from_json({**proved.program.to_json(), "signature": sig})
    if sig is not None:  # programs.load(signature=None) means "no proof": compile for no shapes
        with pytest.raises(ProofFormatError):
            programs.load(proved.path, None, signature=sig)


@pytest.mark.parametrize("case", ["params is a number", "string shape", "huge shape"])
def test_cli_verify_exits_1_on_a_malformed_signature(proved, tmp_path, case):
    raw = json.dumps(BAD_SIGNATURES[case], sort_keys=True, separators=(",", ":")).encode()
    bad = tmp_path / "bad.proof"
    bad.write_bytes(with_signature(proved.proof, raw))
    for args in (("verify", str(bad), "--program", str(proved.path)), ("inspect", str(bad)),
                 ("keygen", str(proved.path), "--proof", str(bad), "--out", str(tmp_path / "k.vk"))):
        r = zkvm_cli(*args)
        assert r.returncode == 1 and "Traceback" not in r.stderr, (args, r.stderr)


def test_signatures_the_verifier_compiles_for_must_fit_main(proved, tmp_path):
    """Well-formed signatures that cannot be this program's (other names, a list shape for an
    int, a trace too short for the shapes): the proof is rejected (exit 1), not a usage error
    and not a long compile."""
    pf = ProofFile.from_bytes(proved.proof)
    cases = [
        {"params": [{"name": "x", "shape": []}]},  # a parameter missing
        {"params": [{"name": "x", "shape": [3]}, {"name": "ys", "shape": [3]}]},  # a list for an int
        {"params": [{"name": "x", "shape": []}, {"name": "ys", "shape": [3, 3]}]},  # a matrix for a list
        {"params": [{"name": "x", "shape": []}, {"name": "ys", "shape": [1 << 27]}]},  # more words than rows
    ]
    for sig in cases:
        bad = tmp_path / "bad.proof"
        bad.write_bytes(dataclasses.replace(pf, signature=sig).to_bytes())
        t = time.perf_counter()
        r = zkvm_cli("verify", str(bad), "--program", str(proved.path))
        assert r.returncode == 1 and "REJECTED" in r.stderr and "Traceback" not in r.stderr, (sig, r.stderr)
        assert time.perf_counter() - t < 20


# --- the signature copy is bound -------------------------------------------------------------------
def test_every_byte_of_the_signature_copy_is_bound(proved):
    """Flip each bit of a byte of the copy, in turn for every byte: the proof never verifies,
    for the library verifier given the program, or accepting the embedded one."""
    for data, program in ((proved.proof, proved.program), (proved.embedded, None)):
        raw = sections(data).signature
        assert raw == signature_bytes(proved.program.signature)
        for i in range(len(raw)):
            for bit in (0x01, 0x20):
                bad = with_signature(data, raw[:i] + bytes([raw[i] ^ bit]) + raw[i + 1 :])
                with pytest.raises(VerificationError):
                    verify(bad, program)


def test_an_equal_signature_in_other_spacing_is_refused(proved):
    spaced = json.dumps(proved.program.signature, sort_keys=True).encode()
    assert json.loads(spaced) == proved.program.signature and spaced != signature_bytes(proved.program.signature)
    with pytest.raises(ProofFormatError, match="canonical"):
        verify(with_signature(proved.proof, spaced), proved.program)


def test_a_signature_changed_where_recompiling_cannot_see_it_is_rejected(proved, tmp_path):
    """zkvm verify recompiles the source for the copy's shapes: a changed type, name spelling
    or output description does not change the recompiled program, so only the equality of
    the copy and the program's signature (which the hash covers) catches it."""
    pf = ProofFile.from_bytes(proved.proof)
    sig = json.loads(json.dumps(pf.signature))
    sig["params"][1]["type"] = "list[bool]"
    other_output = {**sig, "params": pf.signature["params"], "output": {"type": "int", "shape": [1]}}
    for forged in (sig, other_output):
        bad = dataclasses.replace(pf, signature=forged).to_bytes()
        with pytest.raises(StatementMismatch, match="signature"):
            verify(bad, proved.program)
        path = tmp_path / "forged.proof"
        path.write_bytes(bad)
        r = zkvm_cli("verify", str(path), "--program", str(proved.path), "--json")
        assert r.returncode == 1 and json.loads(r.stdout)["check"] == "statement", r.stderr
    # and shapes: the recompiled program differs, so does its hash
    shapes = json.loads(json.dumps(pf.signature))
    shapes["params"][1]["shape"] = [4]
    with pytest.raises(StatementMismatch):
        verify(dataclasses.replace(pf, signature=shapes).to_bytes(), proved.program)


# --- arguments of the wrong type --------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"program": "not hex"}, {"program": 5}, {"program": [1, 2]}, {"vk": 5}, {"vk": "a key"},
    {"public_inputs": ["a"]}, {"output": [None]},
])
def test_verify_arguments_of_the_wrong_type_are_parameter_errors(proved, kwargs):
    args = {"program": proved.program, **kwargs}
    with pytest.raises(ParameterError):
        verify(proved.proof, **args)


@pytest.mark.parametrize("proof", [None, 5, "a string", [1, 2], bytearray(b"ZKVMPRF1")])
def test_proofs_of_the_wrong_type_are_format_errors(proved, proof):
    with pytest.raises(ProofFormatError):
        verify(proof, proved.program)


# --- input files -----------------------------------------------------------------------------------
BAD_INPUT_FILES = {
    "nested 100,000 deep": ('{"x": 1, "ys": ' + "[" * DEEP + "]" * DEEP + "}", "input file"),
    "nested objects": ('{"x": ' + '{"a":' * DEEP + "1" + "}" * DEEP + ', "ys": [1]}', "input file"),
    "5000-digit integer": ('{"x": ' + "9" * 5000 + ', "ys": [1]}', "input file"),
    "integer out of range": ('{"x": ' + str(1 << 64) + ', "ys": [1]}', "x"),
    "string": ('{"x": "3", "ys": [1]}', "x"),
    "null": ('{"x": null, "ys": [1]}', "x"),
    "object": ('{"x": {}, "ys": [1]}', "x"),
    "float": ('{"x": 3.0, "ys": [1]}', "x"),
    "NaN": ('{"x": NaN, "ys": [1]}', "x"),
    "list of strings": ('{"x": 1, "ys": ["a"]}', "ys"),
    "ragged": ('{"x": 1, "ys": [1, [2]]}', "ys"),
    "three deep": ('{"x": 1, "ys": [[[1]]]}', "ys"),
    "bool in a list": ('{"x": 1, "ys": [true]}', "ys"),
    "missing": ('{"x": 1}', "ys"),
    "unknown": ('{"x": 1, "ys": [1], "zs": 2}', "zs"),
    "top-level list": ("[1, 2]", "input file"),
    "top-level number": ("7", "input file"),
    "null": ("null", "input file"),
    "invalid UTF-8": (b'{"x": 1, "ys": [1]}\xff', "input file"),
    "empty": ("", "input file"),
}


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize("case", sorted(BAD_INPUT_FILES))
def test_malformed_input_files_name_the_parameter(proved, tmp_path, case):
    content, parameter = BAD_INPUT_FILES[case]
    f = _write(tmp_path / "in.json", content)
    with pytest.raises(InputError) as e:
        programs.load(proved.path, programs.read_input_file(f))
    assert e.value.parameter == parameter


@pytest.mark.parametrize("case", ["nested 100,000 deep", "5000-digit integer", "invalid UTF-8", "ragged", "null"])
def test_cli_exits_2_on_malformed_input_files(proved, tmp_path, case):
    content, parameter = BAD_INPUT_FILES[case]
    f = _write(tmp_path / "in.json", content)
    for cmd in ("check", "run", "compile"):
        r = zkvm_cli(cmd, str(proved.path), "--input", str(f))
        assert r.returncode == 2 and parameter in r.stderr and "Traceback" not in r.stderr, (cmd, r.stderr)


def test_cli_exits_2_on_malformed_assembly_input_files(tmp_path):
    prog = _write(tmp_path / "p.s", ".inputs 1\n.outputs 1\n    lda 0, @in+0\n    sta 0, @out+0\n    halt\n")
    for content, parameter in (('{"inputs": [' + "[" * DEEP + "]" * DEEP + "]}", "input file"),
                               ('{"inputs": ["a"]}', "inputs"), ('{"inputs": [1], "x": 2}', "x"),
                               ('{"inputs": 5}', "inputs"), ('"abc"', "input file")):
        f = _write(tmp_path / "in.json", content)
        r = zkvm_cli("run", str(prog), "--input", str(f))
        assert r.returncode == 2 and parameter in r.stderr and "Traceback" not in r.stderr, (content[:40], r.stderr)


# --- found by the fuzz suite ------------------------------------------------------------------------
def test_an_embedded_program_is_bound_even_when_the_caller_gives_the_program(proved):
    """A changed constant in the embedded copy was accepted when the caller passed the program
    (the copy was not looked at): every byte of a proof file must matter."""
    s = sections(proved.embedded)
    pf = ProofFile.from_bytes(proved.embedded)
    blob = bytearray(s.program)
    # the last data word: before the read-only constants (a count and its words) and the signature (a length and its bytes)
    tail = len(signature_bytes(pf.program.signature)) + 8 + 8 * len(pf.program.consts) + 8 + 8
    at = blob.index(pf.program.canonical_bytes()[-tail:])
    blob[at] ^= 1
    bad = dataclasses.replace(s, program=bytes(blob)).join()
    assert ProofFile.from_bytes(bad).program != pf.program
    for program in (proved.program, None, proved.program.hash()):
        with pytest.raises(StatementMismatch, match="embedded program"):
            verify(bad, program)


@pytest.mark.parametrize("data", [10**12, 5, None, "ZKVMVK01", [1, 2]])
def test_keys_of_the_wrong_type_are_key_format_errors(data):
    """bytes(10**12) would have allocated a terabyte before the key was read."""
    from zkvm.errors import KeyFormatError
    from zkvm.keys import VerifyingKey

    cost = cost_of(VerifyingKey.from_bytes, data)
    assert isinstance(cost.error, KeyFormatError) and cost.peak_bytes < MiB, cost


def test_cli_expect_output_nested_too_deeply_is_a_usage_error(proved):
    for text in ("[" * 30_000 + "]" * 30_000, "9" * 5000):  # (a command-line argument is at most 128 KiB)
        r = zkvm_cli("verify", str(proved.proof_path), "--program", str(proved.path), "--expect-output", text)
        assert r.returncode == 2 and "--expect-output" in r.stderr and "Traceback" not in r.stderr, r.stderr


# --- the largest inputs the limits are stated for ------------------------------------------------
def _big_embedded_data(proved: Proved) -> bytes:
    """An embedded program of 4 MiB: half a million constants (its hash is the statement's)."""
    p = proved.program
    layout = dataclasses.replace(p.layout, data_size=500_000)
    big = Program(p.code, tuple(range(500_000)), layout, p.signature)
    return _relabelled(proved, big)


def _big_embedded_code(proved: Proved) -> bytes:
    """An embedded program of 4 MiB: 100,000 instructions (decoding each cost 0.6 s untraced
    before the counts were bounded by the trace length)."""
    p = proved.program
    return _relabelled(proved, Program(p.code * (100_000 // len(p.code)), p.data, p.layout, p.signature))


def _big_public_inputs(proved: Proved) -> bytes:
    pf = ProofFile.from_bytes(proved.proof)
    return dataclasses.replace(pf, public_inputs=tuple(range(500_000))).to_bytes()


def _big_random_tail(proved: Proved) -> bytes:
    import random

    s = sections(proved.proof)
    return dataclasses.replace(s, stark=s.stark[:51] + random.Random(1).randbytes(4 << 20)).join()


def _big_signature(proved: Proved) -> bytes:
    sig = {**proved.program.signature, "extra": ["x" * 1000] * 1000}  # 1 MB, the most a signature may have
    return with_signature(proved.proof, signature_bytes(sig)[: (1 << 20) - 1] + b"]")


@pytest.mark.parametrize("build", [_big_embedded_data, _big_embedded_code, _big_public_inputs, _big_random_tail,
                                   _big_signature])
def test_inputs_of_4_mib_stay_within_1_s_and_256_mib(proved, build):
    """The fuzz suite's limits at the size they are stated for (its cases are smaller)."""
    data = build(proved)
    assert 1 << 20 <= len(data) <= 5 << 20
    for program in (proved.program, None):
        cost = cost_of(verify, data, program)
        assert isinstance(cost.error, VerificationError), repr(cost.error)
        assert cost.peak_bytes < 256 * MiB, cost
        assert cost.seconds < 1 or untraced_cpu_seconds(verify, data, program) < 1, cost
