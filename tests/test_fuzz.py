"""A fuzz suite over everything zkvm reads from others: proof bytes, proof files, verifying
keys, signatures, program files and input files (issue 17, item 6).

Every case must end in our typed error or a normal result, never an untyped exception
(TypeError, MemoryError, RecursionError, ...), within 1 s and 256 MiB (peak traced allocation,
numpy's buffers included) for inputs under 4 MiB. Proofs and keys may only raise
VerificationError (ProofFormatError, KeyFormatError, ... are subclasses); signatures read by
the library ParameterError; input files InputError or ParameterError; and the command line, run
in-process, exits 1 for a rejected proof or key and 2 for a bad input file, never 3.

The valid material is made once per module through the public API (compile, prove, keygen)
and mutated: bit flips, truncation, splices of random bytes or of another proof, length and
count fields set to huge values, random bytes behind a valid header; structured proof files
with random statements; random and deeply nested signature JSON, schema-shaped with wrong
types; random input files. ``HYPOTHESIS_PROFILE=thorough`` runs 1000 cases per test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import zkvm
from tests.malformed import INPUTS, SOURCE
from tests.malformed import cost_of, program_with_signature, sections, untraced_cpu_seconds, with_embedded, with_signature
from zkvm import cli, programs
from zkvm.errors import (
    ExecutionError,
    InputError,
    KeyFormatError,
    ParameterError,
    ProofFormatError,
    VerificationError,
)
from zkvm.field.goldilocks import P
from zkvm.isa.program import Program, decode_signature, signature_bytes
from zkvm.keygen import verifying_key
from zkvm.keys import VerifyingKey
from zkvm.proof_file import ProofFile
from zkvm.verifier import verify

SECONDS = 1.0
BYTES = 256 << 20
HALF = (P - 1) // 2

ASSEMBLY = ".inputs 2\n.outputs 1\n    lda 0, @in+0\n    lda 1, @in+1\n    add 0, 0, 1\n    sta 0, @out+0\n    halt\n"

# a case is cheap (milliseconds); hypothesis' own health checks on generation are not the point
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture, HealthCheck.large_base_example],
                deadline=None)
# the library-level byte mutations cost milliseconds a case: four times the profile's examples
MANY = settings(FUZZ, max_examples=4 * settings.default.max_examples)


@dataclasses.dataclass(repr=False)
class Corpus:
    dir: Path
    source: Path
    assembly: Path
    program: Program
    proofs: dict[str, bytes]  # plain, embedded, committed (program columns committed)
    key: bytes  # the committed proof's verifying key
    offsets: dict[str, list[int]]  # per proof: where length and count fields start
    stark_start: dict[str, int]  # per proof: where the STARK proof starts

    def __repr__(self) -> str:  # falsifying examples print it: keep it to a line
        return f"Corpus({self.source.name}, proofs {sorted(self.proofs)})"


def _length_offsets(data: bytes) -> list[int]:
    """Offsets of the proof file's length fields and of the STARK proof's count fields (each
    STARK section starts with one; the header holds the log trace length and parameters)."""
    s, pf = sections(data), ProofFile.from_bytes(data)
    flags = 8 + 2 + 32
    out = [flags, flags + 1, flags + 1 + 4 + 8 * len(pf.public_inputs), len(s.head)]  # flags, I/O counts, signature length
    pos = len(s.head) + 4 + len(s.signature)
    if s.program:
        out.append(pos)  # embedded program length
        pos += 8 + len(s.program)
    out.append(pos)  # STARK proof length
    pos += 8
    out.extend(pos + k for k in range(10, 19))  # STARK header: parameters, log trace length, security, zk
    for _name, blob in pf.stark.sections():
        out.append(pos)
        pos += len(blob)
    assert pos == len(data)
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    d = tmp_path_factory.mktemp("fuzz")
    source = d / "sumsq.py"
    source.write_text(SOURCE)
    assembly = d / "add.s"
    assembly.write_text(ASSEMBLY)
    loaded = programs.load(source, INPUTS)
    program = loaded.program
    proofs = {
        "plain": zkvm.prove(program, loaded.inputs).proof,
        "embedded": zkvm.prove(program, loaded.inputs, embed_program=True).proof,
    }
    committed = zkvm.prove(program, loaded.inputs, commit_program=True)
    proofs["committed"] = committed.proof
    key = verifying_key(program, [(committed.trace_length, committed.blowup)], committed.commitment)
    assert key.roots, "the committed proof's key has no root: the key cases would test nothing"
    for name, data in proofs.items():  # valid, and the verifier's imports warm
        assert verify(data, program).output == 17, name
    assert verify(proofs["committed"], program, vk=key).program_columns == "key"
    corpus = Corpus(d, source, assembly, program, proofs, key.to_bytes(), {n: _length_offsets(p) for n, p in proofs.items()},
                    {n: len(p) - len(sections(p).stark) for n, p in proofs.items()})
    for args in (["inspect", str(_file(corpus, "warm.proof", proofs["plain"]))],
                 ["verify", str(d / "warm.proof"), "--program", str(source)]):
        assert _cli(*args)[0] == 0
    return corpus


def _file(corpus: Corpus, name: str, data: bytes) -> Path:
    path = corpus.dir / name
    path.write_bytes(data)
    return path


def _cli(*args: str) -> tuple[int, str]:
    """zkvm in this process: exit code and stderr (a bug shows as exit 3 and its message)."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, err.getvalue()


