"""The dot-product table (issue 19): multiply-accumulate, ``k`` MACs per row.

A ``mac`` of L = R k elements is a *segment* of R consecutive rows. Row r of a segment holds
the weights w_0 .. w_{k-1} at addresses ``w_addr + j`` and the activations x_0 .. x_{k-1} at
``x_addr + j``; ``acc`` is the accumulator before the row, ``out`` the segment's result (the
same on all its rows), ``rem`` the rows left (R on the first row, 1 on the last). Columns
``on`` (a real row; padding rows come last), ``first`` and ``last`` delimit segments.

Buses (all through LogUp, see :mod:`zkvm.stark.tables`):

- MAC (received once per segment, on its first row): (x_addr, w_addr, R, acc_in, out, t_s, t_e),
  what the CPU's ``mac`` instruction sends;
- DATA (sent on every real row): (w_addr, w_0, .., w_{k-1}), a k-word row of the program's
  constant data (the weights), looked up read-only;
- FROZEN (sent k times per real row): (x_addr + j, x_j, t_s, t_e), an activation read from the
  frozen view of memory during the epoch [t_s, t_e] in which the CPU's ``mac`` ran (the CPU
  checks its time is in it; docs/tables.md argues why that read is sound).

Constraints: inside a segment the addresses advance by k, ``rem`` drops by one, ``acc`` adds
the row's k products and ``out``, ``t_s`` and ``t_e`` stay; on the last row ``rem = 1`` and
``out = acc + products``. Degree 3.
"""

from __future__ import annotations

import numpy as np

from zkvm.stark.air import Air, AirBuilder
from zkvm.stark.public_columns import PublicColumns
from zkvm.air.buses import FROZEN, MAC, data_bus
from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions, TableSystem

MAC_BUS = MAC
FROZEN_BUS = FROZEN


def dot_columns(k: int) -> list[str]:
    return (["on", "first", "last", "rem", "w_addr", "x_addr", "acc", "out", "t_s", "t_e"]
            + [f"w{j}" for j in range(k)] + [f"x{j}" for j in range(k)])


def dot_table_air(k: int) -> Air:
    """The dot-product table's AIR for k MACs per row."""
    b = AirBuilder(f"dot{k}", dot_columns(k), num_challenges=BUS_CHALLENGES)
    on, first, last = b.main("on"), b.main("first"), b.main("last")
    products = sum((b.main(f"w{j}") * b.main(f"x{j}") for j in range(k)), start=0)
    for name in ("on", "first", "last"):
        c = b.main(name)
        b.transition(f"{name} is boolean", c * (c - 1), cyclic=True)
    b.transition("first and last rows are real rows", (first + last) * (1 - on), cyclic=True)
    b.transition("padding rows come last", (1 - on) * b.next("on"))
    b.boundary("the table starts with a segment", first - on, "first")
    b.boundary("the table's last real row ends its segment", on * (1 - last), "last")
    # a row that continues its segment (on and not last) is followed by the segment's next row
    cont = on - last
    b.transition("a segment continues on the next row", cont * (1 - b.next("on")))
    b.transition("a segment starts after the last row of the previous one", b.next("first") - last * b.next("on"))
    b.transition("rem counts down", cont * (b.next("rem") - b.main("rem") + 1))
    b.transition("weights advance", cont * (b.next("w_addr") - b.main("w_addr") - k))
    b.transition("activations advance", cont * (b.next("x_addr") - b.main("x_addr") - k))
    b.transition("acc accumulates", cont * (b.next("acc") - b.main("acc") - products))
    b.transition("out is the segment's", cont * (b.next("out") - b.main("out")))
    b.transition("the epoch is the segment's", cont * (b.next("t_s") - b.main("t_s")))
    b.transition("the epoch ends as the segment's", cont * (b.next("t_e") - b.main("t_e")))
    b.transition("the last row has rem 1", last * (b.main("rem") - 1), cyclic=True)
    b.transition("out is the final sum", last * (b.main("out") - b.main("acc") - products), cyclic=True)
    bus = BusInteractions(b, masked=True)
    bus.receive(MAC_BUS, [b.main("x_addr"), b.main("w_addr"), b.main("rem"), b.main("acc"), b.main("out"),
                          b.main("t_s"), b.main("t_e")], first)
    bus.send(data_bus(k), [b.main("w_addr")] + [b.main(f"w{j}") for j in range(k)], on)
    for j in range(k):
        bus.send(FROZEN_BUS, [b.main("x_addr") + j, b.main(f"x{j}"), b.main("t_s"), b.main("t_e")], on)
    return b.build(bus.finish().build_matrix)




