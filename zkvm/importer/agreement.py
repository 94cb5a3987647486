"""Float vs quantized agreement, measured by running the written program itself.

The program is imported and its ``main`` called under CPython on every calibration sample
(as integers, the way ``zkvm run`` would get them), and its outputs are compared with the float
model's (onnxruntime's outputs when it is installed, the importer's own float evaluation
otherwise): how often the predicted class is the same, and the largest error of the output
values. No emulation of the quantized arithmetic is involved: what is measured is the program
that will be proven.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zkvm.importer.program import ARGMAX, LABEL, VALUES

_MODULES: dict[str, object] = {}


def _program_module(path: str):
    mod = _MODULES.get(path)
    if mod is None:
        name = f"_zkvm_imported_{len(_MODULES)}_{abs(hash(path))}"
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _MODULES[path] = mod
    return mod


def _run_chunk(path: str, rows: list[list[int]]) -> list:
    main = _program_module(path).main
    out = []
    for row in rows:
        try:
            out.append(main(row))
        except Exception as e:  # an input check or an arithmetic error of the program
            out.append(f"{type(e).__name__}: {e}")
    return out


def run_program(path: str | Path, inputs: np.ndarray, work_per_sample: int = 0) -> list:
    """``main`` of the program at ``path`` on each row of ``inputs`` (ints), under CPython.
    Large jobs (``work_per_sample`` operations each) are split over the machine's cores."""
    path = str(Path(path).resolve())
    rows = [list(map(int, r)) for r in np.asarray(inputs)]
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(rows) < 4 or len(rows) * work_per_sample < 20_000_000:
        return _run_chunk(path, rows)
    chunks = [rows[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(_run_chunk, [path] * workers, chunks))
    out: list = [None] * len(rows)
    for i, part in enumerate(parts):
        out[i::workers] = part
    return out


@dataclass
class Agreement:
    """How the program's outputs compare with the float model's on the calibration samples."""

    kind: str
    samples: int
    agreeing: int
    max_error: float | None = None  # VALUES (and ARGMAX): largest |program - float| of an output value
    failures: list[tuple[int, str]] = field(default_factory=list)  # sample index, the program's error
    disagreements: list[tuple[int, object, object]] = field(default_factory=list)  # index, program, float
    argmax_agreeing: int | None = None  # VALUES with vector outputs: samples whose argmax is the float model's
    available: int | None = None  # calibration samples given (the first ``samples`` were run)

    @property
    def rate(self) -> float:
        return self.agreeing / self.samples if self.samples else 1.0

    def lines(self) -> list[str]:
        what = {LABEL: "predicted label", ARGMAX: "predicted class (argmax)", VALUES: "outputs within tolerance"}[self.kind]
        of = f" (the first {self.samples} of {self.available})" if self.available and self.available > self.samples else ""
        out = [f"{what} equal on {self.agreeing} of {self.samples} calibration samples{of} ({100 * self.rate:.2f}%)"
               + (", measured by running this program under CPython" if self.samples else "")]
        if self.argmax_agreeing is not None:
            out.append(f"predicted class (argmax of the outputs) equal on {self.argmax_agreeing} of {self.samples} "
                       f"({100 * self.argmax_agreeing / max(self.samples, 1):.2f}%)")
        if self.max_error is not None:
            out.append(f"largest output error {self.max_error:.4g} (program output / 2**scale vs the float model)")
        if self.failures:
            out.append(f"the program stopped on {len(self.failures)} samples (first: sample "
                       f"{self.failures[0][0]}: {self.failures[0][1]})")
        return out


def compare(kind: str, outputs: list, reference: np.ndarray, output_frac_bits: int = 0,
            reference_scores: np.ndarray | None = None, tolerance: float | None = None) -> Agreement:
    """Compare the program's ``outputs`` with the float model's ``reference``: labels (LABEL),
    score vectors (ARGMAX: compared by argmax, errors on ``reference_scores`` when the program
    returns scores too) or output values (VALUES: each within ``tolerance``, default 1% of the
    output's range)."""
    n = len(outputs)
    failures = [(i, o) for i, o in enumerate(outputs) if isinstance(o, str)]
    agreeing, max_error, dis = 0, None, []
    ref = np.asarray(reference)
    if kind == VALUES:
        ref = ref.reshape(n, -1).astype(np.float64)
        span = float(np.ptp(ref)) if ref.size else 0.0
        tol = tolerance if tolerance is not None else max(0.01 * span, 2.0 ** -output_frac_bits)
        errs, arg = [], 0
        for i, o in enumerate(outputs):
            if isinstance(o, str):
                continue
            got = np.asarray(o if isinstance(o, list) else [o], dtype=np.float64).reshape(-1) / 2.0 ** output_frac_bits
            err = float(np.max(np.abs(got - ref[i]))) if got.shape == ref[i].shape else float("inf")
            errs.append(err)
            if got.shape == ref[i].shape and got.size > 1 and int(np.argmax(got)) == int(np.argmax(ref[i])):
                arg += 1
            if err <= tol:
                agreeing += 1
            elif len(dis) < 20:
                dis.append((i, got.tolist(), ref[i].tolist()))
        max_error = max(errs) if errs else None
        argmax_agreeing = arg if ref.ndim == 2 and ref.shape[1] > 1 else None
    else:
        argmax_agreeing = None
        want = ref.reshape(n, -1).argmax(axis=1) if kind == ARGMAX and ref.ndim > 1 else ref.reshape(n)
        for i, o in enumerate(outputs):
            if isinstance(o, str):
                continue
            if int(o) == int(want[i]):
                agreeing += 1
            else:
                dis.append((i, int(o), int(want[i])))
    return Agreement(kind, n, agreeing, max_error, failures, dis, argmax_agreeing)
