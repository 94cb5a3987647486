"""The ``zkvm`` command line.

    zkvm run PROGRAM.py --input INPUT.json [--prove] [--proof OUT] [--json]
    zkvm verify PROOF --program PROGRAM.py [--vk PROGRAM.vk] [--commitment FILE|HEX] [--json]
    zkvm commit PROGRAM.py [--salt FILE] [--new-salt] [--json]
    zkvm keygen PROGRAM.py (--proof PROOF | --input INPUT.json) [--out PROGRAM.vk]
    zkvm compile PROGRAM.py [--input INPUT.json] [--asm] [--out PROGRAM.json] [--json]
    zkvm inspect PROOF [--json]
    zkvm check PROGRAM.py --input INPUT.json [--json]
    zkvm import MODEL.onnx -o PROGRAM.py [--calibrate SAMPLES] [--bits N] [--input-range LO HI] [--json]
    zkvm warmup [--json]
    zkvm demo

Exit codes: 0 success, 1 a proof or key was rejected (malformed ones included) or execution
failed, 2 usage errors, compile errors and bad input files, 3 a bug in zkvm. User errors are
printed as one clear message, never a traceback. With ``--json`` every outcome is exactly one
JSON object on stdout: a failure of any kind (usage, input, compile, execution, verification,
internal) is ``{"ok": false, "exit_code", "kind", "file", "line", "column", "message", ...}``
(nulls where not applicable; a compile error lists every diagnostic under ``errors``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from zkvm.errors import (
    CompileError,
    ExecutionError,
    ImportRefused,
    InputError,
    KeyFormatError,
    ParameterError,
    ProofFormatError,
    StatementMismatch,
    VerificationError,
    ZkvmError,
)

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3  # a bug in zkvm itself


class Progress:
    """Stage lines on stderr; on a terminal, one line redrawn with a bar once a proof takes
    more than a second. ``--quiet`` silences it."""

    STAGES = 9

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.perf_counter()
        self.count = 0
        self.tty = sys.stderr.isatty()

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        self.count += 1
        elapsed = time.perf_counter() - self.start
        if self.tty and elapsed > 1.0:
            done = min(self.count, self.STAGES)
            bar = "#" * (2 * done) + "." * (2 * (self.STAGES - done))
            print(f"\r  [{bar}] {elapsed:5.1f}s {message:<48}", end="", file=sys.stderr, flush=True)
        else:
            print(f"  {elapsed:5.1f}s {message}", file=sys.stderr, flush=True)

    def done(self) -> None:
        if not self.quiet and self.tty and time.perf_counter() - self.start > 1.0:
            print(file=sys.stderr, flush=True)


class UsageError(Exception):
    """A command line argparse refuses (its message, and the parser that refused it)."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors raised (UsageError) so that main() can report them as JSON."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(self, message)


# flags naming the file an error is about: InputError.parameter -> the argument holding the path
_FILE_OF = {"program": "program", "proof": "proof", "--proof": "proof", "--vk": "vk", "--out": "out",
            "--salt": "salt", "--commitment": "commitment",
            "--input": "input", "input file": "input"}


def error_object(e: BaseException, args: argparse.Namespace | None, code: int) -> dict[str, Any]:
    """The JSON object of a failure: its kind, file, line, column and message (None where not
    applicable), the exit code, and what else the kind has (every compile diagnostic, the
    failed verification check, the parameter)."""
    get = (lambda name: getattr(args, name, None)) if args is not None else (lambda name: None)
    obj: dict[str, Any] = {"ok": False, "exit_code": code, "kind": "internal", "file": None, "line": None,
                           "column": None, "message": str(e)}
    if isinstance(e, CompileError):
        def one(d) -> dict[str, Any]:
            return {"file": d.span.file, "line": d.span.line, "column": d.span.col,
                    "message": d.message + (f"; {d.help}" if d.help else "")}
        obj.update(kind="compile", **one(e.first), errors=[one(d) for d in e.diagnostics])
    elif type(e).__name__ == "AssemblyError":
        obj.update(kind="assembly", file=get("program"), line=getattr(e, "line", None))
    elif isinstance(e, ExecutionError):
        file, line = None, None
        if e.location and ":" in e.location:
            where, _, number = e.location.rpartition(":")
            file, line = (where, int(number)) if number.isdigit() else (e.location, None)
        obj.update(kind="execution", file=file or get("program"), line=line, message=e.reason, pc=e.pc, cycle=e.cycle)
    elif isinstance(e, VerificationError):
        file = get("vk") if isinstance(e, KeyFormatError) and get("vk") else get("proof")
        # (valid, check and error are what verify --json printed before every failure had this form)
        obj.update(kind="verification", file=file, message=e.detail, check=e.check, valid=False, error=str(e))
    elif isinstance(e, InputError):
        file = e.file or get(_FILE_OF.get(e.parameter, "input"))
        obj.update(kind="input", file=file, line=e.line, column=e.column, message=str(e), parameter=e.parameter)
    elif isinstance(e, ParameterError):
        obj.update(kind="usage", parameter=e.parameter)
    elif isinstance(e, ImportRefused):
        obj.update(kind="import", file=get("model"), message=e.detail, node=e.node, op=e.op)
    elif isinstance(e, UsageError):
        obj.update(kind="usage", message=f"{e.parser.prog}: {e}")
    elif isinstance(e, KeyboardInterrupt):
        obj.update(kind="interrupted", message="interrupted")
    elif isinstance(e, MemoryError):
        obj.update(message="out of memory (try a machine with more RAM, or a smaller trace)")
    elif isinstance(e, ZkvmError):
        obj.update(kind="error")
    else:
        obj.update(message=f"internal error (a bug in zkvm, please report it): {type(e).__name__}: {e}")
    return obj


