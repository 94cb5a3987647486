"""The STARK proof object and its canonical, versioned binary encoding.

Layout (all integers little-endian; field elements 8 bytes, canonical):

====================  ==========================================================
magic                 8 bytes ``ZKVMSTRK``
format version        u16
parameters            log2 blowup, queries, grinding bits, folding factor (u8 each),
                      final degree (u16), log2 trace length, security bits, zk flag
                      (u8 each)
AIR digest            32 bytes
public inputs         count (u32) + values
trace commitments     main root; aux flag (u8) + aux root
composition           root
program columns       flag (u8) + root of the committed public columns (no salts: they are
                      public; see :mod:`zkvm.stark.public_columns`)
out-of-domain values  widths W, A, D, K (u32) then main(z), main(zg), aux(z), aux(zg),
                      composition(z), committed public columns(z) as extension elements
                      (with zk the last composition column is the batch randomizer)
DEEP high part        count (u32) + extension elements: the coefficients of X^n, X^(n+1),
                      ... of the DEEP polynomial (zk only; FRI proves the rest has degree < n)
FRI                   see :class:`zkvm.fri.proof.FriProof`
query openings        for main, aux, composition, committed public columns: row count,
                      rows (with zk each trace row ends with 2 salt elements), node count,
                      nodes
====================  ==========================================================

Every count is bounded before anything is allocated; trailing bytes are rejected. Decoding
needs no AIR (so ``zkvm inspect`` can show any proof); the verifier then checks every width
against the AIR it expects. Verifier-safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.codec import Reader, Writer
from zkvm.errors import ProofFormatError
from zkvm.fri.options import FriOptions
from zkvm.fri.proof import FriProof
from zkvm.errors import ParameterError

MAGIC = b"ZKVMSTRK"
FORMAT_VERSION = 3
SALT_WIDTH = 2  # random elements appended to each committed row with zk (leaf salts)
MAX_COLUMNS = 4096
MAX_PUBLIC_INPUTS = 1 << 22
MAX_LOG_TRACE = 28

Ext = tuple[int, int]


@dataclass(frozen=True)
class Opening:
    """Rows of one committed matrix at the distinct queried positions (ascending) and the
    batch Merkle opening proving them."""

    rows: tuple[tuple[int, ...], ...]
    nodes: tuple[bytes, ...]


@dataclass(frozen=True)
class StarkProof:
    options: FriOptions
    trace_length: int
    security_bits: int
    air_digest: bytes
    public_inputs: tuple[int, ...]
    main_root: bytes
    aux_root: bytes | None
    composition_root: bytes
    ood_main: tuple[Ext, ...]
    ood_main_next: tuple[Ext, ...]
    ood_aux: tuple[Ext, ...]
    ood_aux_next: tuple[Ext, ...]
    ood_composition: tuple[Ext, ...]
    fri: FriProof
    main_opening: Opening
    aux_opening: Opening | None
    composition_opening: Opening
    deep_high: tuple[Ext, ...] = ()
    fixed_root: bytes | None = None  # the committed public columns' root, if any
    ood_fixed: tuple[Ext, ...] = ()
    fixed_opening: Opening | None = None

    @property
    def lde_size(self) -> int:
        return self.trace_length * self.options.blowup

    # --- encoding ----------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return b"".join(part for _, part in self.sections())

    def sections(self) -> list[tuple[str, bytes]]:
        """The encoding split into named sections (for ``zkvm inspect`` and tamper tests)."""
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
            w.u8(self.trace_length.bit_length() - 1)
            w.u8(self.security_bits)
            w.u8(1 if o.zk else 0)
            w.digest(self.air_digest)

        def publics(w: Writer) -> None:
            w.count(len(self.public_inputs))
            w.fields(self.public_inputs)

        def commitments(w: Writer) -> None:
            w.digest(self.main_root)
            w.u8(0 if self.aux_root is None else 1)
            if self.aux_root is not None:
                w.digest(self.aux_root)
            w.digest(self.composition_root)
            w.u8(0 if self.fixed_root is None else 1)
            if self.fixed_root is not None:
                w.digest(self.fixed_root)

        def ood(w: Writer) -> None:
            w.count(len(self.ood_main))
            w.count(len(self.ood_aux))
            w.count(len(self.ood_composition))
            w.count(len(self.ood_fixed))
            for group in (self.ood_main, self.ood_main_next, self.ood_aux, self.ood_aux_next, self.ood_composition,
                          self.ood_fixed):
                for c0, c1 in group:
                    w.fields((c0, c1))

        def queries(w: Writer) -> None:
            for op in (self.main_opening, self.aux_opening, self.composition_opening, self.fixed_opening):
                if op is not None:
                    write_opening(w, op)

        section("header", header)
        section("public inputs", publics)
        section("commitments", commitments)
        section("out-of-domain values", ood)
        def deep_high(w: Writer) -> None:
            w.count(len(self.deep_high))
            for c0, c1 in self.deep_high:
                w.fields((c0, c1))

        section("DEEP high part", deep_high)
        section("fri", self.fri.encode)
        section("query openings", queries)
        return out

    @classmethod
    def from_bytes(cls, data: bytes) -> "StarkProof":
        """Decode with every length bounded; raises ProofFormatError on anything malformed."""
        r = Reader(data)
        r.header(MAGIC, FORMAT_VERSION, "STARK proof")
        parameters = read_parameters(r)
        log_blowup, num_queries = parameters[0], parameters[1]
        log_n = r.u8("log trace length")
        security = r.u8("security bits")
        options = options_from(parameters, r.u8("zk flag"))
        if log_n > MAX_LOG_TRACE or log_n + log_blowup > 32:
            raise ProofFormatError("trace length or blowup out of range")
        air_digest = r.digest("AIR digest")
        n_pub = r.count("public input count", MAX_PUBLIC_INPUTS)
        publics = r.fields(n_pub, "public inputs")
        main_root = r.digest("main trace root")
        has_aux = r.flag("aux flag")
        aux_root = r.digest("aux trace root") if has_aux else None
        comp_root = r.digest("composition root")
        has_fixed = r.flag("program columns flag")
        fixed_root = r.digest("program columns root") if has_fixed else None
        w = r.count("main width", MAX_COLUMNS, 1)
        a = r.count("aux width", MAX_COLUMNS if has_aux else 0, 1 if has_aux else 0)
        d = r.count("composition width", MAX_COLUMNS, 1)
        k = r.count("program columns width", MAX_COLUMNS if has_fixed else 0, 1 if has_fixed else 0)

        def exts(count: int, what: str) -> tuple[Ext, ...]:
            flat = r.fields(2 * count, what)
            return tuple((flat[2 * i], flat[2 * i + 1]) for i in range(count))

        ood_main = exts(w, "main values at z")
        ood_main_next = exts(w, "main values at z*g")
        ood_aux = exts(a, "aux values at z")
        ood_aux_next = exts(a, "aux values at z*g")
        ood_comp = exts(d, "composition values at z")
        ood_fixed = exts(k, "program column values at z")
        n = 1 << log_n
        lde = n << log_blowup
        n_high = r.count("DEEP high part", options.zk_randomness)
        deep_high = exts(n_high, "DEEP high part")
        fri = FriProof.decode(r, options, lde, n)
        depth = lde.bit_length() - 1

        def opening(width: int, what: str) -> Opening:
            return read_opening(r, width, min(num_queries, lde), depth, what)

        salt = SALT_WIDTH if options.zk else 0
        main_open = opening(w + salt, "main")
        aux_open = opening(2 * a + salt, "aux") if has_aux else None
        comp_open = opening(2 * d + salt, "composition")
        fixed_open = opening(k, "program columns") if has_fixed else None
        r.finish()
        return cls(
            options=options,
            trace_length=n,
            security_bits=security,
            air_digest=air_digest,
            public_inputs=tuple(publics),
            main_root=main_root,
            aux_root=aux_root,
            composition_root=comp_root,
            ood_main=ood_main,
            ood_main_next=ood_main_next,
            ood_aux=ood_aux,
            ood_aux_next=ood_aux_next,
            ood_composition=ood_comp,
            fri=fri,
            main_opening=main_open,
            aux_opening=aux_open,
            composition_opening=comp_open,
            deep_high=deep_high,
            fixed_root=fixed_root,
            ood_fixed=ood_fixed,
            fixed_opening=fixed_open,
        )


def write_parameters(w: Writer, o: FriOptions) -> None:
    """The FRI parameters every proof header starts with: log2 blowup, queries, grinding bits,
    folding factor (u8 each) and the final degree (u16)."""
    for v in (o.log_blowup, o.num_queries, o.grinding_bits, o.folding_factor):
        w.u8(v)
    w.raw(o.final_degree.to_bytes(2, "little"))


def read_parameters(r: Reader) -> tuple[int, int, int, int, int]:
    """What :func:`write_parameters` wrote: (log2 blowup, queries, grinding, folding, final degree)."""
    log_blowup = r.u8("log blowup")
    num_queries = r.u8("num queries")
    grinding = r.u8("grinding bits")
    folding = r.u8("folding factor")
    return log_blowup, num_queries, grinding, folding, int.from_bytes(r.raw(2, "final degree"), "little")


def options_from(parameters: tuple[int, int, int, int, int], zk: int) -> FriOptions:
    """The options a header's parameters and zk flag give (ProofFormatError if invalid)."""
    log_blowup, num_queries, grinding, folding, final_degree = parameters
    if zk not in (0, 1):
        raise ProofFormatError("zk flag must be 0 or 1")
    if log_blowup > 8:
        raise ProofFormatError("blowup out of range")
    try:
        return FriOptions(blowup=1 << log_blowup, num_queries=num_queries, grinding_bits=grinding,
                          folding_factor=folding, final_degree=final_degree, min_security_bits=0, zk=bool(zk))
    except ParameterError as e:
        raise ProofFormatError(f"invalid parameters: {e}") from None


def write_opening(w: Writer, op: Opening) -> None:
    w.count(len(op.rows))
    for row in op.rows:
        w.fields(row)
    w.count(len(op.nodes))
    for node in op.nodes:
        w.digest(node)


def read_opening(r: Reader, width: int, max_rows: int, depth: int, what: str) -> Opening:
    """An opening of rows of ``width`` values, at most ``max_rows`` of them, in a tree of this depth."""
    count = r.count(f"{what} opened rows", max_rows, 1)
    rows = r.field_rows(count, width, f"{what} rows")
    n_nodes = r.count(f"{what} merkle nodes", count * depth)
    return Opening(rows, r.digests(n_nodes, f"{what} merkle nodes"))
