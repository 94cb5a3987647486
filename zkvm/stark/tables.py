"""Several tables proven together: a :class:`TableSystem` and the LogUp buses between them.

A table is an :class:`~zkvm.stark.air.Air` over its own trace, of its own power-of-two
height. Tables talk over **buses**: a table *sends* a tuple on a bus with some multiplicity
and another *receives* it; each table adds its interactions to a LogUp running sum, and the
proof shows that every table's sum and the sum of all tables' sums is zero-balanced:

- the system draws ``shared_challenges`` random extension elements once, after every
  table's main trace is committed (challenge 0 is the LogUp point, challenge 1 the
  fingerprint's multiplier: a tuple (v_0, .., v_k) on bus b is b + c1 v_0 + c1^2 v_1 + ...);
- a table with interactions declares one **bus sum**: its AIR's challenges are the shared
  ones followed by a *share* u (challenge index ``shared_challenges``). Its running sum obeys
  s' = s + (row's fractions) - u cyclically, so around the whole trace sum(fractions) = n u:
  the table's claimed sum S = n u is sent in the proof (bound before the composition
  challenge) and the verifier checks that the claimed sums of all tables add up to zero.

The generic STARK knows tables and buses, never what they mean (:mod:`zkvm.stark.multi_prover`,
:mod:`zkvm.stark.multi_verifier`). Verifier-safe: pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import blake3

from zkvm.errors import ParameterError
from zkvm.stark.air import Air, AirBuilder
from zkvm.stark.expr import Expr
from zkvm.stark.logup import LogUpSum

BUS_CHALLENGES = 2
"""Challenges the buses use: the LogUp point and the fingerprint multiplier."""

MASK_COLUMNS = ("bus_mask_m", "bus_mask_v")
"""The two main columns a masked table ends with: a multiplicity and a value, sent on the mask
bus (zero but on one row, where a zero-knowledge prover puts 1 and a random value)."""


@dataclass
class TableSystem:
    """The tables of one proof, in order, and how many challenges they share.

    If any table is masked (its bus interactions were declared with ``masked=True``), the
    system ends with one more table, the mask table, that receives every table's mask: with
    zero knowledge each masked table sends a random value on the mask bus, so that its claimed
    bus sum is uniformly random instead of a function of its private tuples (docs/tables.md).
    Provers and verifiers take the lists of traces, public inputs and columns of the caller's
    tables (``user_tables``); the mask table's trace is the prover's own.

    ``shared``: (table name, column names) pairs, each a *shared column group*: those main
    columns of that table are committed again in a tree of their own with randomness from a
    seed the caller gives, so that two proofs given the same columns and seed commit to the same
    polynomials under the same root (a segmented run hands its memory from one segment's proof
    to the next this way: docs/air.md, "Segments"). A table may have several groups (disjoint);
    no constraint may read a shared column on the next row: each proof then reveals at most
    q + 4 evaluations of it, and two proofs together at most the 2q + 8 that its
    zero-knowledge randomizer hides (docs/zk.md)."""

    name: str
    tables: tuple[Air, ...]
    shared_challenges: int = BUS_CHALLENGES
    shared: tuple[tuple[str, tuple[str, ...]], ...] = ()
    _digest: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.tables:
            raise ParameterError("tables", "a table system needs at least one table")
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise ParameterError("tables", f"table names must be distinct, got {names}")
        for t in self.tables:
            if t.num_challenges < self.shared_challenges and t.aux_width:
                raise ParameterError(t.name, f"a table with auxiliary columns uses the {self.shared_challenges} shared challenges")
        if self.tables[-1].name == MASK_TABLE:  # (a system rebuilt from another's tables)
            self.tables = self.tables[:-1]
        self.user_tables = len(self.tables)
        self.masked = tuple(i for i, t in enumerate(self.tables) if mask_pairs(t))
        if self.masked:
            self.tables = self.tables + (mask_table_air(),)
        self.shared = tuple((str(name), tuple(str(c) for c in cols)) for name, cols in self.shared)
        self._shared_groups: dict[int, list[list[int]]] = {}
        for name, cols in self.shared:
            i = self.index(name)
            air = self.tables[i]
            if i >= self.user_tables or not cols or any(c not in air.main_columns for c in cols):
                raise ParameterError("shared", f"table {name!r}: shared columns must be main columns of the table, got {cols}")
            idx = [air.main_columns.index(c) for c in cols]
            taken = {j for group in self._shared_groups.get(i, []) for j in group}
            if len(set(idx)) != len(idx) or taken & set(idx):
                raise ParameterError("shared", f"table {name!r}: shared column groups must be disjoint")
            for c in air.constraints:
                if _reads_next(c.expr, set(idx)):
                    raise ParameterError("shared", f"table {name!r}: constraint {c.name!r} reads a shared column on "
                                         "the next row")
            self._shared_groups.setdefault(i, []).append(idx)

    def shared_groups(self, i: int) -> list[list[int]]:
        """Table i's shared column groups (main column indices), in declaration order."""
        return self._shared_groups.get(i, [])

    @property
    def mask_index(self) -> int | None:
        """The mask table's index (the last), if the system has one."""
        return len(self.tables) - 1 if self.masked else None

    def bus_sums(self, i: int) -> int:
        """How many claimed sums table i sends (its challenges beyond the shared ones)."""
        return max(0, self.tables[i].num_challenges - self.shared_challenges)

    def index(self, name: str) -> int:
        for i, t in enumerate(self.tables):
            if t.name == name:
                return i
        raise ParameterError("table", f"no table named {name!r} in {self.name!r}")

    def describe(self) -> str:
        lines = [f"table system {self.name}", f"shared challenges {self.shared_challenges}"]
        for t in self.tables:
            lines.append(f"table {t.name} {t.digest().hex()}")
        for name, cols in self.shared:
            lines.append(f"shared {name} {' '.join(cols)}")
        return "\n".join(lines)

    def digest(self) -> bytes:
        """blake3 over every table's AIR digest, in order: any change to a table changes it."""
        if self._digest is None:
            self._digest = blake3.blake3(b"zkvm table system v1\n" + self.describe().encode()).digest()
        return self._digest