def _fail(args: argparse.Namespace | None, e: BaseException, code: int, text: str, json_mode: bool = False) -> int:
    """Report a failure and return its exit code: with --json, its JSON object on stdout (and
    nothing else on stdout); otherwise ``text`` on stderr."""
    if json_mode or getattr(args, "json", False):
        print(json.dumps(error_object(e, args, code)))
    else:
        print(text, file=sys.stderr)
    return code


def _emit(args: argparse.Namespace, obj: dict[str, Any], text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(obj))
    else:
        print(text)


def _fmt_output(value: Any) -> str:
    return json.dumps(value)


# --- run ---------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    from zkvm import programs
    from zkvm.fri.options import FriOptions
    from zkvm.isa.program import shaped_output

    input_obj = programs.read_input_file(args.input) if args.input else ({} if not programs.is_assembly(args.program) else [])
    loaded = programs.load(args.program, input_obj)
    program = loaded.program
    private_words = _private_region(program, args.program)
    if not args.prove:
        from zkvm.vm.run import run

        t = time.perf_counter()
        ex = run(program, loaded.inputs, loaded.public_inputs, record=False, private_words=private_words)
        secs = time.perf_counter() - t
        output = shaped_output(program, ex.outputs)
        _emit(args, {"output": output, "cycles": ex.cycles, "run_seconds": round(secs, 4)},
              f"{_fmt_output(output)}\n{ex.cycles} cycles, {secs:.3f} s (no proof; add --prove)")
        return EXIT_OK
    from zkvm.prover import prove

    def options(heights: list[int]) -> FriOptions:
        return FriOptions.for_tables(heights, blowup=args.blowup, num_queries=args.queries,
                                     grinding_bits=args.grinding, zk=not args.no_zk)

    options([1 << 20])  # bad --blowup / --queries / --grinding values are reported before the run
    salt, published = None, None
    if private_words is not None:
        from zkvm.private import Commitment, load_salt

        salt_path = Path(args.salt) if args.salt else Path(args.program).with_suffix(".salt")
        if not salt_path.exists():
            raise InputError("--salt", f"{salt_path} does not exist: the program loads private weights; make their "
                             f"commitment and salt first (zkvm commit {args.program}), or give the salt with --salt FILE")
        salt = load_salt(salt_path)
        published_path = Path(args.program).with_suffix(".commitment")
        published = Commitment.load(published_path) if published_path.is_file() else None
    elif args.salt:
        raise InputError("--salt", f"{args.program} loads no private weights (load_private): there is nothing to salt")

    segment_rows = _segment_rows(args.segment_cycles)
    runner = None
    address = _cluster_address(args.ray)
    if address is not None:
        from zkvm import cluster

        runner = cluster.runner(address)
    progress = Progress(args.quiet or args.json)
    result = prove(program, loaded.inputs, loaded.public_inputs, options, progress=progress, embed_program=args.embed_program,
                   commit_program=True if args.commit_program else None, private_words=private_words, salt=salt,
                   segment_rows=segment_rows, segment_runner=runner, segment_constants=args.segment_constants)
    progress.done()
    if published is not None and tuple(published.digest) != tuple(result.model_commitment):
        raise InputError("--salt", f"the private weights and salt hash to another commitment than "
                         f"{Path(args.program).with_suffix('.commitment')} holds: the weights or the salt changed since "
                         "zkvm commit (commit again, and publish the new commitment)")
    out_path = Path(args.proof) if args.proof else Path(args.program).with_suffix(".proof")
    try:
        out_path.write_bytes(result.proof)
    except OSError as e:
        raise InputError("--proof", f"cannot write {out_path}: {e.strerror}") from None
    if args.vk:
        from zkvm.keys import VerifyingKey

        from zkvm.air.vm_air import COMMIT_CODE, COMMIT_CONSTS

        roots = {}
        shape = (result.trace_length.bit_length() - 1, result.blowup.bit_length() - 1)
        if result.program_root is not None:
            roots[(*shape, result.commitment & ~COMMIT_CONSTS, 0)] = result.program_root
        if result.segment_root is not None:  # (the segments after the first commit to the code only)
            roots[(*shape, result.commitment & COMMIT_CODE, 0)] = result.segment_root
        _write_key(args.vk, VerifyingKey(program.hash(), roots), "--vk")
    output = shaped_output(program, result.outputs)
    obj = {
        "output": output,
        "cycles": result.cycles,
        "trace_rows": result.trace_length,
        "proof": str(out_path),
        "proof_bytes": len(result.proof),
        "prove_seconds": round(result.seconds, 3),
        "security_bits": result.security_bits,
        "program_hash": program.hex_hash(),
        "program_columns": "committed" if result.program_root is not None else "computed by the verifier",
        "segments": result.segments,
    }
    if result.model_commitment is not None:
        from zkvm.private import Commitment

        obj["model_commitment"] = Commitment(result.model_commitment).hex()
    if args.vk:
        obj["vk"] = args.vk
    split = f" in {result.segments} segments of {result.trace_length} rows" if result.segments > 1 else ""
    _emit(args, obj, f"{_fmt_output(output)}\n{result.cycles} cycles, proved{split} in {result.seconds:.2f} s, "
          f"proof {len(result.proof) / 1024:.1f} KiB -> {out_path}, {result.security_bits} bits conjectured security")
    return EXIT_OK


