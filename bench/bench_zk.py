"""The cost of zero-knowledge: prove time, proof size and verify time with zk on and off.

Issue 8's target: at 2^16 and 2^20 cycles, zk proving <= 15% slower and zk proofs <= 10% larger
than without. The program is a DSL loop sized so that its trace has exactly 2^k rows (cycles just
below 2^k). zk on and off are timed interleaved (the machine is shared and noisy: their ratio
is the figure that matters); each median, of prove time and of proof size (a zk proof's size
varies with its query positions), is over several proofs; verify is the library call.
Peak memory is measured per mode in a fresh subprocess (one proof each).

Usage: python3 bench/bench_zk.py [--quick]   (--quick: 2^16 only)
Writes bench/results/zk.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness  # noqa: E402

LOOP = """
def main(x: int) -> int:
    acc = 0
    for i in range({iters}):
        acc = acc + x * i
    return acc
"""


def program_for(log_rows: int):
    """A program whose trace has 2^log_rows rows, with as many cycles as fit."""
    import zkvm

    per_iter = None
    iters = 1000
    for _ in range(4):
        prog = zkvm.compile(LOOP.format(iters=iters))
        cycles = zkvm.run(prog, [3], record=False).cycles
        per_iter = cycles / iters
        iters = int(((1 << log_rows) * 0.97 - (cycles - per_iter * iters)) / per_iter)
    prog = zkvm.compile(LOOP.format(iters=iters))
    cycles = zkvm.run(prog, [3], record=False).cycles
    assert cycles <= 1 << log_rows
    return prog, cycles


def peak_of(log_rows: int, zk: bool) -> float:
    """Peak RSS (GiB) of one proof in a fresh process."""
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from bench.bench_zk import program_for\n"
        "from bench import harness\n"
        "import zkvm\n"
        "from zkvm.fri.options import FriOptions\n"
        "prog, _ = program_for(%d)\n"
        "harness.reset_peak_rss()\n"
        "zkvm.prove(prog, [3], options=FriOptions(zk=%r))\n"
        "print(harness.peak_rss_bytes())\n"
    ) % (str(Path(__file__).resolve().parents[1]), log_rows, zk)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 2**30


def measure(log_rows: int, runs: int) -> dict:
    import zkvm
    from zkvm.fri.options import FriOptions
    from zkvm.verifier import verify

    prog, cycles = program_for(log_rows)
    proofs: dict[bool, bytes] = {}
    sizes: dict[bool, list[int]] = {True: [], False: []}

    def prover(zk: bool):
        def go():
            proofs[zk] = zkvm.prove(prog, [3], options=FriOptions(zk=zk)).proof
            sizes[zk].append(len(proofs[zk]))
        return go

    timings = harness.interleaved({"zk": prover(True), "no zk": prover(False)}, rounds=runs, repeats=1)
    verify_ms = {}
    for zk in (True, False):
        verify(proofs[zk], prog)
        ts = []
        for _ in range(15):
            t = time.perf_counter()
            verify(proofs[zk], prog)
            ts.append(time.perf_counter() - t)
        verify_ms[zk] = statistics.median(ts) * 1e3
    on, off = timings["zk"].median, timings["no zk"].median
    row = {
        "trace_rows": f"2^{log_rows}",
        "cycles": cycles,
        "prove_zk_s": round(on, 3),
        "prove_no_zk_s": round(off, 3),
        "prove_ratio": round(on / off, 3),
        "proof_zk_kib": round(statistics.median(sizes[True]) / 1024, 1),
        "proof_no_zk_kib": round(statistics.median(sizes[False]) / 1024, 1),
        "size_ratio": round(statistics.median(sizes[True]) / statistics.median(sizes[False]), 3),
        "verify_zk_ms": round(verify_ms[True], 1),
        "verify_no_zk_ms": round(verify_ms[False], 1),
        "runs": runs,
    }
    row["peak_zk_gib"] = round(peak_of(log_rows, True), 2)
    row["peak_no_zk_gib"] = round(peak_of(log_rows, False), 2)
    return row


def main() -> None:
    quick = "--quick" in sys.argv
    harness.set_threads(2)
    rows = [measure(16, 7)]
    if not quick:
        rows.append(measure(20, 3))
    print("Zero-knowledge cost (2 threads; medians; zk and no-zk interleaved)")
    harness.print_table(rows, list(rows[0].keys()))
    for r in rows:
        print(f"{r['trace_rows']}: proving {100 * (r['prove_ratio'] - 1):+.0f}% (target <= +15%: "
              f"{'met' if r['prove_ratio'] <= 1.15 else 'NOT met'}), proof size {100 * (r['size_ratio'] - 1):+.0f}% "
              f"(target <= +10%: {'met' if r['size_ratio'] <= 1.10 else 'NOT met'})")
    path = harness.write_results("zk", rows)
    print(f"wrote {path}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