def bounded(fn, *args, allowed: tuple[type[BaseException], ...], **kwargs):
    """Call fn: it returns or raises one of ``allowed``, within the time and memory limits."""
    cost = cost_of(fn, *args, **kwargs)
    if cost.error is not None and not isinstance(cost.error, allowed):
        raise AssertionError(f"untyped {type(cost.error).__name__} from {fn.__name__}: {cost.error}"[:2000]) from cost.error
    _check_time(cost, fn, args, kwargs)
    assert cost.peak_bytes < BYTES, f"{fn.__name__} allocated {cost.peak_bytes / 2**20:.0f} MiB"
    event(f"{fn.__name__}: {_outcome(cost.error)}")
    return cost


def _check_time(cost, fn, args, kwargs) -> None:
    """At most SECONDS a case. Tracing allocations slows Python code down a few times, and the
    machine is shared: a case over the limit is run again untraced and judged by its CPU time."""
    if cost.seconds < SECONDS:
        return
    cpu = untraced_cpu_seconds(fn, *args, **kwargs)
    assert cpu < SECONDS, f"{getattr(fn, '__name__', fn)} took {cost.seconds:.2f} s traced, {cpu:.2f} s of CPU untraced"
    event("over the time limit when traced, within it untraced")


def _outcome(error: BaseException | None) -> str:
    """What a case ended in, for --hypothesis-show-statistics: the check that failed (the
    first words of a format error, which name what was being read)."""
    if error is None:
        return "accepted"
    if isinstance(error, ProofFormatError) and not isinstance(error, KeyFormatError):
        return "format: " + re.sub(r"\d+", "N", " ".join(error.detail.split()[:3]))
    return type(error).__name__


def bounded_cli(*args: str, exits: tuple[int, ...]) -> int:
    cost = cost_of(_cli, *args)
    assert cost.error is None, f"zkvm {args[0]} raised {cost.error!r}"
    code, err = cost.result
    assert code in exits, f"zkvm {' '.join(args)} exited {code}: {err}"[:2000]
    _check_time(cost, _cli, args, {})
    assert cost.peak_bytes < BYTES, f"zkvm {args[0]} allocated {cost.peak_bytes / 2**20:.0f} MiB"
    return code


