"""The multi-table STARK verifier: plain Python, no Numba; replays the transcript of
:mod:`zkvm.stark.multi_prover` step by step.

Per table it runs the single-table checks (the constraints at z against the table's
composition, the DEEP values at the queried rows) with the table's own height; across tables
it checks that the claimed bus sums cancel and that the one batched FRI proof ties every
table's DEEP codeword to a low-degree polynomial. Every failure raises a
:class:`~zkvm.errors.VerificationError` subclass naming the table and the check.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkvm.crypto.merkle_verify import row_digests, verify_mixed, verify_rows
from zkvm.crypto.transcript import Transcript
from zkvm.errors import (
    DeepMismatch,
    InsufficientSecurity,
    MerkleError,
    ParameterError,
    OodMismatch,
    ProofFormatError,
    StatementMismatch,
    VerificationError,
)
from zkvm.field import goldilocks as gl
from zkvm.field.ext2 import Ext2
from zkvm.fri import verifier as fri_verifier
from zkvm.fri.options import DEFAULT_MIN_SECURITY_BITS, FriOptions
from zkvm.stark.multi_proof import FORMAT_VERSION, PHASES, MultiProof, TableProof
from zkvm.stark.proof import SALT_WIDTH
from zkvm.stark.public_columns import EMPTY as EMPTY_COLUMNS
from zkvm.stark.public_columns import PublicColumns
from zkvm.stark.tables import TableSystem
from zkvm.stark.transcript_setup import draw_ood_point
from zkvm.stark import deep
from zkvm.stark.verifier import check_ood, check_table_openings, composition_pieces, ood_pairs, opened_rows

P = gl.P
SHIFT = gl.GENERATOR


class BusMismatch(VerificationError):
    """The tables' claimed bus sums do not cancel."""


def bind_system(t: Transcript, system: TableSystem, options: FriOptions, security: int, heights: Sequence[int],
                publics: Sequence[Sequence[int]], statement: bytes, public_columns_digests: Sequence[bytes]) -> None:
    """Absorb everything the proof is about before any commitment: protocol version,
    parameters, claimed security, the system's digest, every table's height, public inputs
    and public columns' digest, and the caller's statement."""
    t.absorb_int(b"format version", FORMAT_VERSION)
    t.absorb_bytes(
        b"parameters",
        bytes([options.log_blowup, options.num_queries, options.grinding_bits, options.folding_factor])
        + options.final_degree.to_bytes(2, "little")
        + bytes([security, 1 if options.zk else 0]),
    )
    t.absorb_digest(b"system digest", system.digest())
    t.absorb_int(b"table count", len(heights))
    for n, pubs, pc in zip(heights, publics, public_columns_digests):
        t.absorb_int(b"table height", n.bit_length() - 1)
        t.absorb_int(b"public input count", len(pubs))
        t.absorb_fields(b"public inputs", [int(v) % P for v in pubs])
        t.absorb_bytes(b"public columns", pc)
    t.absorb_bytes(b"statement", statement)


def bus_challenges(proof: MultiProof, system: TableSystem, public_inputs: Sequence[Sequence[int]] | None = None,
                   *, statement: bytes = b"", public_columns: Sequence[PublicColumns | None] | None = None) -> list[Ext2]:
    """The shared bus challenges of a proof, as the verifier derives them (for tools and tests:
    anyone can compute them from the proof and its statement)."""
    users = system.user_tables
    extra = len(system.tables) - users
    publics = [[int(v) % P for v in pubs] for pubs in (public_inputs or [[] for _ in range(users)])] + [[]] * extra
    columns = [pc if pc is not None else EMPTY_COLUMNS for pc in (public_columns or [None] * users)] + [EMPTY_COLUMNS] * extra
    t = Transcript(b"zkvm tables")
    bind_system(t, system, proof.options, proof.security_bits, [tp.trace_length for tp in proof.tables], publics,
                statement, [pc.digest() for pc in columns])
    for tp in proof.tables:
        if tp.fixed_root is not None:
            t.absorb_digest(b"fixed root", tp.fixed_root)
    t.absorb_digest(b"main root", proof.roots[0])
    for tp in proof.tables:
        for root in tp.shared_roots:
            t.absorb_digest(b"shared root", root)
    return t.challenge_exts(b"bus challenges", system.shared_challenges)