def _segment_rows(value: str | None) -> int | None:
    """--segment-cycles: None (by default: from the memory budget), 0 (never split) or a power
    of two of at least 2^11 (a usage error otherwise)."""
    from zkvm.vm.segments import MIN_SEGMENT_LOG

    if value is None or value == "auto":
        return None
    try:
        rows = int(value, 0)
    except ValueError:
        rows = -1
    if rows == 0:
        return 0
    if rows < 1 << MIN_SEGMENT_LOG or rows & (rows - 1):
        raise InputError("--segment-cycles", f"a power of two of at least {1 << MIN_SEGMENT_LOG} (2^{MIN_SEGMENT_LOG}), "
                         f"0 (never split) or auto, not {value!r}")
    return rows


def _cluster_address(value: str | None) -> str | None:
    from zkvm.cluster import ray_address

    return ray_address(value)


# --- verify ------------------------------------------------------------------------------------
def cmd_verify(args: argparse.Namespace) -> int:
    from zkvm.proof_file import ProofFile
    from zkvm.verifier import verify

    data = _read_proof(args.proof)
    t = time.perf_counter()
    try:
        key = _read_key(args.vk, "--vk") if args.vk else None
        pf = ProofFile.from_bytes(data)
        program = _program_for_proof(args.program, pf)
        commitment = _read_commitment(args.commitment) if args.commitment else None
        claim = verify(pf, program, min_security_bits=args.min_security, vk=key, commitment=commitment)
        if args.expect_output is not None and claim.output != _expected_output(args.expect_output):
            raise StatementMismatch(f"the proof attests the output {_fmt_output(claim.output)}, not {args.expect_output}")
    except VerificationError as e:
        return _fail(args, e, EXIT_REJECTED, f"REJECTED ({e.check}): {e.detail}")
    secs = time.perf_counter() - t
    obj = {
        "valid": True,
        "output": claim.output,
        "program_hash": claim.program_hash,
        "public_inputs": list(claim.public_inputs),
        "security_bits": claim.security_bits,
        "zero_knowledge": claim.zero_knowledge,
        "program_columns": claim.program_columns,
        "arithmetic": claim.arithmetic,
        "verify_seconds": round(secs, 4),
    }
    if claim.model_commitment is not None:
        obj["model_commitment"] = claim.model_commitment
    obj["segments"] = claim.segments
    zk_note = "" if claim.zero_knowledge else "; NOT zero-knowledge (proved with --no-zk)"
    field_note = "" if claim.arithmetic == "exact" else "; + - * attested modulo p (field arithmetic)"
    model_note = f" with the private weights of commitment {claim.model_commitment[:16]}..." if claim.model_commitment else ""
    seg_note = f", {claim.segments} segments" if claim.segments > 1 else ""
    _emit(args, obj, f"valid: program {claim.program_hash[:16]}...{model_note} produced {_fmt_output(claim.output)} "
          f"({claim.security_bits} bits conjectured security{zk_note}{field_note}{seg_note}, verified in "
          f"{secs * 1e3:.0f} ms)")
    return EXIT_OK


def _read_commitment(where: str):
    """--commitment: a .commitment file or 64 hex digits (a usage error otherwise, exit 2)."""
    from zkvm.private import Commitment

    try:
        return Commitment.load(where)
    except ParameterError as e:
        raise InputError("--commitment", str(e).removeprefix("commitment: ")) from None


def _private_region(program, program_path: str):
    """A program's private weights, read from the files beside it (None without load_private)."""
    from zkvm.isa.program import private_size

    if not private_size(program):
        return None
    from zkvm.private import load_region

    return load_region(program, Path(program_path).resolve().parent)


# --- commit ------------------------------------------------------------------------------------
def cmd_commit(args: argparse.Namespace) -> int:
    """Commit to a program's private weights: PROGRAM.commitment (publish it) and PROGRAM.salt
    (keep it secret; zkvm run --prove needs it)."""
    from zkvm import programs
    from zkvm.private import Commitment, commit, load_salt, new_salt, private_arrays, save_salt

    default_input = Path(args.program).with_suffix(".input.json")
    input_path = args.input or (str(default_input) if default_input.is_file() else None)
    input_obj = programs.read_input_file(input_path) if input_path else None
    program = programs.load(args.program, input_obj).program  # (the private arrays do not depend on the input)
    region = _private_region(program, args.program)
    if region is None:
        raise InputError("program", f"{args.program} loads no private weights: use load_private(\"file.npz\", \"W1\") "
                         "for the weights to keep secret", args.program)
    salt_path = Path(args.salt) if args.salt else Path(args.program).with_suffix(".salt")
    reused = salt_path.exists() and not args.new_salt
    salt = load_salt(salt_path) if reused else new_salt()
    t = time.perf_counter()
    digest = commit(region, salt)
    secs = time.perf_counter() - t
    c = Commitment(digest, tuple(private_arrays(program)))
    out = Path(args.out) if args.out else Path(args.program).with_suffix(".commitment")
    try:
        if not reused:
            save_salt(salt, salt_path)
        out.write_text(json.dumps(c.to_json(), indent=1) + "\n")
    except OSError as e:
        raise InputError("--out", f"cannot write {e.filename}: {e.strerror}") from None
    words = sum(a["shape"][0] * (a["shape"][1] if len(a["shape"]) == 2 else 1) for a in c.arrays)
    obj = {"commitment": c.hex(), "commitment_file": str(out), "salt_file": str(salt_path), "salt_reused": reused,
           "private_weights": words, "arrays": list(c.arrays), "commit_seconds": round(secs, 3)}
    _emit(args, obj, f"commitment {c.hex()}\n{words} private weights in {len(c.arrays)} array(s), hashed in {secs:.2f} s\n"
          f"  publish {out}\n  keep secret {salt_path}" + (" (reused)" if reused else " (new)"))
    return EXIT_OK


