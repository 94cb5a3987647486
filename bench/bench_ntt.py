"""NTT and coset LDE: zkvm's Numba kernels against the same algorithm in gcc -O3 C.

Targets (issue 3): NTT 2^20 one column one thread <= 1.2x C; two-thread speed-up >= 1.6x at
2^22 (quiet machine); LDE 2^18 x 32 at blowup 8 <= 1.3x the NTTs it performs measured alone;
row-major against column-major batching.
Usage: python bench/bench_ntt.py [--quick]
"""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import harness  # noqa: E402
from zkvm.field import goldilocks as gl  # noqa: E402
from zkvm.field import ntt  # noqa: E402

P = gl.P


def bench_1d(lib, rows: list, sizes: list[int]) -> None:
    ptr = ctypes.POINTER(ctypes.c_uint64)
    lib.dif_1d.argtypes = [ptr, ptr, ctypes.c_size_t, ctypes.c_size_t]
    rng = np.random.default_rng(5)
    for log_n in sizes:
        n = 1 << log_n
        src = rng.integers(0, P, n, dtype=np.uint64)
        tw = ntt.TWIDDLES.get(log_n, inverse=False)
        bufs = {k: src.copy() for k in ("1T", "2T", "C")}
        block = 1 << ntt.BLOCK_LOG_1D

        def reset():
            for k in bufs:
                bufs[k][:] = src

        def numba_1t():
            harness.set_threads(1)
            ntt.dif_1d(bufs["1T"], tw, ntt.BLOCK_LOG_1D)

        def numba_2t():
            harness.set_threads(2)
            ntt.dif_1d(bufs["2T"], tw, ntt.BLOCK_LOG_1D)

        def c_ref():
            lib.dif_1d(bufs["C"].ctypes.data_as(ptr), tw.ctypes.data_as(ptr), n, block)

        res = harness.interleaved({"numba 1T": numba_1t, "numba 2T": numba_2t, "C gcc -O3": c_ref}, rounds=5, repeats=3, setup=reset)
        reset()
        numba_1t()
        c_ref()
        assert np.array_equal(bufs["1T"], bufs["C"])
        c = res["C gcc -O3"].median
        t1 = res["numba 1T"].median
        for name, m in res.items():
            rows.append(
                {
                    "what": f"NTT 1 column ({name})",
                    "size": f"2^{log_n}",
                    "median": harness.fmt_seconds(m.median),
                    "vs C": f"{m.median / c:.2f}x",
                    "2T speed-up": f"{t1 / m.median:.2f}x" if name == "numba 2T" else "",
                }
            )


def column_major_lde(trace_cm: np.ndarray, blowup: int) -> np.ndarray:
    """The LDE done one column at a time on (cols, n) column-major data (for comparison)."""
    cols, n = trace_cm.shape
    log_n = n.bit_length() - 1
    tw_inv = ntt.TWIDDLES.get(log_n, inverse=True)
    tw = ntt.TWIDDLES.get(log_n, inverse=False)
    offsets = ntt.coset_offsets(n, blowup)
    out = np.empty((cols, n * blowup), dtype=np.uint64)
    n_inv = gl.inv(n)
    for c in range(cols):
        coeffs = trace_cm[c].copy()
        ntt.bit_reverse_rows(coeffs, log_n)
        ntt.dit_1d(coeffs, tw_inv, ntt.BLOCK_LOG_1D)
        for r in range(blowup):
            dst = out[c, r * n : (r + 1) * n]
            ntt._scale_rows_by_powers(coeffs.reshape(n, 1), dst.reshape(n, 1), np.uint64(offsets[r]), np.uint64(n_inv))
            ntt.dif_1d(dst, tw, ntt.BLOCK_LOG_1D)
    return out


def bench_lde(rows: list, log_n: int, cols: int, blowup: int) -> None:
    rng = np.random.default_rng(6)
    n = 1 << log_n
    trace = rng.integers(0, P, (n, cols), dtype=np.uint64)
    trace_cm = np.ascontiguousarray(trace.T)
    tw = ntt.TWIDDLES.get(log_n, inverse=False)
    tw_inv = ntt.TWIDDLES.get(log_n, inverse=True)
    work = trace.copy()
    out_holder = {}

    def ntts_alone():
        # the transforms an LDE performs: one inverse and `blowup` forward, each n x cols
        ntt.dit_rows_serial(work, tw_inv, ntt.BLOCK_LOG_ROWS)
        for _ in range(blowup):
            ntt.dif_rows_serial(work, tw, ntt.BLOCK_LOG_ROWS)

    out_buf = np.empty((n * blowup, cols), dtype=np.uint64)

    def lde_rows():
        out_holder["rows"] = ntt.low_degree_extend(trace, blowup, out=out_buf)

    def lde_fresh():
        ntt.low_degree_extend(trace, blowup)

    def lde_cols():
        out_holder["cols"] = column_major_lde(trace_cm, blowup)

    for threads in (1, 2):
        harness.set_threads(threads)
        harness.reset_peak_rss()
        cands = {"LDE row-major (reused output buffer)": lde_rows, "NTTs alone (serial)": ntts_alone}
        if threads == 1:
            cands["LDE row-major (fresh output allocation)"] = lde_fresh
            cands["LDE column-major"] = lde_cols
        res = harness.interleaved(cands, rounds=3, repeats=1)
        peak = harness.peak_rss_bytes()
        base = res["NTTs alone (serial)"].median
        for name, m in res.items():
            rows.append(
                {
                    "what": f"{name} {threads}T",
                    "size": f"2^{log_n} x {cols} -> x{blowup}",
                    "median": harness.fmt_seconds(m.median),
                    "vs C": "",
                    "2T speed-up": "",
                    "vs NTTs alone": f"{m.median / base:.2f}x",
                    "peak RSS": harness.fmt_bytes(peak),
                }
            )
    if "cols" in out_holder:
        assert np.array_equal(out_holder["rows"], out_holder["cols"].T)
    rows.append({"what": "note: fresh allocations pay first-touch page faults in this VM (about 0.6 GiB/s when cold)"})


def main() -> None:
    quick = "--quick" in sys.argv
    lib = harness.build_c_library(harness.BENCH_DIR / "c" / "goldilocks.c", "goldilocks")
    rows: list[dict] = []
    bench_1d(lib, rows, [12, 16] if quick else [16, 20, 22])
    bench_lde(rows, 12 if quick else 18, 32, 8)
    print(f"NTT / LDE, threads available: {harness.max_threads()}")
    harness.print_table(rows, ["what", "size", "median", "vs C", "2T speed-up", "vs NTTs alone", "peak RSS"])
    harness.write_results("ntt", rows)


if __name__ == "__main__":
    main()
