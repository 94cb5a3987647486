"""The STARK prover for any :class:`~zkvm.stark.air.Air`.

Protocol (the verifier, :mod:`zkvm.stark.verifier`, replays the same transcript):

1. Bind the statement: protocol version, options, trace length, security level, AIR digest,
   public inputs; commit to the public columns marked committed (if any) and bind the root.
2. Interpolate the main trace, extend it to the LDE domain (blowup x, bit-reversed coset) and
   commit to its rows.
3. Draw the auxiliary challenges; build, extend and commit the auxiliary trace (LogUp and
   permutation columns, in the extension field).
4. Draw alpha; evaluate every constraint over the first ``nextpow2(D) * n`` LDE rows with the
   AIR's generated kernel, divide each group by its vanishing polynomial and combine with
   powers of alpha; interpolate, split into D pieces of degree < n, extend and commit.
5. Draw the out-of-domain point z; send every column's value at z and z*g, each
   composition piece's value and each committed public column's value at z.
6. Draw gamma; build the DEEP composition codeword and prove it has degree < n with FRI
   (which also grinds and draws the query positions).
7. Open the main, aux, composition and committed public-column rows at the query positions.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from zkvm.crypto.merkle import MerkleTree
from zkvm.crypto.transcript import Transcript
from zkvm.errors import InsufficientMemory, OodMismatch, ParameterError, ZkvmError
from zkvm.field import goldilocks as gl
from zkvm.field import arrays as fa
from zkvm.field import ntt
from zkvm.field.ext2 import Ext2
from zkvm.field.poly_kernels import evaluate_columns
from zkvm.fri import prover as fri_prover
from zkvm.fri.options import FriOptions
from zkvm.stark import debug, extra_coset
from zkvm.stark import kernels as sk
from zkvm.stark.air import Air, resolve_row
from zkvm.stark.proof import Opening, StarkProof
from zkvm.stark.public_columns import EMPTY as EMPTY_COLUMNS
from zkvm.stark.public_columns import PublicColumns
from zkvm.stark.transcript_setup import bind_statement, draw_ood_point
from zkvm.stark.verifier import check_ood, composition_pieces
from zkvm.stark.zk import ZkRandomness

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
        with _REPORT_LOCK:  # (tables of a small proof are worked on by two threads)
            self.stages[stage] = self.stages.get(stage, 0.0) + seconds


_REPORT_LOCK = threading.Lock()


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


def estimate_peak_bytes(air: Air, n: int, options: FriOptions, committed_width: int = 0) -> int:
    """Upper estimate of the prover's largest simultaneous allocations for a trace of n rows
    (with ``committed_width`` committed public columns)."""
    big = n * options.blowup
    d = composition_pieces(air, options.zk)
    blocks = extra_coset.kept_blocks(air)
    m = n * blocks
    cols = air.width + 2 * air.aux_width + 2 * d
    trace = n * (air.width + 2 * air.aux_width + len(air.public_columns)) * 8
    # the constraint-evaluation blocks, kept or recomputed one at a time
    kept = (m if _keep_constraint_blocks(air, n, blocks) else n) * (air.width + 2 * air.aux_width) * 8
    kept += n * len(air.public_columns) * 8
    block = n * cols * 8  # the streaming buffer
    trees = (4 if committed_width else 3) * big * 32  # parents only (the leaf level is dropped once built)
    coeffs = n * (cols + committed_width) * 8
    groups = (2 + len(air.boundary_rows(n))) * m * 16
    fri = big * 16 * 2 + (big // options.folding_factor) * 64
    return trace + kept + block + trees + coeffs + groups + fri


def _prefer_small_pages() -> None:
    """Stop numpy from asking the kernel for transparent huge pages on large arrays (its
    default). Measured on this project's 2-core VM, where huge-page faults go through direct
    compaction: first touch of a fresh 1 GiB array took 1.0-2.7 s with huge pages against
    0.4 s without, and a 2^21-row proof ran about 2 s (6%) faster without. The prover's large
    arrays are mostly written once, so it gains nothing from huge pages' fewer TLB misses.
    ZKVM_HUGEPAGES=1 keeps numpy's default."""
    if os.environ.get("ZKVM_HUGEPAGES", "") == "1":
        return
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            module = __import__(name, fromlist=["_set_madvise_hugepage"])
            module._set_madvise_hugepage(False)
            return
        except (ImportError, AttributeError):
            continue


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


