"""The word table (issue 19): single words of the program's constant data, for the CPU.

The constants live in the data table, k = 8 words per row at aligned addresses
(docs/tables.md, "where the weights live"). The dot-product table reads whole rows; the CPU
reads single words (a bias, a list header, a lookup-table entry). A word-table row answers the
CPU's reads of one word: it looks up the aligned row ``(base, w_0, .., w_7)`` holding it on the
DATA bus and selects word j with a one-hot selector, so ``address = base + j`` and
``value = w_j``; it answers ``m`` reads (address, value) on the constant-read bus. Padding rows
(``on = 0``) select nothing, look up nothing and answer nothing.

Why an answer is the constant at that address: the data table holds exactly one row per aligned
base (its addresses advance by 8 from a public start) with the program's words in public
columns, so the looked-up row is the program's; the selector is one-hot on a real row, so
``value`` is the word at ``base + j``.
"""

from __future__ import annotations

from zkvm.air.buses import CONST_READ, data_bus
from zkvm.stark.air import Air, AirBuilder
from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions

K = 8


def word_columns(k: int = K) -> list[str]:
    return ["on", "addr", "value", "base", *[f"s{j}" for j in range(k)], *[f"w{j}" for j in range(k)], "m"]


def word_table_air(k: int = K) -> Air:
    b = AirBuilder(f"words{k}", word_columns(k), num_challenges=BUS_CHALLENGES)
    m = b.main
    on = m("on")
    sel = [m(f"s{j}") for j in range(k)]
    b.transition("on is boolean", on * (on - 1), cyclic=True)
    for j, s in enumerate(sel):
        b.transition(f"selector {j} is boolean", s * (s - 1), cyclic=True)
    b.transition("one word is selected on a real row", sum(sel, start=0) - on, cyclic=True)
    b.transition("the address is the row's base plus the word's index",
                 m("addr") - m("base") - sum((j * s for j, s in enumerate(sel)), start=0), cyclic=True)
    b.transition("the value is the selected word",
                 m("value") - sum((s * m(f"w{j}") for j, s in enumerate(sel)), start=0), cyclic=True)
    b.transition("only real rows answer reads", m("m") * (1 - on), cyclic=True)
    bus = BusInteractions(b, masked=True)
    bus.send(data_bus(k), [m("base")] + [m(f"w{j}") for j in range(k)], on)
    bus.receive(CONST_READ, [m("addr"), m("value")], m("m"))
    return b.build(bus.finish().build_matrix)


__all__ = ["word_table_air", "word_columns", "K"]
