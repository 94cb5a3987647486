"""``zkvm import``: a trained ONNX model (from PyTorch, scikit-learn via skl2onnx, ...) into a
readable DSL program with its weights in an ``.npz`` beside it and an input file for one sample.

The flow: read the graph (graph.py), choose the input domain and read the calibration samples
(samples.py), lower the graph to integer arithmetic with power-of-two scales shown overflow-free
by interval analysis over the whole domain (nn.py for neural networks, trees.py for ONNX-ML tree
ensembles and linear models), write the program (program.py), then run the written program under
CPython on the calibration samples and compare with the float model (agreement.py), recording
the result in the program's docstring. Needs the ``import`` extra (onnx; onnxruntime for the
float reference, else the importer's own float evaluation is the reference).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from zkvm.errors import InputError
from zkvm.importer.agreement import Agreement, compare, run_program
from zkvm.importer.program import GeneratedProgram, render

DEFAULT_BITS = 16
"""Default precision: weights and activations are rounded to 16-bit signed integers (at a
power-of-two scale chosen per tensor); products and sums are exact 64-bit VM integers."""


AGREEMENT_WORK = 600_000_000
"""Weights-times-samples budget of the default agreement run (about 15 s on two cores)."""
AGREEMENT_MIN_SAMPLES = 100


@dataclass
class ImportResult:
    """What an import wrote and measured."""

    program_path: Path
    weights_path: Path
    input_path: Path
    program: GeneratedProgram
    agreement: Agreement | None
    reference_source: str

    def summary(self) -> dict:
        a = self.agreement
        return {
            "program": str(self.program_path), "weights": str(self.weights_path), "input": str(self.input_path),
            "input_scale_bits": self.program.input.frac_bits,
            "input_domain": [self.program.input.lo_float, self.program.input.hi_float],
            "output": self.program.output_kind,
            "agreement": None if a is None else {
                "samples": a.samples, "calibration_samples": a.available, "agreeing": a.agreeing, "rate": a.rate, "max_error": a.max_error,
                "argmax_agreeing": a.argmax_agreeing,
                "reference": self.reference_source,
                "disagreements": [list(d) for d in a.disagreements[:20]],
                "failures": [list(f) for f in a.failures[:20]]},
        }


def _lower(graph, domain, samples, bits) -> GeneratedProgram:
    if graph.is_ml:
        from zkvm.importer import trees
        return trees.lower(graph, domain, samples, bits)
    from zkvm.importer import nn
    return nn.lower(graph, domain, samples, bits)


def _reference(graph, samples: np.ndarray) -> tuple[list[np.ndarray], str]:
    """The float model's outputs on the samples: onnxruntime's when it is installed."""
    try:
        import onnxruntime as ort
    except ImportError:
        from zkvm.importer import reference
        return reference.run_graph(graph, samples), "the importer's float evaluation (onnxruntime is not installed)"
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(graph.path), opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    dtype = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(uint8)": np.uint8,
             "tensor(int8)": np.int8, "tensor(int64)": np.int64, "tensor(int32)": np.int32}.get(inp.type, np.float32)
    batch = samples.astype(dtype)
    if not graph.has_batch:
        outs = [sess.run(None, {inp.name: s}) for s in batch]
        return [np.stack([o[k] for o in outs]) for k in range(len(outs[0]))], "onnxruntime"
    try:
        return [np.asarray(o) for o in sess.run(None, {inp.name: batch})], "onnxruntime"
    except Exception:  # a model exported with a fixed batch of 1
        outs = [sess.run(None, {inp.name: s[None]}) for s in batch]
        return [np.concatenate([np.asarray(o[k]).reshape(1, -1) for o in outs]) for k in range(len(outs[0]))], "onnxruntime"


def import_model(model: str | Path, out: str | Path, *, calibrate: str | Path | None = None,
                 bits: int | None = None, input_range: tuple[float, float] | None = None,
                 agreement_samples: int | None = None,
                 progress: Callable[[str], None] | None = None) -> ImportResult:
    """Import ``model`` (.onnx) as the program ``out`` (.py), writing ``out``'s ``.npz`` weights
    and ``.input.json`` beside it. Raises InputError for bad arguments or files (naming the
    parameter) and ImportRefused for unsupported operators or a quantization that would overflow
    (naming the node); nothing is written in either case. The agreement is measured on the first
    ``agreement_samples`` calibration samples (default: all of them, up to what takes about 15 s
    to run under CPython, and at least AGREEMENT_MIN_SAMPLES)."""
    from zkvm.importer.graph import load_graph
    from zkvm.importer.samples import input_domain, read_samples

    say = progress or (lambda message: None)
    out = Path(out)
    if out.suffix != ".py":
        raise InputError("-o", f"the program must be a .py file, not {out.name!r}")
    if agreement_samples is not None and agreement_samples < 1:
        raise InputError("--agreement-samples", f"must be at least 1, not {agreement_samples}")
    if bits is not None and not 4 <= bits <= 31:
        raise InputError("--bits", f"must be between 4 and 31, not {bits}")
    say("reading the model")
    graph = load_graph(model)
    samples = read_samples(calibrate, graph.input_name, graph.input_shape) if calibrate is not None else None
    domain = input_domain(input_range, samples, graph.input_elem_type)
    say(f"lowering {len(graph.nodes)} nodes (input domain [{domain[0]:g}, {domain[1]:g}])")
    prog = _lower(graph, domain, samples, bits or DEFAULT_BITS)

    weights_path = out.with_suffix(".npz")
    input_path = out.with_suffix(".input.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(weights_path, **{k: _compact(v) for k, v in prog.arrays.items()})
    text = render(prog, npz_name=weights_path.name, source_lines=graph.source_lines(), agreement_lines=[])
    out.write_text(text)
    first = samples[:1] if samples is not None else np.clip(np.zeros((1, *graph.input_shape)), domain[0], domain[1])
    input_path.write_text(json.dumps({prog.input.name: prog.input.quantize(first)[0].tolist()}) + "\n")

    agreement, ref_source = None, "none (no calibration samples)"
    if samples is not None:
        work = int(sum(a.size for a in prog.arrays.values()))
        n = len(samples) if agreement_samples is None else agreement_samples
        if agreement_samples is None:  # about 15 s of CPython on two cores at most
            n = min(n, max(AGREEMENT_MIN_SAMPLES, AGREEMENT_WORK // max(work, 1)))
        checked = samples[:n]
        say(f"running the program on {len(checked)} of {len(samples)} calibration samples")
        outputs = run_program(out, prog.input.quantize(checked), work)
        say("comparing with the float model")
        refs, ref_source = _reference(graph, checked)
        agreement = compare(prog.output_kind, outputs, refs[prog.reference_output], prog.output_frac_bits)
        agreement.available = len(samples)
        lines = agreement.lines() + [f"reference: {ref_source}"]
        out.write_text(render(prog, npz_name=weights_path.name, source_lines=graph.source_lines(), agreement_lines=lines))
    return ImportResult(out, weights_path, input_path, prog, agreement, ref_source)


def _compact(a: np.ndarray) -> np.ndarray:
    lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
    for t in (np.int8, np.int16, np.int32):
        info = np.iinfo(t)
        if info.min <= lo and hi <= info.max:
            return a.astype(t)
    return a.astype(np.int64)