def _program_for_proof(program_path: str, pf):
    """The program a proof is checked against, compiled for the shapes in the proof's signature.

    The signature is not trusted yet: its shapes must fit the proof's trace (one memory row per
    input word) before the compiler sees them, so a small file cannot make it build a huge
    program, and a signature that cannot be this program's is a rejected proof (exit 1). The
    caller's verify() then binds the result: the program hash, and the signature's equality."""
    from zkvm import programs
    from zkvm.isa.program import validate_signature

    try:
        validate_signature(pf.signature, max_words=pf.trace_length)
    except ParameterError as e:
        raise ProofFormatError(f"{e} (the proof's trace has {pf.trace_length} rows)") from None
    return programs.load(program_path, None, signature=pf.signature).program


def _read_key(path: str, parameter: str):
    """A verifying key file: a missing or unreadable file is a usage error naming the flag
    (exit 2), a malformed one a rejected key (KeyFormatError, exit 1) naming the file."""
    from zkvm.errors import KeyFormatError
    from zkvm.keys import VerifyingKey

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(parameter, f"{path} does not exist (make one with zkvm keygen)") from None
    except OSError as e:
        raise InputError(parameter, f"cannot read {path}: {e.strerror}") from None
    try:
        return VerifyingKey.from_bytes(data)
    except KeyFormatError as e:
        raise KeyFormatError(f"{parameter} {path}: {e.detail}") from None


def _write_key(path: str, key, parameter: str) -> None:
    """Write a verifying key, keeping the entries of an existing key for the same program."""
    target = Path(path)
    if target.exists():
        old = _read_key(path, parameter)
        if old.program_hash == key.program_hash:
            key = old.merged(key)
    try:
        target.write_bytes(key.to_bytes())
    except OSError as e:
        raise InputError(parameter, f"cannot write {path}: {e.strerror}") from None


# --- keygen ------------------------------------------------------------------------------------
def cmd_keygen(args: argparse.Namespace) -> int:
    from zkvm import programs
    from zkvm.air.vm_air import COMMIT_CODE, COMMIT_CONSTS, COMMIT_DATA, commitment_for
    from zkvm.fri.options import FriOptions
    from zkvm.isa.program import const_pieces
    from zkvm.keygen import verifying_key

    if (args.proof is None) == (args.input is None):
        raise ParameterError("--proof/--input", "give exactly one: a proof (its trace length and blowup) or an input file "
                                                "(run once to learn the trace length)")
    if args.proof is not None:
        from zkvm.proof_file import ProofFile
        from zkvm.verifier import verify

        # the proof is verified first: until then its header (trace length, blowup, parts) is
        # anyone's claim, and a key for 2^28 rows would cost minutes and many GiB to compute
        pf = ProofFile.from_bytes(_read_proof(args.proof))
        program = _program_for_proof(args.program, pf)
        verify(pf, program, min_security_bits=args.min_security)
        n, blowup, commitment = pf.trace_length, pf.stark.options.blowup, pf.commitment
        segmented_run = bool(pf.segments)
    else:
        from zkvm.prover import _auto_segment_rows, vm_tables
        from zkvm.vm.run import run

        loaded = programs.load(args.program, programs.read_input_file(args.input))
        program = loaded.program
        private_words = _private_region(program, args.program)
        commitment = commitment_for(program, True if args.commit_program else None)
        segment_rows = _auto_segment_rows(program, loaded.inputs, loaded.public_inputs, private_words, None, None)
        segmented_run = segment_rows > 0
        if segmented_run:  # (a run this long is proven in segments by default: the key is for their shape)
            from zkvm.segmented import segment_options

            n = segment_rows
            blowup = args.blowup or segment_options(n, consts=program.layout.const_size > 0).blowup
        else:
            from zkvm.private import SALT_WORDS

            execution = run(program, loaded.inputs, loaded.public_inputs, private_words=private_words)
            n = execution.trace_length
            # (the proof's tables, for their heights: no salt changes those)
            _, traces, _, _ = vm_tables(program, execution, None, commitment, salt=[0] * SALT_WORDS)
            blowup = FriOptions.for_tables([n] + [t.shape[0] for t in traces[1:]], blowup=args.blowup).blowup
    t = time.perf_counter()
    key = verifying_key(program, [(n, blowup)], commitment, segmented=segmented_run)
    out = args.out or str(Path(args.program).with_suffix(".vk"))
    _write_key(out, key, "--out")
    cpu_parts = commitment & ~COMMIT_CONSTS
    root = key.root_for(n, blowup, cpu_parts) if cpu_parts else None
    data_root = (key.root_for(const_pieces(program.layout.const_size)[0], blowup, COMMIT_CONSTS)
                 if commitment & COMMIT_CONSTS else None)
    names = [name for bit, name in ((COMMIT_CODE, "its code"), (COMMIT_DATA, "its mutable constants"),
                                    (COMMIT_CONSTS, "its read-only constants")) if commitment & bit]
    parts = " and ".join(names) if names else "nothing"
    obj = {"vk": out, "program_hash": program.hex_hash(), "trace_rows": n, "blowup": blowup, "segmented": segmented_run,
           "committed": parts,
           "root": root.hex() if root else None, "constants_root": data_root.hex() if data_root else None,
           "seconds": round(time.perf_counter() - t, 3)}
    root = root or data_root
    if root is not None:
        text = (f"verifying key for trace length 2^{n.bit_length() - 1}, blowup {blowup} ({parts}) -> {out} "
                f"(root {root.hex()[:16]}..., {obj['seconds']:.2f} s)")
    else:
        text = (f"{out}: this program is small, so its proofs commit to none of its parts (the verifier computes "
                "them quickly) and the key only binds the program hash; prove with --commit-program to commit")
    _emit(args, obj, text)
    return EXIT_OK


