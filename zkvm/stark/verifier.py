"""The STARK verifier: plain Python, no Numba; replays the prover's transcript step by step.

Each step matches the numbered steps of :mod:`zkvm.stark.prover` and raises a
:class:`~zkvm.errors.VerificationError` subclass naming the failed check.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

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
from zkvm.field.ext2 import NONRESIDUE, Ext2
from zkvm.fri import verifier as fri_verifier
from zkvm.fri.options import DEFAULT_MIN_SECURITY_BITS
from zkvm.stark import deep
from zkvm.stark.air import Air, resolve_row
from zkvm.stark.proof import SALT_WIDTH, StarkProof
from zkvm.stark.public_columns import EMPTY as EMPTY_COLUMNS
from zkvm.stark.public_columns import PublicColumns
from zkvm.stark.transcript_setup import bind_statement, draw_ood_point

P = gl.P
SHIFT = gl.GENERATOR


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
    widths = (air.width, air.aux_width, len(ood_comp), len(ood_fixed))
    gamma = t.challenge_ext(b"deep gamma")
    gammas, _ = deep.powers(gamma.to_pair(), (1, 0), sum(widths))
    terms = deep.TableDeep.build(gammas, widths, ood_pairs(proof), proof.deep_high)
    if options.zk:
        t.absorb_ext(b"deep high", [Ext2(*v) for v in proof.deep_high])
    queries = fri_verifier.verify(proof.fri, options, t, big, n, SHIFT)

    # 7. openings at the query positions
    positions = sorted(set(queries.positions))
    check_table_openings(proof, positions, big)
    sums = terms.row_sums(*opened_rows(proof))
    point = dict(zip(queries.positions, queries.points))
    xs = [point[p] for p in positions]
    values = dict(zip(positions, deep.height_values([(terms, *sums)], positions, xs, z.to_pair(), n, big)))
    for p, fri_value in zip(queries.positions, queries.values):
        if values[p] != tuple(fri_value):
            raise DeepMismatch(f"the committed rows at position {p} do not match the FRI codeword")


def ood_pairs(tp) -> dict[str, list[tuple[int, int]]]:
    """A (table) proof's claimed out-of-domain values by kind, as pairs."""
    return {"main": tp.ood_main, "main next": tp.ood_main_next, "aux": tp.ood_aux, "aux next": tp.ood_aux_next,
            "composition": tp.ood_composition, "fixed": tp.ood_fixed}


def opened_rows(tp) -> tuple:
    """A (table) proof's opened rows: main, aux, composition and program columns (None where absent)."""
    return (tp.main_opening.rows, tp.aux_opening.rows if tp.aux_opening is not None else None,
            tp.composition_opening.rows, tp.fixed_opening.rows if tp.fixed_opening is not None else None)


def check_table_openings(tp, positions: list[int], lde: int, name: str = "", own_trees: bool = True) -> None:
    """Check one table's openings (main, aux, composition, program columns) at these positions
    of its LDE domain (distinct, ascending) against their roots. A table of a multi-table proof
    (``own_trees=False``) has only its program columns in a tree of its own: the caller checks
    its other openings against the proof's phase trees."""
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


def _dot(coeffs: list[Ext2], values: list[Ext2]) -> Ext2:
    acc = Ext2(0)
    for c, v in zip(coeffs, values):
        acc = acc + c * v
    return acc


def _as_pair(v: "Ext2 | int | tuple[int, int]") -> tuple[int, int]:
    if isinstance(v, Ext2):
        return v.to_pair()
    if isinstance(v, int):
        return (v % P, 0)
    return (v[0], v[1])


def check_ood(air, n, g, z, alpha, main, main_next, aux, aux_next, comp, challenges, publics, pubcols=()) -> None:
    """The constraints at z (from the claimed values at z and z g), each group divided by its
    vanishing polynomial and combined with powers of alpha, against the composition pieces'
    claimed values at z."""
    leaves = [v if type(v) is tuple else _as_pair(v) for group in (main, main_next, aux, aux_next, challenges)
              for v in group]
    leaves += [(int(v) % P, 0) for v in publics]
    leaves += [_as_pair(v) for v in pubcols]
    values = air.point_evaluator()(leaves)
    alphas = _alpha_powers(alpha.to_pair(), len(values))
    z_n = _z_power(z, n)
    total = Ext2(0)
    for key, row, members in air.constraint_groups():
        acc = 0
        for i in members:
            v0, v1 = values[i]
            a, b = alphas[i]
            acc += a * v0 + b * v1
        s = Ext2(*deep.unpack(acc))
        if key == "transition":
            total = total + s * (z - pow(g, n - 1, P)) / (z_n - 1)
        elif key == "cyclic":
            total = total + s / (z_n - 1)
        else:
            total = total + s / (z - pow(g, resolve_row(row, n), P))
    claimed = Ext2(0)
    zpow = Ext2(1)
    for piece in comp:
        claimed = claimed + zpow * piece
        zpow = zpow * z_n
    if total != claimed:
        raise OodMismatch("the constraints evaluated at the out-of-domain point do not match the composition polynomial")


_ALPHAS: dict[tuple[int, int], list[tuple[int, int]]] = {}


def _alpha_powers(alpha: tuple[int, int], count: int) -> list[tuple[int, int]]:
    """alpha^i (i < count) as packed coefficient pairs (:func:`zkvm.stark.deep.pack_ext`):
    every table of a proof combines its constraints with the same powers."""
    have = _ALPHAS.get(alpha)
    if have is None or len(have) < count:
        _ALPHAS.clear()
        packed = deep.pack_ext(deep.powers(alpha, (1, 0), count)[0])
        have = _ALPHAS[alpha] = list(zip(packed[0::2], packed[1::2]))
    return have


@lru_cache(maxsize=64)
def _z_power(z: Ext2, n: int) -> Ext2:
    return z**n


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
