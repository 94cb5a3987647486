"""The frozen-memory table (zkvm/air/frozen_table.py) inside a system with the dot-product table
and stand-ins for the CPU's memory accesses, the memory table and the 16-bit range table.

Dense layers whose activations are written to memory, frozen for the layer's epoch, read by the
dot table, then overwritten by the next layer: honest runs verify. A forger who writes a frozen
cell inside its epoch, freezes a cell after an access inside the epoch, answers reads from a
row that froze nothing, or stretches an epoch backwards in time is rejected."""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.air.buses import MEMORY, RANGE
from zkvm.air.dot_table import data_table_air, mac_source_standin_air, dot_table_air, epoch_times, layer_traces
from zkvm.air.frozen_table import COLUMNS, frozen_table_air
from zkvm.errors import VerificationError
from zkvm.field import arrays as fa
from zkvm.fri.options import FriOptions
from zkvm.stark.air import AirBuilder
from zkvm.stark.debug import ConstraintViolation
from zkvm.stark.multi_prover import prove_tables
from zkvm.stark.multi_verifier import verify_tables
from zkvm.stark.prover import ProverError
from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions, TableSystem

K = 2
FAST = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=False)
SOURCE, DOT, DATA, FROZEN, ACCESS, MEMORY_T, RANGE_T = range(7)
F = {name: i for i, name in enumerate(COLUMNS)}


def access_air():
    """Stands in for the CPU's memory accesses: each row consumes the cell's last tuple and
    emits its own, later (t - t_prev - 1 is two limbs)."""
    b = AirBuilder("accesses", ["on", "addr", "old", "new", "t_prev", "t", "l0", "l1"], num_challenges=BUS_CHALLENGES)
    m = b.main
    b.transition("on is boolean", m("on") * (m("on") - 1), cyclic=True)
    b.transition("time moves on", m("on") * (m("t") - m("t_prev") - 1 - m("l0") - 65536 * m("l1")), cyclic=True)
    bus = BusInteractions(b)
    bus.receive(MEMORY, [m("addr"), m("old"), m("t_prev")], m("on"))
    bus.send(MEMORY, [m("addr"), m("new"), m("t")], m("on"))
    bus.receive(RANGE, [m("l0")], m("on"))
    bus.receive(RANGE, [m("l1")], m("on"))
    return b.build(bus.finish().build_matrix)


def memory_air():
    """Stands in for the memory table: each address's initial value at time 0 and its final
    value and time."""
    b = AirBuilder("memory", ["on", "addr", "init", "fin", "fin_t"], num_challenges=BUS_CHALLENGES)
    m = b.main
    bus = BusInteractions(b)
    bus.send(MEMORY, [m("addr"), m("init"), 0], m("on"))
    bus.receive(MEMORY, [m("addr"), m("fin"), m("fin_t")], m("on"))
    return b.build(bus.finish().build_matrix)


def range_air():
    b = AirBuilder("range", ["v", "m"], num_challenges=BUS_CHALLENGES)
    b.boundary("starts at 0", b.main("v"), "first")
    b.transition("counts", b.next("v") - b.main("v") - 1)
    bus = BusInteractions(b)
    bus.send(RANGE, [b.main("v")], b.main("m"))
    return b.build(bus.finish().build_matrix)


SYSTEM = TableSystem("frozen-demo", (mac_source_standin_air(), dot_table_air(K), data_table_air(K), frozen_table_air(),
                                     access_air(), memory_air(), range_air()))


def layers():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, 4 * K)
    w1, b1 = rng.integers(-128, 128, (3, 4 * K)), rng.integers(-9, 9, 3)
    h = np.concatenate([np.maximum(0, (w1 @ x + b1) >> 6), np.zeros(1, dtype=np.int64)])
    w2, b2 = rng.integers(-128, 128, (2, h.size)), rng.integers(-9, 9, 2)
    return [(w1, b1, x), (w2, b2, h)]


