"""Programs: code, constant data, memory layout and I/O signature; canonical bytes and hash.

Memory is an array of field elements addressed from 0. The layout reserves, in order:

======================  ===================================================================
address 0               unused (a null pointer reads 0)
data                    the program's mutable constants (lists it may change) and cells the
                        entry code fills (the heap pointer, input list headers), public
public inputs           values the verifier knows, read with ``lda``
private inputs          ``main``'s parameters, known only to the prover, read with ``lda``
outputs                 written with ``sta``; their final values are the public output
stack                   call frames (``fp`` starts at ``stack_base``)
heap                    lists, from ``heap_base`` upward
...
CONST_BASE = 2^26       read-only constants (weights, tables no code writes): a data space
                        above every memory address, read through the data table; a store
                        there stops the run (docs/tables.md, "the data space")
======================  ===================================================================

The program hash is blake3 of the canonical encoding (everything above except debug
information), so a proof bound to the hash is bound to the code, the constants and the shapes
of the inputs and outputs.

Verifier-safe: no Numba.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import blake3

from zkvm.errors import ParameterError
from zkvm.field.goldilocks import P
from zkvm.isa.instruction import Instruction

MAGIC = b"ZKVMPROG"
FORMAT_VERSION = 2  # 2: read-only constants in the data space at CONST_BASE

CONST_BASE = 1 << 26
"""Where the read-only constants start: above every memory address (traces have at most 2^26
rows and row j is memory address j), so a memory access can never reach them."""
CONST_ROW = 8
"""Words per row of the data table that holds the read-only constants."""
CONST_MIN_ROWS = 1 << 10
"""The data table's least height (shorter tables would need more queries under zero knowledge)."""


SPLIT_MIN_ROWS = 1 << 15
"""Tables shorter than this stay whole: a second piece saves little there and costs a table
(the 85 k-parameter MLP: 0.82-0.84 s either way, its proof 274 KiB whole, 360 KiB in pieces)."""


def split_rows(rows: int, min_rows: int) -> list[int]:
    """Power-of-two heights for a table of ``rows`` rows: one, or (when that would pad by more
    than an eighth, from SPLIT_MIN_ROWS rows) the largest power of two below ``rows`` and a
    shorter one for the rest, each at least ``min_rows``. Two pieces of 2^17 and 2^14 rows hold
    141,832 rows where one table would need 2^18."""
    one = max(min_rows, 1 << max(0, (rows - 1).bit_length()))
    if rows < SPLIT_MIN_ROWS or one <= rows + rows // 8 or one == min_rows:
        return [one]
    first = 1 << (rows.bit_length() - 1)
    second = max(min_rows, 1 << max(0, (rows - first - 1).bit_length()))
    return [one] if first + second >= one else [first, second]


PRIVATE_BITS = 16
"""Private weights are signed integers of at most this many bits (the private-data table
range-checks each one against the 16-bit table: zkvm/air/private_table.py)."""
MAX_PRIVATE_WORDS = 1 << 25


def private_size(program: "Program") -> int:
    """The words of the private region (the private weights, at CONST_BASE; 0 without)."""
    return int(program.signature.get("private", {}).get("words", 0))


PRIVATE_ROW = 24
"""The private region comes in rows of 24 words (three data rows): the private-data table
absorbs 24 packed weights per permutation (zkvm/air/private_table.py)."""


