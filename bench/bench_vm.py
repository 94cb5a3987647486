"""The VM: execution rate, prove/verify at 2^14..2^20 cycles, trace width, cycles per MAC.

Targets (issue 5): VM execution >= 20 M cycles/s with the trace recorded (ratio to the
pure-Python reference reported); prove 2^20 cycles <= 20 s on both cores, verify <= 15 ms,
proof <= 130 KB at 100 bits, peak RSS <= 6 GB; main trace <= 64 columns, degree <= 3;
<= 1.1 cycles per MAC on a 256 x 256 matrix-vector product.
Usage: python bench/bench_vm.py [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402
from tests.vm import programs as progs  # noqa: E402
import zkvm  # noqa: E402
from zkvm.air.layout import WIDTH  # noqa: E402
from zkvm.air.vm_air import vm_air  # noqa: E402
from zkvm.isa.asm import assemble  # noqa: E402
from zkvm.vm import kernels as vk  # noqa: E402
from zkvm.vm import run as vr  # noqa: E402
from zkvm.vm.reference import run_reference  # noqa: E402


def matvec_program(rows: int, cols: int) -> str:
    rng = np.random.default_rng(0)
    w = rng.integers(-128, 128, rows * cols)
    lines = [f".inputs {cols}", f".outputs {rows}", ".stack 8"]
    for i in range(0, len(w), 64):
        lines.append(".data " + ", ".join(str(int(v)) for v in w[i : i + 64]))
    lines += [" movi 0, @in+0", " movi 1, @data+0"]
    for r in range(rows):
        lines += [" movi 2, 0", f" mac 2, 1, 0, {cols}", f" sta 2, @out+{r}", f" addi 1, 1, {cols}"]
    lines.append(" halt")
    return "\n".join(lines) + "\n"


def execution_rate(rows: list) -> None:
    p = assemble(progs.SUM_TO_N)
    k = 3_000_000
    zkvm.run(p, [10])
    # recording into a trace whose memory is already touched (the steady state of a prover
    # service), and the whole run() including the allocation (a cold process)
    code = vr._code_matrix(p)
    err = np.zeros(2, np.int64)
    mem0 = vr._initial_memory(p, np.array([k], np.uint64), np.zeros(0, np.uint64), vr.DEFAULT_MEMORY)
    cycles = zkvm.run(p, [k], record=False).cycles
    n = 1 << (cycles - 1).bit_length()
    trace = np.zeros((n, WIDTH), np.uint64)
    last_t = np.zeros(vr.DEFAULT_MEMORY, np.int64)

    def record():
        trace[:cycles] = 0
        last_t[:] = 0
        vk.execute(code, mem0.copy(), vr.DEFAULT_MEMORY, vr.const_array(p), p.layout.stack_base, 1 << 27, True, trace, last_t, err,
                   False, np.zeros((1, 6), np.uint64), np.zeros(1, np.uint64), np.zeros(2, np.int64))

    res = harness.interleaved(
        {
            "execute only": lambda: zkvm.run(p, [k], record=False),
            "execute + record trace (warm buffers)": record,
            "run() with trace, fresh allocation": lambda: zkvm.run(p, [k]),
        },
        rounds=3,
        repeats=1,
    )
    t = time.perf_counter()
    ref = run_reference(p, [20_000])
    ref_rate = ref.cycles / (time.perf_counter() - t)
    for name, m in res.items():
        rate = cycles / m.median
        rows.append({"what": name, "cycles": cycles, "median": harness.fmt_seconds(m.median),
                     "M cycles/s": f"{rate / 1e6:.1f}", "vs Python reference": f"{rate / ref_rate:.0f}x"})
    rows.append({"what": "pure-Python reference interpreter", "cycles": ref.cycles, "median": "",
                 "M cycles/s": f"{ref_rate / 1e6:.2f}", "vs Python reference": "1x"})


def prove_sizes(rows: list, sizes: list[int]) -> None:
    p = assemble(progs.SUM_TO_N)
    zkvm.prove(p, [10])
    for log_c in sizes:
        k = (1 << log_c) // 6 - 10
        times, result = [], None
        harness.reset_peak_rss()
        runs = 1 if log_c >= 20 else 3
        for _ in range(runs):
            t = time.perf_counter()
            result = zkvm.prove(p, [k])
            times.append(time.perf_counter() - t)
        peak = harness.peak_rss_bytes()
        vt = []
        for _ in range(7):
            t = time.perf_counter()
            zkvm.verify(result.proof, p)
            vt.append(time.perf_counter() - t)
        stages = result.stages
        rows.append({
            "cycles": f"{result.cycles} (~2^{log_c})",
            "trace rows": result.trace_length,
            "prove": harness.fmt_seconds(sorted(times)[len(times) // 2]),
            "cycles/s": f"{result.cycles / sorted(times)[len(times) // 2] / 1e3:.0f} k",
            "verify": harness.fmt_seconds(sorted(vt)[3]),
            "proof": f"{len(result.proof) / 1000:.1f} KB",
            "peak RSS": harness.fmt_bytes(peak),
            "stages (s)": ", ".join(f"{k} {v:.2f}" for k, v in stages.items()),
        })


def main() -> None:
    quick = "--quick" in sys.argv
    harness.set_threads(2)
    exec_rows: list = []
    execution_rate(exec_rows)
    print("VM execution rate (2 threads available; the VM itself is single-threaded)")
    harness.print_table(exec_rows, list(exec_rows[0].keys()))
    air = vm_air()
    print(f"\nTrace: {air.width} main columns, {air.aux_width} auxiliary extension columns "
          f"({2 * air.aux_width} base), {len(air.public_columns)} public columns, "
          f"{len(air.constraints)} constraints, max degree {air.max_degree}")
    mv = assemble(matvec_program(256, 256))
    cycles = zkvm.run(mv, list(range(256)), record=False).cycles
    print(f"256 x 256 matrix-vector product with mac: {cycles} cycles for 65536 MACs = {cycles / 65536:.3f} cycles per MAC")
    prove_rows: list = []
    prove_sizes(prove_rows, [14, 16] if quick else [14, 16, 18, 20])
    print("\nProve and verify (both cores), default options (100 bits)")
    harness.print_table(prove_rows, list(prove_rows[0].keys()))
    harness.write_results("vm", exec_rows + prove_rows + [{"matvec_cycles_per_mac": cycles / 65536, "width": air.width}])


if __name__ == "__main__":
    main()
