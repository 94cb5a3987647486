"""Loop unrolling, same run: a model compiled with its loops rolled (unroll.MAX_UNROLL = 1) and
unrolled (16), proofs interleaved in one warm interpreter; medians and minima.

Usage: python bench/bench_unroll.py MODEL RUNS   (MODEL: a program in programs/, e.g. mlp_85k)
"""

import statistics
import sys
import time
from pathlib import Path

from zkvm import programs
from zkvm.compiler import unroll
from zkvm.prover import prove

name = sys.argv[1] if len(sys.argv) > 1 else "mlp_85k"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
P = Path(__file__).resolve().parent.parent / "programs"

def load(u):
    unroll.MAX_UNROLL = u
    return programs.load(f"{P}/{name}.py", programs.read_json(f"{P}/{name}.input.json"))
progs = {"rolled": load(1), "unrolled": load(16)}
for k, l in progs.items():
    prove(l.program, l.inputs, l.public_inputs)  # warm
times = {k: [] for k in progs}
for _ in range(runs):
    for k, l in progs.items():
        t = time.perf_counter(); r = prove(l.program, l.inputs, l.public_inputs); times[k].append(time.perf_counter() - t)
        times[k + "_rows"] = r.trace_length
for k in progs:
    print(name, k, "cpu rows", times[k + "_rows"], "median %.3f" % statistics.median(times[k]), "min %.3f" % min(times[k]))
