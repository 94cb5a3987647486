"""The frozen-memory table (issue 19): memory cells held still through an epoch, so that the
dot-product table can read activations with one lookup each instead of a memory access each.

A row freezes address ``addr`` holding ``value`` for the epoch [t_s, t_e]:

- it takes the cell out of the memory argument: it consumes (addr, value, t_prev), the tuple of
  the cell's last access, with t_prev < t_s (``t_s - t_prev - 1`` is two 16-bit limbs), and
  emits (addr, value, t_e), the tuple the next access of the cell consumes; t_s <= t_e
  (``t_e - t_s`` is two limbs);
- it answers the dot-product table's reads (addr, value, t_s, t_e) on the FROZEN bus, ``m``
  of them.

Why a read answered here is the cell's value at any time of the epoch: docs/tables.md. Epoch
times are multiples of 4 and the VM's accesses happen at 4 clk + 1, 2, 3, so a frozen row's
emission never shares a time with an access's. Padding rows (``on = 0``) make no memory access
and no lookup.
"""

from __future__ import annotations

from zkvm.air.buses import FROZEN, MEMORY, RANGE
from zkvm.stark.air import Air, AirBuilder
from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions

TWO16 = 1 << 16
COLUMNS = ("on", "addr", "value", "t_s", "t_e", "t_prev", "l0", "l1", "l2", "l3", "m")


def frozen_table_air() -> Air:
    b = AirBuilder("frozen memory", list(COLUMNS), num_challenges=BUS_CHALLENGES)
    m = b.main
    on = m("on")
    b.transition("on is boolean", on * (on - 1), cyclic=True)
    b.transition("only a frozen cell answers reads", m("m") * (1 - on), cyclic=True)
    b.transition("the cell's last access precedes the epoch",
                 on * (m("t_s") - m("t_prev") - 1 - m("l0") - TWO16 * m("l1")), cyclic=True)
    b.transition("the epoch does not end before it starts",
                 on * (m("t_e") - m("t_s") - m("l2") - TWO16 * m("l3")), cyclic=True)
    bus = BusInteractions(b, masked=True)
    bus.receive(MEMORY, [m("addr"), m("value"), m("t_prev")], on)
    bus.send(MEMORY, [m("addr"), m("value"), m("t_e")], on)
    for limb in ("l0", "l1", "l2", "l3"):
        bus.receive(RANGE, [m(limb)], on)
    bus.receive(FROZEN, [m("addr"), m("value"), m("t_s"), m("t_e")], m("m"))
    return b.build(bus.finish().build_matrix)


__all__ = ["frozen_table_air", "COLUMNS"]
