"""The multi-table STARK prover: one proof over the traces of a :class:`TableSystem`.

Protocol (the verifier, :mod:`zkvm.stark.multi_verifier`, replays the same transcript):

1. Bind the statement: protocol version, options, claimed security, the system's digest and
   every table's height and public inputs, and the caller's statement bytes.
2. Commit to every table's main trace (its own LDE of its own height), all in one mixed-height
   tree (:mod:`zkvm.crypto.mixed_merkle`).
3. Draw the shared bus challenges; build and commit every table's auxiliary trace (one tree),
   then bind every table's claimed bus sums. The sums of all tables must add up to zero
   (checked by the verifier).
4. Draw alpha; commit to every table's composition polynomial (its constraints divided by its
   own vanishing polynomials), one tree.
5. Draw the out-of-domain point z; send every table's values at z and z * g_t.
6. Draw gamma; every table's DEEP quotient on its LDE domain; tables of equal height are
   added; one batched FRI proof over the heights (:mod:`zkvm.fri.schedule`).
7. Open every table's rows at the query positions folded down to its domain, and each phase's
   tree along the paths of the query positions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

import numpy as np

from zkvm.crypto.mixed_merkle import MixedTree
from zkvm.crypto.transcript import Transcript
from zkvm.errors import InsufficientMemory, OodMismatch, ParameterError
from zkvm.field import arrays as fa
from zkvm.field.ext2 import Ext2
from zkvm.fri import prover as fri_prover
from zkvm.fri.options import FriOptions
from zkvm.stark import debug
from zkvm.stark.multi_proof import PHASES, MultiProof, TableProof
from zkvm.stark.multi_verifier import bind_system, table_shares
from zkvm.stark.public_columns import EMPTY as EMPTY_COLUMNS
from zkvm.stark.public_columns import PublicColumns
from zkvm.stark.prover import (
    OwnedTrace,
    ProverError,
    ProverReport,
    _prefer_small_pages,
    checked_table,
    default_memory_budget,
    estimate_peak_bytes,
    single_thread_for_short_traces,
)
from zkvm.stark.table_prover import INVALID_TABLE, TableWork
from zkvm.stark.tables import TableSystem, mask_pairs
from zkvm.stark.transcript_setup import draw_ood_point
from zkvm.stark.verifier import check_ood
from zkvm.stark.zk import ZkRandomness


class BusImbalance(ProverError):
    """The tables' bus sums do not add up to zero: what some table sends, no table receives."""


