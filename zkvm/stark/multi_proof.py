"""The multi-table STARK proof and its canonical, versioned binary encoding.

Layout (little-endian; field elements 8 bytes, canonical):

====================  ==========================================================
magic                 8 bytes ``ZKVMTBLS``
format version        u16
parameters            log2 blowup, queries, grinding bits, folding factor (u8 each),
                      final degree (u16), security bits, zk flag (u8 each)
system digest         32 bytes (every table's AIR, in order)
phase roots           main root; aux flag (u8) + aux root; composition root: one mixed-height
                      tree per phase over every table (:mod:`zkvm.crypto.mixed_merkle`)
table count           u32, then per table:
  height              log2 of its trace length (u8)
  public inputs       count (u32) + values
  commitments         aux flag (u8); claimed bus sums (count u32 + extension elements);
                      own-tree flags (u8: 1 committed public columns, 2 shared column groups),
                      then the program columns' root, then the count of shared groups (u32)
                      and each group's root and column count (u32)
  out-of-domain       widths W, A, D, K (u32); main(z), main(zg), aux(z), aux(zg),
                      composition(z), committed public columns(z)
  DEEP high part      count (u32) + extension elements (zk only)
FRI                   one batched proof over every table height (:mod:`zkvm.fri.schedule`)
openings              per table: main, aux (if any), composition, program columns (if any),
                      each shared column group's:
                      row count, rows (with zk each trace row ending with its salt), node
                      count, nodes (none but the program columns': the phase trees' paths
                      follow); then per phase (main, aux if any, composition): node count,
                      nodes of its mixed tree's batch opening
====================  ==========================================================

Every count is bounded before anything is allocated; trailing bytes are rejected. Decoding
needs no AIR; the verifier checks every width against the tables it expects.
Verifier-safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.codec import Reader, Writer
from zkvm.errors import ParameterError, ProofFormatError
from zkvm.fri.options import FriOptions
from zkvm.fri.proof import FriProof
from zkvm.fri.schedule import layer_sizes
from zkvm.stark.proof import (
    MAX_COLUMNS,
    MAX_LOG_TRACE,
    MAX_PUBLIC_INPUTS,
    SALT_WIDTH,
    Opening,
    options_from,
    read_opening,
    read_parameters,
    write_opening,
    write_parameters,
)

MAGIC = b"ZKVMTBLS"
FORMAT_VERSION = 2  # 2: one mixed-height tree per phase instead of a tree per table and phase
MAX_TABLES = 64
MAX_BUS_SUMS = 16

Ext = tuple[int, int]


@dataclass(frozen=True)
class TableProof:
    """One table's part of a multi-table proof."""

    trace_length: int
    public_inputs: tuple[int, ...]
    has_aux: bool
    claimed_sums: tuple[Ext, ...]
    ood_main: tuple[Ext, ...]
    ood_main_next: tuple[Ext, ...]
    ood_aux: tuple[Ext, ...]
    ood_aux_next: tuple[Ext, ...]
    ood_composition: tuple[Ext, ...]
    deep_high: tuple[Ext, ...]
    main_opening: Opening
    aux_opening: Opening | None
    composition_opening: Opening
    fixed_root: bytes | None = None  # the committed public (program) columns' root, if any
    ood_fixed: tuple[Ext, ...] = ()
    fixed_opening: Opening | None = None
    shared_roots: tuple[bytes, ...] = ()  # each shared column group's own root (TableSystem.shared)
    shared_openings: tuple[Opening, ...] = ()


PHASES = ("main", "aux", "composition")


