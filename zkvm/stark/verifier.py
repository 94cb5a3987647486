"""The STARK verifier: plain Python, no Numba; replays the prover's transcript step by step.

Each step matches the numbered steps of :mod:`zkvm.stark.prover` and raises a
:class:`~zkvm.errors.VerificationError` subclass naming the failed check.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import mul

from zkvm.codec import check_fields
from zkvm.crypto.merkle_verify import verify_rows
from zkvm.crypto.transcript import Transcript
from zkvm.errors import (
    DeepMismatch,
    ParameterError,
    InsufficientSecurity,
    MerkleError,
    OodMismatch,
    ProofFormatError,
    StatementMismatch,
    VerificationError,
)
from zkvm.field import goldilocks as gl
from zkvm.field.ext2 import NONRESIDUE, Ext2, ext_batch_inverse
from zkvm.fri import verifier as fri_verifier
from zkvm.fri.options import DEFAULT_MIN_SECURITY_BITS
from zkvm.stark.air import Air, resolve_row
from zkvm.stark.proof import SALT_WIDTH, StarkProof
from zkvm.stark.public_columns import EMPTY as EMPTY_COLUMNS
from zkvm.stark.public_columns import PublicColumns
from zkvm.stark.transcript_setup import bind_statement, draw_ood_point

P = gl.P
SHIFT = gl.GENERATOR
PHI = Ext2(0, 1)


def _bitrev(x: int, bits: int) -> int:
    return int(format(x, f"0{bits}b")[::-1], 2) if bits else 0


def composition_pieces(air: Air, zk: bool) -> int:
    """Pieces of degree < n the composition polynomial is split into. With zk the trace
    polynomials have n + h coefficients (h much smaller than n), which raises the composition's
    degree by less than n: one piece more (docs/zk.md)."""
    return air.composition_columns + (1 if zk else 0)


def _check_shapes(proof: StarkProof, air: Air, committed_width: int) -> None:
    if len(proof.ood_main) != air.width or len(proof.ood_main_next) != air.width:
        raise ProofFormatError(f"the proof has {len(proof.ood_main)} main columns, the AIR {air.width}")
    if len(proof.ood_aux) != air.aux_width or len(proof.ood_aux_next) != air.aux_width:
        raise ProofFormatError(f"the proof has {len(proof.ood_aux)} aux columns, the AIR {air.aux_width}")
    if (proof.aux_root is None) != (air.aux_width == 0) or (proof.aux_opening is None) != (air.aux_width == 0):
        raise ProofFormatError("aux commitment present/absent contrary to the AIR")
    if (proof.fixed_root is None) != (committed_width == 0) or (proof.fixed_opening is None) != (committed_width == 0):
        raise StatementMismatch("the proof commits to public columns contrary to the statement" if proof.fixed_root is not None
                                else "the statement's committed public columns are missing from the proof")
    if len(proof.ood_fixed) != committed_width:
        raise ProofFormatError(f"the proof has {len(proof.ood_fixed)} committed public columns, the statement {committed_width}")
    zk = proof.options.zk
    ncomp = composition_pieces(air, zk) + (1 if zk else 0)  # with zk: the batch randomizer
    if len(proof.ood_composition) != ncomp:
        raise ProofFormatError(f"expected {ncomp} composition columns, got {len(proof.ood_composition)}")
    if len(proof.deep_high) != proof.options.zk_randomness:
        raise ProofFormatError(f"expected {proof.options.zk_randomness} DEEP high coefficients, got {len(proof.deep_high)}")
    salt = SALT_WIDTH if zk else 0
    widths = [(proof.main_opening, air.width + salt, "main"), (proof.composition_opening, 2 * ncomp + salt, "composition")]
    if proof.aux_opening is not None:
        widths.append((proof.aux_opening, 2 * air.aux_width + salt, "aux"))
    if proof.fixed_opening is not None:
        widths.append((proof.fixed_opening, committed_width, "program columns"))
    for opening, width, what in widths:
        for row in opening.rows:
            if len(row) != width:
                raise ProofFormatError(f"{what} rows have {len(row)} values, expected {width}")
            check_fields(row, f"{what} rows")
    for group in (proof.ood_main, proof.ood_main_next, proof.ood_aux, proof.ood_aux_next, proof.ood_composition, proof.deep_high,
                  proof.ood_fixed):
        for c0, c1 in group:
            if not (0 <= c0 < P and 0 <= c1 < P):
                raise ProofFormatError("out-of-domain values: non-canonical field element")


def verify(
    proof: StarkProof,
    air: Air,
    public_inputs: Sequence[int],
    min_security_bits: int = DEFAULT_MIN_SECURITY_BITS,
    *,
    public_columns: PublicColumns | None = None,
    statement: bytes = b"",
    trusted_root: bytes | None = None,
) -> None:
    """Accept the proof (return None) or raise a VerificationError naming the failed check.

    ``public_columns`` and ``statement`` must be exactly those the prover used; they are bound
    into the transcript. ``trusted_root``: the root of the committed public columns for this
    trace length and blowup (from a verifying key); with it their values at z are taken from
    the proof once the root matches, without it they are computed and compared."""
    options = proof.options
    n = proof.trace_length
    big = proof.lde_size

    # 0. the statement and the proof's shape
    if proof.air_digest != air.digest():
        raise StatementMismatch(f"the proof is for another constraint system (AIR digest differs from {air.name!r})")
    publics = [int(v) % P for v in public_inputs]
    if len(publics) != len(air.public_inputs) or tuple(publics) != tuple(proof.public_inputs):
        raise StatementMismatch("the proof's public inputs differ from the expected ones")
    expected_security = options.security_bits(big)
    if proof.security_bits != expected_security:
        raise ProofFormatError(f"the proof claims {proof.security_bits} security bits, its parameters give {expected_security}")
    if expected_security < min_security_bits:
        raise InsufficientSecurity(f"the proof has {expected_security} conjectured bits, below the required {min_security_bits}")
    public_columns = public_columns if public_columns is not None else EMPTY_COLUMNS
    _check_shapes(proof, air, public_columns.committed_width)
    if trusted_root is not None and proof.fixed_root is not None and proof.fixed_root != trusted_root:
        raise StatementMismatch("the proof commits to other program columns than the verifying key's root")

    # 1. statement, 2-3. trace commitments and aux challenges
    t = Transcript(b"zkvm stark")
    if public_columns.count != len(air.public_columns):
        raise StatementMismatch(f"the AIR has {len(air.public_columns)} public columns, {public_columns.count} were given")
    try:
        public_columns.check_fits(n)
    except ParameterError as e:
        raise StatementMismatch(str(e)) from None
    bind_statement(t, air, options, n, proof.security_bits, publics, public_columns.digest(), statement)
    if proof.fixed_root is not None:
        t.absorb_digest(b"fixed root", proof.fixed_root)
    t.absorb_digest(b"main root", proof.main_root)
    challenges = t.challenge_exts(b"aux challenges", air.num_challenges)
    if proof.aux_root is not None:
        t.absorb_digest(b"aux root", proof.aux_root)

    # 4. composition commitment
    alpha = t.challenge_ext(b"composition alpha")
    t.absorb_digest(b"composition root", proof.composition_root)

    # 5. out-of-domain consistency
    z = draw_ood_point(t)
    ood_main = [Ext2(*v) for v in proof.ood_main]
    ood_main_next = [Ext2(*v) for v in proof.ood_main_next]
    ood_aux = [Ext2(*v) for v in proof.ood_aux]
    ood_aux_next = [Ext2(*v) for v in proof.ood_aux_next]
    ood_comp = [Ext2(*v) for v in proof.ood_composition]
    ood_fixed = [Ext2(*v) for v in proof.ood_fixed]
    for label, vals in (
        (b"ood main", ood_main),
        (b"ood main next", ood_main_next),
        (b"ood aux", ood_aux),
        (b"ood aux next", ood_aux_next),
        (b"ood composition", ood_comp),
        (b"ood fixed", ood_fixed),
    ):
        t.absorb_ext(label, vals)
    g = gl.root_of_unity(n.bit_length() - 1)
    if ood_fixed and trusted_root is None and public_columns.evaluate_committed(n, z) != ood_fixed:
        # the root was bound before z was drawn: committed polynomials whose values at z are
        # those of the public columns are those columns (up to a chance of n / |F_p^2|)
        raise OodMismatch("the committed program columns' values at the out-of-domain point differ from the program's")
    pub_at_z = public_columns.evaluate(n, z, ood_fixed if ood_fixed else None) if public_columns.count else []
    pieces = composition_pieces(air, options.zk)
    check_ood(air, n, g, z, alpha, ood_main, ood_main_next, ood_aux, ood_aux_next, ood_comp[:pieces], challenges, publics, pub_at_z)

    # 6. DEEP and FRI
    num_gammas = air.width + air.aux_width + len(ood_comp) + len(ood_fixed)
    gamma = t.challenge_ext(b"deep gamma")
    gammas = []
    acc = Ext2(1)
    for _ in range(num_gammas):
        gammas.append(acc)
        acc = acc * gamma
    gm = gammas[: air.width]
    ga = gammas[air.width : air.width + air.aux_width]
    gc = gammas[air.width + air.aux_width : air.width + air.aux_width + len(ood_comp)]
    gf = gammas[air.width + air.aux_width + len(ood_comp) :]
    l_trace_z = _dot(gm, ood_main) + _dot(ga, ood_aux)
    l_trace_zg = _dot(gm, ood_main_next) + _dot(ga, ood_aux_next)
    l_z = l_trace_z + _dot(gc, ood_comp) + _dot(gf, ood_fixed)
    deep_high = [Ext2(*v) for v in proof.deep_high]
    if options.zk:
        t.absorb_ext(b"deep high", deep_high)
    queries = fri_verifier.verify(proof.fri, options, t, big, n, SHIFT)

    # 7. openings at the query positions
    positions = sorted(set(queries.positions))
    terms = (gm, ga, gc, gf, l_z, l_trace_zg, deep_high)
    values = table_deep_values(air, proof, terms, z, positions, big)
    for p, fri_value in zip(queries.positions, queries.values):
        if values[p].to_pair() != fri_value:
            raise DeepMismatch(f"the committed rows at position {p} do not match the FRI codeword")


def table_deep_values(air: Air, tp, terms, z: Ext2, positions: list[int], lde: int, name: str = "",
                      own_trees: bool = True) -> dict[int, Ext2]:
    """Check one table's openings (main, aux, composition, program columns) at these positions
    of its LDE domain (distinct, ascending) and return its DEEP value at each: what FRI must
    hold there. ``tp`` is a single-table proof or one table of a multi-table proof; ``terms``
    its DEEP coefficients (gamma blocks) and the combinations' values at z and z g. A table of
    a multi-table proof (``own_trees=False``) has only its program columns in a tree of its
    own: the caller checks its other openings against the proof's phase trees."""
    gm, ga, gc, gf, l_z, l_zg, deep_high = terms
    where = f"table {name!r}, " if name else ""
    log_lde = lde.bit_length() - 1
    phases = ((("main", tp.main_opening, tp.main_root), ("aux", tp.aux_opening, tp.aux_root),
               ("composition", tp.composition_opening, tp.composition_root)) if own_trees else ())
    for what, opening, root in phases + (("program columns", tp.fixed_opening, tp.fixed_root),):
        if opening is None:
            continue
        if len(opening.rows) != len(positions):
            raise ProofFormatError(f"{where}{what} opening has {len(opening.rows)} rows for {len(positions)} positions")
        try:
            verify_rows(root, log_lde, positions, opening.rows, opening.nodes)
        except MerkleError as e:
            raise MerkleError(f"{where}{what} trace: {e.detail}") from None
    n = tp.trace_length
    zg = z * gl.root_of_unity(n.bit_length() - 1)
    w_lde = gl.root_of_unity(log_lde)
    xs = [SHIFT * pow(w_lde, _bitrev(p, log_lde), P) % P for p in positions]
    inverses = ext_batch_inverse([x - z for x in xs] + [x - zg for x in xs])
    count = len(xs)
    high_at = _polynomial_evaluator(deep_high) if deep_high else None
    # the combinations' coefficients as coordinate lists, once per table (the rows are base
    # values or pairs; everything below is integer arithmetic reduced once per sum)
    m0, m1 = _coordinates(gm)
    a0, a1 = _coordinates(ga)
    c0, c1 = _coordinates(gc)
    f0, f1 = _coordinates(gf)
    lz0, lz1, lg0, lg1 = l_z.c0, l_z.c1, l_zg.c0, l_zg.c1
    k_aux, k_comp = 2 * len(ga), 2 * len(gc)
    out = {}
    for qi, p in enumerate(positions):
        row = tp.main_opening.rows[qi]
        t0, t1 = sum(map(mul, m0, row)), sum(map(mul, m1, row))
        if ga:
            row = tp.aux_opening.rows[qi]
            e0, e1 = row[0:k_aux:2], row[1:k_aux:2]
            t0 += sum(map(mul, a0, e0)) + NONRESIDUE * sum(map(mul, a1, e1))
            t1 += sum(map(mul, a0, e1)) + sum(map(mul, a1, e0))
        row = tp.composition_opening.rows[qi]
        e0, e1 = row[0:k_comp:2], row[1:k_comp:2]
        u0 = t0 + sum(map(mul, c0, e0)) + NONRESIDUE * sum(map(mul, c1, e1))
        u1 = t1 + sum(map(mul, c0, e1)) + sum(map(mul, c1, e0))
        if gf:
            row = tp.fixed_opening.rows[qi]
            u0 += sum(map(mul, f0, row))
            u1 += sum(map(mul, f1, row))
        # (trace + comp - l_z) / (x - z) + (trace - l_zg) / (x - z g), inverses batched above
        u0, u1 = (u0 - lz0) % P, (u1 - lz1) % P
        t0, t1 = (t0 - lg0) % P, (t1 - lg1) % P
        i, j = inverses[qi], inverses[count + qi]
        v0 = u0 * i.c0 + NONRESIDUE * u1 * i.c1 + t0 * j.c0 + NONRESIDUE * t1 * j.c1
        v1 = u0 * i.c1 + u1 * i.c0 + t0 * j.c1 + t1 * j.c0
        if high_at is not None:
            # FRI tests the DEEP polynomial minus its sent high part X^n * high(X)
            x = xs[qi]
            h0, h1 = high_at(x)
            xn = pow(x, n, P)
            v0 -= h0 * xn
            v1 -= h1 * xn
        out[p] = Ext2(v0 % P, v1 % P)
    return out


