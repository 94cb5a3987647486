"""LogUp sums: declare fractions, get the auxiliary columns, constraints and their builder.

A LogUp argument proves that a sum of fractions n_k(row) / d_k(row) over all rows and all
fractions is zero (lookups: table multiplicity / (alpha - table value) minus
1 / (alpha - looked-up value); multiset equality: emitted minus consumed tuples).

Fractions are paired into helper columns h = n1/d1 + n2/d2, each checked on every row by the
degree-3 constraint h*d1*d2 = n1*d2 + n2*d1; one running sum s, checked cyclically, adds the
helpers (and one last unpaired fraction) row by row, so that going once around the trace the
increments sum to zero: that is the whole identity, with no boundary value to check.

Denominators must contain a random challenge drawn after the main trace is committed; a zero
denominator (probability about rows/|F|) makes the prover fail rather than cheat.

Verifier-safe: the column builder imports its Numba kernels only when the prover calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zkvm.errors import ZkvmError
from zkvm.stark.air import AirBuilder
from zkvm.stark.expr import Expr


@dataclass
class LogUpSum:
    """Collects fractions, then :meth:`finish` adds the columns and constraints."""

    builder: AirBuilder
    name: str
    fractions: list[tuple[Expr, Expr]] = field(default_factory=list)
    helper_names: list[str] = field(default_factory=list)
    sum_name: str = ""
    share: Expr | None = None

    def add(self, numerator: Expr | int, denominator: Expr) -> None:
        self.fractions.append((Expr.lift(numerator), denominator))

    def finish(self, share: Expr | None = None) -> None:
        """Add the columns and constraints. With ``share`` (a challenge slot holding S / n),
        the running sum drops ``share`` every row, so the fractions add up to the claimed sum
        S around the trace instead of to zero (a table's part of a bus: :mod:`zkvm.stark.tables`)."""
        self.share = share
        b = self.builder
        pairs = [self.fractions[i : i + 2] for i in range(0, len(self.fractions) - 1, 2)]
        last = self.fractions[-1] if len(self.fractions) % 2 else None
        total: Expr | int = 0
        for k, ((n1, d1), (n2, d2)) in enumerate(pairs):
            h_name = f"{self.name}_h{k}"
            b.add_aux(h_name)
            self.helper_names.append(h_name)
            h = b.aux(h_name)
            b.transition(f"{self.name} helper {k}", h * d1 * d2 - n1 * d2 - n2 * d1, cyclic=True)
            total = total + h
        self.sum_name = f"{self.name}_sum"
        b.add_aux(self.sum_name)
        s, s_next = b.aux(self.sum_name), b.aux_next(self.sum_name)
        step = s_next - s - total
        if share is not None:
            step = step + share
        if last is not None:
            n_last, d_last = last
            b.transition(f"{self.name} running sum", step * d_last - n_last, cyclic=True)
        else:
            b.transition(f"{self.name} running sum", step, cyclic=True)

    def build_matrix(self, main, challenges, publics, pubcols):
        """The helper columns and the running sum side by side: the (n, 2A) auxiliary matrix
        (with a share: the matrix and the claimed sum, the total of every row's fractions).

        The fractions are evaluated a window of rows at a time into small reused buffers: the
        numerators and denominators of the whole trace would be the largest arrays of this
        stage (two of 2 x fractions x rows words), and fresh memory is slow to touch. For the
        same reason the columns are written straight into the final matrix (stacking separate
        columns afterwards cost a second matrix: 1.6 s and 0.7 GB for the 1.1 M model)."""
        from zkvm.stark.codegen import evaluate_values
        from zkvm.stark.logup_kernels import helper_columns, running_sum

        k = len(self.fractions)
        n = main.shape[0]
        step = min(n, WINDOW_ROWS)
        numerators = [num for num, _ in self.fractions]
        denominators = [den for _, den in self.fractions]
        width = k // 2 + 1
        matrix = np.empty((n, width, 2), dtype=np.uint64)
        nums = np.empty((k, step, 2), dtype=np.uint64)
        dens = np.empty((k, step, 2), dtype=np.uint64)
        for lo in range(0, n, step):
            hi = lo + step
            if hi < n:
                rows, pub = main[lo : hi + 1], None if pubcols is None else pubcols[lo : hi + 1]
            else:  # the last window: the next row of the last row is the first
                rows = np.concatenate([main[lo:], main[:1]])
                pub = None if pubcols is None else np.concatenate([pubcols[lo:], pubcols[:1]])
            evaluate_values(numerators, rows, challenges, publics, pub, window=True, out=nums)
            evaluate_values(denominators, rows, challenges, publics, pub, window=True, out=dens)
            if helper_columns(nums, dens, matrix[lo:hi], with_running_sum=False) >= 0:
                raise ZkvmError(f"{self.name}: a LogUp denominator vanished (probability ~ rows/|F|); prove again")
        if self.share is None:
            matrix[:, -1] = running_sum(np.ascontiguousarray(matrix[:, -1]))
            return matrix.reshape(n, 2 * width)
        total = _column_sum(matrix[:, -1])
        matrix[:, -1] = running_sum(_minus_share(np.ascontiguousarray(matrix[:, -1]), total, n))
        return matrix.reshape(n, 2 * width), [total]


WINDOW_ROWS = 1 << 15
"""Rows per window when building LogUp columns (buffers of a few MiB, reused)."""


def _column_sum(column: np.ndarray) -> tuple[int, int]:
    """The sum of an (n, 2) extension column, as a pair."""
    from zkvm.field import goldilocks as gl

    c = np.ascontiguousarray(column)
    return int(_sum_mod(c[:, 0])) % gl.P, int(_sum_mod(c[:, 1])) % gl.P


def _sum_mod(values: np.ndarray) -> int:
    """Sum of canonical uint64 field elements mod p: the low and high 32-bit halves are summed
    separately (neither sum can overflow 64 bits below 2^32 rows)."""
    from zkvm.field import goldilocks as gl

    low = int((values & np.uint64(0xFFFFFFFF)).sum(dtype=np.uint64))
    high = int((values >> np.uint64(32)).sum(dtype=np.uint64))
    return (low + (high << 32)) % gl.P


def _minus_share(increments: np.ndarray, total: tuple[int, int], n: int) -> np.ndarray:
    """Each row's increment minus total / n (both extension values)."""
    from zkvm.field import arrays as fa
    from zkvm.field import goldilocks as gl

    inv_n = gl.inv(n)
    share = (total[0] * inv_n % gl.P, total[1] * inv_n % gl.P)
    out = np.empty_like(increments)
    out[:, 0] = fa.sub(increments[:, 0], np.full(n, share[0], dtype=np.uint64))
    out[:, 1] = fa.sub(increments[:, 1], np.full(n, share[1], dtype=np.uint64))
    return out