def traces(accesses_hook=None, frozen_hook=None):
    """Every table's trace: the dot system's, the real frozen table replacing its stand-in,
    the accesses that write each layer's activations before its epoch, the memory table and
    the range table. Hooks may lie in the accesses and frozen rows (lists of dicts) first."""
    ls = layers()
    dot_traces, _, public, _, _ = layer_traces(ls, K, min_rows=8)
    cells: dict[int, tuple[int, int]] = {}  # addr -> (value, time of the last tuple)
    accesses, frozen = [], []
    for layer, (w, _b, x) in enumerate(ls):
        t_s, t_e = epoch_times(layer, w.shape[0])
        for a, v in enumerate(x):
            old, tp = cells.get(a, (0, 0))
            t = t_s - 400 + 4 * a + 1
            accesses.append(dict(addr=a, old=old, new=int(v), t_prev=tp, t=t))
            cells[a] = (int(v), t)
        for a in range(len(x)):
            v, tp = cells[a]
            frozen.append(dict(addr=a, value=v, t_s=t_s, t_e=t_e, t_prev=tp, m=w.shape[0]))
            cells[a] = (v, t_e)
    if frozen_hook:
        frozen_hook(frozen, cells)
    if accesses_hook:
        accesses_hook(accesses, cells)
    acc = np.zeros((16, 8), dtype=np.int64)
    limbs = []
    for r, e in enumerate(accesses):
        d = e["t"] - e["t_prev"] - 1
        acc[r, :8] = [1, e["addr"], e["old"], e["new"], e["t_prev"], e["t"], d % 65536, d // 65536]
        limbs += [d % 65536, d // 65536]
    fr = np.zeros((16, len(COLUMNS) + 2), dtype=np.int64)
    for r, e in enumerate(frozen):
        d0, d1 = e["t_s"] - e["t_prev"] - 1, e["t_e"] - e["t_s"]
        fr[r, : len(COLUMNS)] = [1, e["addr"], e["value"], e["t_s"], e["t_e"], e["t_prev"],
                                 d0 % 65536, d0 // 65536, d1 % 65536, d1 // 65536, e["m"]]
        limbs += [d0 % 65536, d0 // 65536, d1 % 65536, d1 // 65536]
    mem = np.zeros((16, 5), dtype=np.int64)
    for r, (a, (v, t)) in enumerate(sorted(cells.items())):
        mem[r] = [1, a, 0, v, t]
    rng_t = np.zeros((65536, 2), dtype=np.int64)
    rng_t[:, 0] = np.arange(65536)
    valid = [v for v in limbs if 0 <= v < 65536]
    rng_t[:, 1] = np.bincount(np.array(valid, dtype=np.int64), minlength=65536)
    out = dot_traces[:3] + [fa.from_signed(t) for t in (fr, acc, mem, rng_t)]
    return out, public + [None, None, None]


PUBLICS = [[], [], [0], [], [], [], []]


def prove(trs, public, check=True, debug_check=False):
    return prove_tables(SYSTEM, trs, PUBLICS, FAST, public_columns=public, check=check, debug_check=debug_check)


def test_layers_written_frozen_read_and_overwritten_verify():
    trs, public = traces()
    proof = prove(trs, public, debug_check=True)
    verify_tables(proof, SYSTEM, PUBLICS, 0, public_columns=public)


def _rejected(trs, public, match=None):
    with pytest.raises((ProverError, ConstraintViolation)):
        prove([t.copy() for t in trs], public, debug_check=True)
    proof = prove(trs, public, check=False)
    with pytest.raises(VerificationError, match=match):
        verify_tables(proof, SYSTEM, PUBLICS, 0, public_columns=public)


def test_a_write_to_a_frozen_cell_inside_its_epoch_is_rejected():
    """The forger writes 99 to address 1 in the middle of layer 0's epoch: the write consumes the
    frozen row's emission (the only tuple of the cell left) and the next access consumes the
    write's. Every constraint holds; the write's time is before the tuple it consumes, so its
    time difference is negative and no 16-bit limbs hold it (the range bus)."""
    t_s, t_e = epoch_times(0, 3)
    t_w = t_s + 5

    def hook(accesses, cells):
        v = next(e["value"] for e in frozen_rows if e["addr"] == 1 and e["t_s"] == t_s)
        nxt = next(e for e in accesses if e["addr"] == 1 and e["t_prev"] == t_e)
        accesses.append(dict(addr=1, old=v, new=99, t_prev=t_e, t=t_w))
        nxt.update(old=99, t_prev=t_w)

    frozen_rows = []
    trs, public = traces(accesses_hook=hook, frozen_hook=lambda frozen, cells: frozen_rows.extend(frozen))
    _rejected(trs, public, match="bus")


def test_a_cell_accessed_inside_the_epoch_cannot_be_frozen_for_it():
    """The forger writes address 2 inside layer 0's epoch and freezes the cell afterwards, as
    if for the whole epoch: the frozen row's last access is not before the epoch."""
    t_s, t_e = epoch_times(0, 3)

    def freeze_late(frozen, cells):
        for e in frozen:
            if e["addr"] == 2 and e["t_s"] == t_s:
                e["t_prev"] = t_s + 9
    def write_inside(accesses, cells):
        i = next(i for i, e in enumerate(accesses) if e["addr"] == 2)
        accesses[i] = dict(accesses[i], t=t_s + 9)
    trs, public = traces(accesses_hook=write_inside, frozen_hook=freeze_late)
    _rejected(trs, public)


def test_a_row_that_froze_nothing_cannot_answer_reads():
    def hook(frozen, cells):
        frozen[0]["m"] -= 1
    trs, public = traces(frozen_hook=hook)
    spare = np.flatnonzero(trs[FROZEN][:, F["on"]] == 0)[0]
    row = trs[FROZEN][0].copy()
    row[F["on"]] = 0
    row[F["m"]] = 1
    trs[FROZEN][spare] = row
    _rejected(trs, public)


def test_an_epoch_that_ends_before_it_starts_is_rejected():
    def hook(frozen, cells):
        frozen[0]["t_e"], frozen[0]["t_s"] = frozen[0]["t_s"], frozen[0]["t_e"]
    trs, public = traces(frozen_hook=hook)
    _rejected(trs, public)