def table_shares(shared: Sequence[Ext2], claimed: Sequence[tuple[int, int]], n: int) -> list[Ext2]:
    """A table's challenges: the shared ones, then each claimed bus sum divided by its height."""
    inv_n = Ext2(gl.inv(n))
    return list(shared) + [Ext2(*c) * inv_n for c in claimed]


def verify_tables(
    proof: MultiProof,
    system: TableSystem,
    public_inputs: Sequence[Sequence[int]] | None = None,
    min_security_bits: int = DEFAULT_MIN_SECURITY_BITS,
    *,
    statement: bytes = b"",
    heights: Sequence[int] | None = None,
    public_columns: Sequence[PublicColumns | None] | None = None,
    trusted_roots: Sequence[bytes | None] | None = None,
) -> None:
    """Accept the proof (return None) or raise a VerificationError naming the failed check.

    ``public_columns[i]``: table i's public columns, as the prover had them; ``trusted_roots[i]``
    the root of its committed ones for this height and blowup (from a verifying key), if any:
    with it their values at z come from the proof once the root matches, without it they are
    computed and compared (see docs/air.md, committed program columns).

    ``public_inputs[i]`` and ``statement`` must be those the prover used. ``heights``, if
    given, pins each table's trace length (a statement that fixes them); otherwise the
    proof's heights are taken, bound into the transcript and checked against the openings."""
    options = proof.options
    tables = system.tables
    if proof.system_digest != system.digest():
        raise StatementMismatch(f"the proof is for another table system (digest differs from {system.name!r})")
    if len(proof.tables) != len(tables):
        raise StatementMismatch(f"the proof has {len(proof.tables)} tables, {system.name!r} has {len(tables)}")
    users = system.user_tables
    public_inputs = list(public_inputs) if public_inputs is not None else [[] for _ in range(users)]
    if len(public_inputs) != users:
        raise StatementMismatch(f"expected public inputs for {users} tables, got {len(public_inputs)}")
    extra = len(tables) - users  # the mask table: no public inputs or columns
    public_inputs = public_inputs + [[]] * extra
    publics = [[int(v) % P for v in pubs] for pubs in public_inputs]
    for air, tp, pubs in zip(tables, proof.tables, publics):
        if len(pubs) != len(air.public_inputs) or tuple(pubs) != tuple(tp.public_inputs):
            raise StatementMismatch(f"table {air.name!r}: the proof's public inputs differ from the expected ones")
    if heights is not None and list(heights) != [tp.trace_length for tp in proof.tables][:users]:
        raise StatementMismatch("the proof's table heights differ from the statement's")
    expected_security = min(options.security_bits(tp.trace_length * options.blowup) for tp in proof.tables)
    if proof.security_bits != expected_security:
        raise ProofFormatError(f"the proof claims {proof.security_bits} security bits, its parameters give {expected_security}")
    if expected_security < min_security_bits:
        raise InsufficientSecurity(f"the proof has {expected_security} conjectured bits, below the required {min_security_bits}")
    public_columns = list(public_columns) if public_columns is not None else [None] * users
    trusted_roots = list(trusted_roots) if trusted_roots is not None else [None] * users
    if len(public_columns) != users or len(trusted_roots) != users:
        raise StatementMismatch(f"expected public columns and roots for {users} tables")
    public_columns, trusted_roots = public_columns + [None] * extra, trusted_roots + [None] * extra
    public_columns = [pc if pc is not None else EMPTY_COLUMNS for pc in public_columns]
    for i, (air, tp, pc, root) in enumerate(zip(tables, proof.tables, public_columns, trusted_roots)):
        if pc.count != len(air.public_columns):
            raise StatementMismatch(f"table {air.name!r} has {len(air.public_columns)} public columns, {pc.count} were given")
        try:
            pc.check_fits(tp.trace_length)
        except ParameterError as e:
            raise StatementMismatch(f"table {air.name!r}: {e}") from None
        _check_shapes(tp, air, options, system.bus_sums(i), pc.committed_width, system.shared_groups(i))
        if root is not None and tp.fixed_root is not None and tp.fixed_root != root:
            raise StatementMismatch(f"table {air.name!r}: the proof commits to other program columns than the verifying key's root")

    # 1-4. statement, commitments, challenges, bus sums
    t = Transcript(b"zkvm tables")
    bind_system(t, system, options, proof.security_bits, [tp.trace_length for tp in proof.tables], publics, statement,
                [pc.digest() for pc in public_columns])
    for tp in proof.tables:
        if tp.fixed_root is not None:
            t.absorb_digest(b"fixed root", tp.fixed_root)
    main_root, aux_root, comp_root = proof.roots
    t.absorb_digest(b"main root", main_root)
    for tp in proof.tables:
        for root in tp.shared_roots:
            t.absorb_digest(b"shared root", root)
    shared = t.challenge_exts(b"bus challenges", system.shared_challenges)
    if (aux_root is not None) != any(tp.has_aux for tp in proof.tables):
        raise ProofFormatError("the proof's aux root does not match its tables' auxiliary columns")
    if aux_root is not None:
        t.absorb_digest(b"aux root", aux_root)
    total = Ext2(0)
    for tp in proof.tables:
        sums = [Ext2(*c) for c in tp.claimed_sums]
        t.absorb_ext(b"bus sums", sums)
        for s in sums:
            total = total + s
    if total != Ext2(0):
        raise BusMismatch("the tables' bus sums do not cancel: what one table sends, the others do not receive")
    alpha = t.challenge_ext(b"composition alpha")
    t.absorb_digest(b"composition root", comp_root)

    # 5. out-of-domain values, per table
    z = draw_ood_point(t)
    for air, tp, pubs, pc, root in zip(tables, proof.tables, publics, public_columns, trusted_roots):
        vals = ood_pairs(tp)  # canonical pairs (checked above)
        for label, pairs in vals.items():
            t.absorb_pairs(b"ood " + label.encode(), pairs)
        n = tp.trace_length
        g = gl.root_of_unity(n.bit_length() - 1)
        fixed = [Ext2(*v) for v in vals["fixed"]]
        if fixed and root is None and pc.evaluate_committed(n, z) != fixed:
            # the root was bound before z was drawn: committed polynomials agreeing with the
            # public columns at z are those columns (up to a chance of n / |F_p^2|)
            raise OodMismatch(f"table {air.name!r}: the committed program columns' values at the out-of-domain point "
                              "differ from the program's")
        pub_at_z = pc.evaluate(n, z, fixed if fixed else None) if pc.count else []
        challenges = table_shares(shared, tp.claimed_sums, n)[: air.num_challenges]
        composition = [Ext2(*v) for v in vals["composition"][: composition_pieces(air, options.zk)]]
        try:
            check_ood(air, n, g, z, alpha, vals["main"], vals["main next"], vals["aux"], vals["aux next"],
                      composition, challenges, pubs, pub_at_z)
        except OodMismatch:
            raise OodMismatch(f"table {air.name!r}: the constraints at the out-of-domain point do not match its "
                              "composition polynomial") from None

    # 6. DEEP coefficients and the batched FRI
    gamma = t.challenge_ext(b"deep gamma").to_pair()
    acc = (1, 0)
    deep_terms = []
    for air, tp in zip(tables, proof.tables):
        widths = (air.width, air.aux_width, len(tp.ood_composition), len(tp.ood_fixed))
        gammas, acc = deep.powers(gamma, acc, sum(widths))
        deep_terms.append(deep.TableDeep.build(gammas, widths, ood_pairs(tp), tp.deep_high))
        if options.zk:
            t.absorb_pairs(b"deep high", tp.deep_high)
    sizes = proof.lde_sizes()
    queries = fri_verifier.verify_batched(proof.fri, options, t, sizes, SHIFT)
    implied = dict(zip(sizes, queries))

    # 7. openings: each table's rows at the positions of its own domain, under each phase's
    # tree; the DEEP values of the tables of one height, added, must be what FRI implies there
    positions = {s: sorted(set(q.positions)) for s, q in implied.items()}
    _check_phase_openings(proof, [positions[tp.trace_length * options.blowup] for tp in proof.tables])
    by_height: dict[int, list] = {s: [] for s in sizes}
    for i, (air, tp, terms) in enumerate(zip(tables, proof.tables, deep_terms)):
        lde = tp.trace_length * options.blowup
        check_table_openings(tp, positions[lde], lde, air.name, own_trees=False)
        _check_shared_openings(tp, positions[lde], lde, air.name, system.shared_groups(i))
        by_height[lde].append((terms, *terms.row_sums(*opened_rows(tp))))
    z_pair = z.to_pair()
    for s in sizes:
        point = dict(zip(implied[s].positions, implied[s].points))
        xs = [point[p] for p in positions[s]]
        expected = dict(zip(positions[s], deep.height_values(by_height[s], positions[s], xs, z_pair, s // options.blowup, s)))
        for p, v in zip(implied[s].positions, implied[s].values):
            if expected[p] != tuple(v):
                raise DeepMismatch(f"the committed rows of the tables of {s // options.blowup} rows at position {p} do not "
                                   "match the FRI codeword")


def _check_shared_openings(tp: TableProof, positions: list[int], lde: int, name: str, groups: list[list[int]]) -> None:
    """Each shared column group's rows under its own root, and equal to the same columns of the
    table's main rows (which the DEEP check then ties to the polynomials at z)."""
    for g, (cols, root, opening) in enumerate(zip(groups, tp.shared_roots, tp.shared_openings)):
        if len(opening.rows) != len(positions):
            raise ProofFormatError(f"table {name!r}: shared group {g} opening has {len(opening.rows)} rows for "
                                   f"{len(positions)} positions")
        try:
            verify_rows(root, lde.bit_length() - 1, positions, opening.rows, opening.nodes)
        except MerkleError as e:
            raise MerkleError(f"table {name!r}, shared group {g}: {e.detail}") from None
        for shared_row, main_row in zip(opening.rows, tp.main_opening.rows):
            if tuple(shared_row[: len(cols)]) != tuple(main_row[c] for c in cols):
                raise DeepMismatch(f"table {name!r}: shared group {g}'s opened rows differ from the table's main rows")


def _check_phase_openings(proof: MultiProof, positions: list[list[int]]) -> None:
    """Every phase's tree opened at the query positions: each table's opened rows (at its own
    positions, ``positions[i]``) hashed and injected where its height joins the tree."""
    for phase, root, nodes in zip(PHASES, proof.roots, proof.nodes):
        if root is None:
            continue
        parts = []
        for i, tp in enumerate(proof.tables):
            opening = {"main": tp.main_opening, "aux": tp.aux_opening, "composition": tp.composition_opening}[phase]
            if opening is None:
                parts.append(None)
                continue
            if len(opening.rows) != len(positions[i]):
                raise ProofFormatError(f"table {i} {phase} opening has {len(opening.rows)} rows for "
                                       f"{len(positions[i])} positions")
            try:
                digests = row_digests(opening.rows)
            except MerkleError as e:
                raise MerkleError(f"table {i} {phase} trace: {e.detail}") from None
            lde = tp.trace_length * proof.options.blowup
            parts.append((lde.bit_length() - 1, dict(zip(positions[i], digests))))
        try:
            verify_mixed(root, parts, nodes)
        except MerkleError as e:
            raise MerkleError(f"{phase} commitment: {e.detail}") from None


def _check_shapes(tp: TableProof, air, options: FriOptions, bus_sums: int, committed_width: int,
                  shared_groups: list[list[int]] = ()) -> None:
    name = air.name
    if len(tp.shared_roots) != len(shared_groups) or len(tp.shared_openings) != len(shared_groups):
        raise ProofFormatError(f"table {name!r}: {len(tp.shared_roots)} shared column groups, the system has "
                               f"{len(shared_groups)}")
    if (tp.fixed_root is None) != (committed_width == 0) or (tp.fixed_opening is None) != (committed_width == 0):
        raise StatementMismatch(f"table {name!r}: the proof commits to public columns contrary to the statement"
                                if tp.fixed_root is not None else
                                f"table {name!r}: the statement's committed public columns are missing from the proof")
    if len(tp.ood_fixed) != committed_width:
        raise ProofFormatError(f"table {name!r}: {len(tp.ood_fixed)} committed public columns, the statement {committed_width}")
    if len(tp.ood_main) != air.width or len(tp.ood_main_next) != air.width:
        raise ProofFormatError(f"table {name!r}: the proof has {len(tp.ood_main)} main columns, the AIR {air.width}")
    if len(tp.ood_aux) != air.aux_width or len(tp.ood_aux_next) != air.aux_width:
        raise ProofFormatError(f"table {name!r}: the proof has {len(tp.ood_aux)} aux columns, the AIR {air.aux_width}")
    if tp.has_aux != (air.aux_width > 0) or (tp.aux_opening is None) != (air.aux_width == 0):
        raise ProofFormatError(f"table {name!r}: aux commitment present/absent contrary to the AIR")
    if len(tp.claimed_sums) != bus_sums:
        raise ProofFormatError(f"table {name!r}: {len(tp.claimed_sums)} bus sums, the AIR has {bus_sums}")
    zk = options.zk
    ncomp = composition_pieces(air, zk) + (1 if zk else 0)
    if len(tp.ood_composition) != ncomp:
        raise ProofFormatError(f"table {name!r}: expected {ncomp} composition columns, got {len(tp.ood_composition)}")
    if len(tp.deep_high) != (options.zk_randomness if zk else 0):
        raise ProofFormatError(f"table {name!r}: expected {options.zk_randomness} DEEP high coefficients")
    if zk and air.max_degree * options.zk_randomness >= tp.trace_length:
        raise ProofFormatError(f"table {name!r}: {tp.trace_length} rows are too few for a zero-knowledge proof")
    salt = SALT_WIDTH if zk else 0
    widths = [(tp.main_opening, air.width + salt, "main"), (tp.composition_opening, 2 * ncomp + salt, "composition")]
    if tp.aux_opening is not None:
        widths.append((tp.aux_opening, 2 * air.aux_width + salt, "aux"))
    if tp.fixed_opening is not None:
        widths.append((tp.fixed_opening, committed_width, "program columns"))
    for g, (cols, opening) in enumerate(zip(shared_groups, tp.shared_openings)):
        widths.append((opening, len(cols) + salt, f"shared group {g}"))
    for opening, width, what in widths:  # the values are checked where they are hashed (row_digests)
        for row in opening.rows:
            if len(row) != width:
                raise ProofFormatError(f"table {name!r}: {what} rows have {len(row)} values, expected {width}")
    for group in (tp.ood_main, tp.ood_main_next, tp.ood_aux, tp.ood_aux_next, tp.ood_composition, tp.deep_high,
                  tp.claimed_sums, tp.ood_fixed):
        for c0, c1 in group:
            if not (0 <= c0 < P and 0 <= c1 < P):
                raise ProofFormatError(f"table {name!r}: non-canonical field element")


def verify_tables_bytes(data: bytes, system: TableSystem, public_inputs: Sequence[Sequence[int]] | None = None,
                        min_security_bits: int = DEFAULT_MIN_SECURITY_BITS, **kwargs) -> None:
    """Decode (bounded) and verify (keyword arguments as :func:`verify_tables`). Malformed
    bytes raise ProofFormatError."""
    verify_tables(MultiProof.from_bytes(data), system, public_inputs, min_security_bits, **kwargs)


__all__ = ["verify_tables", "verify_tables_bytes", "bind_system", "bus_challenges", "table_shares", "BusMismatch"]
