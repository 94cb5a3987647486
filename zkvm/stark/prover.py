"""The STARK prover for any :class:`~zkvm.stark.air.Air`.

Protocol (the verifier, :mod:`zkvm.stark.verifier`, replays the same transcript):

1. Bind the statement: protocol version, options, trace length, security level, AIR digest,
   public inputs.
2. Interpolate the main trace, extend it to the LDE domain (blowup x, bit-reversed coset) and
   commit to its rows.
3. Draw the auxiliary challenges; build, extend and commit the auxiliary trace (LogUp and
   permutation columns, in the extension field).
4. Draw alpha; evaluate every constraint over the first ``nextpow2(D) * n`` LDE rows with the
   AIR's generated kernel, divide each group by its vanishing polynomial and combine with
   powers of alpha; interpolate, split into D pieces of degree < n, extend and commit.
5. Draw the out-of-domain point z; send every column's value at z and z*g and each
   composition piece's value at z.
6. Draw gamma; build the DEEP composition codeword and prove it has degree < n with FRI
   (which also grinds and draws the query positions).
7. Open the main, aux and composition rows at the query positions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from zkvm.crypto.merkle import MerkleTree
from zkvm.crypto.transcript import Transcript
from zkvm.errors import InsufficientMemory, OodMismatch, ParameterError, ZkvmError
from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.field.ext2 import Ext2
from zkvm.field.poly_kernels import evaluate_columns, ext_powers
from zkvm.fri import prover as fri_prover
from zkvm.fri.options import FriOptions
from zkvm.stark import codegen, debug
from zkvm.stark import kernels as sk
from zkvm.stark.air import Air, resolve_row
from zkvm.stark.proof import Opening, StarkProof
from zkvm.stark.public_columns import EMPTY as EMPTY_COLUMNS
from zkvm.stark.public_columns import PublicColumns
from zkvm.stark.transcript_setup import bind_statement, draw_ood_point
from zkvm.stark.verifier import check_ood

SHIFT = gl.GENERATOR
_INVALID_TRACE = (
    "the trace does not satisfy the AIR's constraints; run with debug_check=True "
    "(or ZKVM_DEBUG=1) to see which constraint fails and where"
)


class ProverError(ZkvmError):
    """The prover could not produce a proof (invalid trace, bad shapes)."""


@dataclass
class ProverReport:
    """What a proof cost: seconds per stage, sizes and the memory estimate."""

    stages: dict[str, float] = field(default_factory=dict)
    estimated_peak_bytes: int = 0
    trace_length: int = 0
    lde_size: int = 0

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


class OwnedTrace:
    """A trace handed over to :func:`prove`, which drops it as soon as the auxiliary columns
    are built (the caller keeps no reference, so its memory, a large share of the peak, is
    returned before the constraint-evaluation stage)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array: np.ndarray | None = array

    def take(self) -> np.ndarray:
        a, self.array = self.array, None
        if a is None:
            raise ParameterError("trace", "this trace was already handed to a prover")
        return a