def _ood_values(coeffs: np.ndarray, zpow: np.ndarray, ext_columns: bool, high: np.ndarray | None = None,
                z_n: Ext2 | None = None) -> list[Ext2]:
    """Each column's polynomial at z (``zpow`` = powers of z); with a high part (zk), the
    polynomial is coeffs + X^n * high, so z^n * high(z) is added."""
    if coeffs.shape[1] == 0:
        return []
    vals = evaluate_columns(coeffs, (0, 0), zpow=zpow)
    base = [Ext2(int(a), int(b)) for a, b in vals]
    if high is not None and high.shape[0]:
        hv = evaluate_columns(np.ascontiguousarray(high), (0, 0), zpow=np.ascontiguousarray(zpow[: high.shape[0]]))
        base = [v + z_n * Ext2(int(a), int(b)) for v, (a, b) in zip(base, hv)]
    if not ext_columns:
        return base
    return [base[2 * i] + Ext2(0, 1) * base[2 * i + 1] for i in range(len(base) // 2)]


def _open(tree: MerkleTree, coeffs: np.ndarray, point_of: Callable[[int], int], positions: list[int],
          high: np.ndarray | None = None, salts: Callable[[list[int]], np.ndarray] | None = None) -> Opening:
    """The committed rows at the query positions, recomputed from the coefficients (the LDE
    itself was never kept whole), with their batch Merkle opening; the sibling leaves the
    opening needs are recomputed the same way (the trees keep no leaf level). With zk, the
    rows are of coeffs + X^n * high and end with their leaf salts."""
    rows, leaf_rows = _open_rows(coeffs, point_of, positions, high, salts, tree.siblings_needed(positions))
    return Opening(rows, tuple(tree.open(positions, leaf_rows)))


def _open_rows(coeffs: np.ndarray, point_of: Callable[[int], int], positions: list[int],
               high: np.ndarray | None = None, salts: Callable[[list[int]], np.ndarray] | None = None,
               siblings: Sequence[int] = ()) -> tuple[tuple[tuple[int, ...], ...], dict[int, bytes]]:
    """The committed rows at ``positions`` (as the verifier receives them) and, for the
    ``siblings`` positions, their leaf bytes (little-endian words, salt included).

    The rows needed come in sibling pairs (2j, 2j + 1), whose points are x and -x: both are
    computed in one pass from the polynomials' even and odd parts."""
    wanted = list(positions) + list(siblings)
    evens = sorted({p & ~1 for p in wanted})
    points = np.array([point_of(p) for p in evens], dtype=np.uint64)
    if any(point_of(e + 1) != (gl.P - int(x)) % gl.P for e, x in zip(evens, points.tolist())):
        raise ProverError("sibling leaves are not at opposite points of the LDE domain")
    values = sk.evaluate_rows_pm(np.ascontiguousarray(coeffs), points)  # rows 2t, 2t+1: evens[t], evens[t]+1
    if high is not None and high.shape[0]:
        hv = sk.evaluate_rows_pm(np.ascontiguousarray(high), points)
        n = coeffs.shape[0]  # even, so (-x)^n = x^n
        xn = np.repeat(np.array([pow(int(x), n, gl.P) for x in points.tolist()], dtype=np.uint64), 2)
        values = fa.add(values, fa.mul(hv, np.repeat(xn[:, None], hv.shape[1], axis=1)))
    slot = {e: 2 * t for t, e in enumerate(evens)}
    values = values[[slot[p & ~1] + (p & 1) for p in wanted]]
    if salts is not None:
        values = np.hstack([values, salts(wanted)])
    rows = tuple(tuple(int(v) for v in values[i]) for i in range(len(positions)))
    leaf_rows = {p: values[len(positions) + k].astype("<u8").tobytes() for k, p in enumerate(siblings)}
    return rows, leaf_rows


def _lde_block(coeffs: np.ndarray, high: np.ndarray | None, r: int, blowup: int, out: np.ndarray) -> None:
    """Block r of the bit-reversed LDE (rows ``r*n .. r*n + n - 1``) of coeffs + X^n * high,
    into ``out``. On the block's coset o*H, X^n is the constant o^n, so the block is the plain
    LDE of coeffs with o^n * high added to its first rows."""
    n = coeffs.shape[0]
    h = high.shape[0] if high is not None else 0
    if not h:
        ntt.lde_block(coeffs, r, blowup, out, SHIFT)
        return
    offset = int(ntt.coset_offsets(n, blowup, SHIFT)[r])
    saved = coeffs[:h].copy()
    coeffs[:h] = fa.add(saved, fa.scale(high, pow(offset, n, gl.P)))
    try:
        ntt.lde_block(coeffs, r, blowup, out, SHIFT)
    finally:
        coeffs[:h] = saved


def _scratch_view(scratch: np.ndarray, n: int, cols: int) -> np.ndarray:
    """An (n, cols) matrix over the start of a reused flat buffer (fresh memory is expensive to
    touch on this class of machine: see ../shared/PERF-NOTES.md)."""
    return scratch[: n * cols].reshape(n, cols)


def _commit_streaming(coeffs: np.ndarray, blowup: int, keep_blocks: int, report: ProverReport,
                      high: np.ndarray | None = None, salts: Callable[[int, int], np.ndarray] | None = None,
                      scratch: np.ndarray | None = None, build_tree: bool = True,
                      dropped_levels: int = 0) -> tuple[MerkleTree | np.ndarray, np.ndarray]:
    """Commit to the LDE of ``coeffs`` one coset block at a time (rows ``r*n .. r*n + n - 1``
    of the bit-reversed LDE), hashing each block's rows and dropping the block, except the first
    ``keep_blocks`` (returned): the whole LDE (the largest array of a proof) never exists.

    With zk the committed polynomials are coeffs + X^n * high (``high``: a few rows of random
    coefficients), and each row is hashed with its salt ``salts(r, n)`` appended (the kept
    blocks hold the values without salts). ``scratch``: a flat buffer of at least n * cols
    words to compute the blocks that are not kept in. ``build_tree=False`` returns the leaf
    digests instead of a tree (a multi-table proof commits a phase's tables in one tree).
    ``dropped_levels``: the tree keeps no parents of that many levels above the leaves
    (:meth:`MerkleTree.from_leaf_digests`; for narrow matrices, rehashed when opened)."""
    n, cols = coeffs.shape
    digests = np.empty((n * blowup, 8), dtype=np.uint32)
    kept = np.empty((keep_blocks * n, cols), dtype=np.uint64)
    if keep_blocks < blowup:
        buf = _scratch_view(scratch, n, cols) if scratch is not None else np.empty((n, cols), dtype=np.uint64)
    for r in range(blowup):
        target = kept[r * n : (r + 1) * n] if r < keep_blocks else buf
        t = time.perf_counter()
        _lde_block(coeffs, high, r, blowup, target)
        t2 = time.perf_counter()
        MerkleTree.hash_leaves(target, None if salts is None else salts(r, n), out=digests[r * n : (r + 1) * n])
        report.add("lde", t2 - t)
        report.add("commit", time.perf_counter() - t2)
    if not build_tree:
        return digests, kept
    t = time.perf_counter()
    tree = MerkleTree.from_leaf_digests(digests, keep_leaf_digests=False, dropped_levels=dropped_levels)
    del digests
    report.add("commit", time.perf_counter() - t)
    return tree, kept


KEEP_BLOCKS_BYTES = 1 << 30
"""The LDE blocks the constraints are evaluated on are kept from the commitment when they take
at most this much memory, and recomputed from the coefficients when they would take more:
for the 1.1 M-parameter model (2^21 rows) recomputing costs about 2.4 s of a 26 s proof and
lowers its peak from 5.74 to 4.35 GiB. ZKVM_KEEP_LDE=1 or 0 forces either choice."""


def _keep_constraint_blocks(air: Air, n: int, blocks: int) -> bool:
    forced = os.environ.get("ZKVM_KEEP_LDE")
    if forced in ("0", "1"):
        return forced == "1"
    return blocks * n * (air.width + 2 * air.aux_width) * 8 <= KEEP_BLOCKS_BYTES


SINGLE_THREAD_ROWS = 1 << 13
"""Traces up to this many rows are proved on one thread: their kernels are too short for a
second thread to pay, and when another process keeps the second core busy, a parallel kernel
waiting for it can run ten times slower than a sequential one."""


def checked_table(air: Air, trace, public_inputs: Sequence[int], public_columns: PublicColumns, options: FriOptions,
                  check: bool, name: str = "") -> tuple[np.ndarray, list[int]]:
    """A table's trace as a canonical (n, width) uint64 matrix and its public inputs reduced,
    after every check of their shapes (ParameterError naming the table, if ``name``)."""
    of = f"table {name!r}: " if name else ""
    if isinstance(trace, OwnedTrace):
        trace = trace.take()
    trace = np.ascontiguousarray(trace, dtype=np.uint64)
    if trace.ndim != 2 or trace.shape[1] != air.width:
        raise ParameterError("trace", f"{of}expected shape (n, {air.width}), got {trace.shape}")
    n = trace.shape[0]
    if n < 2 or n & (n - 1):
        raise ParameterError("trace", f"{of}the trace length must be a power of two >= 2, got {n}")
    if len(public_inputs) != len(air.public_inputs):
        raise ParameterError("public_inputs", f"{of}expected {len(air.public_inputs)} values, got {len(public_inputs)}")
    if public_columns.count != len(air.public_columns):
        raise ParameterError("public_columns", f"{of}expected {len(air.public_columns)} public columns, "
                             f"got {public_columns.count}")
    public_columns.check_fits(n)
    if check and trace.size and int(trace.max()) >= gl.P:
        raise ParameterError("trace", f"{of}trace values must be canonical field elements")
    zk_h = options.zk_randomness
    if zk_h and air.max_degree * zk_h >= n:
        raise ParameterError("trace", f"{of}a zero-knowledge proof of {n} rows needs more rows than {air.max_degree} x "
                             f"{zk_h} random coefficients (pad the trace, or use fewer queries)")
    return trace, [int(v) % gl.P for v in public_inputs]


def single_thread_for_short_traces(fn):
    """Run ``fn(first, traces, ...)`` on one Numba thread when its trace (or every trace of the
    list ``traces``) has at most :data:`SINGLE_THREAD_ROWS` rows (the thread count is restored
    afterwards)."""

    @functools.wraps(fn)
    def wrapper(first, traces, *args, **kwargs):
        import numba

        many = traces if isinstance(traces, (list, tuple)) else [traces]
        heights = [np.shape(t.array if isinstance(t, OwnedTrace) else t)[:1] for t in many]
        previous = numba.get_num_threads()
        if heights and all(h and h[0] <= SINGLE_THREAD_ROWS for h in heights):
            numba.set_num_threads(1)
        try:
            return fn(first, traces, *args, **kwargs)
        finally:
            numba.set_num_threads(previous)

    return wrapper


@single_thread_for_short_traces
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
    zk_seed: bytes | None = None,
) -> StarkProof:
    """Prove that ``trace`` satisfies ``air`` with these public inputs (and public columns).

    ``statement`` is bound into the transcript as is (the caller's description of what is
    proven, e.g. a program hash and its output); the verifier must pass the same bytes.

    With ``options.zk`` (the default) the proof is zero-knowledge: its randomness comes from
    a fresh secret seed from the operating system, or from ``zk_seed`` (32 bytes; only for
    reproducible tests: a proof's seed must stay secret and never be reused).

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
    _prefer_small_pages()
    report = report if report is not None else ProverReport()
    say = progress or (lambda _msg: None)
    public_columns = public_columns if public_columns is not None else EMPTY_COLUMNS
    trace, publics = checked_table(air, trace, public_inputs, public_columns, options, check)
    n = trace.shape[0]
    big = n * options.blowup
    zk_h = options.zk_randomness
    security = options.check_security(big) if check else options.security_bits(big)
    estimate = estimate_peak_bytes(air, n, options, public_columns.committed_width)
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

    from zkvm.stark.table_prover import TableWork  # (it builds on this module's helpers)

    clock = time.perf_counter
    rng = ZkRandomness(zk_seed) if zk_h else None
    work = TableWork(0, air, trace, publics, options, rng, report, public_columns=public_columns)
    del trace  # the table's own reference is dropped once its aux columns are built

    # 1. statement (and the committed public columns)
    transcript = Transcript(b"zkvm stark")
    bind_statement(transcript, air, options, n, security, publics, public_columns.digest(), statement)
    fixed_root = work.commit_public_columns()
    if fixed_root is not None:
        say("committing to the program columns")
        transcript.absorb_digest(b"fixed root", fixed_root)

    # 2. main trace: the LDE is streamed block by block into the Merkle tree
    say("extending and committing to the main trace")
    transcript.absorb_digest(b"main root", work.commit_main())

    # 3. auxiliary trace
    challenges = [c.to_pair() for c in transcript.challenge_exts(b"aux challenges", air.num_challenges)]
    t = clock()
    trace_ref = work.trace
    aux = work.build_aux(challenges, 0)
    report.add("aux trace", clock() - t)
    if debug_check:
        debug.assert_satisfied(air, trace_ref, aux, work.challenges, publics, describe_row=describe_row,
                               pubcols=work.pub_dense)
    del trace_ref
    aux_root = work.commit_aux(aux)
    del aux
    if aux_root is not None:
        transcript.absorb_digest(b"aux root", aux_root)

    # 4. composition polynomial
    say("evaluating constraints")
    alpha = transcript.challenge_ext(b"composition alpha")
    t = clock()
    try:
        transcript.absorb_digest(b"composition root", work.commit_composition(alpha, check))
    except ProverError:
        raise ProverError(_INVALID_TRACE) from None
    report.add("constraint evaluation", clock() - t)

    # 5. out-of-domain point
    t = clock()
    z = draw_ood_point(transcript)
    ood = work.ood_values(z)
    d = composition_pieces(air, options.zk)
    if check:
        # the verifier's own out-of-domain check, run here: an invalid trace is reported now
        # instead of producing a proof that cannot verify
        try:
            check_ood(air, n, work.generator, z, alpha, ood["main"], ood["main next"], ood["aux"], ood["aux next"],
                      ood["composition"][:d], [Ext2(*c) for c in challenges], publics, ood["public"])
        except OodMismatch:
            raise ProverError(_INVALID_TRACE) from None
    for label in ("main", "main next", "aux", "aux next", "composition", "fixed"):
        transcript.absorb_ext(b"ood " + label.encode(), ood[label])
    report.add("out-of-domain", clock() - t)

    # 6. DEEP composition and FRI
    say("DEEP composition and FRI")
    t = clock()
    count = air.width + air.aux_width + work.comp_coeffs.shape[1] // 2 + work.fixed_coeffs.shape[1]
    codeword = work.deep_codeword(z, _powers(transcript.challenge_ext(b"deep gamma"), count))
    if zk_h:
        transcript.absorb_ext(b"deep high", [Ext2(*v) for v in work.deep_high])
    report.add("deep", clock() - t)
    t = clock()
    fri_result = fri_prover.prove(codeword, n, options, transcript, SHIFT, check_degree=check)
    del codeword
    report.add("fri", clock() - t)

    # 7. query openings
    t = clock()
    fields = work.proof_fields(sorted(set(fri_result.positions)))
    report.add("queries", clock() - t)
    return StarkProof(options=options, security_bits=security, air_digest=air.digest(), fri=fri_result.proof, **fields)


def commit_public_columns(public_columns: PublicColumns, n: int, blowup: int,
                          report: ProverReport | None = None) -> tuple[MerkleTree, np.ndarray]:
    """Commit to the committed public columns for a trace of n rows: the Merkle tree of their
    LDE (no salts, no randomizer: they are public) and their coefficients. The root is a
    function of the columns, n and the blowup alone, so a verifying key can hold it."""
    report = report if report is not None else ProverReport()
    t = time.perf_counter()
    coeffs = ntt.interpolate_columns(public_columns.committed_dense(n), overwrite=True)
    report.add("lde", time.perf_counter() - t)
    tree, _ = _commit_streaming(coeffs, blowup, 0, report)
    return tree, coeffs


def _mask_composition(comp: np.ndarray, d: int, h: int, rng: ZkRandomness) -> tuple[np.ndarray, np.ndarray]:
    """Hide the composition pieces and append the batch randomizer (docs/zk.md).

    The pieces C_0 .. C_{d-1} (C = sum X^(i n) C_i) become P_0 = C_0 - X^n r_1,
    P_i = C_i + r_i - X^n r_{i+1}, P_{d-1} = C_{d-1} + r_{d-1} with random r_i of h
    coefficients: the sum of X^(i n) P_i telescopes back to C, so the verifier's check at z is
    unchanged, while each piece's revealed values are masked. The batch randomizer B (random,
    n + h coefficients) is committed with them and enters the DEEP combination, which makes
    every FRI codeword independent of the witness. Returns the low parts (n, 2(d+1)) and the
    high parts (h, 2(d+1))."""
    n = comp.shape[0]
    lo = np.empty((n, 2 * (d + 1)), dtype=np.uint64)
    lo[:, : 2 * d] = comp
    lo[:, 2 * d :] = rng.field(b"batch randomizer", (n, 2))
    hi = np.zeros((h, 2 * (d + 1)), dtype=np.uint64)
    hi[:, 2 * d :] = rng.field(b"batch randomizer high", (h, 2))
    for i in range(1, d):
        r = rng.field(b"composition mask %d" % i, (h, 2))
        lo[:h, 2 * i : 2 * i + 2] = fa.add(lo[:h, 2 * i : 2 * i + 2], r)
        hi[:, 2 * (i - 1) : 2 * i] = fa.neg(r)
    return lo, hi


def _powers(x: Ext2, count: int) -> list[Ext2]:
    out = []
    acc = Ext2(1)
    for _ in range(count):
        out.append(acc)
        acc = acc * x
    return out


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
