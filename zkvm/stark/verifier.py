"""The STARK verifier: plain Python, no Numba; replays the prover's transcript step by step.

Each step matches the numbered steps of :mod:`zkvm.stark.prover` and raises a
:class:`~zkvm.errors.VerificationError` subclass naming the failed check.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from zkvm.field.ext2 import Ext2, ext_batch_inverse
from zkvm.fri import verifier as fri_verifier
from zkvm.fri.options import DEFAULT_MIN_SECURITY_BITS
from zkvm.stark.air import Air, resolve_row
from zkvm.stark.evaluate import evaluate_all
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


def _check_shapes(proof: StarkProof, air: Air) -> None:
    if len(proof.ood_main) != air.width or len(proof.ood_main_next) != air.width:
        raise ProofFormatError(f"the proof has {len(proof.ood_main)} main columns, the AIR {air.width}")
    if len(proof.ood_aux) != air.aux_width or len(proof.ood_aux_next) != air.aux_width:
        raise ProofFormatError(f"the proof has {len(proof.ood_aux)} aux columns, the AIR {air.aux_width}")
    if (proof.aux_root is None) != (air.aux_width == 0) or (proof.aux_opening is None) != (air.aux_width == 0):
        raise ProofFormatError("aux commitment present/absent contrary to the AIR")
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
    for opening, width, what in widths:
        for row in opening.rows:
            if len(row) != width:
                raise ProofFormatError(f"{what} rows have {len(row)} values, expected {width}")
            for v in row:
                if not 0 <= v < P:
                    raise ProofFormatError(f"{what} rows: non-canonical field element")
    for group in (proof.ood_main, proof.ood_main_next, proof.ood_aux, proof.ood_aux_next, proof.ood_composition, proof.deep_high):
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
) -> None:
    """Accept the proof (return None) or raise a VerificationError naming the failed check.

    ``public_columns`` and ``statement`` must be exactly those the prover used; they are bound
    into the transcript."""
    options = proof.options
    n = proof.trace_length
    big = proof.lde_size
    log_big = big.bit_length() - 1

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
    _check_shapes(proof, air)

    # 1. statement, 2-3. trace commitments and aux challenges
    t = Transcript(b"zkvm stark")
    public_columns = public_columns if public_columns is not None else EMPTY_COLUMNS
    if public_columns.count != len(air.public_columns):
        raise StatementMismatch(f"the AIR has {len(air.public_columns)} public columns, {public_columns.count} were given")
    try:
        public_columns.check_fits(n)
    except ParameterError as e:
        raise StatementMismatch(str(e)) from None
    bind_statement(t, air, options, n, proof.security_bits, publics, public_columns.digest(), statement)
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
    for label, vals in (
        (b"ood main", ood_main),
        (b"ood main next", ood_main_next),
        (b"ood aux", ood_aux),
        (b"ood aux next", ood_aux_next),
        (b"ood composition", ood_comp),
    ):
        t.absorb_ext(label, vals)
    g = gl.root_of_unity(n.bit_length() - 1)
    pub_at_z = public_columns.evaluate(n, z) if public_columns.count else []
    pieces = composition_pieces(air, options.zk)
    check_ood(air, n, g, z, alpha, ood_main, ood_main_next, ood_aux, ood_aux_next, ood_comp[:pieces], challenges, publics, pub_at_z)

    # 6. DEEP and FRI
    num_gammas = air.width + air.aux_width + len(ood_comp)
    gamma = t.challenge_ext(b"deep gamma")
    gammas = []
    acc = Ext2(1)
    for _ in range(num_gammas):
        gammas.append(acc)
        acc = acc * gamma
    gm = gammas[: air.width]
    ga = gammas[air.width : air.width + air.aux_width]
    gc = gammas[air.width + air.aux_width :]
    l_trace_z = _dot(gm, ood_main) + _dot(ga, ood_aux)
    l_trace_zg = _dot(gm, ood_main_next) + _dot(ga, ood_aux_next)
    l_z = l_trace_z + _dot(gc, ood_comp)
    deep_high = [Ext2(*v) for v in proof.deep_high]
    if options.zk:
        t.absorb_ext(b"deep high", deep_high)
    queries = fri_verifier.verify(proof.fri, options, t, big, n, SHIFT)

    # 7. openings at the query positions
    positions = sorted(set(queries.positions))
    for name, opening, root in (
        ("main", proof.main_opening, proof.main_root),
        ("aux", proof.aux_opening, proof.aux_root),
        ("composition", proof.composition_opening, proof.composition_root),
    ):
        if opening is None:
            continue
        if len(opening.rows) != len(positions):
            raise ProofFormatError(f"{name} opening has {len(opening.rows)} rows for {len(positions)} positions")
        try:
            verify_rows(root, log_big, positions, opening.rows, opening.nodes)
        except MerkleError as e:
            raise MerkleError(f"{name} trace: {e.detail}") from None
    main_rows = dict(zip(positions, proof.main_opening.rows))
    aux_rows = dict(zip(positions, proof.aux_opening.rows)) if proof.aux_opening else {}
    comp_rows = dict(zip(positions, proof.composition_opening.rows))
    w_big = gl.root_of_unity(log_big)
    gm_flat = [(c.c0, c.c1) for c in gm]
    zg = z * g
    xs = [SHIFT * pow(w_big, _bitrev(p, log_big), P) % P for p in queries.positions]
    inverses = ext_batch_inverse([x - z for x in xs] + [x - zg for x in xs])
    count = len(xs)
    for qi, (p, fri_value) in enumerate(zip(queries.positions, queries.values)):
        row = main_rows[p]
        t0 = sum(c0 * v for (c0, _), v in zip(gm_flat, row)) % P
        t1 = sum(c1 * v for (_, c1), v in zip(gm_flat, row)) % P
        l_trace = Ext2(t0, t1)
        if ga:
            arow = aux_rows[p]
            for j, c in enumerate(ga):
                l_trace = l_trace + c * Ext2(arow[2 * j], arow[2 * j + 1])
        crow = comp_rows[p]
        l_comp = Ext2(0)
        for j, c in enumerate(gc):
            l_comp = l_comp + c * Ext2(crow[2 * j], crow[2 * j + 1])
        value = (l_trace + l_comp - l_z) * inverses[qi] + (l_trace - l_trace_zg) * inverses[count + qi]
        if deep_high:
            # FRI tests the DEEP polynomial minus its sent high part X^n * high(X)
            x = xs[qi]
            acc = Ext2(0)
            for c in reversed(deep_high):
                acc = acc * x + c
            value = value - acc * pow(x, n, P)
        if value.to_pair() != fri_value:
            raise DeepMismatch(f"the committed rows at position {p} do not match the FRI codeword")


def _dot(coeffs: list[Ext2], values: list[Ext2]) -> Ext2:
    acc = Ext2(0)
    for c, v in zip(coeffs, values):
        acc = acc + c * v
    return acc


def check_ood(air, n, g, z, alpha, main, main_next, aux, aux_next, comp, challenges, publics, pubcols=()) -> None:
    values = evaluate_all(
        [c.expr for c in air.constraints], main, main_next, aux, aux_next, challenges, publics, air.topological_nodes(), pubcols
    )
    group_sums: dict[str, Ext2] = {}
    group_point: dict[str, int | None] = {}
    a = Ext2(1)
    for c, v in zip(air.constraints, values):
        key = c.kind if c.kind in ("transition", "cyclic") else f"row:{c.row}"
        group_sums[key] = group_sums.get(key, Ext2(0)) + a * v
        group_point[key] = None if c.kind != "boundary" else pow(g, resolve_row(c.row, n), P)
        a = a * alpha
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
) -> None:
    """Decode (bounded) and verify. Malformed bytes raise ProofFormatError."""
    verify(StarkProof.from_bytes(data), air, public_inputs, min_security_bits, public_columns=public_columns, statement=statement)


__all__ = ["verify", "verify_bytes", "VerificationError"]