@single_thread_for_short_traces
def prove_tables(
    system: TableSystem,
    traces: Sequence["np.ndarray | OwnedTrace"],
    public_inputs: Sequence[Sequence[int]] | None = None,
    options: FriOptions | None = None,
    *,
    debug_check: bool | None = None,
    check: bool = True,
    memory_budget: int | None = None,
    report: ProverReport | None = None,
    progress: Callable[[str], None] | None = None,
    describe_rows: dict[str, Callable[[int], str]] | None = None,
    statement: bytes = b"",
    zk_seed: bytes | None = None,
    public_columns: Sequence[PublicColumns | None] | None = None,
    shared_seeds: dict[tuple[int, int], bytes] | None = None,
) -> MultiProof:
    """Prove that each trace satisfies its table's AIR and that the buses balance.

    ``traces[i]`` is table i's (n_i, width_i) trace, n_i a power of two of its own;
    ``public_inputs[i]`` its public inputs. The other arguments are those of
    :func:`zkvm.stark.prover.prove` (``check=False`` plays a lying prover; ``debug_check``
    names the failing table, constraint and row; ``describe_rows`` maps a table's name to a
    function describing its rows in those messages). ``public_columns[i]``: table i's public
    columns (None for none), some of them possibly committed (program columns).
    ``shared_seeds[(i, g)]``: for table i's shared column group g (``system.shared_groups(i)``),
    the 32-byte seed their zero-knowledge randomness comes from; every proof sharing those
    columns must get the same seed (and keep it secret like its own randomness).

    Raises:
        ParameterError, InsufficientMemory, ConstraintViolation, ProverError (BusImbalance when
        the tables' bus sums do not cancel).
    """
    options = options or FriOptions()
    _prefer_small_pages()
    report = report if report is not None else ProverReport()
    say = progress or (lambda _msg: None)
    tables = system.tables
    users = system.user_tables
    if len(traces) != users:
        raise ParameterError("traces", f"{system.name!r} has {users} tables, got {len(traces)} traces")
    public_inputs = list(public_inputs) if public_inputs is not None else [[] for _ in range(users)]
    if len(public_inputs) != users:
        raise ParameterError("public_inputs", f"expected one list per table ({users}), got {len(public_inputs)}")
    if debug_check is None:
        debug_check = os.environ.get("ZKVM_DEBUG", "") not in ("", "0")
    public_columns = list(public_columns) if public_columns is not None else [None] * users
    if len(public_columns) != users:
        raise ParameterError("public_columns", f"expected one entry per table ({users}), got {len(public_columns)}")
    rng = ZkRandomness(zk_seed) if options.zk else None
    traces = [t.take() if isinstance(t, OwnedTrace) else t for t in traces]
    if system.masked:
        traces = traces + [_masks(system, traces, rng, options)]
        public_inputs = public_inputs + [[]]
        public_columns = public_columns + [None]
    public_columns = [pc if pc is not None else EMPTY_COLUMNS for pc in public_columns]
    zk_h = options.zk_randomness

    shared_seeds = dict(shared_seeds or {})
    work = []
    for i, (air, trace, pubs, pc) in enumerate(zip(tables, traces, public_inputs, public_columns)):
        trace, pubs = checked_table(air, trace, pubs, pc, options, check, air.name)
        groups = []
        for g, cols in enumerate(system.shared_groups(i)):
            seed = shared_seeds.get((i, g))
            if options.zk and seed is None:
                raise ParameterError("shared_seeds", f"table {air.name!r} has shared columns: give the seed of their "
                                     "randomness")
            groups.append((cols, ZkRandomness(seed) if options.zk else None))
        work.append(TableWork(i, air, trace, pubs, options, rng, report, public_columns=pc, shared_trees=True,
                              shared_groups=groups))
    del traces, trace  # each trace is now its table's alone: dropped as soon as its aux is built
    big = max(w.lde_size for w in work)
    # the weakest table sets the level: the largest domain for the DEEP (field) term, the
    # smallest for the queries when zk randomness lowers the rate
    weakest = min({w.lde_size for w in work}, key=options.security_bits)
    security = options.check_security(weakest) if check else options.security_bits(weakest)
    estimate = sum(estimate_peak_bytes(w.air, w.n, options) for w in work)
    report.estimated_peak_bytes = estimate
    report.trace_length, report.lde_size = max(w.n for w in work), big
    budget = memory_budget if memory_budget is not None else default_memory_budget()
    if estimate > budget:
        raise InsufficientMemory(
            f"proving the {len(work)} tables of {system.name!r} needs about {estimate / 2**30:.2f} GiB, above the "
            f"budget of {budget / 2**30:.2f} GiB (raise it with memory_budget= or ZKVM_MEMORY_BUDGET)")
    clock = time.perf_counter

    # 1. statement
    transcript = Transcript(b"zkvm tables")
    bind_system(transcript, system, options, security, [w.n for w in work], [w.publics for w in work], statement,
                [pc.digest() for pc in public_columns])
    for w in work:
        root = w.commit_public_columns()
        if root is not None:
            say(f"committing to the program columns of {w.air.name!r}")
            transcript.absorb_digest(b"fixed root", root)

    # 2. main traces
    say("committing to the tables' main traces")
    _each_table(work, lambda w: w.commit_main())
    trees = {"main": _phase_tree(work, "main", report)}
    transcript.absorb_digest(b"main root", trees["main"].root)
    for w in work:
        for root in w.commit_shared():
            transcript.absorb_digest(b"shared root", root)

    # 3. bus challenges, auxiliary traces and bus sums
    say("building the bus and lookup columns")
    shared = [c.to_pair() for c in transcript.challenge_exts(b"bus challenges", system.shared_challenges)]

    def aux_of(w: TableWork) -> None:
        t = clock()
        trace = w.trace
        aux = w.build_aux(shared, system.bus_sums(w.index))
        report.add("aux trace", clock() - t)
        if debug_check:
            rows = (describe_rows or {}).get(w.air.name)
            debug.assert_satisfied(w.air, trace, aux, w.challenges, w.publics, describe_row=rows, pubcols=w.pub_dense,
                                   table=w.air.name)
        del trace
        w.commit_aux(aux)

    _each_table(work, aux_of)
    trees["aux"] = _phase_tree(work, "aux", report)
    if trees["aux"] is not None:
        transcript.absorb_digest(b"aux root", trees["aux"].root)
    for w in work:
        transcript.absorb_ext(b"bus sums", [Ext2(*c) for c in w.claimed_sums])
    total = Ext2(0)
    for w in work:
        for c in w.claimed_sums:
            total = total + Ext2(*c)
    if check and total != Ext2(0):
        sums = ", ".join(f"{w.air.name}: {Ext2(*c)}" for w in work for c in w.claimed_sums)
        raise BusImbalance(f"the buses of {system.name!r} do not balance (claimed sums {sums}): some table sends "
                           "what no table receives, or with other multiplicities")

    # 4. composition polynomials
    say("evaluating constraints")
    alpha = transcript.challenge_ext(b"composition alpha")
    t = clock()
    _each_table(work, lambda w: w.commit_composition(alpha, check))
    report.add("constraint evaluation", clock() - t)
    trees["composition"] = _phase_tree(work, "composition", report)
    transcript.absorb_digest(b"composition root", trees["composition"].root)

    # 5. out-of-domain values
    t = clock()
    z = draw_ood_point(transcript)
    _each_table(work, lambda w: w.ood_values(z))
    for w in work:
        ood = w.ood
        if check:
            try:
                check_ood(w.air, w.n, w.generator, z, alpha, ood["main"], ood["main next"], ood["aux"], ood["aux next"],
                          ood["composition"][: _pieces(w)], [Ext2(*c) for c in w.challenges], w.publics, ood["public"])
            except OodMismatch:
                raise ProverError(INVALID_TABLE.format(name=w.air.name)) from None
        for label in ("main", "main next", "aux", "aux next", "composition", "fixed"):
            transcript.absorb_ext(b"ood " + label.encode(), ood[label])
    report.add("out-of-domain", clock() - t)

    # 6. DEEP codewords and one batched FRI
    say("DEEP composition and FRI")
    t = clock()
    gamma = transcript.challenge_ext(b"deep gamma")
    by_size: dict[int, np.ndarray] = {}
    acc = Ext2(1)
    gammas_of: dict[int, list[Ext2]] = {}
    for w in work:
        count = w.air.width + w.air.aux_width + w.comp_coeffs.shape[1] // 2 + w.fixed_coeffs.shape[1]
        gammas = gammas_of[w.index] = []
        for _ in range(count):
            gammas.append(acc)
            acc = acc * gamma
    words: dict[int, np.ndarray] = {}

    def deep_of(w: TableWork) -> None:
        words[w.index] = w.deep_codeword(z, gammas_of[w.index])

    _each_table(work, deep_of)
    for w in work:
        if zk_h:
            transcript.absorb_ext(b"deep high", [Ext2(*v) for v in w.deep_high])
        word = words.pop(w.index)
        size = word.shape[0]
        by_size[size] = fa.add(by_size[size], word) if size in by_size else word
    report.add("deep", clock() - t)
    t = clock()
    sizes = sorted(by_size, reverse=True)
    fri_result = fri_prover.prove_batched([by_size[s] for s in sizes], options, transcript, check_degree=check)
    del by_size
    report.add("fri", clock() - t)

    # 7. openings
    t = clock()
    log_big = big.bit_length() - 1

    def at(size: int) -> list[int]:  # the query positions folded down to a domain of this size
        return sorted({p >> (log_big - (size.bit_length() - 1)) for p in fri_result.positions})

    rows: list[dict] = [{} for _ in work]
    roots, nodes = [], []
    for phase in PHASES:
        tree = trees[phase]
        if tree is None:
            roots.append(None)
            nodes.append(())
            continue
        level0 = at(tree.num_leaves)
        sibling_rows: dict[int, dict] = {}

        def open_of(w: TableWork, tree=tree, phase=phase, level0=level0, sibling_rows=sibling_rows) -> None:
            k = w.index
            if tree.heights[k] is None:
                return
            tallest_alone = tree.single_tallest and tree.heights[k] == tree.num_leaves
            siblings = tree.siblings_needed(level0) if tallest_alone else ()
            rows[k][phase], leaves = w.open_rows(phase, at(w.lde_size), siblings)
            if tallest_alone:
                sibling_rows[k] = leaves

        _each_table(work, open_of)
        leaf_rows = next(iter(sibling_rows.values()), None)
        roots.append(tree.root)
        nodes.append(tuple(tree.open(level0, leaf_rows)))
    proofs = []
    for k, w in enumerate(work):
        fields = w.proof_fields(at(w.lde_size), rows[k])
        for own_root in ("main_root", "aux_root", "composition_root"):
            del fields[own_root]
        proofs.append(TableProof(has_aux="aux" in rows[k], claimed_sums=tuple(w.claimed_sums), **fields))
    report.add("queries", clock() - t)
    return MultiProof(options, security, system.digest(), tuple(proofs), fri_result.proof, tuple(roots), tuple(nodes))