@dataclass(frozen=True)
class MultiProof:
    options: FriOptions
    security_bits: int
    system_digest: bytes
    tables: tuple[TableProof, ...]
    fri: FriProof
    roots: tuple[bytes | None, ...]  # per phase (PHASES): its mixed tree's root (aux: None if no table has one)
    nodes: tuple[tuple[bytes, ...], ...]  # per phase: its tree's batch opening at the query positions

    def lde_sizes(self) -> list[int]:
        """The distinct LDE domain sizes of the tables, descending (the FRI inputs)."""
        return sorted({t.trace_length * self.options.blowup for t in self.tables}, reverse=True)

    # --- encoding ----------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return b"".join(part for _, part in self.sections())

    def sections(self) -> list[tuple[str, bytes]]:
        """The encoding split into named sections (for inspection and tamper tests)."""
        out: list[tuple[str, bytes]] = []

        def section(name: str, fill) -> None:
            w = Writer()
            fill(w)
            out.append((name, w.getvalue()))

        o = self.options

        def header(w: Writer) -> None:
            w.raw(MAGIC)
            w.raw(FORMAT_VERSION.to_bytes(2, "little"))
            write_parameters(w, o)
            w.u8(self.security_bits)
            w.u8(1 if o.zk else 0)
            w.digest(self.system_digest)
            main_root, aux_root, comp_root = self.roots
            w.digest(main_root)
            w.u8(0 if aux_root is None else 1)
            if aux_root is not None:
                w.digest(aux_root)
            w.digest(comp_root)
            w.count(len(self.tables))

        def exts(w: Writer, values) -> None:
            for c0, c1 in values:
                w.fields((c0, c1))

        def table(t: TableProof):
            def fill(w: Writer) -> None:
                w.u8(t.trace_length.bit_length() - 1)
                w.count(len(t.public_inputs))
                w.fields(t.public_inputs)
                w.u8(1 if t.has_aux else 0)
                w.count(len(t.claimed_sums))
                exts(w, t.claimed_sums)
                w.u8((0 if t.fixed_root is None else 1) | (2 if t.shared_roots else 0))
                if t.fixed_root is not None:
                    w.digest(t.fixed_root)
                if t.shared_roots:
                    w.count(len(t.shared_roots))
                    for root, op in zip(t.shared_roots, t.shared_openings):
                        w.digest(root)
                        w.count(len(op.rows[0]) - (SALT_WIDTH if o.zk else 0) if op.rows else 0)
            return fill

        def table_ood(t: TableProof):
            def fill(w: Writer) -> None:
                w.count(len(t.ood_main))
                w.count(len(t.ood_aux))
                w.count(len(t.ood_composition))
                w.count(len(t.ood_fixed))
                for group in (t.ood_main, t.ood_main_next, t.ood_aux, t.ood_aux_next, t.ood_composition, t.ood_fixed):
                    exts(w, group)
            return fill

        def table_high(t: TableProof):
            def fill(w: Writer) -> None:
                w.count(len(t.deep_high))
                exts(w, t.deep_high)
            return fill

        def openings(w: Writer) -> None:
            for t in self.tables:
                for op in (t.main_opening, t.aux_opening, t.composition_opening, t.fixed_opening, *t.shared_openings):
                    if op is not None:
                        write_opening(w, op)
            for root, nodes in zip(self.roots, self.nodes):
                if root is not None:
                    w.count(len(nodes))
                    for node in nodes:
                        w.digest(node)

        section("header", header)
        for i, t in enumerate(self.tables):
            section(f"table {i}", table(t))
            section(f"table {i} out-of-domain values", table_ood(t))
            section(f"table {i} DEEP high part", table_high(t))
        section("fri", self.fri.encode)
        section("query openings", openings)
        return out

    @classmethod
    def from_bytes(cls, data: bytes) -> "MultiProof":  # noqa: C901 (one field after another)
        """Decode with every length bounded; raises ProofFormatError on anything malformed."""
        r = Reader(data)
        r.header(MAGIC, FORMAT_VERSION, "multi-table STARK proof")
        parameters = read_parameters(r)
        log_blowup, num_queries = parameters[0], parameters[1]
        security = r.u8("security bits")
        options = options_from(parameters, r.u8("zk flag"))
        digest = r.digest("system digest")
        main_root = r.digest("main root")
        aux_root = r.digest("aux root") if r.flag("aux root flag") else None
        comp_root = r.digest("composition root")
        count = r.count("table count", MAX_TABLES, 1)

        def exts(k: int, what: str) -> tuple[Ext, ...]:
            flat = r.fields(2 * k, what)
            return tuple(zip(flat[0::2], flat[1::2]))

        heads = []
        for i in range(count):
            log_n = r.u8(f"table {i} log trace length")
            if not 1 <= log_n <= MAX_LOG_TRACE or log_n + log_blowup > 32:
                raise ProofFormatError(f"table {i}: trace length out of range")
            publics = r.fields(r.count(f"table {i} public input count", MAX_PUBLIC_INPUTS), f"table {i} public inputs")
            has_aux = r.flag(f"table {i} aux flag")
            if has_aux and aux_root is None:
                raise ProofFormatError(f"table {i} has auxiliary columns but the proof no aux root")
            sums = exts(r.count(f"table {i} bus sum count", MAX_BUS_SUMS), f"table {i} bus sums")
            own_trees = r.u8(f"table {i} own trees flags")
            if own_trees > 3:
                raise ProofFormatError(f"table {i}: unknown own-tree flags {own_trees}")
            has_fixed, has_shared = own_trees & 1, own_trees & 2
            fixed_root = r.digest(f"table {i} program columns root") if has_fixed else None
            shared = []
            for g in range(r.count(f"table {i} shared column groups", MAX_COLUMNS, 1) if has_shared else 0):
                shared.append((r.digest(f"table {i} shared group {g} root"),
                               r.count(f"table {i} shared group {g} columns", MAX_COLUMNS, 1)))
            w = r.count(f"table {i} main width", MAX_COLUMNS, 1)
            a = r.count(f"table {i} aux width", MAX_COLUMNS if has_aux else 0, 1 if has_aux else 0)
            d = r.count(f"table {i} composition width", MAX_COLUMNS, 1)
            f = r.count(f"table {i} program columns width", MAX_COLUMNS if has_fixed else 0, 1 if has_fixed else 0)
            values = exts(2 * w + 2 * a + d + f, f"table {i} out-of-domain values")  # the six groups in a row
            ood, start = [], 0
            for width in (w, w, a, a, d, f):
                ood.append(values[start : start + width])
                start += width
            high = exts(r.count(f"table {i} DEEP high part", options.zk_randomness), f"table {i} DEEP high part")
            heads.append((1 << log_n, publics, bool(has_aux), sums, ood, high, (w, a, d, f), fixed_root, shared))
        lde_sizes = sorted({h[0] << log_blowup for h in heads}, reverse=True)
        try:
            sizes = layer_sizes(lde_sizes, options)
        except ParameterError as e:
            raise ProofFormatError(f"table heights: {e}") from None
        fri = FriProof.decode_layers(r, options, sizes)
        salt = SALT_WIDTH if options.zk else 0
        tables = []
        if aux_root is not None and not any(h[2] for h in heads):
            raise ProofFormatError("the proof has an aux root but no table has auxiliary columns")
        for i, (n, publics, has_aux, sums, ood, high, (w, a, d, f), fixed_root, shared) in enumerate(heads):
            lde = n << log_blowup
            depth = lde.bit_length() - 1

            def opening(width: int, what: str, paths: bool = False) -> Opening:
                op = read_opening(r, width, min(num_queries, lde), depth, f"table {i} {what}")
                if op.nodes and not paths:
                    raise ProofFormatError(f"table {i} {what}: nodes where the phase's tree holds the paths")
                return op

            main_open = opening(w + salt, "main")
            aux_open = opening(2 * a + salt, "aux") if has_aux else None
            comp_open = opening(2 * d + salt, "composition")
            fixed_open = opening(f, "program columns", paths=True) if fixed_root is not None else None
            shared_open = tuple(opening(k + salt, f"shared group {g}", paths=True) for g, (_, k) in enumerate(shared))
            tables.append(TableProof(n, tuple(publics), has_aux, sums, *ood[:5], high,
                                     main_open, aux_open, comp_open, fixed_root, ood[5], fixed_open,
                                     tuple(root for root, _ in shared), shared_open))
        depth = max(lde_sizes).bit_length() - 1
        nodes = []
        for phase, root in zip(PHASES, (main_root, aux_root, comp_root)):
            if root is None:
                nodes.append(())
                continue
            k = r.count(f"{phase} tree nodes", min(num_queries, max(lde_sizes)) * (depth + len(tables)))
            nodes.append(r.digests(k, f"{phase} tree nodes"))
        r.finish()
        return cls(options, security, digest, tuple(tables), fri, (main_root, aux_root, comp_root), tuple(nodes))
