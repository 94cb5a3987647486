"""Private weights and the model commitment (issue 21; docs/private-weights.md).

A program's ``load_private("model.npz", "W1")`` arrays are laid out, at prove time, in the
*private region* of the data space (at CONST_BASE, before the public constants: the compiler
records each array's file, name, shape and offset in the program's signature). The region's
weights, packed three to a field element, are absorbed after a secret salt block by the
Poseidon2 sponge (zkvm/crypto/poseidon2.py); its 4-element digest is the **model
commitment**, which the owner publishes and every proof of the program is checked against.

Files: ``PROGRAM.commitment`` (public, JSON: the digest, the program's private arrays) and
``PROGRAM.salt`` (secret, JSON: 8 random field elements). Verifier-safe (Numba only in :func:`commit`, which the owner runs).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zkvm.crypto import poseidon2
from zkvm.errors import InputError, ParameterError
from zkvm.field.goldilocks import P
from zkvm.isa.program import PRIVATE_BITS, Program, private_space

COMMITMENT_FORMAT = "zkvm-commitment"
SALT_FORMAT = "zkvm-salt"
SALT_WORDS = poseidon2.RATE


@dataclass(frozen=True)
class Commitment:
    """A model commitment: the Poseidon2 digest (4 field elements) of a program's private
    weights and a secret salt, with the private arrays' description it was made for."""

    digest: tuple[int, ...]
    arrays: tuple[dict, ...] = ()

    def hex(self) -> str:
        return b"".join(int(v).to_bytes(8, "little") for v in self.digest).hex()

    @classmethod
    def from_hex(cls, text: str) -> "Commitment":
        t = text.strip().lower().removeprefix("0x")
        try:
            raw = bytes.fromhex(t)
        except ValueError:
            raise ParameterError("commitment", "not hex: expected 64 hex digits or a .commitment file") from None
        if len(raw) != 8 * poseidon2.DIGEST:
            raise ParameterError("commitment", f"{len(raw)} bytes, expected {8 * poseidon2.DIGEST} (64 hex digits)")
        digest = tuple(int.from_bytes(raw[i : i + 8], "little") for i in range(0, len(raw), 8))
        if any(v >= P for v in digest):
            raise ParameterError("commitment", "an element is not a canonical field element")
        return cls(digest)

    def to_json(self) -> dict:
        return {"format": COMMITMENT_FORMAT, "version": 1, "hash": "poseidon2-goldilocks-t12",
                "commitment": self.hex(), "private": list(self.arrays)}

    @classmethod
    def load(cls, where: str | Path) -> "Commitment":
        """A commitment from a ``.commitment`` file or 64 hex digits (raises ParameterError)."""
        text = str(where)
        path = Path(text)
        if not path.is_file():
            return cls.from_hex(text)
        try:
            obj = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ParameterError("commitment", f"cannot read {path}: {e}") from None
        if not isinstance(obj, dict) or obj.get("format") != COMMITMENT_FORMAT or not isinstance(obj.get("commitment"), str):
            raise ParameterError("commitment", f"{path} is not a zkvm commitment file")
        arrays = obj.get("private", [])
        if not isinstance(arrays, list) or not all(isinstance(a, dict) for a in arrays):
            raise ParameterError("commitment", f"{path}: malformed private arrays")
        return cls(cls.from_hex(obj["commitment"]).digest, tuple(arrays))


def new_salt() -> list[int]:
    """8 uniformly random field elements (about 512 bits; the commitment's hiding rests on them)."""
    return [secrets.randbelow(P) for _ in range(SALT_WORDS)]


def save_salt(salt: list[int], path: Path) -> None:
    path.write_text(json.dumps({"format": SALT_FORMAT, "version": 1, "salt": [str(v) for v in salt]}) + "\n")
    try:
        path.chmod(0o600)
    except OSError:
        pass


def load_salt(path: str | Path) -> list[int]:
    """The salt of a ``.salt`` file (raises InputError naming the file)."""
    p = Path(path)
    try:
        obj = json.loads(p.read_text())
        salt = [int(v) for v in obj["salt"]] if isinstance(obj, dict) and obj.get("format") == SALT_FORMAT else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise InputError("salt", f"cannot read {p}: {e}") from None
    if salt is None or len(salt) != SALT_WORDS or not all(0 <= v < P for v in salt):
        raise InputError("salt", f"{p} is not a zkvm salt file ({SALT_WORDS} field elements)")
    return salt


def private_arrays(program: Program) -> list[dict]:
    return list(program.signature.get("private", {}).get("arrays", []))


def load_region(program: Program, base_dir: str | Path) -> np.ndarray:
    """The program's private region (uint64 field elements, private_space words): each private
    array read from its file (relative to ``base_dir``, the program's folder) and checked
    against the shape the program was compiled for and the signed 16-bit range."""
    from zkvm.lang import load_array

    region = np.zeros(private_space(program), dtype=np.int64)
    lo, hi = -(1 << (PRIVATE_BITS - 1)), (1 << (PRIVATE_BITS - 1)) - 1
    for a in private_arrays(program):
        what = f"{a['file']}:{a['name']}"
        try:
            arr = load_array(Path(base_dir) / a["file"], a["name"])
        except (OSError, KeyError, ValueError) as e:
            raise InputError("private weights", f"{what}: {e}") from None
        if list(arr.shape) != list(a["shape"]):
            raise InputError("private weights", f"{what} has shape {list(arr.shape)}, the program was compiled for "
                             f"{a['shape']}")
        if arr.size and (int(arr.min()) < lo or int(arr.max()) > hi):
            raise InputError("private weights", f"{what} holds values in [{int(arr.min())}, {int(arr.max())}]; private "
                             f"weights are signed {PRIVATE_BITS}-bit integers [{lo}, {hi}] (quantize them further)")
        region[a["offset"] : a["offset"] + arr.size] = arr.reshape(-1)
    return _to_field(region)


def _to_field(a: np.ndarray) -> np.ndarray:
    return np.where(a < 0, np.uint64(P) - (-a).astype(np.uint64), a.astype(np.uint64))


def blocks(region: np.ndarray, salt: list[int]) -> np.ndarray:
    """The sponge's blocks for a private region: the salt, then each 24 weights packed three to
    an element (w + 2^15 in 16 bits each: zkvm.air.private_table.packed_block)."""
    from zkvm.air.private_table import pack_rows

    return np.concatenate([np.asarray(salt, dtype=np.uint64).reshape(1, SALT_WORDS), pack_rows(region.astype(np.uint64))])


def commit(region: np.ndarray, salt: list[int]) -> tuple[int, ...]:
    """The commitment to a private region: the Poseidon2 sponge over :func:`blocks` (in Numba:
    a million weights take a fraction of a second, not a minute)."""
    from zkvm.crypto.poseidon2_kernels import sponge

    return tuple(sponge(blocks(region, salt)))


__all__ = ["Commitment", "commit", "load_region", "load_salt", "new_salt", "save_salt", "private_arrays"]