# --- strategies -------------------------------------------------------------------------------
HUGE = [0, 1, 2, 255, 256, 0xFFFF, 1 << 16, (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 40, 1 << 63, (1 << 64) - 1]


def _random_bytes(draw, max_size: int) -> bytes:
    """Random bytes of a drawn length, from a drawn seed (cheap for hypothesis at any size)."""
    n = draw(st.integers(0, max_size))
    return random.Random(draw(st.integers(0, 2**32))).randbytes(n)


@st.composite
def mutated(draw, data: bytes, offsets: list[int], other: bytes, body: int = 0) -> bytes:
    """Mutations of ``data``, mostly one: ``offsets`` are its length fields, ``other`` another
    valid file to splice from, ``body`` where the values start that only the verifier's checks
    (not decoding) can catch, where most bit flips go."""
    out = bytearray(data)
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3, 4]))):
        kind = draw(st.sampled_from(["flip"] * 6 + ["length"] * 3 + ["truncate", "splice", "splice_other", "extend",
                                                                      "zero_run", "random_tail"]))
        n = len(out)
        if kind == "flip" and n:
            lo = draw(st.sampled_from([min(body, n - 1)] * 3 + [0]))
            i = draw(st.integers(lo, n - 1))
            out[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del out[draw(st.integers(0, n)):]
        elif kind == "splice":
            i = draw(st.integers(0, n))
            j = draw(st.integers(i, min(n, i + 64)))
            out[i:j] = _random_bytes(draw, 64)
        elif kind == "splice_other":
            i = draw(st.integers(0, n))
            j = draw(st.integers(0, len(other)))
            out[i:] = other[j:]
        elif kind == "length" and offsets:
            pos = draw(st.sampled_from(offsets))
            width = draw(st.sampled_from([1, 2, 4, 8]))
            value = draw(st.sampled_from(HUGE) | st.integers(0, (1 << (8 * width)) - 1)) % (1 << (8 * width))
            out[pos : pos + width] = value.to_bytes(width, "little")
        elif kind == "extend":
            out += _random_bytes(draw, 64)
        elif kind == "zero_run" and n:
            i = draw(st.integers(0, n - 1))
            k = min(n - i, draw(st.integers(1, 256)))
            out[i : i + k] = bytes(k)
        elif kind == "random_tail":
            i = draw(st.integers(0, n))
            out[i:] = _random_bytes(draw, 200_000)
    return bytes(out)


JSON_SCALARS = (st.none() | st.booleans() | st.integers(-(1 << 70), 1 << 70) | st.sampled_from(HUGE + [-1, -(1 << 63)])
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=8), kids, max_size=5),
                           max_leaves=25)


def _or_junk(strategy):
    """Mostly the well-typed value, sometimes any JSON value in its place."""
    return st.one_of(strategy, strategy, strategy, JSON_VALUES)


SHAPES = _or_junk(st.lists(st.integers(-2, 8) | st.sampled_from(HUGE), max_size=3))
PARAMS = _or_junk(st.lists(_or_junk(st.fixed_dictionaries(
    {"name": _or_junk(st.sampled_from(["x", "ys", "zs", ""]))},
    optional={"type": _or_junk(st.sampled_from(["int", "list[int]", "list[list[int]]", "bool"])), "shape": SHAPES})),
    max_size=4))
OUTPUTS = _or_junk(st.fixed_dictionaries({}, optional={
    "type": _or_junk(st.just("int")), "shape": SHAPES, "record": _or_junk(st.booleans()),
    "depth": _or_junk(st.integers(-1, 3))}))
SCHEMA_SIGNATURES = st.fixed_dictionaries({}, optional={"params": PARAMS, "output": OUTPUTS, "source": JSON_VALUES})
SIGNATURES = st.one_of(SCHEMA_SIGNATURES, SCHEMA_SIGNATURES, JSON_VALUES)


