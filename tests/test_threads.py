"""zkvm.threads: the ranges cover the work exactly once, and a forked child can still run."""

from __future__ import annotations

import multiprocessing
import os

import numba
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm import threads


@given(st.integers(0, 10_000), st.integers(1, 64), st.sampled_from([1, 8, 64, 4096]))
def test_split_covers_the_range_once_in_aligned_pieces(count, pieces, align):
    ranges = threads.split(count, pieces, align)
    assert len(ranges) <= max(1, pieces)
    covered = [i for lo, hi in ranges for i in range(lo, hi)]
    assert covered == list(range(count))
    assert all(lo % align == 0 for lo, _ in ranges)


def test_run_calls_every_index_once():
    seen = []
    threads.run(lambda lo, hi: seen.extend(range(lo, hi)), 1000, 8)
    assert sorted(seen) == list(range(1000))


def _child(queue):
    seen = []
    threads.run(lambda lo, hi: seen.extend(range(lo, hi)), 5000, 8)
    queue.put(sorted(seen) == list(range(5000)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_its_own_pool():
    if numba.get_num_threads() < 2:
        pytest.skip("one thread: no pool")
    threads.run(lambda lo, hi: None, 5000, 8)  # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    p = ctx.Process(target=_child, args=(queue,))
    p.start()
    p.join(60)
    if p.is_alive():  # a child waiting on its parent's pool threads, which it does not have
        p.terminate()
    assert p.exitcode == 0 and queue.get(timeout=5)