@dataclass(frozen=True)
class Bus:
    """A named channel carrying tuples of ``width`` base-field values; ``bus_id`` separates
    buses that would otherwise carry equal tuples."""

    name: str
    bus_id: int
    width: int

    def fingerprint(self, b: AirBuilder, values: Sequence[Expr | int]) -> Expr:
        """The LogUp denominator of a tuple on this bus: c0 - (id + c1 v_0 + c1^2 v_1 + ...)."""
        if len(values) != self.width:
            raise ParameterError(self.name, f"the bus carries {self.width} values, got {len(values)}")
        c0, c1 = b.challenge(0), b.challenge(1)
        acc: Expr | int = 0
        for v in reversed(values):
            acc = (acc + Expr.lift(v)) * c1
        return c0 - (acc + self.bus_id)


class BusInteractions:
    """One table's interactions with the buses: collects sends and receives, then
    :meth:`finish` adds the LogUp columns, the share challenge and the running-sum constraint.

    ``masked=True`` appends the two mask columns (:data:`MASK_COLUMNS`) to the table's main
    columns and sends their value on the mask bus: a table whose tuples are private must be
    masked for its claimed sum to reveal nothing (its trace leaves the columns zero; the prover
    fills them)."""

    def __init__(self, builder: AirBuilder, name: str = "bus", masked: bool = False) -> None:
        if builder.num_challenges < BUS_CHALLENGES:
            raise ParameterError("num_challenges", f"a table on a bus declares the {BUS_CHALLENGES} shared challenges")
        self.builder = builder
        self.logup = LogUpSum(builder, name)
        self.masked = masked

    def send(self, bus: Bus, values: Sequence[Expr | int], multiplicity: Expr | int = 1) -> None:
        self.logup.add(multiplicity, bus.fingerprint(self.builder, values))

    def receive(self, bus: Bus, values: Sequence[Expr | int], multiplicity: Expr | int = 1) -> None:
        self.logup.add(-Expr.lift(multiplicity), bus.fingerprint(self.builder, values))

    def finish(self) -> LogUpSum:
        if self.masked:
            for c in MASK_COLUMNS:
                self.builder.add_main(c)
            self.send(MASK_BUS, [self.builder.main(MASK_COLUMNS[1])], self.builder.main(MASK_COLUMNS[0]))
        share = self.builder.add_challenge()
        self.logup.finish(share=share)
        return self.logup


MASK_TABLE = "bus masks"


def _reads_next(e: Expr, columns: set[int]) -> bool:
    """Does the expression read one of these main columns on the next row?"""
    from zkvm.stark.expr import MAIN

    stack = [e]
    while stack:
        node = stack.pop()
        if node.kind == MAIN and node.offset and node.value in columns:
            return True
        stack.extend(node.args)
    return False


def mask_pairs(air: Air) -> list[tuple[int, int]]:
    """The (multiplicity, value) column pairs of a table's masks: one for a masked table, one
    per masked part of a combined table (zkvm/stark/combine.py)."""
    cols = air.main_columns
    out = []
    for i, c in enumerate(cols):
        if (c == MASK_COLUMNS[0] or c.endswith("." + MASK_COLUMNS[0])) and i + 1 < len(cols) \
                and cols[i + 1] == c[: -len(MASK_COLUMNS[0])] + MASK_COLUMNS[1]:
            out.append((i, i + 1))
    return out

MASK_BUS = Bus("mask", 0, 1)
"""The mask bus (id 0): masks carry no meaning; their fingerprints' own id keeps them apart from
every other bus, so they cannot balance another bus's tuples."""


def mask_table_air() -> Air:
    """The mask table: receives (value) with multiplicity m on the mask bus, one row per mask."""
    b = AirBuilder(MASK_TABLE, ["m", "v"], num_challenges=BUS_CHALLENGES)
    bus = BusInteractions(b, "masks")
    bus.receive(MASK_BUS, [b.main("v")], b.main("m"))
    return b.build(bus.finish().build_matrix)


__all__ = ["Bus", "BusInteractions", "TableSystem", "BUS_CHALLENGES", "MASK_BUS", "MASK_COLUMNS"]