def private_words_space(words: int) -> int:
    """A private region of ``words`` words, rounded up to whole private-table rows."""
    return PRIVATE_ROW * -(-words // PRIVATE_ROW)


def private_space(program: "Program") -> int:
    """The private region's words rounded up to whole private-table rows (zeros after the
    weights: the region ends on a row, so no row of the table lies past it)."""
    return private_words_space(private_size(program))


def const_base(program: "Program") -> int:
    """Where the public read-only constants start: after the private region."""
    return CONST_BASE + private_space(program)


def const_pieces(const_size: int) -> list[int]:
    """The data table's pieces' heights for this many read-only constants: their rows of
    CONST_ROW words (:func:`split_rows`; none without constants)."""
    if const_size <= 0:
        return []
    return split_rows(-(-const_size // CONST_ROW), CONST_MIN_ROWS)


READ_PIECE_ROWS = 1 << 16
"""A segment that carries only the constants it reads (``segment_constants="read"``) carries
them in pieces of this many rows (2^19 words), or of half its own height if less
(:func:`read_piece_rows`); shorter data tables stay whole."""


def read_piece_rows(segment_rows: int) -> int:
    """The height of the pieces a segment of ``segment_rows`` rows may carry the constants in:
    READ_PIECE_ROWS, or half the segment (no shorter than CONST_MIN_ROWS), so a piece is never
    a segment's tallest table."""
    return max(CONST_MIN_ROWS, min(READ_PIECE_ROWS, int(segment_rows) // 2))


def const_layout(const_size: int, piece_rows: int = 0) -> list[tuple[int, int]]:
    """The data table's pieces as (first row, height): :func:`const_pieces`, or with
    ``piece_rows`` (a power of two) those cut further into pieces of at most that many rows
    (each a table of its own, which a segment may carry or leave out)."""
    out, first = [], 0
    for h in const_pieces(const_size):
        step = min(h, piece_rows) if piece_rows else h
        for start in range(first, first + h, step):
            out.append((start, step))
        first += h
    return out


def const_rows(const_size: int) -> int:
    """The data table's rows over all its pieces (0: no constants, no table)."""
    return sum(const_pieces(const_size))


def const_space(const_size: int) -> int:
    """How many words of the data space a program may read: its data table's words (the
    constants, then zeros)."""
    return CONST_ROW * const_rows(const_size)


@dataclass(frozen=True)
class Layout:
    data_base: int
    data_size: int
    pubin_base: int
    pubin_size: int
    in_base: int
    in_size: int
    out_base: int
    out_size: int
    stack_base: int
    heap_base: int
    const_size: int = 0  # read-only constants at CONST_BASE

    @property
    def const_base(self) -> int:
        return CONST_BASE

    @classmethod
    def build(cls, data_size: int, pubin_size: int, in_size: int, out_size: int, stack_size: int,
              const_size: int = 0) -> "Layout":
        """Consecutive regions after the reserved address 0, and ``const_size`` read-only
        constants at CONST_BASE."""
        for name, v in (("data", data_size), ("public inputs", pubin_size), ("inputs", in_size), ("outputs", out_size),
                        ("stack", stack_size), ("read-only constants", const_size)):
            if v < 0:
                raise ParameterError(name, "region sizes must be non-negative")
        data_base = 1
        pubin_base = data_base + data_size
        in_base = pubin_base + pubin_size
        out_base = in_base + in_size
        stack_base = out_base + out_size
        heap_base = stack_base + stack_size
        if heap_base >= CONST_BASE:
            raise ParameterError("layout", f"the memory regions need {heap_base} words, more than 2^26")
        return cls(data_base, data_size, pubin_base, pubin_size, in_base, in_size, out_base, out_size, stack_base, heap_base,
                   const_size)

    def fields(self) -> tuple[int, ...]:
        return (
            self.data_base, self.data_size, self.pubin_base, self.pubin_size, self.in_base,
            self.in_size, self.out_base, self.out_size, self.stack_base, self.heap_base, self.const_size,
        )


@dataclass(frozen=True)
class Program:
    """An executable program.

    ``signature`` describes the I/O for people and tools (parameter names and shapes, output
    shape); it is part of the hash. ``debug`` maps pc to a source location and is not.
    ``consts`` are the read-only constants, at CONST_BASE (``data`` the mutable ones, at
    ``layout.data_base``).
    """

    code: tuple[Instruction, ...]
    data: tuple[int, ...]
    layout: Layout
    signature: dict[str, Any] = field(default_factory=dict)
    debug: tuple[str, ...] = ()
    consts: tuple[int, ...] = ()
    # values derived from the fields above, computed once (a verifier service checks many
    # proofs of one program; for a model with a million constants these take ~0.1 s)
    _memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.code:
            raise ParameterError("code", "a program needs at least one instruction")
        if len(self.data) != self.layout.data_size:
            raise ParameterError("data", f"{len(self.data)} constants for a data region of {self.layout.data_size}")
        if len(self.consts) != self.layout.const_size:
            raise ParameterError("consts", f"{len(self.consts)} read-only constants for a region of {self.layout.const_size}")

    def canonical_bytes(self) -> bytes:
        parts = [MAGIC, FORMAT_VERSION.to_bytes(2, "little")]
        for v in self.layout.fields():
            parts.append(int(v).to_bytes(8, "little"))
        parts.append(len(self.code).to_bytes(8, "little"))
        for ins in self.code:
            for w in ins.encode():
                parts.append(w.to_bytes(8, "little"))
        parts.append(len(self.data).to_bytes(8, "little"))
        parts.append(self.data_words().astype("<u8").tobytes())
        parts.append(len(self.consts).to_bytes(8, "little"))
        parts.append(self.const_words().astype("<u8").tobytes())
        sig = json.dumps(self.signature, sort_keys=True, separators=(",", ":")).encode()
        parts.append(len(sig).to_bytes(8, "little"))
        parts.append(sig)
        return b"".join(parts)

    def hash(self) -> bytes:
        """The program hash proofs bind: blake3 of :meth:`canonical_bytes`."""
        if "hash" not in self._memo:
            self._memo["hash"] = blake3.blake3(self.canonical_bytes()).digest()
        return self._memo["hash"]

    def data_words(self):
        """The constants as canonical field elements (a read-only uint64 numpy array)."""
        if "data" not in self._memo:
            import numpy as np

            words = np.frombuffer(_field_words(self.data), dtype="<u8").astype(np.uint64)
            words.setflags(write=False)
            self._memo["data"] = words
        return self._memo["data"]

    def const_words(self):
        """The read-only constants as canonical field elements (a read-only uint64 array)."""
        if "consts" not in self._memo:
            import numpy as np

            words = np.frombuffer(_field_words(self.consts), dtype="<u8").astype(np.uint64)
            words.setflags(write=False)
            self._memo["consts"] = words
        return self._memo["consts"]

    def hex_hash(self) -> str:
        return self.hash().hex()

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly form (for `zkvm compile --out` and the light verifier)."""
        return {
            "format": "zkvm-program",
            "version": FORMAT_VERSION,
            "layout": list(self.layout.fields()),
            "code": [list((ins.op, ins.a, ins.b, ins.c, ins.imm)) for ins in self.code],
            "data": [int(v) for v in self.data],
            "consts": [int(v) for v in self.consts],
            "signature": self.signature,
            "debug": list(self.debug),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Program":
        """The inverse of :meth:`to_json`; every field is type-checked (integers are ints, not
        floats or booleans) and the signature validated, so a malformed file raises
        ParameterError naming what is wrong, never TypeError or RecursionError."""
        if not isinstance(obj, dict) or obj.get("format") != "zkvm-program":
            raise ParameterError("program", "not a zkvm program file")
        if obj.get("version") != FORMAT_VERSION:
            raise ParameterError("program", f"a program file of format version {obj.get('version')!r}, this zkvm reads "
                                 f"version {FORMAT_VERSION}: compile the program again")
        try:
            fields = _json_ints(obj["layout"], "layout", 0, 1 << 64)
            if len(fields) != 11:
                raise ParameterError("layout", f"11 fields, got {len(fields)}")
            layout = Layout(*fields)
            code = tuple(Instruction(*_json_ints(ins, "code", -P, P)) for ins in _json_list(obj["code"], "code"))
            data = tuple(_json_ints(obj["data"], "data", -(1 << 64), 1 << 64))
            consts = tuple(_json_ints(obj.get("consts", []), "consts", -(1 << 64), 1 << 64))
            signature = validate_signature(obj.get("signature", {}))
            debug = tuple(_json_list(obj.get("debug", []), "debug"))
            if not all(isinstance(d, str) for d in debug):
                raise ParameterError("debug", "debug entries are strings")
            return cls(code, data, layout, signature, debug, consts)
        except KeyError as e:
            raise ParameterError("program", f"malformed program file: no {e}") from None
        except TypeError as e:  # e.g. a layout of the wrong length
            raise ParameterError("program", f"malformed program file: {e}") from None
        except ParameterError as e:
            raise ParameterError("program", f"malformed program file: {e}") from None


def _json_list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise ParameterError(what, f"expected a list, got {type(value).__name__}")
    return value


def _json_ints(value: Any, what: str, lo: int, hi: int) -> list[int]:
    """A JSON list of integers in [lo, hi) (booleans and floats refused)."""
    out = _json_list(value, what)
    for v in out:
        if type(v) is not int or not lo <= v < hi:
            raise ParameterError(what, f"expected integers in [{lo}, {hi}), got {v!r}"[:200])
    return out


def program_from_canonical_bytes(data: bytes, max_words: int = 1 << 26) -> Program:
    """Decode :meth:`Program.canonical_bytes` with every length bounded (raises ParameterError)."""
    pos = 0

    def take(k: int) -> bytes:
        nonlocal pos
        if k < 0 or pos + k > len(data):
            raise ParameterError("program", "truncated program encoding")
        out = data[pos : pos + k]
        pos += k
        return out

    def u64() -> int:
        return int.from_bytes(take(8), "little")

    if take(len(MAGIC)) != MAGIC:
        raise ParameterError("program", "not a zkvm program encoding")
    if int.from_bytes(take(2), "little") != FORMAT_VERSION:
        raise ParameterError("program", "unsupported program format version")
    fields = [u64() for _ in range(11)]
    layout = Layout(*fields)
    n_code = u64()
    if n_code > max_words or n_code * 40 > len(data):
        raise ParameterError("program", "code length out of range")
    code_words = _canonical_words(take(40 * n_code), "instruction").reshape(n_code, 5)
    code = [Instruction.decode(tuple(words)) for words in code_words.tolist()]
    n_data = u64()
    if n_data > max_words or n_data * 8 > len(data):
        raise ParameterError("program", "data length out of range")
    data_signed = tuple(_signed(_canonical_words(take(8 * n_data), "data")).tolist())
    n_consts = u64()
    if n_consts > max_words or n_consts * 8 > len(data):
        raise ParameterError("program", "constants length out of range")
    consts_signed = tuple(_signed(_canonical_words(take(8 * n_consts), "constant")).tolist())
    n_sig = u64()
    if n_sig > min(len(data), MAX_SIGNATURE_BYTES):
        raise ParameterError("program", "signature length out of range")
    signature = decode_signature(take(n_sig))
    if pos != len(data):
        raise ParameterError("program", "trailing bytes after the program")
    return Program(tuple(code), data_signed, layout, signature, consts=consts_signed)


def _canonical_words(raw: bytes, what: str):
    """Little-endian u64 words, each a canonical field element (numpy: a 4 MiB program decodes
    in milliseconds)."""
    import numpy as np

    words = np.frombuffer(raw, dtype="<u8")
    if words.size and int(words.max()) >= P:
        raise ParameterError("program", f"non-canonical {what} word")
    return words


def _signed(words):
    """Canonical field elements in signed form (those above p/2 as negatives), as int64."""
    import numpy as np

    high = words > np.uint64(P // 2)
    out = words.astype(np.int64)
    out[high] = -(np.uint64(P) - words[high]).astype(np.int64)
    return out


# --- the I/O signature ------------------------------------------------------------------------
# The signature is JSON that tools read (names and shapes of main's parameters, the output's
# shape) and that can come from anyone: a proof file, an embedded program, a program file. It
# is validated before use, so that a hostile one raises ParameterError instead of TypeError,
# RecursionError (JSON nested 100,000 deep) or a huge allocation (a shape of 10^12 elements).
MAX_SIGNATURE_BYTES = 1 << 20
MAX_SIGNATURE_DEPTH = 16  # a compiled program's signature is 4 deep
MAX_SIGNATURE_NODES = 1 << 16  # values in the whole signature (a parameter is about 5)
MAX_SHAPE_RANK = 8
MAX_SIGNATURE_WORDS = 1 << 28  # no trace has more rows (zkvm.stark.proof.MAX_LOG_TRACE), so no memory more words


def signature_bytes(signature: dict[str, Any]) -> bytes:
    """The canonical encoding of a signature (sorted keys, no spaces), as the program hash and
    the proof file write it."""
    return json.dumps(signature, sort_keys=True, separators=(",", ":")).encode()


def decode_signature(raw: bytes, max_words: int = MAX_SIGNATURE_WORDS) -> dict[str, Any]:
    """A signature from its canonical encoding: valid JSON (the parser's RecursionError on
    deep nesting is ours to catch), validated by :func:`validate_signature`, and canonical, so
    that every byte of it is bound by whatever binds the decoded value."""
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise ParameterError("signature", f"{len(raw)} bytes, more than {MAX_SIGNATURE_BYTES}")
    try:
        obj = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: bad JSON, an int of 5000 digits
        raise ParameterError("signature", "not valid JSON") from None
    signature = validate_signature(obj, max_words)
    if signature_bytes(signature) != bytes(raw):
        raise ParameterError("signature", "not in canonical form (sorted keys, no spaces)")
    return signature


def validate_signature(signature: Any, max_words: int = MAX_SIGNATURE_WORDS) -> dict[str, Any]:
    """Check a signature's shape and return it (raises ParameterError naming the problem).

    The whole value: JSON types only (dict with str keys, list, str, int below 2^64 in
    magnitude, finite float, bool, None), at most MAX_SIGNATURE_DEPTH deep and
    MAX_SIGNATURE_NODES values, walked without recursion. The keys tools read: ``params`` a
    list of objects with a distinct non-empty string ``name``, an optional string ``type`` and
    an optional ``shape``; ``output`` an object with an optional string ``type``, ``shape``, a
    boolean ``record`` and a positive integer ``depth``. A shape is a list of at most
    MAX_SHAPE_RANK non-negative ints; the parameters together (values and the lists holding
    them) and the output may hold at most ``max_words`` values (the verifier passes the trace
    length: every input lies in memory, one row per address). Other keys are left to their
    readers."""
    _check_json_value(signature)
    if not isinstance(signature, dict):
        raise ParameterError("signature", f"expected a JSON object, got {type(signature).__name__}")
    params = signature.get("params", [])
    if not isinstance(params, list):
        raise ParameterError("signature", f"params must be a list, got {type(params).__name__}")
    names, words = set(), 0
    for i, p in enumerate(params):
        if not isinstance(p, dict):
            raise ParameterError("signature", f"params[{i}] must be an object, got {type(p).__name__}")
        name = p.get("name")
        if not isinstance(name, str) or not name or name in names:
            raise ParameterError("signature", f"params[{i}] needs a distinct non-empty string name")
        names.add(name)
        if not isinstance(p.get("type", ""), str):
            raise ParameterError("signature", f"the type of parameter {name!r} must be a string")
        words += _shape_words(p.get("shape", []), f"parameter {name!r}")
    output = signature.get("output", {})
    if not isinstance(output, dict):
        raise ParameterError("signature", f"output must be an object, got {type(output).__name__}")
    if not isinstance(output.get("type", ""), str) or not isinstance(output.get("record", False), bool):
        raise ParameterError("signature", "the output's type must be a string and its record flag a boolean")
    depth = output.get("depth", 1)
    if type(depth) is not int or not 1 <= depth <= MAX_SHAPE_RANK:
        raise ParameterError("signature", f"the output's depth must be an integer in [1, {MAX_SHAPE_RANK}]")
    boxed = output.get("boxed", [])
    if not isinstance(boxed, list) or len(boxed) > max_words or any(type(k) is not int or k < 0 for k in boxed) \
            or boxed != sorted(set(boxed)) or (boxed and depth != 2):
        raise ParameterError("signature", "the output's boxed positions must be increasing non-negative ints of a depth-2 output")
    parts = output.get("parts", [])
    if not isinstance(parts, list) or len(parts) > max_words or any(p not in ("int", "list", "table") for p in parts) \
            or (parts and (depth != 2 or boxed)):
        raise ParameterError("signature", "the output's parts must be 'int', 'list' or 'table' of a depth-2 output")
    out_words = _shape_words(output.get("shape", []), "the output")
    if "private" in signature:
        _check_private(signature["private"])
    if words > max_words or out_words > max_words:
        raise ParameterError("signature", f"the shapes need {max(words, out_words)} memory words, more than {max_words}")
    return signature


def _check_private(private: Any) -> None:
    """The private weights' description: {"words": N, "bits": 16, "arrays": [{"file", "name",
    "shape", "offset"}]}, each array's elements inside the region, none overlapping."""
    if not isinstance(private, dict):
        raise ParameterError("signature", "private must be an object")
    words, arrays = private.get("words"), private.get("arrays")
    if type(words) is not int or not 1 <= words <= MAX_PRIVATE_WORDS:
        raise ParameterError("signature", f"the private region's words must be an integer in [1, {MAX_PRIVATE_WORDS}]")
    if private.get("bits") != PRIVATE_BITS:
        raise ParameterError("signature", f"private weights of {private.get('bits')!r} bits (this zkvm proves {PRIVATE_BITS})")
    if not isinstance(arrays, list) or not arrays:
        raise ParameterError("signature", "private arrays must be a non-empty list")
    spans = []
    for a in arrays:
        if not isinstance(a, dict) or not isinstance(a.get("file"), str) or not isinstance(a.get("name"), str):
            raise ParameterError("signature", "each private array names its file and array")
        shape, offset = a.get("shape"), a.get("offset")
        if not isinstance(shape, list) or not 1 <= len(shape) <= 2 or any(type(d) is not int or d < 1 for d in shape):
            raise ParameterError("signature", "a private array's shape is 1 or 2 positive ints")
        size = shape[0] * (shape[1] if len(shape) == 2 else 1)
        if type(offset) is not int or offset < 0 or offset + size > words:
            raise ParameterError("signature", "a private array lies outside the private region")
        spans.append((offset, offset + size))
    spans.sort()
    if any(a[1] > b[0] for a, b in zip(spans, spans[1:])):
        raise ParameterError("signature", "private arrays overlap")


def _shape_words(shape: Any, what: str) -> int:
    """The memory a value of this shape takes: its elements and the lists holding them. A list
    of lists whose rows differ in length has the shape [rows, [len_0, ..., len_{rows-1}]]."""
    if isinstance(shape, list) and len(shape) == 2 and isinstance(shape[1], list) and type(shape[0]) is int:
        lens = shape[1]
        if shape[0] != len(lens) or len(lens) > MAX_SIGNATURE_WORDS or any(type(d) is not int or d < 0 for d in lens):
            raise ParameterError("signature", f"the row lengths of {what} must be {shape[0]} non-negative ints")
        return 1 + len(lens) + sum(lens)
    if not isinstance(shape, list) or len(shape) > MAX_SHAPE_RANK or any(type(d) is not int or d < 0 for d in shape):
        raise ParameterError("signature", f"the shape of {what} must be a list of at most {MAX_SHAPE_RANK} non-negative ints")
    words, lists = 0, 1
    for d in shape:
        words += lists  # a header per list at this level
        lists *= d
        if lists > MAX_SIGNATURE_WORDS:
            return MAX_SIGNATURE_WORDS + 1
    return words + lists


def _check_json_value(value: Any) -> None:
    """JSON types only, bounded depth and size; iterative (no RecursionError however deep)."""
    stack, nodes = [(value, 1)], 0
    while stack:
        v, depth = stack.pop()
        nodes += 1
        if depth > MAX_SIGNATURE_DEPTH or nodes > MAX_SIGNATURE_NODES:
            raise ParameterError("signature", f"nested more than {MAX_SIGNATURE_DEPTH} deep or more than "
                                              f"{MAX_SIGNATURE_NODES} values")
        if isinstance(v, (dict, list)) and nodes + len(v) > MAX_SIGNATURE_NODES:
            raise ParameterError("signature", f"more than {MAX_SIGNATURE_NODES} values")
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise ParameterError("signature", "object keys must be strings")
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
        elif isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise ParameterError("signature", "numbers must be finite")
        elif isinstance(v, int) and not isinstance(v, bool):
            if not -(1 << 64) < v < 1 << 64:
                raise ParameterError("signature", "integers must be below 2^64 in magnitude")
        elif not (v is None or isinstance(v, (str, bool))):
            raise ParameterError("signature", f"{type(v).__name__} is not a JSON value")


def output_record(program: "Program") -> bool:
    """True when the program's output is a record in memory pointed to by the output cell
    (compiled programs returning lists: the length is known only at run time)."""
    return bool(program.signature.get("output", {}).get("record"))


def output_cells(program: "Program", outputs: list[int], address: int) -> tuple[list[int], list[int]]:
    """The memory cells (addresses, values) whose final values the statement claims.

    A fixed output region: its cells hold the outputs. A record: the output cell holds the
    record's address, and the record holds [length, values...] (or [rows, cols, values...]);
    raises ParameterError if the claimed record is not well formed."""
    lay = program.layout
    if not output_record(program):
        if len(outputs) != lay.out_size:
            raise ParameterError("outputs", f"{len(outputs)} output values for an output region of {lay.out_size}")
        return list(range(lay.out_base, lay.out_base + lay.out_size)), list(outputs)
    depth = program.signature["output"].get("depth", 1)
    if not outputs or outputs[0] < 0:
        raise ParameterError("outputs", "the output record is too short")
    if depth == 1:
        header, count = 1, outputs[0]
    else:
        rows = outputs[0]
        header = 1 + rows
        if len(outputs) < header or any(v < 0 for v in outputs[1:header]):
            raise ParameterError("outputs", "the output record's row lengths are malformed")
        count = sum(outputs[1:header])
    if len(outputs) != header + count:
        raise ParameterError("outputs", "the output record's header does not match its values")
    if address != lay.heap_base:
        # compiled programs move the record to the heap's base before halting, so that its
        # address (public) cannot reveal how much the private run allocated
        raise ParameterError("outputs", f"the output record must start at the heap's base ({lay.heap_base}), not {address}")
    return [lay.out_base] + list(range(address, address + len(outputs))), [address] + list(outputs)


def arithmetic_contract(program: "Program") -> str:
    """"exact" if the program's proofs attest CPython's integer results (the compiler proved or
    guarded every +, -, *: docs/dsl.md, *What a proof attests*), else "field" (+, -, * modulo p).
    Read from the signature, which the program hash covers."""
    return "exact" if program.signature.get("arithmetic") == "exact" else "field"


def shaped_output(program: "Program", outputs: list[int]) -> Any:
    """The output as the program returned it (an int, a list, a list of lists, or a tuple
    mixing ints and lists, shown as a list: its ``boxed`` positions hold one-element rows that
    stand for ints)."""
    if not output_record(program):
        shape = program.signature.get("output", {}).get("shape", [len(outputs)] if len(outputs) != 1 else [])
        return unflatten(list(outputs), shape)
    if program.signature["output"].get("depth", 1) == 1:
        return list(outputs[1:])
    rows = outputs[0]
    lens = outputs[1 : 1 + rows]
    out, pos = [], 1 + rows
    for ln in lens:
        out.append(list(outputs[pos : pos + ln]))
        pos += ln
    for k in program.signature["output"].get("boxed", []):
        if k < len(out) and len(out[k]) == 1:
            out[k] = out[k][0]
    parts = program.signature["output"].get("parts")
    if parts:
        return _read_parts(out, parts)
    return out


def _read_parts(rows: list, parts: list) -> list:
    """A tuple laid out as rows (compiler.link.output_rows) read back: an int is the row [x],
    a list one row, a list of lists [count] and its rows."""
    out, at = [], 0
    for p in parts:
        if at >= len(rows):
            break
        if p == "list":
            out.append(rows[at])
            at += 1
        elif p == "int":
            out.append(rows[at][0] if rows[at] else None)
            at += 1
        else:
            n = rows[at][0] if rows[at] else 0
            out.append(rows[at + 1 : at + 1 + n])
            at += 1 + n
    return out


def unflatten(values: list[int], shape: list[int] | tuple[int, ...]) -> Any:
    """Values in row-major order as nested lists of the given shape ([] means a scalar)."""
    if not shape:
        return values[0] if values else None
    if len(shape) == 1:
        return list(values)
    step = len(values) // shape[0] if shape[0] else 0
    return [unflatten(values[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _field_words(values) -> bytes:
    """Each value mod p as 8 little-endian bytes (vectorized for the common case of values in
    signed 64-bit range: a model's million constants hash in milliseconds)."""
    import numpy as np

    try:
        arr = np.asarray(values, dtype=np.int64)
    except (OverflowError, TypeError, ValueError):
        return b"".join((int(v) % P).to_bytes(8, "little") for v in values)
    out = arr.astype(np.uint64)
    neg = arr < 0
    if neg.any():
        out[neg] = np.uint64(P) - (-arr[neg]).astype(np.uint64)
    big = out >= np.uint64(P)
    if big.any():
        out[big] -= np.uint64(P)
    return out.astype("<u8").tobytes()
