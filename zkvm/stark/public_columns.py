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
from zkvm.field import np_field as npf
from zkvm.field.ext2 import NONRESIDUE, Ext2, ext_batch_inverse

P = gl.P
_EPSILON = np.uint64(2**64 - P)  # 2^32 - 1


def _reduce_ints(values: Sequence[int]) -> np.ndarray:
    """[int(x) % P for x in values] as a uint64 array, whole-array when numpy reads the values
    as 64-bit integers (per element otherwise: floats, bools, huge ints, other types)."""
    arr = np.asarray(values) if len(values) else np.zeros(0, dtype=np.uint64)
    if arr.ndim != 1 or arr.dtype not in (np.int64, np.uint64):
        return np.array([int(x) % P for x in values], dtype=np.uint64)
    if arr.dtype == np.uint64:
        return np.where(arr >= np.uint64(P), arr - np.uint64(P), arr)
    out = arr.view(np.uint64)  # x >= 0 (< 2^63 < p) is already canonical;
    neg = arr < 0  # x < 0 reads as x + 2^64, and x + p = (x + 2^64) - (2^32 - 1)
    if neg.any():
        out = out.copy()
        out[neg] -= _EPSILON
    return out


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
            v_arr = v if isinstance(v, np.ndarray) else _reduce_ints(v)
            v_arr = np.asarray(v_arr, dtype=np.uint64)
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
            if r.size and int(r[0]) < 0:
                raise ParameterError("public columns", f"a public column has a value at row {int(r[0])}")

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
        """Each column's polynomial (interpolating its values on <g>, |<g>| = n) at z.

        Whole-array numpy arithmetic (:mod:`zkvm.field.np_field`), exact and equal to
        :meth:`_evaluate_reference`. With d_j = z - g^j = (z0 - g^j) + z1 phi and its norm
        N_j = (z0 - g^j)^2 - 7 z1^2 (a base-field element), g^j / d_j = u_j ((z0 - g^j) - z1 phi)
        where u_j = g^j / N_j; so per column

            sum_j v_j g^j / d_j = sum_j v_j u_j (z0 - g^j)  -  z1 * sum_j v_j u_j * phi,

        two base-field products per entry and one base-field batch inversion over the rows."""
        self.check_fits(n)
        if not self.rows:
            return []
        sizes = [int(r.size) for r in self.rows]
        total = sum(sizes)
        if total == 0:
            return [Ext2(0) for _ in self.rows]
        all_entries = np.concatenate([np.asarray(r, dtype=np.int64) for r in self.rows])
        z0, z1 = z.c0, z.c1
        # The rows to weigh (sorted) and, per entry, its row's position among them.
        span = max(int(r[-1]) + 1 for r in self.rows if r.size)
        if span <= 2 * total and z1 != 0:
            # Dense (code, constants): weigh every row below the last valued one (at most twice
            # the work), and an entry's position is its row. Only for z off the base field, where
            # no z - g^j is zero, whether row j holds a value or not.
            rows, index = None, all_entries
        elif n <= 8 * total + 4096:  # a row mask costs O(n): only when n is not much above the entry count
            mask = np.zeros(n, dtype=bool)
            mask[all_entries] = True
            rows = np.flatnonzero(mask)
            slot = np.cumsum(mask, dtype=np.int32 if n < 2**31 else np.int64)
            slot -= 1
            index = slot[all_entries]
            del mask, slot
        else:
            rows, index = np.unique(all_entries, return_inverse=True)
        g = gl.root_of_unity(n.bit_length() - 1)
        g_pows = npf.powers(g, span) if rows is None else npf.pow_indices(g, rows, n)
        d0 = npf.sub(np.uint64(z0), g_pows)  # z0 - g^j
        norm = npf.sub(npf.mul(d0, d0), np.uint64(NONRESIDUE * z1 * z1 % P))
        u = npf.mul(g_pows, npf.batch_inverse(norm))  # g^j / N_j (FieldError if z is a row point)
        w0 = npf.mul(u, d0)
        del g_pows, d0, norm
        vals = np.concatenate([np.asarray(v, dtype=np.uint64) for v in self.values])
        e0 = npf.mul(vals, w0[index])
        e1 = npf.mul(vals, u[index])
        del vals, index, w0, u
        scale = (z**n - 1) * gl.inv(n)
        starts = np.cumsum([0] + sizes[:-1]).tolist()
        sums0 = npf.segment_sums(e0, starts)
        sums1 = npf.segment_sums(e1, starts)
        return [scale * Ext2(s0, (P - z1) * s1) for s0, s1 in zip(sums0, sums1)]

    def _evaluate_reference(self, n: int, z: Ext2) -> list[Ext2]:
        """The same values as :meth:`evaluate`, per entry on Python ints (slow; a test oracle)."""
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
