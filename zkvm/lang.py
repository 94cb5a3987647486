"""Helpers a DSL program imports (``from zkvm.lang import load``); they also work under plain
CPython, so the same file runs, prints and debugs as ordinary Python.

``load(filename, name)`` reads an integer array from a ``.npz`` or ``.json`` file beside the
calling program and returns nested lists of ints. The compiler evaluates the same call at
compile time and places the values in the program's constant data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load_array(path: Path | str, name: str):
    """The integer array ``name`` of the file (numpy, 1-D or 2-D). Raises ValueError for
    non-integer data and KeyError for a missing name."""
    import numpy as np

    p = Path(path)
    if p.suffix == ".npz":
        with np.load(p, allow_pickle=False) as data:
            if name not in data.files:
                raise KeyError(f"{p.name} has no array {name!r} (it has {', '.join(data.files)})")
            arr = data[name]
    elif p.suffix == ".json":
        obj = json.loads(p.read_text())
        if not isinstance(obj, dict) or name not in obj:
            raise KeyError(f"{p.name} has no entry {name!r}")
        arr = np.array(obj[name], dtype=object)
        if arr.dtype == object and arr.size and not all(isinstance(v, int) and not isinstance(v, bool) for v in arr.reshape(-1)):
            raise ValueError(f"{name!r} in {p.name} holds non-integer values (use scaled integers)")
        arr = arr.astype(np.int64) if arr.size else np.zeros(arr.shape, dtype=np.int64)
    else:
        raise ValueError(f"unsupported file type {p.suffix!r}: use .npz or .json")
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "b"):
        raise ValueError(f"{name!r} in {p.name} has dtype {arr.dtype}, not integers (use scaled integers)")
    return arr.astype(np.int64)


field_arithmetic = "field"
"""Importing this marker (``from zkvm.lang import field_arithmetic``) opts a program out of the
exact arithmetic contract: its proofs then attest +, -, * and dot products modulo
p = 2^64 - 2^32 + 1 (a forger's run may wrap around; our VM still stops honest runs that
overflow), which saves the overflow guards the compiler inserts where it cannot bound a value.
The proof's statement says which contract it carries (docs/dsl.md, *What a proof attests*)."""


def load(filename: str, name: str):
    """Nested lists of ints from ``filename`` (relative to the calling program's file)."""
    caller = sys._getframe(1).f_globals.get("__file__")
    base = Path(caller).resolve().parent if caller else Path.cwd()
    return load_array(base / filename, name).tolist()


def load_private(filename: str, name: str):
    """Like :func:`load`, for weights that stay private: the compiler places only their shape
    in the program (not their values, which are not part of its hash); a proof hides them and
    binds them to the model commitment that ``zkvm commit`` makes (docs/private-weights.md).
    Under CPython it reads the file like :func:`load`."""
    caller = sys._getframe(1).f_globals.get("__file__")
    base = Path(caller).resolve().parent if caller else Path.cwd()
    return load_array(base / filename, name).tolist()