_BABY_STEPS = 16


def _polynomial_evaluator(coeffs: list[Ext2]):
    """x -> the polynomial sum_i coeffs[i] x^i at a base-field point x, as a pair: baby steps
    x^0..x^15 and giant steps of x^16, so that most of the work is C-level dot products (the
    high part of a zero-knowledge DEEP polynomial has some 90 coefficients, evaluated at every
    query of every table)."""
    c0, c1 = [c.c0 for c in coeffs], [c.c1 for c in coeffs]
    blocks = [(c0[j : j + _BABY_STEPS], c1[j : j + _BABY_STEPS]) for j in range(0, len(coeffs), _BABY_STEPS)][::-1]

    def at(x: int) -> tuple[int, int]:
        powers = [1]
        for _ in range(_BABY_STEPS - 1):
            powers.append(powers[-1] * x % P)
        giant = powers[-1] * x % P
        h0 = h1 = 0
        for b0, b1 in blocks:  # Horner in x^16 over blocks of 16 coefficients, highest first
            h0 = (h0 * giant + sum(map(mul, b0, powers))) % P
            h1 = (h1 * giant + sum(map(mul, b1, powers))) % P
        return h0, h1

    return at


def _coordinates(coeffs: list[Ext2]) -> tuple[list[int], list[int]]:
    return [c.c0 for c in coeffs], [c.c1 for c in coeffs]