@st.composite
def deep_json(draw) -> str:
    """JSON nested up to 200,000 deep (arrays, objects or both), possibly inside a signature."""
    depth = draw(st.integers(1, 200_000) | st.sampled_from([15, 16, 17, 999, 1000, 1001, 100_000]))
    kind = draw(st.sampled_from(["[]", "{}", "mixed"]))
    if kind == "[]":
        text = "[" * depth + "]" * depth
    elif kind == "{}":
        text = '{"a":' * depth + "1" + "}" * depth
    else:
        text = '[{"a":' * (depth // 2) + "0" + "}]" * (depth // 2)
    where = draw(st.sampled_from(["bare", "params", "shape", "output"]))
    return {"bare": text, "params": '{"params":' + text + "}", "shape": '{"params":[{"name":"x","shape":' + text + "}]}",
            "output": '{"output":' + text + "}"}[where]


@st.composite
def signature_bytes_strategy(draw) -> bytes:
    """The bytes of a signature copy: canonical or spaced JSON of a random signature, deep
    nesting, or random bytes."""
    kind = draw(st.sampled_from(["canonical", "canonical", "spaced", "deep", "bytes"]))
    if kind == "deep":
        return draw(deep_json()).encode()
    if kind == "bytes":
        return _random_bytes(draw, 300)
    value = draw(SIGNATURES)
    return json.dumps(value, sort_keys=kind == "canonical", separators=(",", ":") if kind == "canonical" else None).encode()


VALID_INTS = st.integers(-1000, 1000) | st.integers(-HALF, HALF) | st.sampled_from(
    [0, 1, -1, HALF, -HALF, 1 << 31, -(1 << 31), 1 << 32, 3_037_000_499, 3_037_000_500, -3_037_000_500])  # ~sqrt((p-1)/2)
INPUT_INTS = VALID_INTS | st.integers(-(1 << 70), 1 << 70) | st.sampled_from([HALF + 1, -HALF - 1, P, 1 << 63, 1 << 64])
INPUT_VALUES = _or_junk(INPUT_INTS | st.lists(_or_junk(INPUT_INTS), max_size=6)
                        | st.lists(st.lists(_or_junk(INPUT_INTS), max_size=3), max_size=3))


@st.composite
def input_file_bytes(draw) -> bytes:
    """An input file: schema-shaped for the test programs, any JSON, deep nesting, big
    integers as text, or random bytes."""
    kind = draw(st.sampled_from(["typed", "typed", "schema", "schema", "assembly", "json", "deep", "digits", "bytes"]))
    if kind == "typed":  # well typed for both programs: runs, some overflow
        obj = {"x": draw(VALID_INTS), "ys": draw(st.lists(VALID_INTS, max_size=8))}
        if draw(st.booleans()):
            obj = {"inputs": draw(st.lists(VALID_INTS, min_size=2, max_size=2))}
    elif kind == "schema":
        obj = draw(st.fixed_dictionaries({}, optional={"x": INPUT_VALUES, "ys": INPUT_VALUES, "zs": INPUT_VALUES}))
    elif kind == "assembly":
        obj = draw(_or_junk(st.fixed_dictionaries({}, optional={"inputs": INPUT_VALUES, "public_inputs": INPUT_VALUES,
                                                                 "other": INPUT_VALUES})))
    elif kind == "json":
        obj = draw(JSON_VALUES)
    elif kind == "deep":
        return ('{"x": 1, "ys": ' + draw(deep_json()) + "}").encode()
    elif kind == "digits":
        return ('{"x": ' + "9" * draw(st.integers(1, 100_000)) + ', "ys": [1]}').encode()
    else:
        return _random_bytes(draw, 1000)
    return json.dumps(obj).encode()


# --- proof bytes ------------------------------------------------------------------------------
@MANY
@given(st.data())
def test_fuzz_mutated_proof_bytes(corpus, data):
    """Mutated proofs through the library verifier: given the program, accepting the embedded
    one, with the verifying key."""
    name = data.draw(st.sampled_from(sorted(corpus.proofs)), label="base proof")
    other = corpus.proofs[data.draw(st.sampled_from(sorted(corpus.proofs)), label="splice source")]
    blob = data.draw(mutated(corpus.proofs[name], corpus.offsets[name], other, corpus.stark_start[name] + 60), label="mutated")
    original = blob in corpus.proofs.values()  # (a splice can rebuild another valid proof)
    bounded(ProofFile.from_bytes, blob, allowed=(ProofFormatError,))
    for cost in (bounded(verify, blob, corpus.program, allowed=(VerificationError,)),
                 bounded(verify, blob, None, allowed=(VerificationError,)),
                 bounded(verify, blob, corpus.program, vk=corpus.key, allowed=(VerificationError,))):
        assert cost.error is not None or original, "a changed proof verified"


@FUZZ
@given(st.data())
def test_fuzz_random_bytes_behind_valid_headers(corpus, data):
    """Random bytes after a valid prefix: of the proof file (its magic and version, the program
    hash, the flags), or of the STARK proof inside an otherwise valid file (its magic and
    version, its parameters, its AIR digest, or whole sections), its length field right."""
    base = corpus.proofs[data.draw(st.sampled_from(sorted(corpus.proofs)))]
    s = sections(base)
    tail = _random_bytes(data.draw, 100_000)
    if data.draw(st.booleans(), label="inside the STARK proof"):
        starts = [10, 19, 51] + list(_section_starts(ProofFile.from_bytes(base).stark))
        blob = dataclasses.replace(s, stark=s.stark[: data.draw(st.sampled_from(starts))] + tail).join()
    else:
        blob = base[: data.draw(st.sampled_from([10, 42, 43, len(s.head)]))] + tail
    bounded(verify, blob, corpus.program, allowed=(VerificationError,))
    bounded(verify, blob, None, allowed=(VerificationError,))


def _section_starts(stark) -> list[int]:
    out, pos = [], 0
    for _name, blob in stark.sections():
        out.append(pos)
        pos += len(blob)
    return out


@FUZZ
@given(st.data())
def test_fuzz_cli_on_mutated_proof_files(corpus, data):
    """zkvm inspect and zkvm verify on mutated proof files: exit 0 or 1, never 2 or 3."""
    name = data.draw(st.sampled_from(sorted(corpus.proofs)))
    blob = data.draw(mutated(corpus.proofs[name], corpus.offsets[name], corpus.proofs["plain"], corpus.stark_start[name] + 60))
    path = _file(corpus, "mutated.proof", blob)
    bounded_cli("inspect", str(path), "--json", exits=(0, 1))
    bounded_cli("verify", str(path), "--program", str(corpus.source), "--json",
                exits=(0, 1) if blob in corpus.proofs.values() else (1,))


# --- proof files with random statements -------------------------------------------------------
LAYOUT_VALUES = st.sampled_from(HUGE) | st.integers(0, 5000)


@FUZZ
@given(st.data())
def test_fuzz_structured_proof_files(corpus, data):
    """Valid STARK proofs under random statements: program hash, public inputs, outputs,
    output address, commitment flags, signature, and embedded programs with random layouts."""
    pf = ProofFile.from_bytes(corpus.proofs[data.draw(st.sampled_from(sorted(corpus.proofs)))])
    changes = data.draw(st.fixed_dictionaries({}, optional={
        "program_hash": st.binary(min_size=32, max_size=32),
        "public_inputs": st.lists(st.integers(-HALF, HALF), max_size=4).map(tuple),
        "outputs": st.lists(st.integers(-HALF, HALF) | st.sampled_from([0, 1, 3, 17, -1]), max_size=6).map(tuple),
        "output_address": st.sampled_from(HUGE) | st.integers(0, 4096),
        "commitment": st.integers(0, 3),
        "signature": SCHEMA_SIGNATURES.filter(lambda s: _json_ok(s)),
    }))
    program = None
    if data.draw(st.booleans(), label="embed a changed program"):
        fields = [f.name for f in dataclasses.fields(corpus.program.layout)]
        layout = dataclasses.replace(corpus.program.layout, **data.draw(st.dictionaries(st.sampled_from(fields), LAYOUT_VALUES, max_size=3)))
        try:
            program = Program(corpus.program.code, corpus.program.data, layout, corpus.program.signature)
        except ParameterError:
            program = None
        if program is not None:
            changes = {"program_hash": program.hash(), **changes, "program": program}
    forged = dataclasses.replace(pf, **changes)
    blob = forged.to_bytes()
    same = _statement(forged) == _statement(pf)
    for program_arg in (corpus.program, None) + ((program,) if program is not None else ()):
        cost = bounded(verify, blob, program_arg, allowed=(VerificationError,))
        assert cost.error is not None or same, "a proof verified for another statement"


def _statement(pf: ProofFile) -> tuple:
    """What a proof file claims (embedding the program or not is no part of it)."""
    return (pf.program_hash, pf.public_inputs, pf.outputs, pf.output_address, pf.commitment, signature_bytes(pf.signature))


def _json_ok(value) -> bool:
    try:
        json.dumps(value)
        return True
    except (ValueError, TypeError):
        return False


# --- verifying keys ---------------------------------------------------------------------------
@st.composite
def key_bytes(draw, valid: bytes) -> bytes:
    kind = draw(st.sampled_from(["mutated", "mutated", "structured", "random"]))
    if kind == "mutated":
        return draw(mutated(valid, [10, 42, 46, 47, 48, 49, 52], valid))
    if kind == "random":
        return valid[: draw(st.sampled_from([0, 8, 10, 42]))] + _random_bytes(draw, 5000)
    key = VerifyingKey.from_bytes(valid)
    entries = st.tuples(st.integers(0, 30) | st.sampled_from([255]), st.integers(0, 9), st.integers(0, 4),
                        st.sampled_from([0, 0, 1 << 16, 1 << 31]) | st.integers(0, 1 << 32 - 1))
    entries = entries | st.sampled_from(list(key.roots))
    roots = draw(st.dictionaries(entries,
                                 st.binary(min_size=32, max_size=32) | st.sampled_from(list(key.roots.values())), max_size=6))
    return VerifyingKey(draw(st.sampled_from([key.program_hash, bytes(32)])), roots).to_bytes()


@FUZZ
@given(st.data())
def test_fuzz_verifying_keys(corpus, data):
    """Malformed and wrong keys: KeyFormatError or another rejection, through the library and
    zkvm verify --vk (exit 0 or 1: a mutated key that still holds the right root is fine)."""
    blob = data.draw(key_bytes(corpus.key))
    bounded(VerifyingKey.from_bytes, blob, allowed=(KeyFormatError,))
    bounded(verify, corpus.proofs["committed"], corpus.program, vk=blob, allowed=(VerificationError,))
    key = _file(corpus, "fuzz.vk", blob)
    proof = _file(corpus, "committed.proof", corpus.proofs["committed"])
    bounded_cli("verify", str(proof), "--program", str(corpus.source), "--vk", str(key), exits=(0, 1))


# --- signatures -------------------------------------------------------------------------------
@MANY
@given(signature_bytes_strategy())
def test_fuzz_signature_bytes(corpus, raw):
    """A signature copy of any bytes: decode_signature raises ParameterError; in a proof file or
    an embedded program it is a malformed proof, or a proof about another program."""
    original = signature_bytes(corpus.program.signature)
    bounded(decode_signature, raw, allowed=(ParameterError,))
    for base in ("plain", "embedded"):
        blob = with_signature(corpus.proofs[base], raw)
        cost = bounded(verify, blob, corpus.program, allowed=(VerificationError,))
        assert cost.error is not None or raw == original
    blob = with_embedded(corpus.proofs["embedded"], program_with_signature(corpus.program, raw))
    bounded(verify, blob, None, allowed=(VerificationError,))


@FUZZ
@given(SIGNATURES)
def test_fuzz_signature_values(corpus, signature):
    """A signature value in a program file (ParameterError), and as the signature zkvm verify
    compiles the source for: the proof is rejected (exit 1), never a usage error or a bug."""
    bounded(Program.from_json, {**corpus.program.to_json(), "signature": signature}, allowed=(ParameterError,))
    assume(_json_ok(signature))
    raw = json.dumps(signature, sort_keys=True, separators=(",", ":")).encode()
    path = _file(corpus, "signature.proof", with_signature(corpus.proofs["plain"], raw))
    expected = (0, 1) if raw == signature_bytes(corpus.program.signature) else (1,)
    bounded_cli("verify", str(path), "--program", str(corpus.source), exits=expected)


@st.composite
def program_json(draw, base: dict):
    """A program file (zkvm compile --out) with junk in one to three places: a whole field, an
    element of the layout, code or data, or a field removed; or any JSON value at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)
    obj = json.loads(json.dumps(base))
    junk = JSON_VALUES | INPUT_INTS | st.sampled_from(HUGE + [-1, -(1 << 31), 1 << 31, P, -P])
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(obj) + ["extra"]))
        how = draw(st.sampled_from(["replace", "element", "element", "delete"]))
        value = obj.get(key)
        if how == "delete":
            obj.pop(key, None)
        elif how == "element" and isinstance(value, list) and value:
            i = draw(st.integers(0, len(value) - 1))
            if isinstance(value[i], list) and value[i] and draw(st.booleans()):
                value[i][draw(st.integers(0, len(value[i]) - 1))] = draw(junk)
            else:
                value[i] = draw(junk)
        else:
            obj[key] = draw(junk)
    return obj


@FUZZ
@given(st.data())
def test_fuzz_program_files(corpus, data):
    """Program files with wrong types anywhere: ParameterError, or a program that verifies the
    proof only if it is the program proved."""
    obj = data.draw(program_json(corpus.program.to_json()))
    cost = bounded(Program.from_json, obj, allowed=(ParameterError,))
    if cost.error is None:
        program = cost.result
        cost = bounded(verify, corpus.proofs["plain"], program, allowed=(VerificationError,))
        assert cost.error is not None or program.hash() == corpus.program.hash()


# --- input files ------------------------------------------------------------------------------
@FUZZ
@given(input_file_bytes())
def test_fuzz_input_files(corpus, raw):
    """Input files for a DSL program and an assembly program: InputError or ParameterError
    naming the problem (exit 2), or a program run (which may stop with ExecutionError)."""
    path = _file(corpus, "input.json", raw)

    def load_and_run(program_path: Path):
        loaded = programs.load(program_path, programs.read_input_file(path))
        try:
            zkvm.run(loaded.program, loaded.inputs, loaded.public_inputs)
        except ExecutionError:
            event(f"{program_path.suffix}: execution stopped")
        return loaded

    bounded(load_and_run, corpus.source, allowed=(InputError, ParameterError))
    bounded(load_and_run, corpus.assembly, allowed=(InputError, ParameterError))
    bounded_cli("check", str(corpus.source), "--input", str(path), exits=(0, 2))
