"""The verifier's DEEP values: what FRI's codeword must hold at each queried position, computed
from the opened rows (verifier-safe: Python ints only).

At a point x of the LDE domain a table contributes

    (sum_i gamma_i f_i(x) - L_z) / (x - z)  +  (sum_{i trace} gamma_i f_i(x) - L_zg) / (x - z g)

(minus ``x^n * high(x)`` with zero knowledge, the part of degree >= n the prover sent), where
L_z, L_zg are the same combinations of the claimed out-of-domain values. The expression is
linear, so the tables of one height (one LDE domain, the same x at a position) are summed
before anything is divided: one pair of inverses, one high part and one x^n per position and
height instead of per table.

Why the arithmetic looks the way it does: the verifier's cost is Python's per-operation
overhead, not the size of the numbers. An extension coefficient g = g0 + g1 phi is packed into
one integer ``g0 + g1 * 2^160`` ("two lanes"): multiplying it by a base value v gives both
coordinates of g v at once, and a sum of a few hundred such products still keeps the lanes
apart (each product is below 2^131). An extension value (e0, e1) meets the pair of packed
integers (g0 + g1 L, 7 g1 + g0 L), whose products with e0 and e1 add up to both coordinates
of g e. So a row's whole combination is one C-level ``sum(map(mul, ...))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest
from operator import mul

from zkvm.field import goldilocks as gl
from zkvm.field.ext2 import NONRESIDUE

P = gl.P
SHIFT = gl.GENERATOR
LANE_BITS = 160
"""Lane width of a packed pair: above the ~2^140 that the largest sum of products reaches."""
LANE = 1 << LANE_BITS
MASK = LANE - 1
_BABY_STEPS = 16

Pair = tuple[int, int]


def pack_base(coeffs: Sequence[Pair]) -> list[int]:
    """Packed coefficients for base-field values: dotted with values v_i, both lanes of
    sum g_i v_i."""
    return [c0 + (c1 << LANE_BITS) for c0, c1 in coeffs]


def pack_ext(coeffs: Sequence[Pair]) -> list[int]:
    """Packed coefficients for extension values laid out flat (e0, e1, e0, e1, ...): dotted
    with them, both lanes of sum g_i e_i."""
    out = []
    for c0, c1 in coeffs:
        out.append(c0 + (c1 << LANE_BITS))
        out.append(NONRESIDUE * c1 + (c0 << LANE_BITS))
    return out


def unpack(v: int) -> Pair:
    """Both coordinates of a packed sum, reduced."""
    return (v & MASK) % P, (v >> LANE_BITS) % P


def flat(pairs: Sequence[Pair]) -> list[int]:
    out = []
    for c0, c1 in pairs:
        out.append(c0)
        out.append(c1)
    return out


def powers(base: Pair, first: Pair, count: int) -> tuple[list[Pair], Pair]:
    """first, first*base, ..., (count of them) and the next power."""
    b0, b1 = base
    a0, a1 = first
    out = []
    for _ in range(count):
        out.append((a0, a1))
        a0, a1 = (a0 * b0 + NONRESIDUE * a1 * b1) % P, (a0 * b1 + a1 * b0) % P
    return out, (a0, a1)


@dataclass
class TableDeep:
    """One table's DEEP combination: packed coefficients for each opened row kind, the
    combinations' values at z and z g (unreduced packed sums), and its high part."""

    main: list[int]
    aux: list[int]
    composition: list[int]
    fixed: list[int]
    l_z: int
    l_zg: int
    high: list[Pair]

    @classmethod
    def build(cls, gammas: Sequence[Pair], widths: tuple[int, int, int, int], ood: dict[str, Sequence[Pair]],
              high: Sequence[Pair]) -> "TableDeep":
        """``gammas``: this table's coefficients, main then aux, composition and program
        columns (``widths``); ``ood`` its claimed values by kind ("main", "main next", "aux",
        "aux next", "composition", "fixed")."""
        w, a, c, f = widths
        gm, ga, gc, gf = gammas[:w], gammas[w : w + a], gammas[w + a : w + a + c], gammas[w + a + c : w + a + c + f]
        em, ea, ec, ef = pack_ext(gm), pack_ext(ga), pack_ext(gc), pack_ext(gf)
        l_z = (sum(map(mul, em, flat(ood["main"]))) + sum(map(mul, ea, flat(ood["aux"])))
               + sum(map(mul, ec, flat(ood["composition"]))) + sum(map(mul, ef, flat(ood["fixed"]))))
        l_zg = sum(map(mul, em, flat(ood["main next"]))) + sum(map(mul, ea, flat(ood["aux next"])))
        return cls(pack_base(gm), ea, ec, pack_base(gf), l_z, l_zg, list(high))

    def row_sums(self, main_rows, aux_rows, composition_rows, fixed_rows) -> tuple[list[int], list[int]]:
        """Per opened position: the packed trace combination (main and aux) and the packed
        combination of all columns."""
        m, a, c, f = self.main, self.aux, self.composition, self.fixed
        trace = [sum(map(mul, m, row)) for row in main_rows]
        if a:
            trace = [t + sum(map(mul, a, row)) for t, row in zip(trace, aux_rows)]
        full = [t + sum(map(mul, c, row)) for t, row in zip(trace, composition_rows)]
        if f:
            full = [u + sum(map(mul, f, row)) for u, row in zip(full, fixed_rows)]
        return trace, full