# --- stand-ins for the VM's other tables (until they exist): the benchmark's and tests' system
def mac_source_standin_air() -> Air:
    """Stands in for the CPU: sends one MAC message per row it marks ``on`` (nothing checks
    what it claims: the dot table must)."""
    b = AirBuilder("mac_source", ["on", "x_addr", "w_addr", "rows", "acc_in", "out", "t_s", "t_e"],
                   num_challenges=BUS_CHALLENGES)
    b.transition("on is boolean", b.main("on") * (b.main("on") - 1), cyclic=True)
    bus = BusInteractions(b, masked=True)
    bus.send(MAC_BUS, [b.main(c) for c in ("x_addr", "w_addr", "rows", "acc_in", "out", "t_s", "t_e")], b.main("on"))
    return b.build(bus.finish().build_matrix)


def data_table_air(k: int) -> Air:
    """The program's constant data: row r holds the k words at addr0 + k r .. addr0 + k r + k - 1
    in public columns (committed program columns: the verifier holds their root in a verifying
    key) and how often they are read. ``addr0`` (a public input) lets a tall table be proven
    as several pieces."""
    b = AirBuilder(f"data{k}", ["addr", "m"], num_challenges=BUS_CHALLENGES,
                   public=["addr0"], public_columns=[f"v{j}" for j in range(k)])
    b.boundary("addresses start at addr0", b.main("addr") - b.public("addr0"), "first")
    b.transition("addresses advance by k", b.next("addr") - b.main("addr") - k)
    bus = BusInteractions(b, masked=True)
    bus.receive(data_bus(k), [b.main("addr")] + [b.pubcol(f"v{j}") for j in range(k)], b.main("m"))
    return b.build(bus.finish().build_matrix)


def data_columns(weights: np.ndarray, k: int, n: int) -> PublicColumns:
    """The data table's public columns for these constant words (zero-padded to k n), all
    committed."""
    flat = np.zeros(k * n, dtype=np.int64)
    flat[: weights.size] = weights.ravel()
    part = PublicColumns.from_dense(_field(flat.reshape(n, k)).T)
    return PublicColumns.combine(k, [(part, range(k), True)])


def frozen_standin_air() -> Air:
    """Stands in for the frozen view of memory (zkvm/air/frozen_table.py): (address, value,
    epoch start, epoch end) and how often it is read, without the memory argument."""
    b = AirBuilder("frozen", ["addr", "value", "t_s", "t_e", "m"], num_challenges=BUS_CHALLENGES)
    bus = BusInteractions(b, masked=True)
    bus.receive(FROZEN_BUS, [b.main("addr"), b.main("value"), b.main("t_s"), b.main("t_e")], b.main("m"))
    return b.build(bus.finish().build_matrix)


def standalone_system(k: int, dot_pieces: int = 1, data_pieces: int = 1) -> TableSystem:
    """The dot table with its stand-ins: what the benchmark and the tests prove (the dot and
    data tables possibly as several pieces: :func:`piece_heights`)."""
    dot, data = dot_table_air(k), data_table_air(k)
    dots = [dot] + [dot.renamed(f"{dot.name} #{i + 1}") for i in range(1, dot_pieces)]
    datas = [data] + [data.renamed(f"{data.name} #{i + 1}") for i in range(1, data_pieces)]
    return TableSystem(f"dot-standalone-{k}", (mac_source_standin_air(), *dots, *datas, frozen_standin_air()))


