"""Running a GIL-free Numba kernel over ranges of work on Python threads (prover only).

A ``parallel=True`` kernel whose loop body calls a large kernel costs that large kernel's
optimization twice at compile time (once alone, once inlined into the parallel wrapper): for
the constraint interpreter 7.7 s plus 4.7 s. The first proof after installation compiles
every kernel, so the largest ones are instead compiled once as serial ``nogil`` kernels over a
range of their work and called from a few Python threads, with the same run time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

_EXECUTORS: dict[tuple[int, int], ThreadPoolExecutor] = {}  # (process id, threads): a forked child
# inherits the dictionary but not the pool's threads, so it makes its own


def split(count: int, pieces: int, align: int = 1) -> list[tuple[int, int]]:
    """[0, count) as at most ``pieces`` consecutive ranges whose bounds are multiples of align."""
    per_piece = -(-count // max(1, pieces))
    step = max(align, -(-per_piece // align) * align)
    return [(lo, min(count, lo + step)) for lo in range(0, count, step)]


def run(task: Callable[[int, int], None], count: int, align: int = 1) -> None:
    """``task(lo, hi)`` over [0, count), on as many threads as Numba may use (a few ranges per
    thread, so that a thread slowed by another process does not hold the others up)."""
    import numba

    threads = numba.get_num_threads()
    ranges = split(count, 4 * threads, align)
    if threads <= 1 or len(ranges) <= 1:
        task(0, count)
        return
    key = (os.getpid(), threads)
    if key not in _EXECUTORS:
        _EXECUTORS[key] = ThreadPoolExecutor(threads, thread_name_prefix="zkvm")
    for _ in _EXECUTORS[key].map(lambda r: task(*r), ranges):
        pass
