"""Public columns: trace columns whose values the verifier knows (verifier-safe).

A public column (a program's code, its constant data, the output selector) is part of the
statement, not of the witness: the prover uses it in the constraints like any column, but never
commits to it; the verifier computes its value at the out-of-domain point itself, by the
barycentric formula over the trace domain H = <g> of size n,

    f(z) = (z^n - 1) / n * sum_j f(g^j) * g^j / (z - g^j),

in which only the rows holding a nonzero value contribute. The columns are given sparsely and
hashed into a digest that the transcript binds, so a proof is tied to exactly these values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import blake3
import numpy as np

from zkvm.errors import ParameterError
from zkvm.field import goldilocks as gl
from zkvm.field.ext2 import Ext2, ext_batch_inverse

P = gl.P


@dataclass(frozen=True)
class PublicColumns:
    """Sparse public columns: for each column, the rows with a nonzero value and the values."""

    rows: tuple[np.ndarray, ...]  # int64 arrays, strictly increasing
    values: tuple[np.ndarray, ...]  # uint64 arrays, canonical, nonzero
    _digest: list = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def from_dense(cls, columns: Sequence[Sequence[int]] | np.ndarray) -> "PublicColumns":
        """From full columns (each a sequence of canonical values, one per row)."""
        rows, values = [], []
        for col in columns:
            arr = np.asarray(col, dtype=np.uint64)
            nz = np.flatnonzero(arr)
            rows.append(nz.astype(np.int64))
            values.append(arr[nz].astype(np.uint64))
        return cls(tuple(rows), tuple(values))

    @classmethod
    def from_entries(cls, entries: Sequence[tuple[Sequence[int], Sequence[int]]]) -> "PublicColumns":
        """From (rows, values) pairs; zero values are dropped, rows must be distinct."""
        rows, values = [], []
        for r, v in entries:
            r_arr = np.asarray(r, dtype=np.int64)
            v_arr = np.asarray([int(x) % P for x in v] if not isinstance(v, np.ndarray) else v, dtype=np.uint64)
            if r_arr.shape != v_arr.shape:
                raise ParameterError("public columns", "rows and values differ in length")
            order = np.argsort(r_arr, kind="stable")
            r_arr, v_arr = r_arr[order], v_arr[order]
            if r_arr.size and (np.any(np.diff(r_arr) == 0) or r_arr[0] < 0):
                raise ParameterError("public columns", "rows must be distinct and non-negative")
            keep = v_arr != 0
            rows.append(r_arr[keep])
            values.append(v_arr[keep])
        return cls(tuple(rows), tuple(values))

    @property
    def count(self) -> int:
        return len(self.rows)

    def check_fits(self, n: int) -> None:
        for r in self.rows:
            if r.size and int(r[-1]) >= n:
                raise ParameterError("public columns", f"a public column has a value at row {int(r[-1])} of a {n}-row trace")

    def digest(self) -> bytes:
        """blake3 of the canonical encoding (column count, then per column: entry count, rows,
        values, all little-endian)."""
        if not self._digest:
            h = blake3.blake3(b"zkvm public columns v1")
            h.update(len(self.rows).to_bytes(8, "little"))
            for r, v in zip(self.rows, self.values):
                h.update(int(r.size).to_bytes(8, "little"))
                h.update(np.ascontiguousarray(r, dtype="<i8").tobytes())
                h.update(np.ascontiguousarray(v, dtype="<u8").tobytes())
            self._digest.append(h.digest())
        return self._digest[0]

    def dense(self, n: int) -> np.ndarray:
        """The full (n, columns) matrix (prover side)."""
        self.check_fits(n)
        out = np.zeros((n, len(self.rows)), dtype=np.uint64)
        for c, (r, v) in enumerate(zip(self.rows, self.values)):
            out[r, c] = v
        return out

    def evaluate(self, n: int, z: Ext2) -> list[Ext2]:
        """Each column's polynomial (interpolating its values on <g>, |<g>| = n) at z."""
        self.check_fits(n)
        all_rows = sorted(set().union(*(set(r.tolist()) for r in self.rows))) if self.rows else []
        if not all_rows:
            return [Ext2(0) for _ in self.rows]
        g = gl.root_of_unity(n.bit_length() - 1)
        g_pows = [pow(g, j, P) for j in all_rows]
        inverses = ext_batch_inverse([z - gj for gj in g_pows])
        # weight_j = g^j / (z - g^j), as (c0, c1) ints
        weights = {}
        for j, gj, inv in zip(all_rows, g_pows, inverses):
            weights[j] = (inv.c0 * gj % P, inv.c1 * gj % P)
        scale = (z**n - 1) * gl.inv(n)
        out = []
        for r, v in zip(self.rows, self.values):
            w = [weights[j] for j in r.tolist()]
            vals = v.tolist()
            s0 = sum(x * w0 for x, (w0, _) in zip(vals, w)) % P
            s1 = sum(x * w1 for x, (_, w1) in zip(vals, w)) % P
            out.append(scale * Ext2(s0, s1))
        return out


EMPTY = PublicColumns((), ())
