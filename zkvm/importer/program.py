"""The program an import writes: its parts, and the text they make.

An importer (nn.py for neural networks, trees.py for ONNX-ML ensembles and linear models)
lowers a model to a :class:`GeneratedProgram`: helper functions, named integer arrays, the
statements of ``main`` after its input checks, and what the output means. :func:`render`
turns that into a DSL program in the style of ``programs/*.py``: a docstring recording where
the model came from and how it was quantized, the weights loaded from an ``.npz`` beside the
program with ``zkvm.lang.load``, one named function per kind of layer, and a ``main`` that
checks its input against the declared domain before computing anything.
"""

from __future__ import annotations

import builtins
import keyword
import re
import textwrap
from dataclasses import dataclass, field

import numpy as np

# Outputs: what ``main`` returns, and how the agreement check reads it.
LABEL = "label"  # one int: a class label (compared with the model's label output)
ARGMAX = "argmax"  # one int: the index of the largest output (compared with argmax of the scores)
VALUES = "values"  # list of ints: the model's output values at scale 2**output_frac_bits


@dataclass(frozen=True)
class InputSpec:
    """The program's one input: a flat list of ints, each ``round(v * 2**frac_bits)`` of a
    float ``v`` of the model's input, in row-major order of ``shape``; every element must lie
    in ``[lo, hi]`` (the integer image of the declared float domain ``[lo_float, hi_float]``)."""

    name: str
    shape: tuple[int, ...]
    frac_bits: int
    lo_float: float
    hi_float: float
    domain_source: str  # where the domain came from ("--input-range", "the calibration samples", ...)

    @property
    def length(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def lo(self) -> int:
        return int(np.ceil(self.lo_float * 2.0 ** self.frac_bits))

    @property
    def hi(self) -> int:
        return int(np.floor(self.hi_float * 2.0 ** self.frac_bits))

    def quantize(self, samples: np.ndarray) -> np.ndarray:
        """Float samples (n, *shape) -> the program's integer inputs (n, length), clipped to the
        domain (a sample outside it would stop the program's input check)."""
        flat = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
        q = np.rint(flat * 2.0 ** self.frac_bits)
        return np.clip(q, self.lo, self.hi).astype(np.int64)


@dataclass
class GeneratedProgram:
    """A lowered model, before it is rendered as text."""

    title: str
    input: InputSpec
    output_kind: str  # LABEL, ARGMAX or VALUES
    output_doc: str  # one sentence: what main returns
    functions: list[str] = field(default_factory=list)  # source of helper functions, in order
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # NAME -> integer array (1-D or 2-D)
    array_notes: dict[str, str] = field(default_factory=dict)  # NAME -> comment on its load line
    constants: list[tuple[str, int, str]] = field(default_factory=list)  # (NAME, value, comment)
    body: list[str] = field(default_factory=list)  # main's statements after the input checks
    returns: str = "list[int]"  # main's return annotation
    output_frac_bits: int = 0  # VALUES: the output's scale
    labels: list[int] | None = None  # LABEL: the labels the program may return
    reference_output: int = 0  # which of the model's outputs the program's output is compared with
    notes: list[str] = field(default_factory=list)  # quantization notes for the docstring
    graph_summary: list[str] = field(default_factory=list)  # one line per layer, for the docstring

    def add_function(self, source: str) -> None:
        """Add a helper once (the same text added twice is one function)."""
        text = textwrap.dedent(source).strip("\n")
        if text not in self.functions:
            self.functions.append(text)

    def add_array(self, name: str, values, note: str = "") -> str:
        arr = np.asarray(values)
        if arr.dtype.kind not in "iub":
            raise TypeError(f"{name}: {arr.dtype} is not an integer array")
        if arr.ndim not in (1, 2):
            raise ValueError(f"{name}: arrays are 1-D or 2-D, not {arr.ndim}-D")
        if name in self.arrays:
            raise ValueError(f"{name} defined twice")
        self.arrays[name] = arr.astype(np.int64)
        self.array_notes[name] = note
        return name


def identifier(text: str, prefix: str = "v") -> str:
    """A Python identifier from an ONNX name ("input.1" -> "input_1", "0" -> "v_0")."""
    s = re.sub(r"\W", "_", text).strip("_") or prefix
    if s[0].isdigit():
        s = f"{prefix}_{s}"
    if keyword.iskeyword(s) or s in dir(builtins) or s in ("main", "load"):
        s = f"{s}_"
    return s


def _shape_text(shape: tuple[int, ...]) -> str:
    return " x ".join(str(d) for d in shape) if shape else "scalar"


def render(prog: GeneratedProgram, *, npz_name: str, source_lines: list[str], agreement_lines: list[str]) -> str:
    """The program's text. ``source_lines`` describe the source model (file, hash, producer),
    ``agreement_lines`` the measured agreement (empty before it is measured)."""
    spec = prog.input
    doc = [f"{prog.title}", ""]
    doc += source_lines
    if prog.graph_summary:
        doc += ["", "Layers:"] + [f"  {line}" for line in prog.graph_summary]
    doc += [
        "",
        f"Input: ``{spec.name}``, {spec.length} integers: the model's input of shape "
        f"({', '.join(str(d) for d in spec.shape)}) in row-major order, each value v passed as "
        f"round(v * 2**{spec.frac_bits}). Its domain is [{spec.lo_float:g}, {spec.hi_float:g}] "
        f"({spec.domain_source}), so every integer lies in {spec.lo}..{spec.hi}; main checks it.",
        f"Output: {prog.output_doc}",
    ]
    if prog.notes:
        doc += ["", "Quantization:"] + [f"  {n}" for n in prog.notes]
    if agreement_lines:
        doc += ["", "Agreement with the float model:"] + [f"  {a}" for a in agreement_lines]
    doc += ["", "Written by `zkvm import`; edit freely (it is an ordinary program)."]
    wrapped: list[str] = []
    for line in doc:
        indent = len(line) - len(line.lstrip(" "))
        wrapped += textwrap.wrap(line, 96, subsequent_indent=" " * (indent + 2), break_long_words=False,
                                 break_on_hyphens=False) or [""]
    out = ['"""' + wrapped[0]] + wrapped[1:] + ['"""', "", "from zkvm.lang import load", ""]
    for name, arr in prog.arrays.items():
        note = prog.array_notes.get(name, "")
        comment = f"  # {_shape_text(arr.shape)}" + (f", {note}" if note else "")
        out.append(f'{name} = load("{npz_name}", "{name}"){comment}')
    for name, value, comment in prog.constants:
        out.append(f"{name} = {value}" + (f"  # {comment}" if comment else ""))
    out += ["", ""]
    for fn in prog.functions:
        out += [fn, "", ""]
    out.append(f"def main({spec.name}: list[int]) -> {prog.returns}:")
    out.append(f'    assert len({spec.name}) == {spec.length}, "the input has {spec.length} values"')
    out.append(f"    for v in {spec.name}:")
    out.append(f'        assert {spec.lo} <= v <= {spec.hi}, "an input value lies in '
               f'[{spec.lo_float:g}, {spec.hi_float:g}] (integers {spec.lo}..{spec.hi})"')
    out += [f"    {line}" for line in prog.body]
    return "\n".join(out) + "\n"


#: The generated programs' argmax helper: the first index of the largest value, as numpy and ONNX break ties.
ARGMAX_FUNCTION = '''
def argmax(v: list[int]) -> int:
    """The index of the largest value (the first one on ties, as numpy and ONNX do)."""
    best = 0
    for i in range(1, len(v)):
        if v[i] > v[best]:
            best = i
    return best
'''