def estimate_peak_bytes(air: Air, n: int, options: FriOptions) -> int:
    """Upper estimate of the prover's largest simultaneous allocations for a trace of n rows."""
    big = n * options.blowup
    d = air.composition_columns
    d_eval = 1 << (d - 1).bit_length()
    m = n * d_eval
    cols = air.width + 2 * air.aux_width + 2 * d
    trace = n * (air.width + 2 * air.aux_width + len(air.public_columns)) * 8
    kept = m * (air.width + 2 * air.aux_width + len(air.public_columns)) * 8  # first LDE blocks
    block = n * cols * 8  # the streaming buffer
    trees = 3 * big * 32  # parents only (the leaf level is dropped once built)
    coeffs = n * cols * 8
    groups = (2 + len(air.boundary_rows(n))) * m * 16
    fri = big * 16 * 2 + (big // options.folding_factor) * 64
    return trace + kept + block + trees + coeffs + groups + fri


def default_memory_budget() -> int:
    env = os.environ.get("ZKVM_MEMORY_BUDGET")
    if env:
        return int(float(env))
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 * 9 // 10
    except OSError:
        pass
    return 8 << 30


def _ext_from_base_pair(p0: tuple[int, int], p1: tuple[int, int]) -> Ext2:
    """Value of an extension-valued polynomial stored as two base columns (c0 + phi*c1),
    each evaluated at an extension point: P0(z) + phi * P1(z)."""
    return Ext2(*p0) + Ext2(0, 1) * Ext2(*p1)


def _ood_values(coeffs: np.ndarray, zpow: np.ndarray, ext_columns: bool) -> list[Ext2]:
    if coeffs.shape[1] == 0:
        return []
    vals = evaluate_columns(coeffs, (0, 0), zpow=zpow)
    pairs = [(int(a), int(b)) for a, b in vals]
    if not ext_columns:
        return [Ext2(*p) for p in pairs]
    return [_ext_from_base_pair(pairs[2 * i], pairs[2 * i + 1]) for i in range(len(pairs) // 2)]


def _open(tree: MerkleTree, coeffs: np.ndarray, point_of: Callable[[int], int], positions: list[int]) -> Opening:
    """The committed rows at the query positions, recomputed from the coefficients (the LDE
    itself was never kept whole), with their batch Merkle opening; the sibling leaves the
    opening needs are recomputed the same way (the trees keep no leaf level)."""
    siblings = tree.siblings_needed(positions)
    wanted = list(positions) + siblings
    points = np.array([point_of(p) for p in wanted], dtype=np.uint64)
    values = sk.evaluate_rows(np.ascontiguousarray(coeffs), points)
    rows = tuple(tuple(int(v) for v in values[i]) for i in range(len(positions)))
    leaf_rows = {p: values[len(positions) + k].astype("<u8").tobytes() for k, p in enumerate(siblings)}
    return Opening(rows, tuple(tree.open(positions, leaf_rows)))


def _commit_streaming(coeffs: np.ndarray, blowup: int, keep_blocks: int, report: ProverReport) -> tuple[MerkleTree, np.ndarray]:
    """Commit to the LDE of ``coeffs`` one coset block at a time (rows ``r*n .. r*n + n - 1``
    of the bit-reversed LDE), hashing each block's rows and dropping the block, except the first
    ``keep_blocks`` (returned): the whole LDE (the largest array of a proof) never exists."""
    n, cols = coeffs.shape
    digests = np.empty((n * blowup, 8), dtype=np.uint32)
    kept = np.empty((keep_blocks * n, cols), dtype=np.uint64)
    buf = np.empty((n, cols), dtype=np.uint64) if keep_blocks < blowup else None
    for r in range(blowup):
        target = kept[r * n : (r + 1) * n] if r < keep_blocks else buf
        t = time.perf_counter()
        ntt.lde_block(coeffs, r, blowup, target, SHIFT)
        t2 = time.perf_counter()
        digests[r * n : (r + 1) * n] = MerkleTree.hash_leaves(target)
        report.add("lde", t2 - t)
        report.add("commit", time.perf_counter() - t2)
    t = time.perf_counter()
    tree = MerkleTree.from_leaf_digests(digests, keep_leaf_digests=False)
    del digests
    report.add("commit", time.perf_counter() - t)
    return tree, kept


def prove(
    air: Air,
    trace: "np.ndarray | OwnedTrace",
    public_inputs: Sequence[int],
    options: FriOptions | None = None,
    *,
    debug_check: bool | None = None,
    check: bool = True,
    memory_budget: int | None = None,
    report: ProverReport | None = None,
    progress: Callable[[str], None] | None = None,
    describe_row: Callable[[int], str] | None = None,
    public_columns: PublicColumns | None = None,
    statement: bytes = b"",
) -> StarkProof:
    """Prove that ``trace`` satisfies ``air`` with these public inputs (and public columns).

    ``statement`` is bound into the transcript as is (the caller's description of what is
    proven, e.g. a program hash and its output); the verifier must pass the same bytes.

    ``debug_check`` (default: the ZKVM_DEBUG environment variable) runs the constraint
    debugger first and raises :class:`~zkvm.stark.debug.ConstraintViolation` naming the
    failing constraints. ``check=False`` switches off every sanity check, so tests can play a
    lying prover whose proof the verifier must reject.

    Raises:
        ParameterError: bad shapes or options. InsufficientMemory: the estimated peak exceeds
        ``memory_budget`` (default: 90% of available memory, or ZKVM_MEMORY_BUDGET).
        ConstraintViolation / ProverError: the trace does not satisfy the AIR.
    """
    options = options or FriOptions()
    report = report if report is not None else ProverReport()
    say = progress or (lambda _msg: None)
    if isinstance(trace, OwnedTrace):
        trace = trace.take()
    trace = np.ascontiguousarray(trace, dtype=np.uint64)
    if trace.ndim != 2 or trace.shape[1] != air.width:
        raise ParameterError("trace", f"expected shape (n, {air.width}), got {trace.shape}")
    n = trace.shape[0]
    if n < 2 or n & (n - 1):
        raise ParameterError("trace", f"the trace length must be a power of two >= 2, got {n}")
    if len(public_inputs) != len(air.public_inputs):
        raise ParameterError("public_inputs", f"expected {len(air.public_inputs)} values, got {len(public_inputs)}")
    publics = [int(v) % gl.P for v in public_inputs]
    public_columns = public_columns if public_columns is not None else EMPTY_COLUMNS
    if public_columns.count != len(air.public_columns):
        raise ParameterError("public_columns", f"expected {len(air.public_columns)} public columns, got {public_columns.count}")
    public_columns.check_fits(n)
    if check and trace.size and int(trace.max()) >= gl.P:
        raise ParameterError("trace", "trace values must be canonical field elements")
    big = n * options.blowup
    security = options.check_security(big) if check else options.security_bits(big)
    estimate = estimate_peak_bytes(air, n, options)
    report.estimated_peak_bytes = estimate
    report.trace_length, report.lde_size = n, big
    budget = memory_budget if memory_budget is not None else default_memory_budget()
    if estimate > budget:
        raise InsufficientMemory(
            f"proving {n} rows x {air.width} columns at blowup {options.blowup} needs about "
            f"{estimate / 2**30:.2f} GiB, above the budget of {budget / 2**30:.2f} GiB "
            "(raise it with memory_budget= or ZKVM_MEMORY_BUDGET, or use a smaller blowup)"
        )
    if debug_check is None:
        debug_check = os.environ.get("ZKVM_DEBUG", "") not in ("", "0")

    clock = time.perf_counter
    program = codegen.compile_air(air)

    # 1. statement
    transcript = Transcript(b"zkvm stark")
    bind_statement(transcript, air, options, n, security, publics, public_columns.digest(), statement)
    pub_dense = public_columns.dense(n)

    d = air.composition_columns
    d_eval = 1 << (d - 1).bit_length()
    m = n * d_eval

    # 2. main trace: the LDE is streamed block by block into the Merkle tree; only the first
    # d_eval blocks (the constraint-evaluation domain) are kept
    say("extending and committing to the main trace")
    t = clock()
    main_coeffs = ntt.interpolate_columns(trace)
    report.add("lde", clock() - t)
    main_tree, main_lde = _commit_streaming(main_coeffs, options.blowup, d_eval, report)
    transcript.absorb_digest(b"main root", main_tree.root)

    # 3. auxiliary trace
    challenges = [c.to_pair() for c in transcript.challenge_exts(b"aux challenges", air.num_challenges)]
    aux_tree = None
    if air.aux_width:
        t = clock()
        aux = np.ascontiguousarray(air.build_aux(trace, challenges, publics, pub_dense), dtype=np.uint64)
        if aux.shape != (n, 2 * air.aux_width):
            raise ProverError(f"aux builder returned shape {aux.shape}, expected {(n, 2 * air.aux_width)}")
        report.add("aux trace", clock() - t)
        if debug_check:
            debug.assert_satisfied(air, trace, aux, challenges, publics, describe_row=describe_row, pubcols=pub_dense)
        t = clock()
        aux_coeffs = ntt.interpolate_columns(aux)
        report.add("lde", clock() - t)
        del aux
        aux_tree, aux_lde = _commit_streaming(aux_coeffs, options.blowup, d_eval, report)
        transcript.absorb_digest(b"aux root", aux_tree.root)
    else:
        if debug_check:
            debug.assert_satisfied(air, trace, None, challenges, publics, describe_row=describe_row, pubcols=pub_dense)
        aux_coeffs = np.zeros((n, 0), dtype=np.uint64)
        aux_lde = np.zeros((m, 0), dtype=np.uint64)
    del trace

    # 4. composition polynomial
    say("evaluating constraints")
    alpha = transcript.challenge_ext(b"composition alpha")
    num_c = len(air.constraints)
    alphas = np.array([a.to_pair() for a in _powers(alpha, num_c)], dtype=np.uint64).reshape(num_c, 2)
    t = clock()
    if pub_dense.shape[1]:
        pub_coeffs = ntt.interpolate_columns(pub_dense)
        pub_lde = ntt.lde_from_coefficients(pub_coeffs, d_eval, SHIFT)  # exactly the first m LDE rows
    else:
        pub_coeffs = pub_lde = None
    del pub_dense
    groups = codegen.evaluate_groups(program, main_lde, aux_lde, n, d_eval, challenges, publics, alphas, pub_lde)
    del pub_lde
    offsets = ntt.coset_offsets(n, options.blowup, SHIFT)
    wbr = sk.bitrev_powers(n)
    g = gl.root_of_unity(n.bit_length() - 1)
    kinds, points = _group_divisors(program.groups, n, g)
    inv_zn = np.array([gl.inv(pow(int(o), n, gl.P) - 1) for o in offsets[:d_eval]], dtype=np.uint64)
    comp_values = np.empty((m, 2), dtype=np.uint64)
    sk.combine_groups(groups, kinds, points, np.uint64(pow(g, n - 1, gl.P)), inv_zn, offsets, wbr, n, comp_values)
    del groups
    report.add("constraint evaluation", clock() - t)

    say("building the composition polynomial")
    t = clock()
    comp_all = ntt.inverse_from_bitrev(comp_values)  # coefficients of C(shift * y)
    ntt._scale_rows_parallel(comp_all, np.uint64(gl.inv(SHIFT)), np.uint64(1))  # -> C(y)
    if check and comp_all[d * n :].any():
        raise ProverError(_INVALID_TRACE)
    comp_coeffs = np.ascontiguousarray(comp_all[: d * n].reshape(d, n, 2).transpose(1, 0, 2).reshape(n, 2 * d))
    del comp_all, comp_values
    report.add("composition", clock() - t)
    comp_tree, _ = _commit_streaming(comp_coeffs, options.blowup, 0, report)
    transcript.absorb_digest(b"composition root", comp_tree.root)

    # 5. out-of-domain point
    t = clock()
    z = draw_ood_point(transcript)
    zg = z * g
    zpow = ext_powers(z.to_pair(), n)
    zgpow = ext_powers(zg.to_pair(), n)
    ood_main = _ood_values(main_coeffs, zpow, False)
    ood_main_next = _ood_values(main_coeffs, zgpow, False)
    ood_aux = _ood_values(aux_coeffs, zpow, True)
    ood_aux_next = _ood_values(aux_coeffs, zgpow, True)
    ood_comp = _ood_values(comp_coeffs, zpow, True)
    ood_pub = _ood_values(pub_coeffs, zpow, False) if pub_coeffs is not None else []
    del zpow, zgpow
    if check:
        # the verifier's own out-of-domain check, run here: an invalid trace is reported now
        # instead of producing a proof that cannot verify
        try:
            check_ood(air, n, g, z, alpha, ood_main, ood_main_next, ood_aux, ood_aux_next, ood_comp,
                      [Ext2(*c) for c in challenges], publics, ood_pub)
        except OodMismatch:
            raise ProverError(_INVALID_TRACE) from None
    for label, vals in (
        (b"ood main", ood_main),
        (b"ood main next", ood_main_next),
        (b"ood aux", ood_aux),
        (b"ood aux next", ood_aux_next),
        (b"ood composition", ood_comp),
    ):
        transcript.absorb_ext(label, vals)
    report.add("out-of-domain", clock() - t)

    # 6. DEEP composition and FRI
    say("DEEP composition and FRI")
    t = clock()
    gammas = _powers(transcript.challenge_ext(b"deep gamma"), air.width + air.aux_width + d)
    gm = np.array([x.to_pair() for x in gammas[: air.width]], dtype=np.uint64).reshape(-1, 2)
    ga = np.array([x.to_pair() for x in gammas[air.width : air.width + air.aux_width]], dtype=np.uint64).reshape(-1, 2)
    gc = np.array([x.to_pair() for x in gammas[air.width + air.aux_width :]], dtype=np.uint64).reshape(-1, 2)
    l_trace_z = _dot(gammas[: air.width], ood_main) + _dot(gammas[air.width : air.width + air.aux_width], ood_aux)
    l_trace_zg = _dot(gammas[: air.width], ood_main_next) + _dot(gammas[air.width : air.width + air.aux_width], ood_aux_next)
    l_z = l_trace_z + _dot(gammas[air.width + air.aux_width :], ood_comp)
    # in coefficient form: DEEP = (L - L(z)) / (X - z) + (L_T - L_T(zg)) / (X - zg), by synthetic
    # division (exact for an honest prover), then one LDE of a single extension column
    l_trace = np.empty((n, 2), dtype=np.uint64)
    l_all = np.empty((n, 2), dtype=np.uint64)
    sk.combine_coefficients(main_coeffs, aux_coeffs, comp_coeffs, gm, ga, gc, l_trace, l_all)
    deep = np.zeros((n, 2), dtype=np.uint64)
    sk.divide_by_linear(l_all, np.uint64(z.c0), np.uint64(z.c1), deep)
    sk.divide_by_linear(l_trace, np.uint64(zg.c0), np.uint64(zg.c1), deep)
    del l_trace, l_all
    codeword = ntt.lde_from_coefficients(deep, options.blowup, SHIFT)
    report.add("deep", clock() - t)
    t = clock()
    fri_result = fri_prover.prove(codeword, n, options, transcript, SHIFT, check_degree=check)
    del codeword
    report.add("fri", clock() - t)

    # 7. query openings
    t = clock()
    positions = sorted(set(fri_result.positions))
    def point_of(p: int) -> int:
        return int(offsets[p // n]) * int(wbr[p % n]) % gl.P

    main_open = _open(main_tree, main_coeffs, point_of, positions)
    aux_open = _open(aux_tree, aux_coeffs, point_of, positions) if aux_tree is not None else None
    comp_open = _open(comp_tree, comp_coeffs, point_of, positions)
    report.add("queries", clock() - t)

    return StarkProof(
        options=options,
        trace_length=n,
        security_bits=security,
        air_digest=air.digest(),
        public_inputs=tuple(publics),
        main_root=main_tree.root,
        aux_root=aux_tree.root if aux_tree is not None else None,
        composition_root=comp_tree.root,
        ood_main=tuple(v.to_pair() for v in ood_main),
        ood_main_next=tuple(v.to_pair() for v in ood_main_next),
        ood_aux=tuple(v.to_pair() for v in ood_aux),
        ood_aux_next=tuple(v.to_pair() for v in ood_aux_next),
        ood_composition=tuple(v.to_pair() for v in ood_comp),
        fri=fri_result.proof,
        main_opening=main_open,
        aux_opening=aux_open,
        composition_opening=comp_open,
    )


def _powers(x: Ext2, count: int) -> list[Ext2]:
    out = []
    acc = Ext2(1)
    for _ in range(count):
        out.append(acc)
        acc = acc * x
    return out


def _dot(coeffs: list[Ext2], values: list[Ext2]) -> Ext2:
    acc = Ext2(0)
    for c, v in zip(coeffs, values):
        acc = acc + c * v
    return acc


def _group_divisors(groups: list[str], n: int, g: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: its divisor kind (see :mod:`zkvm.stark.kernels`) and, for boundary groups,
    the point g^row where it vanishes."""
    kinds, points = [], []
    for spec in groups:
        if spec in ("transition", "cyclic"):
            kinds.append(sk.TRANSITION if spec == "transition" else sk.CYCLIC)
            points.append(0)
        else:
            raw = spec.split(":", 1)[1]
            row: str | int = raw if raw in ("first", "last") else int(raw)
            kinds.append(sk.BOUNDARY)
            points.append(pow(g, resolve_row(row, n), gl.P))
    return np.array(kinds, dtype=np.int64), np.array(points, dtype=np.uint64)