CONCURRENT_TABLES_ROWS = 1 << 17
"""Proofs whose tallest table has at most this many rows work on two tables at once, each on
one Numba thread, instead of one table at a time on every thread: a table of up to some 10^5
rows keeps two threads busy poorly (short kernels, serial steps between them), while two
tables keep both cores busy. Measured (same run, proofs identical byte for byte): mlp_85k
0.50-0.53 -> 0.38-0.41 s; mlp_1m 3.4-3.7 -> 2.4 s at 0.82 -> 0.88 GiB peak; mlp_4m (2^19-row
tables) gained nothing for 0.15 GiB more, so taller proofs keep the kernels' own threads."""

_TABLE_POOL: dict = {}  # process id -> two threads (a forked child needs its own)


def _each_table(work: list[TableWork], task: Callable[[TableWork], None]) -> None:
    """task(w) for every table: on two threads, largest tables first, when the proof is small
    and two cores are usable (see CONCURRENT_TABLES_ROWS); else in order on this thread. The
    first exception in table order is raised."""
    if len(work) < 2 or max(w.n for w in work) > CONCURRENT_TABLES_ROWS or _usable_cpus() < 2:
        for w in work:
            task(w)
        return
    import numba
    from concurrent.futures import ThreadPoolExecutor

    pool = _TABLE_POOL.get(os.getpid())
    if pool is None:
        pool = _TABLE_POOL[os.getpid()] = ThreadPoolExecutor(2, thread_name_prefix="zkvm-table")

    def one(w: TableWork) -> None:
        numba.set_num_threads(1)  # (per thread: this worker's kernels run on it alone)
        task(w)

    by_cost = sorted(range(len(work)), key=lambda k: -work[k].n * (work[k].air.width + 2 * work[k].air.aux_width))
    futures = {k: pool.submit(one, work[k]) for k in by_cost}
    for k in range(len(work)):
        futures[k].result()


