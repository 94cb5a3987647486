"""Goldilocks array multiply: zkvm's Numba kernel against a gcc -O3 C loop in the same run.

Target (issue 3): <= 1.2x the time of the C loop over the same arrays, one thread.
Usage: python bench/bench_field.py [--quick]
"""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import harness  # noqa: E402
from zkvm.field import kernels  # noqa: E402

P = 2**64 - 2**32 + 1


def main() -> None:
    quick = "--quick" in sys.argv
    log_n = 18 if quick else 22
    n = 1 << log_n
    lib = harness.build_c_library(harness.BENCH_DIR / "c" / "goldilocks.c", "goldilocks")
    ptr = ctypes.POINTER(ctypes.c_uint64)
    for fn in (lib.mul_arrays, lib.mul_arrays_int128):
        fn.argtypes = [ptr, ptr, ptr, ctypes.c_size_t]
    rng = np.random.default_rng(1)
    a = rng.integers(0, P, n, dtype=np.uint64)
    b = rng.integers(0, P, n, dtype=np.uint64)
    outs = {k: np.empty_like(a) for k in ("numba", "numba2", "c", "c128", "np")}
    pa, pb = a.ctypes.data_as(ptr), b.ctypes.data_as(ptr)

    def c_limb():
        lib.mul_arrays(pa, pb, outs["c"].ctypes.data_as(ptr), n)

    def c_i128():
        lib.mul_arrays_int128(pa, pb, outs["c128"].ctypes.data_as(ptr), n)

    def numba_1t():
        kernels.mul_into(a, b, outs["numba"])

    def numba_2t():
        kernels.mul_into_parallel(a, b, outs["numba2"])

    def numpy_wrap():
        np.multiply(a, b, out=outs["np"])

    harness.reset_peak_rss()
    harness.set_threads(2)
    res = harness.interleaved(
        {"numba 1T": numba_1t, "numba 2T": numba_2t, "C limb (gcc -O3)": c_limb, "C __int128": c_i128, "numpy u64 wrap (no reduction)": numpy_wrap},
        rounds=3 if quick else 5,
        repeats=3,
    )
    assert np.array_equal(outs["numba"], outs["c"]) and np.array_equal(outs["numba2"], outs["c"])
    assert np.array_equal(outs["c128"], outs["c"])
    base = res["C limb (gcc -O3)"].median
    rows = []
    for name, m in res.items():
        rows.append(
            {
                "kernel": name,
                "size": f"2^{log_n}",
                "median": harness.fmt_seconds(m.median),
                "ns/mul": f"{m.median / n * 1e9:.3f}",
                "vs C limb": f"{m.median / base:.2f}x",
            }
        )
    # data in cache: 2^12 elements, many passes
    small = 1 << 12
    sa, sb, so = a[:small].copy(), b[:small].copy(), np.empty(small, dtype=np.uint64)
    psa, psb, pso = sa.ctypes.data_as(ptr), sb.ctypes.data_as(ptr), so.ctypes.data_as(ptr)
    passes = 2000

    def numba_cache():
        for _ in range(passes):
            kernels.mul_into(sa, sb, so)

    def c_cache():
        for _ in range(passes):
            lib.mul_arrays(psa, psb, pso, small)

    res2 = harness.interleaved({"numba 1T in cache": numba_cache, "C limb in cache": c_cache}, rounds=3, repeats=3)
    base2 = res2["C limb in cache"].median
    for name, m in res2.items():
        rows.append(
            {
                "kernel": name,
                "size": f"2^12 x {passes}",
                "median": harness.fmt_seconds(m.median),
                "ns/mul": f"{m.median / (small * passes) * 1e9:.3f}",
                "vs C limb": f"{m.median / base2:.2f}x",
            }
        )
    print(f"Goldilocks multiply, threads available: {harness.max_threads()}, peak RSS {harness.fmt_bytes(harness.peak_rss_bytes())}")
    harness.print_table(rows, ["kernel", "size", "median", "ns/mul", "vs C limb"])
    harness.write_results("field", rows)


if __name__ == "__main__":
    main()
