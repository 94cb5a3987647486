"""Segmented proving (issue 22): a 2^24-cycle run on one machine, and segments on a Ray cluster.

1. **One machine.** programs/sgd_train.py (logistic regression trained by SGD on a private
   dataset: 16.75 M cycles, about 2^24) proven by ``zkvm.prover.prove`` with the default
   segment size (chosen from the memory budget) in a fresh process: the whole prove's wall
   time against the sum of its segments' proofs (same run: each segment's ``prove_task`` timed
   by the runner), the process's peak RSS, the proof's size, and the library verify time
   (median of 5 warm runs, in this process).
2. **Ray.** The same program with 3 epochs over 480 samples (8 segments of 2^18 rows) proven on a local Ray
   cluster of one single-CPU worker and of two (each segment one task on one CPU, Numba on one
   thread), in fresh processes, interleaved, 3 runs each: the segments' wall time (from
   submitting the first task to the last proof back) and the whole prove's.

Usage: python bench/bench_segments.py [--skip-long] [--skip-ray] [--rounds 3]
Writes bench/results/segments.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402

PROGRAM = ROOT / "programs" / "sgd_train.py"
INPUT = ROOT / "programs" / "sgd_train.input.json"

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from bench import harness
from zkvm import segmented
from zkvm.programs import load, read_input_file
from zkvm.isa.program import shaped_output
from zkvm.prover import prove

program_path, input_path, mode, rows, epochs = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
samples = int(sys.argv[8])
source = open(program_path).read()
data = read_input_file(input_path)
if samples:
    data = {"xs": data["xs"][:samples], "ys": data["ys"][:samples]}
if epochs:
    import re, tempfile, shutil, os
    d = tempfile.mkdtemp()
    program_path = os.path.join(d, "sgd_train.py")
    open(program_path, "w").write(re.sub(r"^EPOCHS = \d+", f"EPOCHS = {epochs}", source, flags=re.M))
lp = load(program_path, data)
times = []
marks = {}

def local_runner(tasks, progress):
    marks["start"] = time.perf_counter()
    out = []
    for t in tasks:
        t0 = time.perf_counter()
        out.append(segmented.prove_task(t))
        times.append(time.perf_counter() - t0)
    marks["end"] = time.perf_counter()
    return out

runner = local_runner
if mode.startswith("ray"):
    from zkvm import cluster
    cpus = int(mode[3:])
    cluster.connect("local", num_cpus=cpus)
    inner = cluster.runner("local")
    def runner(tasks, progress):
        marks["start"] = time.perf_counter()
        out = inner(tasks, progress)
        marks["end"] = time.perf_counter()
        return out

harness.reset_peak_rss()
t0 = time.perf_counter()
result = prove(lp.program, lp.inputs, segment_rows=rows or None, segment_runner=runner)
total = time.perf_counter() - t0
open(sys.argv[7], "wb").write(result.proof)
print(json.dumps(dict(total=total, segments=result.segments, rows=result.trace_length, cycles=result.cycles,
                      segment_times=times, segments_wall=marks.get("end", 0) - marks.get("start", 0),
                      proof_bytes=len(result.proof), peak_rss=harness.peak_rss_bytes(),
                      outputs=shaped_output(lp.program, result.outputs))))
"""


def child(mode: str, rows: int, epochs: int, proof_path: Path, samples: int = 0) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(PROGRAM), str(INPUT), mode, str(rows), str(epochs),
                          str(proof_path), str(samples)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpython_output(epochs: int | None, samples: int = 0) -> list[int]:
    import re

    source = PROGRAM.read_text()
    if epochs:
        source = re.sub(r"^EPOCHS = \d+", f"EPOCHS = {epochs}", source, flags=re.M)
    scope: dict = {}
    exec(compile(source, str(PROGRAM), "exec"), scope)
    data = json.loads(INPUT.read_text())
    cut = samples or len(data["xs"])
    return scope["main"](data["xs"][:cut], data["ys"][:cut])


def long_run(results: dict) -> None:
    from zkvm.programs import load, read_input_file
    from zkvm.verifier import verify

    proof_path = harness.BUILD_DIR / "sgd_train.proof"
    harness.BUILD_DIR.mkdir(exist_ok=True)
    r = child("local", 0, 0, proof_path)
    assert r["outputs"] == cpython_output(None), "the proven output is not CPython's"
    program = load(str(PROGRAM), read_input_file(str(INPUT))).program
    proof = proof_path.read_bytes()
    verify(proof, program)  # warm (imports, program columns)
    secs = []
    for _ in range(5):
        t = time.perf_counter()
        claim = verify(proof, program)
        secs.append(time.perf_counter() - t)
    seg_sum = sum(r["segment_times"])
    r.update(verify_seconds=secs, verify_median=statistics.median(secs), segment_sum=seg_sum,
             overhead_ratio=r["total"] / seg_sum, verified_segments=claim.segments)
    results["long_run"] = r
    print(f"2^24-cycle run ({r['cycles']} cycles): {r['segments']} segments of {r['rows']} rows, total "
          f"{r['total']:.1f} s vs sum of segments {seg_sum:.1f} s (x{r['overhead_ratio']:.2f}), peak "
          f"{r['peak_rss'] / 2**30:.2f} GiB, proof {r['proof_bytes'] / 2**20:.2f} MiB, verify "
          f"{r['verify_median'] * 1e3:.0f} ms (median of 5)", flush=True)


def ray_runs(results: dict, rounds: int) -> None:
    epochs, rows, samples = 3, 1 << 18, 480  # (8 segments)
    runs: dict[str, list[dict]] = {"ray1": [], "ray2": []}
    for _ in range(rounds):
        for mode in runs:
            r = child(mode, rows, epochs, harness.BUILD_DIR / f"sgd_{mode}.proof", samples)
            assert r["outputs"] == cpython_output(epochs, samples)
            runs[mode].append(r)
            print(f"{mode}: {r['segments']} segments, segments {r['segments_wall']:.1f} s, total {r['total']:.1f} s",
                  flush=True)
    med = {m: statistics.median(x["segments_wall"] for x in v) for m, v in runs.items()}
    tot = {m: statistics.median(x["total"] for x in v) for m, v in runs.items()}
    results["ray"] = {"epochs": epochs, "samples": samples, "rows": rows, "runs": runs, "segments_wall_median": med, "total_median": tot,
                      "speedup_segments": med["ray1"] / med["ray2"], "speedup_total": tot["ray1"] / tot["ray2"]}
    print(f"Ray, {runs['ray2'][0]['segments']} segments of {rows} rows: one worker {med['ray1']:.1f} s, two workers "
          f"{med['ray2']:.1f} s (x{med['ray1'] / med['ray2']:.2f}); whole prove {tot['ray1']:.1f} vs {tot['ray2']:.1f} s",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-long", action="store_true")
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    out = harness.RESULTS_DIR / "segments.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results["machine"] = harness.machine_info()
    if not args.skip_long:
        long_run(results)
    if not args.skip_ray:
        ray_runs(results, args.rounds)
    out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
