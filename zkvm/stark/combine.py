"""Tables of one height proven as one: their columns side by side, their constraints together.

Every table of a multi-table proof costs its own Merkle trees (main, auxiliary, composition),
and the verifier checks a batch opening of each at every query: with ten tables that is most of
its time. Tables of the same height lose nothing by being committed together, so
:func:`combined` builds one AIR from several: main, auxiliary and public columns and public
inputs concatenated (each part's names prefixed with its own), every constraint kept (renamed
``"part: constraint"``), references shifted to the part's columns. The shared bus challenges
stay shared; each part's own challenges (its claimed bus sums' shares) get their own indices,
so the combined table sends every part's claimed sum, and the verifier's check that all sums
cancel is unchanged. Nothing in the STARK changes: a combined table is an AIR like any other.

Verifier-safe: pure Python (the aux builder imports numpy only when the prover calls it).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkvm.errors import ParameterError
from zkvm.stark.air import Air
from zkvm.stark.expr import AUX, CHALLENGE, LEAVES, MAIN, PUBCOL, PUBLIC, Constraint, Expr
from zkvm.stark.tables import BUS_CHALLENGES


def combined(name: str, parts: Sequence[Air], shared: int = BUS_CHALLENGES) -> Air:
    """One AIR proving every part (see the module docstring). The parts' traces go side by
    side in order (:func:`combine_traces`), as do their public inputs and public columns."""
    if not parts:
        raise ParameterError("parts", "nothing to combine")
    layout = []
    counts = dict(main=0, aux=0, public=0, pubcol=0, own=shared)
    for p in parts:
        own = p.num_challenges - shared if p.num_challenges > shared else 0
        if p.aux_width and p.num_challenges < shared:
            raise ParameterError(p.name, f"a part with auxiliary columns uses the {shared} shared challenges")
        layout.append((p, dict(counts), own))
        counts["main"] += p.width
        counts["aux"] += p.aux_width
        counts["public"] += len(p.public_inputs)
        counts["pubcol"] += len(p.public_columns)
        counts["own"] += own
    constraints = []
    for p, offsets, _own in layout:
        memo: dict[int, Expr] = {}
        for c in p.constraints:
            expr = _shifted(c.expr, offsets, shared, memo)
            constraints.append(Constraint(f"{p.name}: {c.name}", expr, c.kind, c.row))

    def prefixed(attr: str) -> tuple[str, ...]:
        return tuple(f"{p.name}.{col}" for p in parts for col in getattr(p, attr))

    def build_aux(main, challenges, publics, pubcols=None):
        import numpy as np

        blocks, sums = [], []
        for p, offsets, own in layout:
            if not p.aux_width:
                continue
            cols = slice(offsets["main"], offsets["main"] + p.width)
            chs = list(challenges[:shared]) + list(challenges[offsets["own"] : offsets["own"] + own])
            pubs = list(publics[offsets["public"] : offsets["public"] + len(p.public_inputs)])
            pc = None if pubcols is None else np.ascontiguousarray(
                pubcols[:, offsets["pubcol"] : offsets["pubcol"] + len(p.public_columns)])
            built = p.build_aux(np.ascontiguousarray(main[:, cols]), chs, pubs, pc)
            if own:
                matrix, part_sums = built
                sums.extend(part_sums)
            else:
                matrix = built
            blocks.append(np.asarray(matrix, dtype=np.uint64))
        matrix = np.ascontiguousarray(np.hstack(blocks))
        return (matrix, sums) if counts["own"] > shared else matrix

    any_aux = any(p.aux_width for p in parts)
    return Air(
        name=name,
        main_columns=prefixed("main_columns"),
        aux_columns=prefixed("aux_columns"),
        num_challenges=counts["own"] if any_aux or counts["own"] > shared else 0,
        public_inputs=prefixed("public_inputs"),
        constraints=tuple(constraints),
        build_aux=build_aux if any_aux else None,
        public_columns=prefixed("public_columns"),
    )


def _shifted(e: Expr, offsets: dict[str, int], shared: int, memo: dict[int, Expr]) -> Expr:
    """The expression with its part's column, input and own-challenge references moved to the
    combined table's (shared subexpressions stay shared)."""
    hit = memo.get(id(e))
    if hit is not None:
        return hit
    if e.kind in LEAVES:
        if e.kind == MAIN:
            out = Expr(MAIN, value=e.value + offsets["main"], offset=e.offset)
        elif e.kind == AUX:
            out = Expr(AUX, value=e.value + offsets["aux"], offset=e.offset)
        elif e.kind == PUBLIC:
            out = Expr(PUBLIC, value=e.value + offsets["public"])
        elif e.kind == PUBCOL:
            out = Expr(PUBCOL, value=e.value + offsets["pubcol"])
        elif e.kind == CHALLENGE and e.value >= shared:
            out = Expr(CHALLENGE, value=e.value - shared + offsets["own"])
        else:
            out = e
    else:
        out = Expr(e.kind, tuple(_shifted(a, offsets, shared, memo) for a in e.args), value=e.value)
    memo[id(e)] = out
    return out


def combine_traces(traces: Sequence) -> "object":
    """The parts' traces side by side (equal heights)."""
    import numpy as np

    heights = {t.shape[0] for t in traces}
    if len(heights) != 1:
        raise ParameterError("traces", f"combined tables need one height, got {sorted(heights)}")
    return np.ascontiguousarray(np.hstack([np.asarray(t, dtype=np.uint64) for t in traces]))


def combine_public_columns(parts: Sequence[tuple["object | None", int]]):
    """The parts' public columns side by side, as one PublicColumns (committed parts stay
    committed); ``parts`` holds (columns or None, their count) in order. None if there are none."""
    from zkvm.stark.public_columns import PublicColumns

    pieces, offset = [], 0
    for pc, count in parts:
        if pc is not None and pc.count != count:
            raise ParameterError("public columns", f"expected {count} public columns, got {pc.count}")
        if pc is not None and pc.parts:
            for sub, targets, committed in pc.parts:
                pieces.append((sub, [offset + t for t in targets], committed))
        elif pc is not None and pc.count:
            pieces.append((pc, range(offset, offset + count), False))
        offset += count
    return PublicColumns.combine(offset, pieces) if offset else None


def combine_same_heights(tables: Sequence[Air], traces: Sequence, public_inputs: Sequence[Sequence[int]],
                         public_columns: Sequence, shared: int = BUS_CHALLENGES):
    """Tables of equal height merged into one each (first-seen order; a table alone stays as
    it is): the tables, traces, public inputs and public columns to prove."""
    groups: dict[int, list[int]] = {}
    for i, t in enumerate(traces):
        groups.setdefault(t.shape[0], []).append(i)
    out_tables, out_traces, out_publics, out_columns = [], [], [], []
    for members in groups.values():
        if len(members) == 1:
            i = members[0]
            out_tables.append(tables[i])
            out_traces.append(traces[i])
            out_publics.append(list(public_inputs[i]))
            out_columns.append(public_columns[i])
            continue
        parts = [tables[i] for i in members]
        out_tables.append(combined(" + ".join(p.name for p in parts), parts, shared))
        out_traces.append(combine_traces([traces[i] for i in members]))
        out_publics.append([v for i in members for v in public_inputs[i]])
        columns = [(public_columns[i], len(tables[i].public_columns)) for i in members]
        out_columns.append(combine_public_columns(columns))
    return out_tables, out_traces, out_publics, out_columns


__all__ = ["combined", "combine_traces", "combine_public_columns", "combine_same_heights"]