def _dot(coeffs: list[Ext2], values: list[Ext2]) -> Ext2:
    acc = Ext2(0)
    for c, v in zip(coeffs, values):
        acc = acc + c * v
    return acc


def check_ood(air, n, g, z, alpha, main, main_next, aux, aux_next, comp, challenges, publics, pubcols=()) -> None:
    leaves = [Ext2.lift(v).to_pair() for group in (main, main_next, aux, aux_next, challenges) for v in group]
    leaves += [(int(v) % P, 0) for v in publics]
    leaves += [Ext2.lift(v).to_pair() for v in pubcols]
    values = air.point_evaluator()(leaves)
    sums: dict[str, list[int]] = {}
    group_point: dict[str, int | None] = {}
    a0, a1 = 1, 0
    al0, al1 = alpha.c0, alpha.c1
    for c, (v0, v1) in zip(air.constraints, values):
        key = c.kind if c.kind in ("transition", "cyclic") else f"row:{c.row}"
        acc = sums.setdefault(key, [0, 0])
        acc[0] += a0 * v0 + NONRESIDUE * a1 * v1
        acc[1] += a0 * v1 + a1 * v0
        group_point[key] = None if c.kind != "boundary" else pow(g, resolve_row(c.row, n), P)
        a0, a1 = (a0 * al0 + NONRESIDUE * a1 * al1) % P, (a0 * al1 + a1 * al0) % P
    group_sums = {key: Ext2(s0, s1) for key, (s0, s1) in sums.items()}
    z_n = z**n
    total = Ext2(0)
    for key, s in group_sums.items():
        point = group_point[key]
        if key == "transition":
            total = total + s * (z - pow(g, n - 1, P)) / (z_n - 1)
        elif key == "cyclic":
            total = total + s / (z_n - 1)
        else:
            total = total + s / (z - point)
    claimed = Ext2(0)
    zpow = Ext2(1)
    for piece in comp:
        claimed = claimed + zpow * piece
        zpow = zpow * z_n
    if total != claimed:
        raise OodMismatch("the constraints evaluated at the out-of-domain point do not match the composition polynomial")


def verify_bytes(
    data: bytes,
    air: Air,
    public_inputs: Sequence[int],
    min_security_bits: int = DEFAULT_MIN_SECURITY_BITS,
    *,
    public_columns: PublicColumns | None = None,
    statement: bytes = b"",
    trusted_root: bytes | None = None,
) -> None:
    """Decode (bounded) and verify. Malformed bytes raise ProofFormatError."""
    verify(StarkProof.from_bytes(data), air, public_inputs, min_security_bits, public_columns=public_columns,
           statement=statement, trusted_root=trusted_root)


__all__ = ["verify", "verify_bytes", "VerificationError"]