def piece_heights(rows: int, min_rows: int, max_pieces: int = 4) -> list[int]:
    """Power-of-two heights, tallest first, whose sum holds ``rows`` rows with little padding:
    the largest power of two that fits while the rest would be padded by more than an eighth
    (each piece costs a few commitments more)."""
    out, rest = [], rows
    while rest > 0:
        up = _pow2(rest, min_rows)
        if len(out) == max_pieces - 1 or up <= rest + rest // 8 or up == min_rows:
            out.append(up)
            break
        out.append(1 << (rest.bit_length() - 1))
        rest -= out[-1]
    return out or [min_rows]


def _pow2(n: int, at_least: int = 8) -> int:
    return max(at_least, 1 << max(0, (n - 1).bit_length()))


def _field(a: np.ndarray) -> np.ndarray:
    """int64 values (any sign) as canonical field elements."""
    from zkvm.field import arrays as fa

    return fa.from_signed(np.asarray(a, dtype=np.int64))


def epoch_times(layer: int, macs: int) -> tuple[int, int]:
    """The stand-in CPU's epoch for layer l: its macs run at times 4 (1000 (l + 1) + j), j < macs
    (layer l's activations are written before, at times below 4000 (l + 1))."""
    return 4 * 1000 * (layer + 1), 4 * (1000 * (layer + 1) + macs)


