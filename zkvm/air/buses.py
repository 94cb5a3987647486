"""The VM's buses: one catalog, so that no two buses share an id (a bus's id is the constant
term of its tuples' fingerprints: distinct ids keep the buses' tuples apart; see
:mod:`zkvm.stark.tables`)."""

from __future__ import annotations

from zkvm.stark.tables import Bus

MAC = Bus("mac", 1, 7)
"""(x_addr, w_addr, rows, acc_in, out, t_s, t_e): a ``mac``'s request to the dot-product table,
made at a time in the epoch [t_s, t_e]."""

FROZEN = Bus("frozen", 3, 4)
"""(address, value, t_s, t_e): an activation read from memory frozen through the epoch."""

MEMORY = Bus("memory", 4, 3)
"""(address, value, time): offline memory checking (an access consumes the tuple of the
previous access and emits its own)."""

RANGE = Bus("range", 5, 1)
"""(value,): a 16-bit range lookup."""

FETCH = Bus("fetch", 6, 6)
"""(pc, opcode, a, b, c, imm): an instruction fetch from the program table."""


def data_bus(k: int) -> Bus:
    """(address, w_0, .., w_{k-1}): a k-word row of the program's constant data."""
    return Bus(f"data{k}", 2, k + 1)

CONST_READ = Bus("constant read", 7, 2)
"""(address, value): a word of the program's constant data read by the CPU."""
