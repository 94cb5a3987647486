"""A segment's memory image: the table two neighbouring segments' proofs share.

Segment k ends with memory M_k (the memory table's final values, row j = address j); segment
k + 1 starts from it. Each proof holds an image table of two columns (idx, v), one row per
address: segment k's *image-out* table receives (j, fin_v_j) from its CPU on the image-out bus,
segment k + 1's *image-in* table sends (idx, v) to its CPU, which receives (j, init_j) on the
image-in bus. Both buses carry exactly n tuples with distinct addresses 0..n-1 on the CPU's side,
so each image table's rows are exactly {(j, M_k[j])} (in some order).

The two columns are *shared* (zkvm.stark.tables.TableSystem.shared): committed in a tree of
their own with randomness from a seed both proofs get, so the two tables are the same
polynomials exactly when their roots are equal. The verifier of a segmented proof compares the
roots (zkvm/segments_verify.py): equal roots hand M_k over unchanged; the tables are masked, so
their bus sums reveal nothing of M_k (docs/zk.md). Verifier-safe: pure Python.
"""

from __future__ import annotations

from functools import lru_cache

from zkvm.air.buses import IMAGE_IN, IMAGE_OUT
from zkvm.stark.air import Air, AirBuilder
from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions

IMAGE_IN_TABLE = "memory image in"
IMAGE_OUT_TABLE = "memory image out"
SHARED_COLUMNS = 2
"""idx and v: the image table's shared columns (its mask columns are each proof's own)."""
COLUMNS = ("idx", "v")


@lru_cache(maxsize=2)
def image_table_air(name: str) -> Air:
    """The image-in table (sends its rows to the CPU) or the image-out table (receives the
    CPU's final memory); masked, no other constraint: no row reads another."""
    if name not in (IMAGE_IN_TABLE, IMAGE_OUT_TABLE):
        raise ValueError(f"unknown image table {name!r}")
    b = AirBuilder(name, list(COLUMNS), num_challenges=BUS_CHALLENGES)
    bus = BusInteractions(b, "image", masked=True)
    if name == IMAGE_IN_TABLE:
        bus.send(IMAGE_IN, [b.main("idx"), b.main("v")])
    else:
        bus.receive(IMAGE_OUT, [b.main("idx"), b.main("v")])
    return b.build(bus.finish().build_matrix)


__all__ = ["image_table_air", "IMAGE_IN_TABLE", "IMAGE_OUT_TABLE", "SHARED_COLUMNS"]