def layer_traces(layers, k: int, min_rows: int = 8, split: bool = False, combine: bool = False):
    """Traces of the standalone system for dense layers ``layers`` = [(W, b, x), ...] (int64
    arrays: W (outputs, L) with L a multiple of k, b (outputs,), x (L,)): one mac per output,
    the weights of all layers stored one after another, layer l's activations frozen for its
    epoch (:func:`epoch_times`) at addresses 0 .. L-1. Returns the four traces, each layer's
    outputs W x + b, the tables' public columns (the data table's: the weights), the system to
    prove them with and its public inputs. With ``split``, the dot and data tables come as
    pieces (:func:`piece_heights`; whole segments per piece); with ``combine`` too, tables of
    one height are proven as one (zkvm/stark/combine.py: fewer commitments to open)."""
    sources, dots, outs = [], [], []
    w_base = 0
    frozen = []
    all_w = []
    for epoch, (w, bias, x) in enumerate(layers):
        w = np.asarray(w, dtype=np.int64)
        outputs, length = w.shape
        if length % k:
            raise ValueError(f"a mac's length must be a multiple of k={k}, got {length}")
        rows_per = length // k
        wr = w.reshape(outputs * rows_per, k)
        xr = np.tile(np.asarray(x, dtype=np.int64).reshape(rows_per, k), (outputs, 1))
        prod = (wr * xr).sum(axis=1).reshape(outputs, rows_per)
        before = np.cumsum(prod, axis=1) - prod + np.asarray(bias, dtype=np.int64)[:, None]
        result = prod.sum(axis=1) + np.asarray(bias, dtype=np.int64)
        outs.append(result)
        t_s, t_e = epoch_times(epoch, outputs)
        seg = np.zeros((outputs * rows_per, 10), dtype=np.int64)
        r = np.arange(rows_per)
        seg[:, 0] = 1
        seg[:, 1] = np.tile(r == 0, outputs)
        seg[:, 2] = np.tile(r == rows_per - 1, outputs)
        seg[:, 3] = np.tile(rows_per - r, outputs)
        seg[:, 4] = (w_base + np.arange(outputs)[:, None] * length + r[None, :] * k).ravel()
        seg[:, 5] = np.tile(r * k, outputs)
        seg[:, 6] = before.ravel()
        seg[:, 7] = np.repeat(result, rows_per)
        seg[:, 8] = t_s
        seg[:, 9] = t_e
        dots.append(np.hstack([seg, wr, xr]))
        src = np.zeros((outputs, 8), dtype=np.int64)
        src[:, 0] = 1
        src[:, 1] = 0
        src[:, 2] = w_base + np.arange(outputs) * length
        src[:, 3] = rows_per
        src[:, 4] = bias
        src[:, 5] = result
        src[:, 6] = t_s
        src[:, 7] = t_e
        sources.append(src)
        fr = np.zeros((length, 5), dtype=np.int64)
        fr[:, 0] = np.arange(length)
        fr[:, 1] = x
        fr[:, 2] = t_s
        fr[:, 3] = t_e
        fr[:, 4] = outputs
        frozen.append(fr)
        all_w.append(w.ravel())
        w_base += outputs * length

    def padded(parts, width, fill=None):
        rows = np.vstack(parts) if parts else np.zeros((0, width), dtype=np.int64)
        n = _pow2(rows.shape[0], min_rows)
        out = np.zeros((n, width), dtype=np.int64)
        out[: rows.shape[0], : rows.shape[1]] = rows
        if fill is not None:
            fill(out, rows.shape[0])
        return _field(out)

    def data_fill(out, used):
        out[:, 0] = np.arange(out.shape[0]) * k

    weights = np.concatenate(all_w)
    data = np.zeros((weights.size // k, 2), dtype=np.int64)
    data[:, 1] = 1
    # (every table ends with its two mask columns, left zero: the prover fills them)
    if not split:
        traces = [padded(sources, 10), padded(dots, 12 + 2 * k), padded([data], 4, data_fill), padded(frozen, 7)]
        public = [None, None, data_columns(weights, k, traces[2].shape[0]), None]
        return traces, outs, public, standalone_system(k), [[], [], [0], []]
    dot_rows = np.vstack(dots)
    total = dot_rows.shape[0]
    bounds = np.append(np.flatnonzero(dot_rows[:, 1] == 1), total)  # segment starts, and the end
    dot_parts = []
    lo = 0
    heights = piece_heights(total, min_rows)
    for i, h in enumerate(heights):
        if lo >= total:
            break
        if i == len(heights) - 1:
            hi = total
        else:  # whole segments only: the last boundary that fits, or the first one after lo
            fits = bounds[(bounds > lo) & (bounds <= lo + h)]
            hi = int(fits[-1]) if fits.size else int(bounds[bounds > lo][0])
        h = max(h, _pow2(hi - lo, min_rows))
        part = np.zeros((h, 12 + 2 * k), dtype=np.int64)
        part[: hi - lo, : 10 + 2 * k] = dot_rows[lo:hi]
        dot_parts.append(_field(part))
        lo = hi
    if lo < total:  # (pieces that grew to hold a segment may leave rows for one more)
        part = np.zeros((_pow2(total - lo, min_rows), 12 + 2 * k), dtype=np.int64)
        part[: total - lo, : 10 + 2 * k] = dot_rows[lo:]
        dot_parts.append(_field(part))
    data_parts, data_public, addr0 = [], [], []
    r0 = 0
    for h in piece_heights(data.shape[0], min_rows):
        part = np.zeros((h, 4), dtype=np.int64)
        used = min(h, data.shape[0] - r0)
        part[:used, :2] = data[r0 : r0 + used]
        part[:, 0] = (r0 + np.arange(h)) * k
        data_parts.append(_field(part))
        data_public.append(data_columns(weights[r0 * k : (r0 + used) * k], k, h))
        addr0.append(r0 * k)
        r0 += h
    traces = [padded(sources, 10), *dot_parts, *data_parts, padded(frozen, 7)]
    public = [None] + [None] * len(dot_parts) + data_public + [None]
    system = standalone_system(k, len(dot_parts), len(data_parts))
    publics = [[]] + [[]] * len(dot_parts) + [[a] for a in addr0] + [[]]
    if combine:
        from zkvm.stark.combine import combine_same_heights

        tables, traces, publics, public = combine_same_heights(system.tables[: system.user_tables], traces, publics,
                                                               public)
        system = TableSystem(f"dot-standalone-{k}-combined", tuple(tables))
    return traces, outs, public, system, publics


__all__ = ["dot_table_air", "dot_columns", "data_bus", "standalone_system", "layer_traces", "MAC_BUS", "FROZEN_BUS"]
