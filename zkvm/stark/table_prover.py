"""One table's share of a multi-table proof (prover only): its commitments, its composition
polynomial, its out-of-domain values, its DEEP codeword and its openings.

:mod:`zkvm.stark.multi_prover` runs these steps for every table in the transcript's order;
each step is the single-table prover's (:mod:`zkvm.stark.prover`) for one trace, with the
table's own height n, generator g and randomness (labels prefixed by the table's index).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from zkvm.crypto.merkle import MerkleTree
from zkvm.errors import ParameterError
from zkvm.field import arrays as fa
from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.field.ext2 import Ext2
from zkvm.field.poly_kernels import ext_powers
from zkvm.fri.options import FriOptions
from zkvm.stark import codegen, extra_coset
from zkvm.stark import kernels as sk
from zkvm.stark.air import Air
from zkvm.stark.proof import Opening
from zkvm.stark.public_columns import EMPTY as EMPTY_COLUMNS
from zkvm.stark.public_columns import PublicColumns
from zkvm.stark.prover import (
    SHIFT,
    ProverError,
    ProverReport,
    _commit_streaming,
    _group_divisors,
    _keep_constraint_blocks,
    _lde_block,
    _mask_composition,
    _ood_values,
    _open,
    _open_rows,
    _powers,
    _scratch_view,
    commit_public_columns,
)
from zkvm.stark.verifier import composition_pieces
from zkvm.stark.zk import ZkRandomness

INVALID_TABLE = (
    "the trace of table {name!r} does not satisfy its AIR; run with debug_check=True "
    "(or ZKVM_DEBUG=1) to see which constraint fails and where"
)

SHARED_NARROW_COLUMNS = 4
SHARED_DROPPED_LEVELS = 2
"""A shared column group of at most SHARED_NARROW_COLUMNS columns (a segment's memory image:
one column) keeps no parents in the two levels above its tree's leaves: 3/8 of a tree that
stays alive for the whole proof (384 MiB for a 2^21-row segment at blowup 8), rehashed for an
opening from the rows of 8 leaves around each query (recomputed from one polynomial: cheap)."""


@dataclass
class TableWork:
    """A table's prover state between the protocol's steps (arrays are dropped when done)."""

    index: int
    air: Air
    trace: np.ndarray | None
    publics: list[int]
    options: FriOptions
    rng: ZkRandomness | None
    report: ProverReport
    n: int = 0
    keep_lde: bool = True
    d_eval: int = 1
    main_coeffs: np.ndarray | None = None
    main_hi: np.ndarray | None = None
    main_tree: MerkleTree | None = None
    main_lde: np.ndarray | None = None
    aux_coeffs: np.ndarray | None = None
    aux_hi: np.ndarray | None = None
    aux_tree: MerkleTree | None = None
    aux_lde: np.ndarray | None = None
    comp_coeffs: np.ndarray | None = None
    comp_hi: np.ndarray | None = None
    comp_tree: MerkleTree | None = None
    challenges: list[tuple[int, int]] = field(default_factory=list)
    claimed_sums: list[tuple[int, int]] = field(default_factory=list)
    ood: dict[str, list[Ext2]] = field(default_factory=dict)
    deep_high: tuple = ()
    scratch: np.ndarray | None = None
    public_columns: PublicColumns = EMPTY_COLUMNS
    pub_dense: np.ndarray | None = None
    pub_coeffs: np.ndarray | None = None
    fixed_tree: MerkleTree | None = None
    fixed_coeffs: np.ndarray | None = None
    # a multi-table proof commits each phase of all tables in one tree (zkvm/crypto/mixed_merkle.py):
    # then each commit_* keeps its leaf digests here (phase -> digests) for the caller, not a tree
    shared_trees: bool = False
    digests: dict = field(default_factory=dict)
    # shared column groups (TableSystem.shared): each group's main columns are committed again
    # in a tree of their own with randomness from the group's own generator (the same in every
    # proof that shares them), so that their root is the same in those proofs
    shared_groups: list = field(default_factory=list)  # [(column indices, ZkRandomness | None)]
    shared_commits: list = field(default_factory=list)  # [(tree, coefficients, high part)]

    def __post_init__(self) -> None:
        self.n = self.trace.shape[0]
        self.d_eval = extra_coset.kept_blocks(self.air)
        if self.d_eval > self.options.blowup:
            raise ParameterError("blowup", f"must be at least {self.d_eval} for table {self.air.name!r}")
        self.keep_lde = _keep_constraint_blocks(self.air, self.n, self.d_eval)

    @property
    def generator(self) -> int:
        return gl.root_of_unity(self.n.bit_length() - 1)

    @property
    def lde_size(self) -> int:
        return self.n * self.options.blowup

    # --- randomness (zk): every label carries the table's index ------------------------------
    def _label(self, what: bytes) -> bytes:
        return b"table %d " % self.index + what

    def _randomizer(self, what: bytes, cols: int) -> np.ndarray | None:
        h = self.options.zk_randomness
        return self.rng.field(self._label(what), (h, cols)) if self.rng is not None and h else None

    def _salts(self, what: bytes) -> Callable[[int, int], np.ndarray] | None:
        if self.rng is None:
            return None
        label = self._label(what)
        return lambda r, rows: self.rng.salts(label, r, rows)

    def _salts_at(self, what: bytes) -> Callable[[list[int]], np.ndarray] | None:
        if self.rng is None:
            return None
        label = self._label(what)
        return lambda ps: self.rng.salts_at(label, ps)

    def _interpolate(self, values: np.ndarray, what: bytes, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Coefficients of the committed polynomials T + (X^n - 1) R (R random, zk), kept as a
        low part (n rows) and the high part R (for shared main columns, R from the shared seed)."""
        coeffs = ntt.interpolate_columns(values, overwrite=overwrite)
        hi = self._randomizer(what, values.shape[1])
        if hi is not None and what == b"main":
            for g, (cols, _) in enumerate(self.shared_groups):
                hi[:, cols] = self._shared_randomness(g).field(b"shared main", (hi.shape[0], len(cols)))
        if hi is not None:
            h = hi.shape[0]
            coeffs[:h] = fa.sub(coeffs[:h], hi)
        return coeffs, hi

    # --- 1. public columns ------------------------------------------------------------------
    def commit_public_columns(self) -> bytes | None:
        """The table's public columns over its rows; the committed ones (program columns) get
        their own tree, whose root the caller binds before the main trace."""
        pc = self.public_columns
        self.pub_dense = pc.dense(self.n)
        if not pc.committed_width:
            self.fixed_coeffs = np.zeros((self.n, 0), dtype=np.uint64)
            return None
        self.fixed_tree, self.fixed_coeffs = commit_public_columns(pc, self.n, self.options.blowup, self.report)
        return self.fixed_tree.root

    def _shared_randomness(self, g: int) -> ZkRandomness:
        rng = self.shared_groups[g][1]
        if rng is None:
            raise ParameterError("shared_seeds", f"table {self.air.name!r} has shared columns: a zero-knowledge proof "
                                 "needs the seed their randomness comes from")
        return rng

    def commit_shared(self) -> list[bytes]:
        """Each shared column group's own tree (after commit_main): a function of its columns'
        values, its seed, the height and the blowup only. Returns their roots."""
        h = self.main_hi
        self.shared_commits = []
        for g, (cols, _) in enumerate(self.shared_groups):
            coeffs = np.ascontiguousarray(self.main_coeffs[:, cols])
            high = np.ascontiguousarray(h[:, cols]) if h is not None else None
            salts = None
            if self.rng is not None:
                rng = self._shared_randomness(g)
                salts = lambda r, rows, rng=rng: rng.salts(b"shared main", r, rows)  # noqa: E731
            dropped = SHARED_DROPPED_LEVELS if len(cols) <= SHARED_NARROW_COLUMNS else 0
            tree, _ = _commit_streaming(coeffs, self.options.blowup, 0, self.report, high, salts, dropped_levels=dropped)
            self.shared_commits.append((tree, coeffs, high))
        return [tree.root for tree, _, _ in self.shared_commits]

    def _shared_openings(self, point_of, positions: list[int]) -> tuple[Opening, ...]:
        out = []
        for g, (tree, coeffs, high) in enumerate(self.shared_commits):
            salts = None
            if self.rng is not None:
                rng = self._shared_randomness(g)
                salts = lambda ps, rng=rng: rng.salts_at(b"shared main", ps)  # noqa: E731
            out.append(_open(tree, coeffs, point_of, positions, high, salts))
        return tuple(out)

    # --- 2. main trace -------------------------------------------------------------------------
    def commit_main(self) -> bytes:
        air, n = self.air, self.n
        keep = self.d_eval if self.keep_lde else 0
        if not self.keep_lde:
            d = composition_pieces(air, self.options.zk)
            self.scratch = np.empty(n * max(air.width, 2 * air.aux_width, 2 * (d + 1)), dtype=np.uint64)
        self.main_coeffs, self.main_hi = self._interpolate(self.trace, b"main")
        committed, self.main_lde = _commit_streaming(self.main_coeffs, self.options.blowup, keep, self.report,
                                                     self.main_hi, self._salts(b"main"), self.scratch,
                                                     build_tree=not self.shared_trees)
        return self._committed("main", committed)

    def _committed(self, phase: str, committed) -> bytes | None:
        """Keep a phase's tree (its root returned) or, with shared trees, its leaf digests."""
        if self.shared_trees:
            self.digests[phase] = committed
            return None
        setattr(self, {"main": "main_tree", "aux": "aux_tree", "composition": "comp_tree"}[phase], committed)
        return committed.root

    # --- 3. auxiliary trace --------------------------------------------------------------------
    def build_aux(self, shared: Sequence[tuple[int, int]], own_sums: int) -> np.ndarray | None:
        """The auxiliary matrix, built with the shared bus challenges; a table with bus sums
        learns them here (its challenges are the shared ones followed by each sum / n)."""
        air, n = self.air, self.n
        self.challenges = list(shared)
        if not air.aux_width:
            self.challenges = (self.challenges + [(0, 0)] * own_sums)[: air.num_challenges]
            return None
        placeholder = self.challenges + [(0, 0)] * own_sums
        built = air.build_aux(self.trace, placeholder, self.publics, self.pub_dense)
        if own_sums:
            if not (isinstance(built, tuple) and len(built) == 2 and len(built[1]) == own_sums):
                raise ProverError(f"table {air.name!r}: its aux builder must return (matrix, {own_sums} bus sums)")
            aux, sums = built
            self.claimed_sums = [(int(a) % gl.P, int(b) % gl.P) for a, b in sums]
            inv_n = Ext2(gl.inv(n))
            self.challenges += [(Ext2(*c) * inv_n).to_pair() for c in self.claimed_sums]
        else:
            aux = built
        aux = np.ascontiguousarray(aux, dtype=np.uint64)
        if aux.shape != (n, 2 * air.aux_width):
            raise ProverError(f"table {air.name!r}: aux builder returned shape {aux.shape}, expected {(n, 2 * air.aux_width)}")
        return aux

    def commit_aux(self, aux: np.ndarray | None) -> bytes | None:
        self.trace = None  # no longer needed: returned before the auxiliary commitment
        if aux is None:
            self.aux_coeffs = np.zeros((self.n, 0), dtype=np.uint64)
            self.aux_lde = np.zeros((self.n * self.d_eval if self.keep_lde else 0, 0), dtype=np.uint64)
            h = self.options.zk_randomness
            self.aux_hi = np.zeros((h, 0), dtype=np.uint64) if self.rng is not None and h else None
            return None
        self.aux_coeffs, self.aux_hi = self._interpolate(aux, b"aux", overwrite=True)
        keep = self.d_eval if self.keep_lde else 0
        committed, self.aux_lde = _commit_streaming(self.aux_coeffs, self.options.blowup, keep, self.report,
                                                    self.aux_hi, self._salts(b"aux"), self.scratch,
                                                    build_tree=not self.shared_trees)
        return self._committed("aux", committed)

    # --- 4. composition polynomial -------------------------------------------------------------
    def commit_composition(self, alpha: Ext2, check: bool) -> bytes:
        air, n, options = self.air, self.n, self.options
        program = codegen.compile_air(air)
        zk_h = options.zk_randomness if self.rng is not None else 0
        d = composition_pieces(air, options.zk)
        m = n * self.d_eval
        k_extra = extra_coset.extra_coset_size(air, n, zk_h)
        num_c = len(air.constraints)
        alphas = np.array([a.to_pair() for a in _powers(alpha, num_c)], dtype=np.uint64).reshape(num_c, 2)
        offsets = ntt.coset_offsets(n, options.blowup, SHIFT)
        wbr = sk.bitrev_powers(n)
        g = self.generator
        kinds, points = _group_divisors(program.groups, n, g)
        inv_zn = np.array([gl.inv(pow(int(o), n, gl.P) - 1) for o in offsets[: self.d_eval]], dtype=np.uint64)
        g_last = np.uint64(pow(g, n - 1, gl.P))
        comp_values = np.empty((m, 2), dtype=np.uint64)
        pub_coeffs = ntt.interpolate_columns(self.pub_dense) if self.pub_dense.shape[1] else None
        self.pub_dense = None
        pub_blk = np.empty((n, pub_coeffs.shape[1]), dtype=np.uint64) if pub_coeffs is not None else None
        if not self.keep_lde:
            main_blk = _scratch_view(self.scratch, n, air.width)
            aux_blk = np.empty((n, 2 * air.aux_width), dtype=np.uint64)
        for r in range(self.d_eval):
            rows = slice(r * n, (r + 1) * n)
            if pub_blk is not None:
                ntt.lde_block(pub_coeffs, r, options.blowup, pub_blk, SHIFT)
            if self.keep_lde:
                main_blk, aux_blk = self.main_lde[rows], self.aux_lde[rows]
            else:
                _lde_block(self.main_coeffs, self.main_hi, r, options.blowup, main_blk)
                if air.aux_width:
                    _lde_block(self.aux_coeffs, self.aux_hi, r, options.blowup, aux_blk)
            groups = codegen.evaluate_groups(program, main_blk, aux_blk, n, 1, self.challenges, self.publics, alphas,
                                             pub_blk)
            sk.combine_groups(groups, kinds, points, g_last, inv_zn[r : r + 1], offsets[r : r + 1], wbr, n,
                              comp_values[rows])
        self.main_lde = self.aux_lde = None
        del pub_blk, groups
        if not self.keep_lde:
            del main_blk, aux_blk  # (the blocks' buffers: returned before the composition's arrays)
        q_extra = None
        if k_extra:
            q_extra = extra_coset.quotient_on_extra_coset(
                program, [(self.main_coeffs, self.main_hi), (self.aux_coeffs, self.aux_hi)], pub_coeffs, n, k_extra, g,
                self.challenges, self.publics, alphas, kinds, points)
        self.pub_coeffs = pub_coeffs
        comp_all = ntt.inverse_from_bitrev(comp_values)
        ntt._scale_rows_parallel(comp_all, np.uint64(gl.inv(SHIFT)), np.uint64(1))
        invalid = ProverError(INVALID_TABLE.format(name=air.name))
        if check and comp_all[d * n :].any():
            raise invalid
        if q_extra is not None:
            bound = extra_coset.quotient_coefficients(air, n, zk_h)
            comp_all, b = extra_coset.combine(comp_all, q_extra, max(m + k_extra, d * n))
            if check and (b[bound - m :].any() or comp_all[d * n :].any()):
                raise invalid
        elif comp_all.shape[0] < d * n:
            comp_all = np.vstack([comp_all, np.zeros((d * n - comp_all.shape[0], 2), dtype=np.uint64)])
        comp = np.ascontiguousarray(comp_all[: d * n].reshape(d, n, 2).transpose(1, 0, 2).reshape(n, 2 * d))
        del comp_all, comp_values
        if self.rng is not None and zk_h:
            label_rng = _PrefixedRandomness(self.rng, self._label(b""))
            comp, self.comp_hi = _mask_composition(comp, d, zk_h, label_rng)
        self.comp_coeffs = comp
        committed, _ = _commit_streaming(comp, options.blowup, 0, self.report, self.comp_hi,
                                         self._salts(b"composition"), self.scratch, build_tree=not self.shared_trees)
        self.scratch = None
        return self._committed("composition", committed)

    # --- 5. out-of-domain values ----------------------------------------------------------------
    def ood_values(self, z: Ext2) -> dict[str, list[Ext2]]:
        n = self.n
        zg = z * self.generator
        zpow, zgpow = ext_powers(z.to_pair(), n), ext_powers(zg.to_pair(), n)
        z_n, zg_n = z**n, zg**n
        self.ood = {
            "main": _ood_values(self.main_coeffs, zpow, False, self.main_hi, z_n),
            "main next": _ood_values(self.main_coeffs, zgpow, False, self.main_hi, zg_n),
            "aux": _ood_values(self.aux_coeffs, zpow, True, self.aux_hi, z_n),
            "aux next": _ood_values(self.aux_coeffs, zgpow, True, self.aux_hi, zg_n),
            "composition": _ood_values(self.comp_coeffs, zpow, True, self.comp_hi, z_n),
            "fixed": _ood_values(self.fixed_coeffs, zpow, False),
            "public": _ood_values(self.pub_coeffs, zpow, False) if self.pub_coeffs is not None else [],
        }
        return self.ood

    # --- 6. DEEP codeword ------------------------------------------------------------------------
    def deep_codeword(self, z: Ext2, gammas: list[Ext2]) -> np.ndarray:
        """The table's DEEP quotient on its LDE domain: sum over its columns c of
        gamma_c (c(X) - c(z)) / (X - z), plus, for the trace columns, gamma_c (c(X) - c(zg)) / (X - zg).
        With zk its coefficients from X^n up are kept in ``deep_high`` (sent in the clear)."""
        air, n = self.air, self.n
        zk_h = self.options.zk_randomness if self.rng is not None else 0
        ncomp = self.comp_coeffs.shape[1] // 2
        w, a = air.width, air.aux_width
        gm, ga, gc = _as_array(gammas[:w]), _as_array(gammas[w : w + a]), _as_array(gammas[w + a : w + a + ncomp])
        gf = _as_array(gammas[w + a + ncomp :])
        l_trace = np.empty((n, 2), dtype=np.uint64)
        l_all = np.empty((n, 2), dtype=np.uint64)
        sk.combine_coefficients(self.main_coeffs, self.aux_coeffs, self.comp_coeffs, self.fixed_coeffs, gm, ga, gc, gf,
                                l_trace, l_all)
        if zk_h:
            lt_hi = np.empty((zk_h, 2), dtype=np.uint64)
            la_hi = np.empty((zk_h, 2), dtype=np.uint64)
            sk.combine_coefficients(self.main_hi, self.aux_hi, self.comp_hi, self.fixed_coeffs[:zk_h, :0], gm, ga, gc,
                                    gf[:0], lt_hi, la_hi)
            l_trace, l_all = np.vstack([l_trace, lt_hi]), np.vstack([l_all, la_hi])
        # synthetic division by X - z (and X - zg) drops the remainders L(z) and L_T(zg)
        deep = np.zeros((n + zk_h, 2), dtype=np.uint64)
        zg = z * self.generator
        sk.divide_by_linear(l_all, np.uint64(z.c0), np.uint64(z.c1), deep)
        sk.divide_by_linear(l_trace, np.uint64(zg.c0), np.uint64(zg.c1), deep)
        if zk_h:
            self.deep_high = tuple((int(x), int(y)) for x, y in deep[n:])
            deep = np.ascontiguousarray(deep[:n])
        return ntt.lde_from_coefficients(deep, self.options.blowup, SHIFT)

    # --- 7. openings -----------------------------------------------------------------------------
    def _point_of(self) -> Callable[[int], int]:
        n = self.n
        offsets = ntt.coset_offsets(n, self.options.blowup, SHIFT)
        wbr = sk.bitrev_powers(n)

        def point_of(p: int) -> int:
            return int(offsets[p // n]) * int(wbr[p % n]) % gl.P

        return point_of

    def open(self, positions: list[int]) -> tuple[Opening, Opening | None, Opening, Opening | None]:
        """The table's rows at these positions of its LDE domain (distinct, ascending), with
        the Merkle openings of its own trees."""
        point_of = self._point_of()
        main = _open(self.main_tree, self.main_coeffs, point_of, positions, self.main_hi, self._salts_at(b"main"))
        aux = (_open(self.aux_tree, self.aux_coeffs, point_of, positions, self.aux_hi, self._salts_at(b"aux"))
               if self.aux_tree is not None else None)
        comp = _open(self.comp_tree, self.comp_coeffs, point_of, positions, self.comp_hi, self._salts_at(b"composition"))
        fixed = self._fixed_opening(point_of, positions)
        return main, aux, comp, fixed

    def _fixed_opening(self, point_of, positions: list[int]) -> Opening | None:
        return _open(self.fixed_tree, self.fixed_coeffs, point_of, positions) if self.fixed_tree is not None else None

    def open_rows(self, phase: str, positions: list[int], siblings: Sequence[int] = ()):
        """With shared trees: the rows of one phase ("main", "aux", "composition") at these
        positions, and the leaf bytes of the ``siblings`` positions (see _open_rows)."""
        coeffs, high, label = {"main": (self.main_coeffs, self.main_hi, b"main"),
                               "aux": (self.aux_coeffs, self.aux_hi, b"aux"),
                               "composition": (self.comp_coeffs, self.comp_hi, b"composition")}[phase]
        return _open_rows(coeffs, self._point_of(), positions, high, self._salts_at(label), siblings)

    def proof_fields(self, positions: list[int], rows: dict | None = None) -> dict:
        """What a proof holds of this table (the fields single- and multi-table proofs share),
        with its rows opened at these positions of its LDE domain. With shared trees, ``rows``
        holds the phases' rows (open_rows), whose paths the caller's trees open: the openings
        carry no nodes and there are no roots of the table's own."""
        if rows is None:
            main_open, aux_open, comp_open, fixed_open = self.open(positions)
        else:
            main_open, comp_open = Opening(rows["main"], ()), Opening(rows["composition"], ())
            aux_open = Opening(rows["aux"], ()) if "aux" in rows else None
            fixed_open = self._fixed_opening(self._point_of(), positions)
        o = self.ood

        def pairs(values: list[Ext2]) -> tuple[tuple[int, int], ...]:
            return tuple(v.to_pair() for v in values)

        fields = dict(
            trace_length=self.n,
            public_inputs=tuple(self.publics),
            main_root=self.main_tree.root if self.main_tree is not None else None,
            aux_root=self.aux_tree.root if self.aux_tree is not None else None,
            composition_root=self.comp_tree.root if self.comp_tree is not None else None,
            ood_main=pairs(o["main"]),
            ood_main_next=pairs(o["main next"]),
            ood_aux=pairs(o["aux"]),
            ood_aux_next=pairs(o["aux next"]),
            ood_composition=pairs(o["composition"]),
            deep_high=self.deep_high,
            main_opening=main_open,
            aux_opening=aux_open,
            composition_opening=comp_open,
            fixed_root=self.fixed_tree.root if self.fixed_tree is not None else None,
            ood_fixed=pairs(o["fixed"]),
            fixed_opening=fixed_open,
        )
        if self.shared_groups:
            fields.update(shared_roots=tuple(tree.root for tree, _, _ in self.shared_commits),
                          shared_openings=self._shared_openings(self._point_of(), positions))
        return fields


class _PrefixedRandomness:
    """A view of a ZkRandomness whose labels all start with a prefix (one table's streams)."""

    def __init__(self, rng: ZkRandomness, prefix: bytes) -> None:
        self.rng, self.prefix = rng, prefix

    def field(self, label: bytes, shape: tuple[int, ...]) -> np.ndarray:
        return self.rng.field(self.prefix + label, shape)


def _as_array(values: list[Ext2]) -> np.ndarray:
    return np.array([x.to_pair() for x in values], dtype=np.uint64).reshape(-1, 2)