def _expected_output(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError("--expect-output", f"not JSON ({e.msg}); write e.g. 7 or [1, 2]") from None
    except (RecursionError, ValueError):  # nested too deeply, or an integer of thousands of digits
        raise InputError("--expect-output", "not usable JSON; write e.g. 7 or [1, 2]") from None


def _read_proof(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("proof", f"{path} does not exist") from None
    except OSError as e:
        raise InputError("proof", f"cannot read {path}: {e.strerror}") from None


# --- inspect -----------------------------------------------------------------------------------
def _shaped_claim(pf) -> object:
    """The claimed output as the program returns it, shaped by the signature the proof carries
    (e.g. a returned list without its length header); the raw cells if that is not possible."""
    from types import SimpleNamespace

    from zkvm.isa.program import shaped_output

    try:
        return shaped_output(SimpleNamespace(signature=pf.signature or {}), list(pf.outputs))
    except Exception:  # a malformed signature: show the cells as they are
        return list(pf.outputs)


def cmd_inspect(args: argparse.Namespace) -> int:
    from zkvm.proof_file import ProofFile

    data = _read_proof(args.proof)
    try:
        pf = ProofFile.from_bytes(data)
    except VerificationError as e:
        return _fail(args, e, EXIT_REJECTED, f"not a valid proof file: {e.detail}")
    st = pf.stark
    o = st.options
    sections = {name: len(blob) for name, blob in st.sections()}
    if pf.segments:  # (the sections above are the first segment's)
        sections[f"segments 2..{1 + len(pf.segments)}"] = sum(len(seg.to_bytes()) for seg in pf.segments)
    fixed_root = st.tables[0].fixed_root
    roots = [tp.fixed_root.hex() for tp in st.tables if tp.fixed_root is not None]  # (the data table's pieces too)
    obj = {
        "program_hash": pf.program_hash.hex(),
        "public_inputs": list(pf.public_inputs),
        "output": _shaped_claim(pf),
        "output_cells": list(pf.outputs),
        "signature": pf.signature,
        "embedded_program": pf.program is not None,
        "trace_rows": pf.trace_length,
        "table_rows": [t.trace_length for t in st.tables],
        "parameters": {
            "blowup": o.blowup, "queries": o.num_queries, "grinding_bits": o.grinding_bits,
            "fri_folding": o.folding_factor, "fri_final_degree": o.final_degree,
        },
        "security_bits": st.security_bits,
        "zero_knowledge": o.zk,
        "arithmetic": "exact" if isinstance(pf.signature, dict) and pf.signature.get("arithmetic") == "exact" else "field",
        "program_columns_root": fixed_root.hex() if fixed_root is not None else None,
        "program_columns_roots": roots,
        "proof_bytes": len(data),
        "stark_sections": sections,
        "model_commitment": b"".join(int(v).to_bytes(8, "little") for v in pf.model_commitment).hex()
        if pf.model_commitment is not None else None,
        "segments": 1 + len(pf.segments),
        "segment_table_rows": [[t.trace_length for t in seg.tables] for seg in (st, *pf.segments)] if pf.segments else None,
    }
    if args.json:
        print(json.dumps(obj))
        return EXIT_OK
    print(f"program hash     {obj['program_hash']}")
    print(f"public inputs    {obj['public_inputs']}")
    plain = obj["output"] in (obj["output_cells"], *obj["output_cells"][:1]) and len(obj["output_cells"]) <= 1 \
        or obj["output"] == obj["output_cells"]
    print(f"output           {obj['output']}" + ("" if plain else f"  (claimed memory cells {obj['output_cells']})"))
    print(f"trace rows       {pf.trace_length} (2^{pf.trace_length.bit_length() - 1})"
          + (f"; tables of {', '.join(str(t.trace_length) for t in st.tables)} rows" if len(st.tables) > 1 else ""))
    if pf.segments:
        print(f"segments         {obj['segments']} of {pf.trace_length} rows (each proven on its own; each hands its "
              "memory and state to the next in a shared, hidden image)")
    print(f"parameters       blowup {o.blowup}, {o.num_queries} queries, {o.grinding_bits} grinding bits, "
          f"FRI folding {o.folding_factor}, final degree {o.final_degree}")
    print(f"security         {st.security_bits} bits (conjectured)")
    print("zero-knowledge   " + ("yes (the proof reveals nothing about the private inputs beyond the output)" if o.zk
                                 else "NO: proved with --no-zk; the openings may reveal information about the private inputs"))
    print("arithmetic       " + ("exact (the output is CPython's result: no +, -, * can wrap around p)"
                                 if obj["arithmetic"] == "exact" else "field (+, -, * and dot products attested modulo p)"))
    print("program columns  " + (f"committed, root{'s' if len(roots) > 1 else ''} {', '.join(r[:16] + '...' for r in roots)} "
                                 "(check with a verifying key)" if roots else "computed by the verifier"))
    if obj["model_commitment"]:
        print(f"model commitment {obj['model_commitment']} (private weights: verify with --commitment, "
              "the value the model's owner published)")
    print(f"size             {len(data)} bytes")
    width = max(map(len, sections), default=0)
    for name, size in sections.items():
        print(f"  {name:<{width}} {size:>8} bytes")
    return EXIT_OK


# --- compile / check -----------------------------------------------------------------------------
def cmd_compile(args: argparse.Namespace) -> int:
    from zkvm import programs
    from zkvm.isa.asm import disassemble

    input_obj = programs.read_input_file(args.input) if args.input else None
    loaded = programs.load(args.program, input_obj)
    p = loaded.program
    if args.out:
        try:
            Path(args.out).write_text(json.dumps(p.to_json()))
        except OSError as e:
            raise InputError("--out", f"cannot write {args.out}: {e.strerror}") from None
    obj = {"ok": True, "program_hash": p.hex_hash(), "instructions": len(p.code), "constant_words": len(p.data),
           "input_words": p.layout.in_size, "output_words": p.layout.out_size, "out": args.out}
    if args.json:
        if args.asm:
            obj["asm"] = disassemble(p)
        print(json.dumps(obj))
    elif args.asm:
        print(disassemble(p), end="")
    else:
        print(f"program {p.hex_hash()}")
        print(f"{len(p.code)} instructions, {len(p.data)} constant words, "
              f"{p.layout.in_size} input words, {p.layout.out_size} output words")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from zkvm import programs

    loaded = programs.load(args.program, programs.read_input_file(args.input))
    params = loaded.program.signature.get("params", [])
    desc = ", ".join(f"{p['name']}: {p.get('type', 'int')} {p.get('shape', [])}" for p in params) or "no parameters"
    obj = {"ok": True, "input": args.input, "params": params, "input_values": len(loaded.inputs)}
    _emit(args, obj, f"{args.input} matches main({desc}): {len(loaded.inputs)} input values")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from zkvm.importer import import_model

    progress = Progress(args.quiet or args.json)
    result = import_model(args.model, args.out, calibrate=args.calibrate, bits=args.bits,
                          input_range=tuple(args.input_range) if args.input_range else None,
                          agreement_samples=args.agreement_samples, progress=progress)
    progress.done()
    obj = {"ok": True, **result.summary()}
    p, a = result.program, result.agreement
    lines = [f"wrote {result.program_path} (the program), {result.weights_path.name} ({len(p.arrays)} integer arrays) "
             f"and {result.input_path.name} (one sample)",
             f"input {p.input.name!r}: {p.input.length} values at scale 2^{p.input.frac_bits}, domain "
             f"[{p.input.lo_float:g}, {p.input.hi_float:g}] ({p.input.domain_source})"]
    if a is not None:
        lines += a.lines() + [f"reference: {result.reference_source}"]
        for i, got, want in a.disagreements[:10]:
            lines.append(f"  sample {i}: program {got}, float model {want}")
    else:
        lines.append("agreement not measured: give calibration samples with --calibrate")
    lines.append(f"next: zkvm run {result.program_path} --input {result.input_path} --prove")
    _emit(args, obj, "\n".join(lines))
    return EXIT_OK


# --- demo ----------------------------------------------------------------------------------------
def cmd_warmup(args: argparse.Namespace) -> int:
    from zkvm.warmup import warm

    t = time.perf_counter()
    warm(lambda msg: None if args.quiet else print(msg, file=sys.stderr, flush=True))
    secs = time.perf_counter() - t
    _emit(args, {"ok": True, "seconds": round(secs, 3)}, f"prover kernels compiled and cached in {secs:.1f} s")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Prove and verify that a random codeword is low-degree with FRI (the foundations demo)."""
    import numpy as np

    from zkvm.crypto.transcript import Transcript
    from zkvm.field import goldilocks as gl
    from zkvm.field import ntt
    from zkvm.fri import prover, verifier
    from zkvm.fri.options import FriOptions
    from zkvm.fri.proof import FriProof

    log_d = args.log_degree
    if not 1 <= log_d <= 24:
        raise ParameterError("--log-degree", "must be in [1, 24]")
    options = FriOptions(blowup=args.blowup, folding_factor=args.folding)
    degree = 1 << log_d
    size = degree * options.blowup
    security = options.check_security(size)
    progress = Progress(args.quiet)
    progress(f"FRI on a random polynomial of degree < 2^{log_d}, blowup {options.blowup}")
    rng = np.random.default_rng()
    coeffs = np.zeros((size, 2), dtype=np.uint64)
    coeffs[:degree] = rng.integers(0, gl.P, (degree, 2), dtype=np.uint64)
    t0 = time.perf_counter()
    codeword = ntt.lde_from_coefficients(coeffs, 1)
    t1 = time.perf_counter()
    result = prover.prove(codeword, degree, options, Transcript(b"zkvm demo"))
    t2 = time.perf_counter()
    data = result.proof.to_bytes()
    t3 = time.perf_counter()
    proof = FriProof.from_bytes(data, options, size, degree)
    verifier.verify(proof, options, Transcript(b"zkvm demo"), size, degree)
    t4 = time.perf_counter()
    progress.done()
    print(f"FRI proof verified: degree < 2^{log_d}, domain 2^{size.bit_length() - 1}, {options.num_queries} queries, "
          f"{options.grinding_bits} grinding bits, {security} bits conjectured security")
    print(f"codeword {t1 - t0:.2f} s, prove {t2 - t1:.2f} s, verify {(t4 - t3) * 1e3:.1f} ms, proof {len(data) / 1024:.1f} KiB")
    return EXIT_OK


# --- parser --------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="zkvm",
        description="Prove the execution of ML inference written in plain Python; verify proofs.",
        epilog="Exit codes: 0 ok, 1 proof rejected or execution failed, 2 usage, compile or input errors.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a program on an input file, optionally proving it",
                         description="Run PROGRAM (a DSL .py file or an assembly .s file) on INPUT.json; with --prove also write a proof.")
    run.add_argument("program", help="the program (.py DSL or .s assembly)")
    run.add_argument("--input", "-i", help="JSON file mapping main's parameters to values")
    run.add_argument("--prove", action="store_true", help="prove the execution and write the proof")
    run.add_argument("--proof", help="where to write the proof (default: PROGRAM.proof)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    run.add_argument("--embed-program", action="store_true", help="embed the program in the proof (verifiable from its hash alone)")
    run.add_argument("--blowup", type=int, default=None,
                     help="LDE blowup (default 8, or 4 from 2^19 trace rows, where it makes proving faster)")
    run.add_argument("--queries", type=int, default=None,
                     help="FRI queries (default: the fewest that give 100 conjectured bits)")
    run.add_argument("--no-zk", action="store_true",
                     help="prove without zero-knowledge (faster; the proof may reveal information about the "
                          "private inputs, and says so): for benchmarking only")
    run.add_argument("--grinding", type=int, default=20, help="proof-of-work bits (default 20)")
    run.add_argument("--commit-program", action="store_true",
                     help="commit to the program's code and constants even if it is small (large programs always do)")
    run.add_argument("--vk", metavar="FILE", help="also write (or add to) the program's verifying key (see zkvm keygen)")
    run.add_argument("--segment-cycles", metavar="N", default=None,
                     help="split a longer run into segments of N rows (a power of two; each holds up to N - 1 cycles), "
                          "each proven on its own: memory is one segment's (default auto: only runs whose whole proof "
                          "would pass the memory budget; 0 never splits)")
    run.add_argument("--segment-constants", choices=("read", "all"), default="read",
                     help="which of a large program's constants each segment carries: read (default: the 2^16-row "
                          "pieces it reads; which pieces is public) or all (every segment all of them: use it when "
                          "the program indexes a constant table of over 2^19 words by private values; docs/zk.md)")
    run.add_argument("--ray", metavar="ADDRESS", default=None,
                     help="prove the segments as tasks on the Ray cluster at ADDRESS (auto, host:port, ray://host:port, "
                          "or local to start one here; default: $ZKVM_RAY_ADDRESS, else in this process); "
                          'needs pip install -e ".[cluster]"')
    run.add_argument("--salt", metavar="FILE", help="the salt of the private weights' commitment (default: PROGRAM.salt, "
                     "written by zkvm commit)")
    run.set_defaults(func=cmd_run)

    ver = sub.add_parser("verify", help="verify a proof against a program", description="Verify PROOF for PROGRAM and print the attested output.")
    ver.add_argument("proof", help="the proof file")
    ver.add_argument("--program", "-p", required=True, help="the program the proof must be about (.py or .s)")
    ver.add_argument("--json", action="store_true", help="print one JSON object")
    ver.add_argument("--min-security", type=int, default=100, help="refuse proofs below this many bits (default 100)")
    ver.add_argument("--vk", metavar="FILE", help="the program's verifying key (zkvm keygen): a large program's "
                     "constants are then checked by one root instead of being evaluated")
    ver.add_argument("--commitment", metavar="FILE|HEX", help="the model commitment the owner published (a .commitment "
                     "file or 64 hex digits): required for programs with private weights")
    ver.add_argument("--expect-output", metavar="JSON", help="the output you were told (e.g. 7 or [1, 2]); reject (exit 1) if the proof attests another")
    ver.set_defaults(func=cmd_verify)

    com = sub.add_parser("commit", help="commit to a program's private weights (load_private)",
                         description="Hash the private weights PROGRAM loads (load_private) with a secret salt: writes "
                                     "PROGRAM.commitment (publish it: verifiers check proofs against it) and PROGRAM.salt "
                                     "(keep it secret: zkvm run --prove needs it). An existing salt file is reused.")
    com.add_argument("program", help="the program (.py DSL)")
    com.add_argument("--input", "-i", help="an input file fixing main's list lengths, if the program needs one to "
                     "compile (default: PROGRAM.input.json when it exists)")
    com.add_argument("--salt", metavar="FILE", help="the salt file to use or create (default: PROGRAM.salt)")
    com.add_argument("--new-salt", action="store_true", help="draw a new salt even if the salt file exists")
    com.add_argument("--out", "-o", help="the commitment file (default: PROGRAM.commitment)")
    com.add_argument("--json", action="store_true", help="print one JSON object")
    com.set_defaults(func=cmd_commit)

    key = sub.add_parser("keygen", help="compute a program's verifying key (fast verification of large models)",
                         description="Compute the root of PROGRAM's committed code and constants for the trace length "
                         "and blowup of a proof (--proof) or of a run on an input file (--input), and write it to a "
                         "verifying key (adding to an existing key of the same program). The key is computed from the "
                         "program alone: a verifier can make its own instead of trusting the prover's.")
    key.add_argument("program", help="the program (.py DSL or .s assembly)")
    key.add_argument("--proof", help="take the trace length and blowup from this proof, once it is verified (its root "
                     "is recomputed, not copied)")
    key.add_argument("--min-security", type=int, default=100,
                     help="with --proof: refuse proofs below this many bits, as verify does (default 100)")
    key.add_argument("--input", "-i", help="run the program on this input file to learn the trace length")
    key.add_argument("--blowup", type=int, default=None, help="with --input: the blowup (default: the prover's default)")
    key.add_argument("--commit-program", action="store_true", help="with --input: for proofs made with run --commit-program")
    key.add_argument("--out", "-o", help="the key file (default: PROGRAM.vk)")
    key.add_argument("--json", action="store_true", help="print one JSON object")
    key.set_defaults(func=cmd_keygen)

    comp = sub.add_parser("compile", help="compile a program and print a summary or its assembly")
    comp.add_argument("program")
    comp.add_argument("--input", "-i", help="an input file fixing the shapes of list parameters")
    comp.add_argument("--asm", action="store_true", help="print the assembly, with source lines as comments")
    comp.add_argument("--out", help="write the compiled program as JSON (for the light verifier)")
    comp.add_argument("--json", action="store_true", help="print one JSON object (the assembly under \"asm\" with --asm)")
    comp.set_defaults(func=cmd_compile)

    ins = sub.add_parser("inspect", help="show a proof's statement, parameters and sizes")
    ins.add_argument("proof")
    ins.add_argument("--json", action="store_true", help="print one JSON object")
    ins.set_defaults(func=cmd_inspect)

    chk = sub.add_parser("check", help="check an input file against main's signature")
    chk.add_argument("program")
    chk.add_argument("--input", "-i", required=True)
    chk.add_argument("--json", action="store_true", help="print one JSON object")
    chk.set_defaults(func=cmd_check)

    imp = sub.add_parser("import", help="turn an ONNX model (PyTorch, scikit-learn via skl2onnx) into a program",
                         description="Write MODEL.onnx as a DSL program (-o model.py), its integer weights "
                         "(model.npz) and an input file for one sample (model.input.json). Weights and activations "
                         "are quantized to --bits-bit integers at power-of-two scales chosen from the calibration "
                         "samples; the quantization is shown overflow-free for every input in the declared domain "
                         "(--input-range, else the calibration samples' range, else the input type's), and the "
                         "program checks its input against that domain. With --calibrate, the written program is "
                         "run on the samples and compared with the float model. Needs pip install 'zkvm[import]'.")
    imp.add_argument("model", help="the ONNX model (.onnx)")
    imp.add_argument("--out", "-o", required=True, help="the program to write (.py); weights and input go beside it")
    imp.add_argument("--calibrate", metavar="SAMPLES", help="calibration samples (.npy, .npz or .json), one per row")
    imp.add_argument("--bits", type=int, default=None, help="precision of weights and activations (default 16)")
    imp.add_argument("--input-range", nargs=2, type=float, metavar=("LO", "HI"),
                     help="the domain of every input value (default: the calibration samples' range)")
    imp.add_argument("--agreement-samples", type=int, metavar="N",
                     help="run the written program on the first N calibration samples to measure agreement "
                          "(default: all, up to about 15 s of CPython)")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    imp.set_defaults(func=cmd_import)

    warmup = sub.add_parser("warmup", help="compile and cache the prover's kernels now (else the first proof does)",
                            description="Compile the prover's Numba kernels into the on-disk cache (about a minute, "
                                        "once per installation; the first proof otherwise does it, using both cores).")
    warmup.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    warmup.add_argument("--json", action="store_true", help="print one JSON object")
    warmup.set_defaults(func=cmd_warmup)
    demo = sub.add_parser("demo", help="prove and verify a FRI low-degree test (foundations demo)")
    demo.add_argument("--log-degree", type=int, default=16, help="log2 of the degree bound (default 16)")
    demo.add_argument("--blowup", type=int, default=8, help="LDE blowup factor (default 8)")
    demo.add_argument("--folding", type=int, default=8, help="FRI folding factor: 2, 4, 8 or 16 (default 8)")
    demo.add_argument("--quiet", action="store_true", help="no progress output on stderr")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    json_mode = "--json" in argv  # (known before argparse has read the line, for its own errors)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        if json_mode:
            return _fail(None, e, EXIT_USAGE, "", json_mode=True)
        e.parser.print_usage(sys.stderr)
        print(f"{e.parser.prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as e:  # --help printed the help
        return EXIT_USAGE if e.code else EXIT_OK
    if not getattr(args, "func", None):
        if json_mode:
            return _fail(None, UsageError(parser, "no command given"), EXIT_USAGE, "", json_mode=True)
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except VerificationError as e:
        return _fail(args, e, EXIT_REJECTED, f"rejected ({e.check}): {e.detail}")
    except ExecutionError as e:
        return _fail(args, e, EXIT_REJECTED, f"execution failed: {e}")
    except (InputError, ParameterError) as e:
        return _fail(args, e, EXIT_USAGE, f"error: {e}")
    except ZkvmError as e:
        kind = type(e).__name__
        code = EXIT_USAGE if kind in ("CompileError", "AssemblyError", "ImportRefused") else EXIT_REJECTED
        return _fail(args, e, code, f"error: {e}")
    except KeyboardInterrupt as e:
        return _fail(args, e, 130, "interrupted")
    except MemoryError as e:
        return _fail(args, e, EXIT_INTERNAL, "error: out of memory (try a machine with more RAM, or a smaller trace)")
    except BrokenPipeError:  # the reader went away (zkvm inspect p | head): not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")  # so that the interpreter's final flush is quiet
        except OSError:
            pass
        return EXIT_OK
    except Exception as e:  # a bug in zkvm, not in the user's input: say so, briefly
        if os.environ.get("ZKVM_DEBUG"):
            raise
        return _fail(args, e, EXIT_INTERNAL, f"internal error (a bug in zkvm, please report it): {type(e).__name__}: {e}\n"
                     "rerun with ZKVM_DEBUG=1 for the traceback")


if __name__ == "__main__":
    sys.exit(main())