def _usable_cpus() -> int:
    """The CPUs this process may use, and no more threads than Numba was told to use (a
    cluster's worker that was given one CPU proves on one thread: zkvm/cluster.py)."""
    import numba

    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return min(cpus, numba.get_num_threads())


def _phase_tree(work: list[TableWork], phase: str, report: ProverReport) -> MixedTree | None:
    """One phase's commitment over every table that has it (None if none has), the tables'
    leaf digests dropped once it is built."""
    parts = [w.digests.pop(phase, None) for w in work]
    if all(d is None for d in parts):
        return None
    t = time.perf_counter()
    tree = MixedTree(parts)
    report.add("commit", time.perf_counter() - t)
    return tree


def _masks(system: TableSystem, traces: list, rng: ZkRandomness | None, options: FriOptions) -> np.ndarray:
    """Fill each masked table's mask columns (zero-knowledge: multiplicity 1 and a random value
    on its last row, one per mask pair; else zero) and return the mask table's trace, which
    receives them."""
    values = []
    for i in system.masked:
        t = traces[i] = np.array(traces[i], dtype=np.uint64, copy=True)
        for k, (m_col, v_col) in enumerate(mask_pairs(system.tables[i])):
            t[:, m_col] = 0
            t[:, v_col] = 0
            if rng is not None:
                v = int(rng.field(b"bus mask %d %d" % (i, k), (1,))[0])
                t[-1, m_col], t[-1, v_col] = 1, v
                values.append(v)
    rows = max(8, 1 << max(0, (len(values) - 1).bit_length()))
    if rng is not None:
        # as tall as the shortest table (its rate, with the randomness, is then no worse than
        # theirs, for which the options were chosen) and at least 8 h
        rows = max(rows, min(t.shape[0] for t in traces))
        while rows < 8 * options.zk_randomness:
            rows *= 2
    out = np.zeros((rows, 2), dtype=np.uint64)
    for r, v in enumerate(values):
        out[r] = (1, v)
    return out


def _pieces(w: TableWork) -> int:
    from zkvm.stark.verifier import composition_pieces

    return composition_pieces(w.air, w.options.zk)


__all__ = ["prove_tables", "BusImbalance", "table_shares"]
