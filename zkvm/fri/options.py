"""FRI parameters and the conjectured security they give.

Security estimate (our reading of the ethSTARK conjecture, eprint 2021/582, section 5.10.1,
as Winterfell applies it): each FRI query against a code of rate 1/blowup catches a far-from-
low-degree word except with probability about 1/blowup, so q queries give q * log2(blowup)
bits; g bits of proof-of-work grinding add g bits (counted only when the queries alone reach
80 bits, so grinding cannot paper over too few queries). The extension field caps everything:
Schwartz-Zippel-type events (a bad out-of-domain point, a bad folding challenge) occur with
probability about |D| / |F|, giving 128 - log2(|D|) bits for the 128-bit extension and an LDE
domain D. The hash (blake3-256) caps collision resistance at 128 bits. The estimate is the
minimum of these, minus one bit.

Options are immutable and validated when built: a bad value raises
:class:`~zkvm.errors.ParameterError` naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from zkvm.errors import InsufficientSecurity, ParameterError

EXTENSION_FIELD_BITS = 128
"""Bits of the degree-2 extension of Goldilocks (challenges and out-of-domain points)."""

HASH_COLLISION_BITS = 128
"""blake3 with 256-bit digests."""

GRINDING_CONTRIBUTION_FLOOR = 80
"""Grinding counts only when the queries alone give at least this many bits."""

DEFAULT_MIN_SECURITY_BITS = 100

LARGE_TRACE_ROWS = 1 << 19
"""From this many trace rows, :meth:`FriOptions.for_trace` picks blowup 4 instead of 8."""

LARGE_TABLES_ROWS = 1 << 20
"""Blowup 4 from this many rows over all tables of a multi-table proof, 8 below: blowup 8 needs
28 queries instead of 42, so the verifier opens a third fewer rows and paths. Measured on the
1.1 M-parameter MLP (344,064 rows in eight tables, same run): prove 2.35 s at blowup 4 and
3.14 s at 8, library verify 48 ms and 35 ms, proof 569 and 429 KiB, peak RSS 0.67 and 0.80 GiB;
the 4.3 M one (1.2 M rows) keeps blowup 4 for its prove time."""


def _power_of_two(value: int) -> bool:
    return value >= 1 and value & (value - 1) == 0


@dataclass(frozen=True)
class FriOptions:
    """Parameters of the FRI low-degree test.

    Attributes:
        blowup: LDE domain size / degree bound; a power of two in [2, 256]. Each query gives
            log2(blowup) bits; larger blowups make the prover slower and the domain larger.
        num_queries: query rounds in [1, 255]; proof size and verify time grow linearly.
        grinding_bits: proof-of-work bits in [0, 32] before the queries are drawn; costs the
            prover about 2^bits hashes and buys the same number of bits.
        folding_factor: 2, 4, 8 or 16: the domain shrinks by this factor per layer; fewer
            layers (smaller proofs) against wider leaves.
        final_degree: the folding stops once the polynomial has at most final_degree + 1
            coefficients, which are sent in the clear; final_degree + 1 is a power of two.
        min_security_bits: the options are refused when they cannot reach this many
            conjectured bits (set lower only for experiments; proofs state their level).
        zk: zero-knowledge (the default): the STARK prover randomizes every polynomial the
            verifier sees evaluations of and salts the Merkle leaves (docs/zk.md); ``False``
            only for benchmarking, and the proof says so.
    """

    blowup: int = 8
    num_queries: int = 28
    grinding_bits: int = 20
    folding_factor: int = 8
    final_degree: int = 31
    min_security_bits: int = field(default=DEFAULT_MIN_SECURITY_BITS, compare=False)
    zk: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.zk, bool):
            raise ParameterError("zk", "must be True or False")
        for name in ("blowup", "num_queries", "grinding_bits", "folding_factor", "final_degree", "min_security_bits"):
            if not isinstance(getattr(self, name), int) or isinstance(getattr(self, name), bool):
                raise ParameterError(name, "must be an integer")
        if not (_power_of_two(self.blowup) and 2 <= self.blowup <= 256):
            raise ParameterError("blowup", f"must be a power of two in [2, 256], got {self.blowup}")
        if not 1 <= self.num_queries <= 255:
            raise ParameterError("num_queries", f"must be in [1, 255], got {self.num_queries}")
        if not 0 <= self.grinding_bits <= 32:
            raise ParameterError("grinding_bits", f"must be in [0, 32], got {self.grinding_bits}")
        if self.folding_factor not in (2, 4, 8, 16):
            raise ParameterError("folding_factor", f"must be 2, 4, 8 or 16, got {self.folding_factor}")
        if not (_power_of_two(self.final_degree + 1) and self.final_degree < 1 << 12):
            raise ParameterError("final_degree", f"final_degree + 1 must be a power of two <= 4096, got {self.final_degree}")
        if not 0 <= self.min_security_bits <= 128:
            raise ParameterError("min_security_bits", "must be in [0, 128]")
        if self.query_security_bits() - 1 < self.min_security_bits:
            raise ParameterError(
                "num_queries",
                f"{self.num_queries} queries at blowup {self.blowup} with {self.grinding_bits} grinding bits give "
                f"{self.query_security_bits() - 1} conjectured bits, below the minimum of {self.min_security_bits}",
            )

    @classmethod
    def for_trace(cls, rows: int, *, blowup: int | None = None, num_queries: int | None = None,
                  grinding_bits: int = 20, zk: bool = True,
                  min_security_bits: int = DEFAULT_MIN_SECURITY_BITS) -> "FriOptions":
        """The default options for a trace of ``rows`` rows: blowup 8 below
        :data:`LARGE_TRACE_ROWS` rows and 4 from there (where the LDE and its Merkle
        commitments, proportional to the blowup, are most of the proving time; the proof is
        about a third larger), with the fewest queries that reach ``min_security_bits`` for
        this trace length. Either choice can be fixed by passing it."""
        if blowup is None:
            blowup = 4 if rows >= LARGE_TRACE_ROWS else 8
        return cls.for_tables([rows], blowup=blowup, num_queries=num_queries, grinding_bits=grinding_bits, zk=zk,
                              min_security_bits=min_security_bits)

    @classmethod
    def for_tables(cls, heights: "list[int]", *, blowup: int | None = None, num_queries: int | None = None,
                   grinding_bits: int = 20, zk: bool = True,
                   min_security_bits: int = DEFAULT_MIN_SECURITY_BITS) -> "FriOptions":
        """:meth:`for_trace` for the tables of a multi-table proof: the blowup by the tables'
        rows together (what the LDE and commitment costs grow with), the fewest queries that
        reach ``min_security_bits`` for every height (with zk the shortest table has the
        lowest rate). Blowup 4 from :data:`LARGE_TABLES_ROWS` rows in all (see there)."""
        if blowup is None:
            blowup = 4 if sum(heights) >= LARGE_TABLES_ROWS else 8
        if num_queries is not None:
            return cls(blowup=blowup, num_queries=num_queries, grinding_bits=grinding_bits, zk=zk,
                       min_security_bits=min_security_bits)
        for q in range(1, 256):
            trial = cls(blowup=blowup, num_queries=q, grinding_bits=grinding_bits, zk=zk, min_security_bits=0)
            if min(trial.security_bits(rows * blowup) for rows in heights) >= min_security_bits:
                return cls(blowup=blowup, num_queries=q, grinding_bits=grinding_bits, zk=zk,
                           min_security_bits=min_security_bits)
        raise ParameterError("blowup", f"no number of queries reaches {min_security_bits} bits at blowup {blowup} "
                             f"for tables of {sorted(set(heights))} rows")

    @property
    def log_blowup(self) -> int:
        return self.blowup.bit_length() - 1

    @property
    def log_folding(self) -> int:
        return self.folding_factor.bit_length() - 1

    @property
    def zk_randomness(self) -> int:
        """With zk: random coefficients added to each committed polynomial (beyond degree n),
        enough to hide every value of it a proof reveals: the queried rows and their
        neighbours (2 per query), and the out-of-domain points z, z*g in the extension field
        (2 base elements each), with margin (docs/zk.md). 0 without zk."""
        return 2 * self.num_queries + 8 if self.zk else 0

    def query_security_bits(self, trace_length: int | None = None) -> int:
        """Bits from the queries (and grinding). With zk, the committed polynomials have
        ``trace_length + zk_randomness`` coefficients, so each query is worth
        log2(lde / (n + randomness)) bits, slightly below log2(blowup)."""
        per_query = float(self.log_blowup)
        if self.zk and trace_length:
            per_query = math.log2(self.blowup * trace_length / (trace_length + self.zk_randomness))
        bits = int(per_query * self.num_queries)
        if bits >= GRINDING_CONTRIBUTION_FLOOR:
            bits += self.grinding_bits
        return bits

    def security_bits(self, lde_domain_size: int) -> int:
        """Conjectured security of a proof over an LDE domain of this size (see module doc)."""
        field_bits = EXTENSION_FIELD_BITS - (lde_domain_size.bit_length() - 1)
        n = lde_domain_size // self.blowup
        return min(field_bits, self.query_security_bits(n), HASH_COLLISION_BITS + 1) - 1

    def check_security(self, lde_domain_size: int) -> int:
        """Return the security for this domain, refusing it below ``min_security_bits``."""
        bits = self.security_bits(lde_domain_size)
        if bits < self.min_security_bits:
            raise InsufficientSecurity(
                f"an LDE domain of 2^{lde_domain_size.bit_length() - 1} gives {bits} conjectured bits, "
                f"below the minimum of {self.min_security_bits}"
            )
        return bits

    def num_layers(self, degree_bound: int) -> int:
        """Committed (folded) layers for a polynomial with ``degree_bound`` coefficients.

        Layer 0 is the input codeword; each committed layer is folded into the next; the
        result of the last fold is sent as coefficients. Zero layers means the input is
        already small enough to be sent as coefficients.
        """
        return len(self.degree_bounds(degree_bound)) - 1

    def degree_bounds(self, degree_bound: int) -> list[int]:
        """Coefficient counts of layer 0, each folded layer, and the final polynomial last."""
        bounds = [degree_bound]
        while bounds[-1] > self.final_degree + 1 and bounds[-1] >= self.folding_factor:
            bounds.append(bounds[-1] // self.folding_factor)
        return bounds

    def final_coeff_count(self, degree_bound: int) -> int:
        return self.degree_bounds(degree_bound)[-1]
