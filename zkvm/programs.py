"""Loading programs and input files for the command line and the Python API.

A program is a DSL file (``.py``, compiled for the shapes of its inputs) or an assembly file
(``.s``/``.asm``). Input files are JSON: for a DSL program an object mapping ``main``'s
parameter names to ints or nested lists of ints; for an assembly program an object with
``"inputs"`` (and optionally ``"public_inputs"``) lists, or a bare list. Every problem raises
:class:`~zkvm.errors.InputError` naming the parameter or the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkvm.errors import InputError, ParameterError, ProofFormatError, StatementMismatch
from zkvm.isa.program import Program, validate_signature

ASSEMBLY_SUFFIXES = (".s", ".asm")


@dataclass
class LoadedProgram:
    program: Program
    inputs: list[int]
    public_inputs: list[int]


def read_json(path: str | Path, what: str = "input file") -> Any:
    """A JSON file; anything wrong with it (missing, not UTF-8, not JSON, nested too deeply
    for the parser, an integer of more digits than Python converts) is an InputError."""
    p = Path(path)
    text = _read_text(p, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(what, f"{p} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})", str(p),
                         e.lineno, e.colno) from None
    except RecursionError:
        raise InputError(what, f"{p} is nested too deeply", str(p)) from None
    except ValueError as e:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        raise InputError(what, f"{p} is not usable JSON ({e})", str(p)) from None


def read_input_file(path: str | Path) -> Any:
    """An input file (``--input``): JSON that is not null (``load`` takes None to mean "no
    input file", which would ask the user for the input file they gave)."""
    obj = read_json(path, "input file")
    if obj is None:
        raise InputError("input file", f"{path} holds null, not main's inputs (a JSON object mapping parameter names to values)",
                         str(path))
    return obj


def _read_text(p: Path, what: str) -> str:
    try:
        return p.read_bytes().decode()
    except FileNotFoundError:
        raise InputError(what, f"{p} does not exist", str(p)) from None
    except OSError as e:
        raise InputError(what, f"cannot read {p}: {e.strerror}", str(p)) from None
    except UnicodeDecodeError as e:
        raise InputError(what, f"{p} is not UTF-8 text (byte {e.start})", str(p)) from None


def is_assembly(path: str | Path) -> bool:
    return Path(path).suffix.lower() in ASSEMBLY_SUFFIXES


def load_assembly(path: str | Path) -> Program:
    from zkvm.isa.asm import assemble

    p = Path(path)
    return assemble(_read_text(p, "program"), signature={"source": p.name})


def _flat_ints(values: Any, what: str) -> list[int]:
    if not isinstance(values, list):
        raise InputError(what, f"expected a list of integers, got {type(values).__name__}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int):
            kind = "a float (use scaled integers)" if isinstance(v, float) else type(v).__name__
            raise InputError(what, f"element {i} is {kind}, expected an integer")
        out.append(v)
    return out


def assembly_inputs(obj: Any) -> tuple[list[int], list[int]]:
    if isinstance(obj, list):
        return _flat_ints(obj, "inputs"), []
    if not isinstance(obj, dict):
        raise InputError("input file", "expected a JSON object with \"inputs\" (or a list)")
    unknown = set(obj) - {"inputs", "public_inputs"}
    if unknown:
        raise InputError(sorted(unknown)[0], "unknown key (assembly programs take \"inputs\" and \"public_inputs\")")
    return _flat_ints(obj.get("inputs", []), "inputs"), _flat_ints(obj.get("public_inputs", []), "public_inputs")


def _private_shapes(signature: dict | None) -> dict | None:
    """The shapes of the private weights a proof's signature states, for compiling the program
    where their files are not (a verifier's machine); the program hash then binds them."""
    arrays = (signature or {}).get("private", {}).get("arrays", []) if isinstance(signature, dict) else []
    out = {}
    for a in arrays if isinstance(arrays, list) else []:
        if isinstance(a, dict) and isinstance(a.get("file"), str) and isinstance(a.get("name"), str) \
                and isinstance(a.get("shape"), list):
            out[(a["file"], a["name"])] = a["shape"]
    return out or None


def load(program_path: str | Path, input_obj: Any | None = None, signature: dict | None = None) -> LoadedProgram:
    """Compile or assemble a program for an input object (shapes come from the inputs, or from
    a proof's ``signature`` when verifying: then a signature that cannot be this program's,
    malformed, naming other parameters or shapes main's annotations refuse, is a rejected
    proof, StatementMismatch or ProofFormatError; the caller still compares hashes)."""
    path = Path(program_path)
    if not path.exists():
        raise InputError("program", f"{path} does not exist", str(path))
    text = _read_text(path, "program")  # an unreadable or non-UTF-8 file is the user's error, named here
    if is_assembly(path):
        program = load_assembly(path)
        inputs, public = assembly_inputs(input_obj) if input_obj is not None else ([], [])
        return LoadedProgram(program, inputs, public)
    try:
        from zkvm import compiler
    except ImportError as e:  # pragma: no cover - the compiler ships with the package
        raise ParameterError("program", f"the DSL compiler is not available ({e})") from None
    # a proof's signature is checked before the program is parsed (a malformed proof is named
    # as such even if the program has errors too)
    shapes = _proof_shapes(signature) if input_obj is None and signature is not None else None
    private_shapes = _private_shapes(signature)
    # parsed and checked once for everything below (newlines read as Path.read_text reads them)
    source = compiler.check_source(text.replace("\r\n", "\n").replace("\r", "\n"), str(path))
    if input_obj is not None:
        program = source.compile(compiler.input_shapes_of(source.main_parameters(), input_obj))
        return LoadedProgram(program, compiler.flatten_inputs(program, input_obj), [])
    if shapes is None:
        return LoadedProgram(source.compile(None, private_shapes), [], [])
    ours = [name for name, _ in source.main_parameters()]
    if sorted(ours) != sorted(shapes):
        # the proof was made for a program whose main takes other inputs: not this one
        raise StatementMismatch(
            f"the proof is about a program whose main takes ({', '.join(shapes)}); "
            f"{path.name}'s main takes ({', '.join(ours)})")
    try:
        program = source.compile(shapes, private_shapes)
    except InputError as e:  # names match, shapes do not fit main's annotations: the proof's doing
        raise StatementMismatch(f"the proof's signature does not fit {path.name}'s main: {e}") from None
    return LoadedProgram(program, [], [])


def _proof_shapes(signature: Any) -> dict[str, list[int]]:
    """main's parameter shapes from a proof's signature, validated first (a hostile signature
    is a malformed proof: ProofFormatError, exit 1)."""
    try:
        validate_signature(signature)
    except ParameterError as e:
        raise ProofFormatError(str(e)) from None
    return {p["name"]: p.get("shape", []) for p in signature.get("params", [])}