def _bitrev(x: int, bits: int) -> int:
    return int(format(x, f"0{bits}b")[::-1], 2) if bits else 0


def domain_points(positions: Sequence[int], lde: int) -> list[int]:
    """The LDE domain's points shift * w^bitrev(p) at these (bit-reversed) positions."""
    log_lde = lde.bit_length() - 1
    w = gl.root_of_unity(log_lde)
    return [SHIFT * pow(w, _bitrev(p, log_lde), P) % P for p in positions]


def _inverse_distances(xs: Sequence[int], z: Pair) -> list[Pair]:
    """1 / (x - z) for base-field x and an extension z: (x - z0 + z1 phi) / N with the base
    norm N = (x - z0)^2 - 7 z1^2, all norms inverted with one exponentiation."""
    z0, z1 = z
    w_z1 = NONRESIDUE * z1 * z1
    diffs = [(x - z0) % P for x in xs]
    inverses = gl.batch_inverse([(d * d - w_z1) % P for d in diffs])  # FieldError if x = z (z on the domain)
    return [(d * v % P, z1 * v % P) for d, v in zip(diffs, inverses)]


def _high_evaluator(packed: Sequence[int]):
    """x -> sum_i c_i x^i at base-field points, for packed coefficients c_i (lanes below
    2^96): baby steps of 16 powers and giant steps of x^16."""
    blocks = [packed[j : j + _BABY_STEPS] for j in range(0, len(packed), _BABY_STEPS)][::-1]

    def at(x: int) -> Pair:
        pw = [1]
        for _ in range(_BABY_STEPS - 1):
            pw.append(pw[-1] * x % P)
        giant = pw[-1] * x % P
        h0 = h1 = 0
        for block in blocks:  # Horner in x^16 over blocks, highest first
            s = sum(map(mul, block, pw))
            h0 = (h0 * giant + (s & MASK)) % P
            h1 = (h1 * giant + (s >> LANE_BITS)) % P
        return h0, h1

    return at


def height_values(tables: Sequence[tuple[TableDeep, list[int], list[int]]], positions: Sequence[int],
                  xs: Sequence[int], z: Pair, n: int, lde: int) -> list[Pair]:
    """The DEEP values at these positions of the tables of height n (LDE size ``lde``), summed:
    ``tables`` holds each table's coefficients and its row sums at the positions, ``xs`` the
    LDE domain's points there (:func:`domain_points`; the FRI verifier has them)."""
    g = gl.root_of_unity(n.bit_length() - 1)
    z0, z1 = z
    zg = (z0 * g % P, z1 * g % P)
    inv_z = _inverse_distances(xs, z)
    inv_zg = _inverse_distances(xs, zg)
    count = len(positions)
    trace, full = [0] * count, [0] * count
    l_z = l_zg = 0
    for deep, t_sums, f_sums in tables:
        trace = list(map(int.__add__, trace, t_sums))
        full = list(map(int.__add__, full, f_sums))
        l_z += deep.l_z
        l_zg += deep.l_zg
    lz0, lz1 = unpack(l_z)
    lg0, lg1 = unpack(l_zg)
    # the tables' high parts added coefficient by coefficient, packed (lanes stay below 2^70)
    highs = [pack_base(deep.high) for deep, _, _ in tables if deep.high]
    high_at = _high_evaluator(list(map(sum, zip_longest(*highs, fillvalue=0)))) if highs else None
    # x^n = shift^n * w_lde^(n * bitrev(p)): w_lde^n has order lde / n, so x^n takes lde / n values
    blowup = lde // n
    w_b = gl.root_of_unity(blowup.bit_length() - 1)
    shift_n = pow(SHIFT, n, P)
    x_pow_n = [shift_n * pow(w_b, j, P) % P for j in range(blowup)]
    log_lde = lde.bit_length() - 1
    out = []
    for qi in range(count):
        u, t = full[qi], trace[qi]
        u0, u1 = ((u & MASK) - lz0) % P, ((u >> LANE_BITS) - lz1) % P
        t0, t1 = ((t & MASK) - lg0) % P, ((t >> LANE_BITS) - lg1) % P
        i0, i1 = inv_z[qi]
        j0, j1 = inv_zg[qi]
        v0 = u0 * i0 + NONRESIDUE * (u1 * i1 + t1 * j1) + t0 * j0
        v1 = u0 * i1 + u1 * i0 + t0 * j1 + t1 * j0
        if high_at is not None:
            h0, h1 = high_at(xs[qi])
            xn = x_pow_n[_bitrev(positions[qi], log_lde) % blowup]
            v0 -= h0 * xn
            v1 -= h1 * xn
        out.append((v0 % P, v1 % P))
    return out


__all__ = ["TableDeep", "height_values", "powers", "pack_base", "pack_ext", "unpack", "domain_points", "LANE_BITS"]
