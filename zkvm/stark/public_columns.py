"""Public columns: trace columns whose values the verifier knows (verifier-safe).

A public column (a program's code, its constant data, the output selector) is part of the
statement, not of the witness: the prover uses it in the constraints like any column, and the
verifier obtains its value at the out-of-domain point z in one of two ways:

- computed: by the barycentric formula over the trace domain H = <g> of size n,

      f(z) = (z^n - 1) / n * sum_j f(g^j) * g^j / (z - g^j),

  in which only the rows holding a nonzero value contribute (cost: O(entries) per proof);
- committed: for parts marked ``committed`` (a large program's code and constants), the prover
  commits to their low-degree extension in a Merkle tree of its own and sends their values at
  z; the DEEP/FRI argument proves the sent values are those of the committed polynomials, and
  the verifier either checks the root against one it trusts (a verifying key: O(1) per proof)
  or computes the values itself and compares (the root was fixed before z was drawn).

The columns are given sparsely and hashed into a digest that the transcript binds, so a proof
is tied to exactly these values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import os

import blake3
import numpy as np

from zkvm.errors import FieldError, ParameterError
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


SMALL_ENTRIES = 1024
"""Columns with at most this many entries in all are evaluated on Python ints (numpy's
per-call overhead dominates below this size)."""

_POOLS: dict = {}  # process id -> a two-thread pool (a forked child needs its own threads)


def _usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _in_two_halves(task, count: int) -> None:
    """task(lo, hi) over [0, count) in two halves on two threads when the work is large
    enough and there are two cores (numpy's array loops release the GIL), else at once."""
    if count < 1 << 16 or _usable_cpus() < 2:
        task(0, count)
        return
    pool = _POOLS.get(os.getpid())
    if pool is None:
        from concurrent.futures import ThreadPoolExecutor

        pool = _POOLS[os.getpid()] = ThreadPoolExecutor(2, thread_name_prefix="zkvm-verify")
    half = count // 2
    for _ in pool.map(lambda r: task(*r), [(0, half), (half, count)]):
        pass


@dataclass(frozen=True)
class PublicColumns:
    """Sparse public columns: for each column, the rows with a nonzero value and the values.

    A combined object (:meth:`combine`) holds no entries itself: its ``parts`` are other
    PublicColumns objects, each adding into the listed columns of this one, and each either
    computed by the verifier or committed by the prover (see the module docstring). A part
    shared between proofs (a program's code and constants) keeps its precomputed,
    point-independent arrays and its digest."""

    rows: tuple[np.ndarray, ...]  # int64 arrays, strictly increasing
    values: tuple[np.ndarray, ...]  # uint64 arrays, canonical, nonzero
    parts: tuple = ()  # ((PublicColumns, (target column, ...), committed: bool), ...)
    columns: int = 0  # the column count of a combined object
    _digest: list = field(default_factory=list, compare=False, repr=False)
    _prepared: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def combine(cls, columns: int, parts: Sequence[tuple["PublicColumns", Sequence[int], bool]]) -> "PublicColumns":
        """``columns`` public columns, each the sum of the part columns that target it; parts
        marked committed are committed by the prover instead of computed by the verifier."""
        checked = []
        for part, targets, committed in parts:
            targets = tuple(int(t) for t in targets)
            if part.parts or len(targets) != part.count or any(not 0 <= t < columns for t in targets):
                raise ParameterError("public columns", "each part needs one target column (in range) per column")
            checked.append((part, targets, bool(committed)))
        return cls((), (), tuple(checked), columns)

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
            steps = np.diff(r_arr)
            if not np.all(steps > 0):  # not already strictly increasing (a program's data is)
                order = np.argsort(r_arr, kind="stable")
                r_arr, v_arr = r_arr[order], v_arr[order]
                steps = np.diff(r_arr)
            if r_arr.size and (np.any(steps == 0) or r_arr[0] < 0):
                raise ParameterError("public columns", "rows must be distinct and non-negative")
            keep = v_arr != 0
            rows.append(r_arr[keep])
            values.append(v_arr[keep])
        return cls(tuple(rows), tuple(values))

    @property
    def count(self) -> int:
        return self.columns if self.parts else len(self.rows)

    @property
    def committed_parts(self) -> tuple["PublicColumns", ...]:
        """The parts the prover commits to, in commitment order (their columns side by side)."""
        return tuple(part for part, _, committed in self.parts if committed)

    @property
    def committed_width(self) -> int:
        return sum(part.count for part in self.committed_parts)

    def committed_dense(self, n: int) -> np.ndarray:
        """The committed columns as one (n, committed_width) matrix (prover side)."""
        blocks = [part.dense(n) for part in self.committed_parts]
        return np.hstack(blocks) if blocks else np.zeros((n, 0), dtype=np.uint64)

    def evaluate_committed(self, n: int, z: Ext2) -> list[Ext2]:
        """The committed columns at z, computed from their entries (the verifier's check of the
        values a proof sends when it has no trusted root)."""
        return [v for part in self.committed_parts for v in part.evaluate(n, z)]

    def check_fits(self, n: int) -> None:
        for part, _, _ in self.parts:
            part.check_fits(n)
        for r in self.rows:
            if r.size and int(r[-1]) >= n:
                raise ParameterError("public columns", f"a public column has a value at row {int(r[-1])} of a {n}-row trace")
            if r.size and int(r[0]) < 0:
                raise ParameterError("public columns", f"a public column has a value at row {int(r[0])}")

    def digest(self) -> bytes:
        """blake3 of the canonical encoding (column count, then per column: entry count, rows,
        values, all little-endian)."""
        if not self._digest and self.parts:
            h = blake3.blake3(b"zkvm combined public columns v1")
            h.update(self.columns.to_bytes(8, "little"))
            for part, targets, committed in self.parts:
                h.update(bytes([committed]) + len(targets).to_bytes(8, "little"))
                h.update(b"".join(t.to_bytes(8, "little") for t in targets))
                h.update(part.digest())
            self._digest.append(h.digest())
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
        if self.parts:
            out = np.zeros((n, self.columns), dtype=np.uint64)
            for part, targets, _ in self.parts:
                for column, t in zip(part.dense(n).T, targets):
                    out[:, t] = npf.add(out[:, t], column)
            return out
        out = np.zeros((n, len(self.rows)), dtype=np.uint64)
        for c, (r, v) in enumerate(zip(self.rows, self.values)):
            out[r, c] = v
        return out

    def evaluate(self, n: int, z: Ext2, committed_values: Sequence[Ext2] | None = None) -> list[Ext2]:
        """Each column's polynomial (interpolating its values on <g>, |<g>| = n) at z.

        ``committed_values``: the committed parts' values at z, already established (a proof's
        values, checked by the caller): only the other parts are evaluated.

        Whole-array numpy arithmetic (:mod:`zkvm.field.np_field`), exact and equal to
        :meth:`_evaluate_reference`. With d_j = z - g^j = (z0 - g^j) + z1 phi and its norm
        N_j = (z0 - g^j)^2 - 7 z1^2 (a base-field element), g^j / d_j = (g^j / N_j)((z0 - g^j) - z1 phi);
        so per column, with e_j = v_j g^j / N_j,

            sum_j v_j g^j / d_j = sum_j e_j (z0 - g^j)  -  z1 * sum_j e_j * phi:

        one base-field batch inversion over the rows and two products per entry. The powers
        g^j and the products v_j g^j do not depend on z: they are kept per object and trace
        length (:meth:`_prepare`), and the work is split between two threads."""
        self.check_fits(n)
        if self.parts:
            given = list(committed_values) if committed_values is not None else None
            if given is not None and len(given) != self.committed_width:
                raise ParameterError("committed_values", f"expected {self.committed_width} values, got {len(given)}")
            out = [Ext2(0) for _ in range(self.columns)]
            for part, targets, committed in self.parts:
                if committed and given is not None:
                    values, given = given[: part.count], given[part.count :]
                else:
                    values = part.evaluate(n, z)
                for value, t in zip(values, targets):
                    out[t] = out[t] + value
            return out
        if not self.rows:
            return []
        entries = sum(int(r.size) for r in self.rows)
        if entries == 0:
            return [Ext2(0) for _ in self.rows]
        if entries <= SMALL_ENTRIES:
            return self._evaluate_small(n, z)
        z0, z1 = z.c0, z.c1
        g_pows, index, vg, starts = self._prepare(n, dense=z1 != 0)
        d0 = np.empty(g_pows.size, dtype=np.uint64)
        inv = np.empty(g_pows.size, dtype=np.uint64)
        c = np.uint64(NONRESIDUE * z1 * z1 % P)

        def weigh(lo: int, hi: int) -> None:
            d = npf.sub(np.uint64(z0), g_pows[lo:hi])  # z0 - g^j
            d0[lo:hi] = d
            inv[lo:hi] = npf.batch_inverse(npf.sub(npf.mul(d, d), c))  # 1 / N_j (FieldError if z is a row point)

        _in_two_halves(weigh, g_pows.size)
        e1 = np.empty(vg.size, dtype=np.uint64)
        e0 = np.empty(vg.size, dtype=np.uint64)

        def accumulate(lo: int, hi: int) -> None:
            at = index[lo:hi]
            e1[lo:hi] = npf.mul(vg[lo:hi], inv[at])
            e0[lo:hi] = npf.mul(e1[lo:hi], d0[at])

        _in_two_halves(accumulate, vg.size)
        scale = (z**n - 1) * gl.inv(n)
        sums0 = npf.segment_sums(e0, starts)
        sums1 = npf.segment_sums(e1, starts)
        return [scale * Ext2(s0, (P - z1) * s1) for s0, s1 in zip(sums0, sums1)]

    def _evaluate_small(self, n: int, z: Ext2) -> list[Ext2]:
        """:meth:`evaluate` for a few entries, on Python ints: the same formula (one base-field
        batch inversion of the norms N_j) without numpy's per-call overhead; the powers g^j and
        the products v_j g^j are kept per trace length, like :meth:`_prepare`'s."""
        key = ("small", n)
        if key not in self._prepared:
            g = gl.root_of_unity(n.bit_length() - 1)
            rows = sorted({int(j) for r in self.rows for j in r.tolist()})
            position = {j: i for i, j in enumerate(rows)}
            g_pows = [pow(g, j, P) for j in rows]
            columns = [[(position[j], x * g_pows[position[j]] % P) for j, x in zip(r.tolist(), v.tolist())]
                       for r, v in zip(self.rows, self.values)]
            self._prepared.clear()
            self._prepared[key] = (g_pows, columns)
        g_pows, columns = self._prepared[key]
        z0, z1 = z.c0, z.c1
        c = NONRESIDUE * z1 * z1 % P
        d0 = [(z0 - gj) % P for gj in g_pows]
        norms = [(d * d - c) % P for d in d0]
        prefix, acc = [], 1  # Montgomery's trick: one inversion for all the norms
        for v in norms:
            prefix.append(acc)
            acc = acc * v % P
        if acc == 0:
            raise FieldError("the out-of-domain point lies on the trace domain")
        inv = [0] * len(norms)
        inv_acc = pow(acc, -1, P)
        for i in range(len(norms) - 1, -1, -1):
            inv[i] = inv_acc * prefix[i] % P
            inv_acc = inv_acc * norms[i] % P
        scale = (z**n - 1) * gl.inv(n)
        out = []
        for entries in columns:
            s0 = s1 = 0
            for i, vg in entries:
                e1 = vg * inv[i] % P
                s1 += e1
                s0 += e1 * d0[i]
            out.append(scale * Ext2(s0 % P, (P - z1) * (s1 % P)))
        return out

    def _prepare(self, n: int, dense: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """The point-independent arrays for a trace of n rows: the powers g^j of the rows to
        weigh, each entry's position among them, v * g^(entry's row), and where each column's
        entries start. ``dense`` (allowed when z is off the base field, where no z - g^j is
        zero) weighs every row below the last valued one: at most twice the work, and an
        entry's position is its row."""
        key = (n, dense)
        if key not in self._prepared:
            sizes = [int(r.size) for r in self.rows]
            all_entries = np.concatenate([np.asarray(r, dtype=np.int64) for r in self.rows])
            total = all_entries.size
            span = int(all_entries.max()) + 1
            g = gl.root_of_unity(n.bit_length() - 1)
            if dense and span <= 2 * total:
                g_pows, index = npf.powers(g, span), all_entries
            else:
                if n <= 8 * total + 4096:  # a row mask costs O(n): only when n is not much above the entry count
                    mask = np.zeros(n, dtype=bool)
                    mask[all_entries] = True
                    rows = np.flatnonzero(mask)
                    slot = np.cumsum(mask, dtype=np.int32 if n < 2**31 else np.int64)
                    slot -= 1
                    index = slot[all_entries].astype(np.int64)
                    del mask, slot
                else:
                    rows, index = np.unique(all_entries, return_inverse=True)
                g_pows = npf.pow_indices(g, rows, n)
            vals = np.concatenate([np.asarray(v, dtype=np.uint64) for v in self.values])
            vg = npf.mul(vals, g_pows[index])
            starts = np.cumsum([0] + sizes[:-1]).tolist()
            entry = (g_pows, index, vg, starts)
            self._prepared.clear()  # one trace length at a time
            self._prepared[key] = entry
            return entry
        return self._prepared[key]

    def _evaluate_reference(self, n: int, z: Ext2) -> list[Ext2]:
        """The same values as :meth:`evaluate`, per entry on Python ints (slow; a test oracle)."""
        self.check_fits(n)
        if self.parts:
            out = [Ext2(0) for _ in range(self.columns)]
            for part, targets, _ in self.parts:
                for value, t in zip(part._evaluate_reference(n, z), targets):
                    out[t] = out[t] + value
            return out
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
