"""Shared measurement helpers for the benchmarks in bench/.

Every benchmark reports medians over several interleaved runs, the sizes, the thread count and
the peak resident memory, next to a baseline measured in the same run: this machine is shared
and noisy, so only ratios taken in one run mean much.
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BUILD_DIR = BENCH_DIR / "_build"
RESULTS_DIR = BENCH_DIR / "results"


def set_threads(n: int) -> None:
    """Set Numba's thread count for the following measurements."""
    import numba

    numba.set_num_threads(n)


def max_threads() -> int:
    import numba

    return numba.config.NUMBA_NUM_THREADS


def reset_peak_rss() -> None:
    """Reset the kernel's high-water mark of this process (Linux: clear_refs 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_bytes() -> int:
    """Peak resident set size since the last :func:`reset_peak_rss` (VmHWM)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def time_once(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@dataclass
class Measurement:
    name: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def interleaved(
    candidates: dict[str, Callable[[], object]],
    rounds: int = 5,
    repeats: int = 3,
    setup: Callable[[], object] | None = None,
) -> dict[str, Measurement]:
    """Time each candidate ``repeats`` times per round, alternating candidates every round.

    Interleaving spreads the machine's background noise evenly over the candidates, so their
    ratio is meaningful even when absolute figures drift. Each candidate runs once untimed
    first (JIT warm-up, page faults).
    """
    results = {name: Measurement(name) for name in candidates}
    for fn in candidates.values():
        if setup:
            setup()
        fn()
    for _ in range(rounds):
        for name, fn in candidates.items():
            for _ in range(repeats):
                if setup:
                    setup()
                results[name].seconds.append(time_once(fn))
    return results


def build_c_library(source: Path, name: str) -> ctypes.CDLL:
    """Compile a C reference with the system compiler (-O3 -march=native) and load it."""
    BUILD_DIR.mkdir(exist_ok=True)
    out = BUILD_DIR / f"{name}.so"
    if not out.exists() or out.stat().st_mtime < source.stat().st_mtime:
        cmd = ["gcc", "-O3", "-march=native", "-shared", "-fPIC", "-o", str(out), str(source)]
        subprocess.run(cmd, check=True)
    return ctypes.CDLL(str(out))


def machine_info() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numba
    import numpy

    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "date": time.strftime("%Y-%m-%d"),
    }


def fmt_seconds(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_bytes(b: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if b < 1024 or unit == "GiB":
            return f"{b:.1f} {unit}" if unit != "B" else f"{int(b)} B"
        b /= 1024
    return f"{b:.1f} GiB"


def write_results(name: str, rows: list[dict[str, object]]) -> Path:
    """Save one benchmark's rows (plus machine info) as JSON under bench/results/."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"machine": machine_info(), "rows": rows}, indent=2) + "\n")
    return path


def print_table(rows: list[dict[str, object]], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-|-".join("-" * widths[c] for c in columns))
    for r in rows:
        print(" | ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))
