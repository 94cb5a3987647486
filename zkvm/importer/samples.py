"""Calibration samples and the declared input domain of an import.

Calibration samples come from ``--calibrate`` (``.npy``: one array of samples; ``.npz``: the
array named after the model's input, or ``x``/``X``, or its only array; ``.json``: a list of
samples or ``{input name: [samples]}``). The input domain is the float interval every element
of the input may take: ``--input-range LO HI`` if given, else the range of the calibration
samples, else what the model's input type allows (an 8-bit integer input: 0..255). A float
input with neither is refused: without a domain no quantization can be shown overflow-free.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from zkvm.errors import InputError

PARAM = "--calibrate"

# ONNX TensorProto element types with a bounded range (the ones a model input may declare)
INTEGER_INPUT_RANGES = {2: (0, 255), 3: (-128, 127), 4: (0, 65535), 5: (-32768, 32767), 9: (0, 1)}


def read_samples(path: str | Path, input_name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The calibration samples as float64, shaped (n, *shape). Raises InputError naming
    --calibrate for a missing or malformed file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(PARAM, f"no such file: {p}", file=str(p))
    try:
        if p.suffix == ".npy":
            arr = np.load(p, allow_pickle=False)
        elif p.suffix == ".npz":
            with np.load(p, allow_pickle=False) as data:
                names = data.files
                for key in (input_name, "x", "X"):
                    if key in names:
                        arr = data[key]
                        break
                else:
                    if len(names) != 1:
                        raise InputError(PARAM, f"{p.name} holds {', '.join(names)}: name the samples "
                                         f"{input_name!r} or 'x'", file=str(p))
                    arr = data[names[0]]
        elif p.suffix == ".json":
            obj = json.loads(p.read_text())
            if isinstance(obj, dict):
                if input_name not in obj:
                    raise InputError(PARAM, f"{p.name} has no entry {input_name!r} (the model's input)", file=str(p))
                obj = obj[input_name]
            arr = np.array(obj, dtype=np.float64)
        else:
            raise InputError(PARAM, f"unsupported file type {p.suffix!r}: use .npy, .npz or .json", file=str(p))
    except InputError:
        raise
    except (ValueError, OSError, json.JSONDecodeError) as e:
        raise InputError(PARAM, f"cannot read {p.name}: {e}", file=str(p)) from None
    if arr.dtype.kind not in "iufb":
        raise InputError(PARAM, f"{p.name}: samples must be numbers, not {arr.dtype}", file=str(p))
    arr = np.asarray(arr, dtype=np.float64)
    size = int(np.prod(shape)) if shape else 1
    if arr.ndim >= 1 and arr.size and int(np.prod(arr.shape[1:])) == size:
        n = arr.shape[0]
    elif arr.size == size:
        n = 1
    else:
        raise InputError(PARAM, f"{p.name}: samples of shape {arr.shape} do not fit the model's input of "
                         f"shape {tuple(shape)} (expected (n, {', '.join(map(str, shape))}))", file=str(p))
    if not np.all(np.isfinite(arr)):
        raise InputError(PARAM, f"{p.name}: samples contain NaN or infinity", file=str(p))
    return arr.reshape((n, *shape))


def input_domain(input_range: tuple[float, float] | None, samples: np.ndarray | None,
                 elem_type: int) -> tuple[float, float, str]:
    """(lo, hi, where it came from) of the model's input elements."""
    if input_range is not None:
        lo, hi = (float(v) for v in input_range)
        if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
            raise InputError("--input-range", f"LO HI must be finite numbers with LO <= HI, not {lo} {hi}")
        return lo, hi, "--input-range"
    if samples is not None:
        return float(samples.min()), float(samples.max()), "the range of the calibration samples"
    if elem_type in INTEGER_INPUT_RANGES:
        lo, hi = INTEGER_INPUT_RANGES[elem_type]
        return float(lo), float(hi), "the model's integer input type"
    raise InputError("--input-range", "the model's input is a float: give the input domain with "
                     "--input-range LO HI or calibration samples with --calibrate (the quantization must "
                     "be shown overflow-free for every input in the domain)")
