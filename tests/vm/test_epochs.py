"""The epoch plan (zkvm/vm/epochs.py) on random runs: every mac read is answered by a frozen
row of its own epoch, no CPU access falls inside an epoch of the cell it touches, and the memory
argument's times still balance once the next accesses are re-stamped.

Oracle: a direct check of those statements on the plan (the multiset of emitted and consumed
(cell, time) tuples is compared as Python Counters), not a second implementation."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm.vm.epochs import plan_epochs


@st.composite
def runs(draw):
    cells = draw(st.integers(4, 24))
    rows = draw(st.integers(1, 60))
    accesses, macs = [], []
    for clk in range(rows):
        if draw(st.integers(0, 3)) == 0:
            start = draw(st.integers(0, cells - 1))
            length = draw(st.integers(1, cells - start))
            macs.append((clk, start, length))
            # the mac's own row accesses its frame slots (here: cells outside the ranges read)
            accesses.append((4 * clk + 1, draw(st.integers(0, cells - 1))))
        else:
            for slot in range(1, 4):
                if draw(st.booleans()):
                    accesses.append((4 * clk + slot, draw(st.integers(0, cells - 1))))
    return cells, accesses, macs


def check(cells, accesses, macs):
    at = np.array([t for t, _ in accesses], dtype=np.int64)
    aa = np.array([a for _, a in accesses], dtype=np.int64)
    mc = np.array([c for c, _, _ in macs], dtype=np.int64)
    ms = np.array([s for _, s, _ in macs], dtype=np.int64)
    ml = np.array([n for _, _, n in macs], dtype=np.int64)
    plan = plan_epochs(at, aa, mc, ms, ml, cells)
    frozen = list(zip(plan.frozen_addr.tolist(), plan.frozen_t_s.tolist(), plan.frozen_t_e.tolist(),
                      plan.frozen_t_prev.tolist(), plan.frozen_reads.tolist()))
    # every mac read is answered by exactly one frozen row of the mac's epoch
    answered = Counter()
    first_read = {}  # (cell, epoch) -> the index of its first read over all macs' reads
    read = 0
    for m, (clk, start, length) in enumerate(macs):
        for cell in range(start, start + length):
            first_read.setdefault((cell, int(plan.mac_t_s[m])), read)
            read += 1
    assert [first_read[(a, t)] for a, t in zip(plan.frozen_addr.tolist(), plan.frozen_t_s.tolist())] == \
        plan.frozen_first_read.tolist()
    for m, (clk, start, length) in enumerate(macs):
        t_s, t_e = int(plan.mac_t_s[m]), int(plan.mac_t_e[m])
        assert t_s <= 4 * (clk + 1) <= t_e and t_s % 4 == 0 and t_e % 4 == 0
        for cell in range(start, start + length):
            rows = [f for f in frozen if f[0] == cell and f[1] == t_s and f[2] == t_e]
            assert len(rows) == 1, (m, cell, rows)
            answered[(cell, t_s, t_e)] += 1
    for cell, t_s, t_e, t_prev, reads in frozen:
        assert t_prev < t_s <= t_e
        assert answered[(cell, t_s, t_e)] == reads
        assert not any(a == cell and t_s <= t <= t_e for t, a in accesses), (cell, t_s, t_e)
    # the memory argument's times balance: each access consumes its cell's previous tuple
    restamp = dict(zip(plan.restamp_access.tolist(), plan.restamp_time.tolist()))
    emitted, consumed = Counter(), Counter()
    last = {}
    for i, (t, a) in enumerate(accesses):
        tp = restamp.get(i, last.get(a, 0))
        assert tp < t
        consumed[(a, tp)] += 1
        emitted[(a, t)] += 1
        last[a] = t
    for cell, t_s, t_e, t_prev, _ in frozen:
        consumed[(cell, t_prev)] += 1
        emitted[(cell, t_e)] += 1
    final = dict(zip(plan.final_addr.tolist(), plan.final_time.tolist()))
    for cell in range(cells):
        emitted[(cell, 0)] += 1
        fin = final.get(cell)
        if fin is None:
            # the cell's last tuple is its last access (or its initial value), unless frozen last
            fin = last.get(cell, 0)
        consumed[(cell, fin)] += 1
    assert emitted == consumed


@given(runs())
@settings(max_examples=150, deadline=None)
def test_epochs_hold_their_cells_and_keep_the_memory_argument_balanced(run):
    check(*run)


def test_one_epoch_per_layer_when_the_cpu_leaves_the_activations_alone():
    """A dense layer: 5 macs over cells 0..7 with the CPU writing only cells 8..11 in between,
    then the CPU overwrites cell 3 and two more macs read it: two epochs."""
    accesses, macs = [], []
    clk = 0
    for j in range(5):
        macs.append((clk, 0, 8))
        accesses.append((4 * clk + 1, 8 + j % 4))
        clk += 1
        accesses.append((4 * clk + 3, 8 + j % 4))
        clk += 1
    accesses.append((4 * clk + 3, 3))
    clk += 1
    for _ in range(2):
        macs.append((clk, 0, 8))
        clk += 1
    plan = plan_epochs(np.array([t for t, _ in accesses]), np.array([a for _, a in accesses]),
                       np.array([c for c, _, _ in macs]), np.zeros(7, dtype=np.int64), np.full(7, 8), 12)
    assert len(set(plan.mac_t_s.tolist())) == 2
    assert len(plan.frozen_addr) == 16 and plan.frozen_reads.tolist() == [5] * 8 + [2] * 8
    check(12, accesses, macs)
