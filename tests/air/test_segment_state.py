"""The state a segment hands over, pc + 2^32 fp in its image's last word, determines the state
the next segment starts in (docs/air.md, "Segments"): the counting argument, checked at the
extremes.

Hand-over side: pc < 2^32 and fp < 2^30 (range-checked limbs). Take-over side: the first row
fetches, so pc' is a program row (below the trace length n <= 2^26), and it reads memory at
fp' + a with a the fetched instruction's offset in [-2^31, 2^31), so fp' + a is an address in
[0, n - 1). Every other field solution (pc', fp') of pc' + 2^32 fp' = X has fp' + a outside
memory for every offset a: no trace can start there.
"""

from __future__ import annotations

import pytest

from zkvm.air.vm_air import STATE_LIMB_BOUND
from zkvm.field.goldilocks import P

N = 1 << 26  # the largest trace
INV_2_32 = pow(1 << 32, -1, P)
OFFSETS = (-(1 << 31), -(1 << 31) + 1, -1, 0, 1, (1 << 31) - 1)


def _starts_in_memory(fp: int) -> bool:
    """Is there an offset a in [-2^31, 2^31) with fp + a (mod p) an address below n - 1? The
    offsets' interval (2^32 long) meets the addresses' (shorter) only if it holds 0 or n - 2."""
    signed = lambda v: v - P if v > P // 2 else v  # noqa: E731
    return any(-(1 << 31) <= signed((y - fp) % P) < 1 << 31 for y in (0, N - 2))


@pytest.mark.parametrize("pc", [0, 1, 12345, N - 1, (1 << 32) - 1])
@pytest.mark.parametrize("fp", [0, 1, 1 << 20, N - 2, STATE_LIMB_BOUND * (1 << 16) - 1])
def test_only_the_true_state_starts_a_segment(pc, fp):
    x = (pc + (fp << 32)) % P
    assert x == pc + (fp << 32)  # below p: the hand-over bounds keep the packing an integer
    candidates = {0, 1, 2, N - 2, N - 1} | {(pc + d) % (1 << 32) for d in (-2, -1, 1, 2, 1 << 16, -(1 << 16))}
    for other_pc in sorted(c for c in candidates if c < N):
        other_fp = (x - other_pc) * INV_2_32 % P
        assert (other_pc + (other_fp << 32)) % P == x
        if other_pc == pc:
            assert other_fp == fp
            continue
        assert not _starts_in_memory(other_fp), (pc, fp, other_pc, other_fp)
        for a in OFFSETS:
            assert not 0 <= (other_fp + a) % P < N - 1


@pytest.mark.parametrize("fp, reaches", [
    (0, True), (N - 2, True), (N - 1 + (1 << 31), False), (N - 2 + (1 << 31), True),
    (P - (1 << 31), False), (P - (1 << 31) + 1, True), (1 << 40, False), (P - 1, True),
])
def test_in_memory_helper_at_its_edges(fp, reaches):
    """(the helper above, against offsets chosen by hand at the edges)"""
    assert _starts_in_memory(fp) is reaches
