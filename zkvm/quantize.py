"""Turn a float model into the scaled integers a DSL program computes with.

A DSL program works on integers (field elements that behave like Python ints within the range
docs/isa.md states). A float model becomes an integer one by fixed-point scaling: a value ``v``
at scale ``s`` is stored as ``round(v * s)``. A dense layer ``y = W x + b`` whose input has
scale ``s_in`` and whose weights are stored at scale ``s_w`` produces outputs at scale
``s_in * s_w``; dividing by a power of two (``y // 2**k`` in the program) brings the scale back
down before the next layer, which keeps every value far inside the 32-bit range that
comparisons and division accept.

The helpers here are what ``programs/train.py`` uses; they are plain numpy and have no
dependency on the prover.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

INT32_LIMIT = 1 << 31


def to_fixed(values, scale: float) -> np.ndarray:
    """``round(values * scale)`` as int64 (round half to even, as numpy does)."""
    out = np.rint(np.asarray(values, dtype=np.float64) * scale)
    if np.any(np.abs(out) >= 1 << 62):
        raise ValueError(f"values at scale {scale} do not fit in 62 bits")
    return out.astype(np.int64)


@dataclass(frozen=True)
class QuantizedDense:
    """An integer dense layer: ``y = W @ x + b`` with ``W`` (out, in) and ``b`` (out,)."""

    weight: np.ndarray
    bias: np.ndarray
    out_scale: float  # the scale of y

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The layer on integer inputs, exactly as the DSL program computes it."""
        return self.weight @ np.asarray(x, dtype=np.int64) + self.bias


def quantize_dense(weight, bias, in_scale: float, weight_scale: float) -> QuantizedDense:
    """Quantize a float layer (weight shaped (out, in)) whose input arrives at ``in_scale``."""
    w = to_fixed(weight, weight_scale)
    b = to_fixed(bias, in_scale * weight_scale)
    return QuantizedDense(w, b, in_scale * weight_scale)


def check_range(values, what: str, limit: int = INT32_LIMIT) -> None:
    """Refuse a quantization whose intermediate values leave the comparison/division range."""
    m = int(np.max(np.abs(values))) if np.size(values) else 0
    if m >= limit:
        raise ValueError(f"{what} reaches {m}, outside the signed 32-bit range: use smaller scales")


def save(path: str | Path, **arrays) -> None:
    """Write integer arrays to a compressed ``.npz`` a program reads with ``load(file, name)``."""
    clean = {}
    for name, arr in arrays.items():
        a = np.asarray(arr)
        if a.dtype.kind not in "iub":
            raise ValueError(f"{name} is {a.dtype}, not integers: quantize it first")
        lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
        dtype = np.int16 if -(1 << 15) <= lo and hi < 1 << 15 else np.int32 if -(1 << 31) <= lo and hi < 1 << 31 else np.int64
        clean[name] = a.astype(dtype)
    np.savez_compressed(path, **clean)
