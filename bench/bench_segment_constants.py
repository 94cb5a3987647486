"""A model's constants in segments (issue 22): each segment carrying the pieces it reads
(``segment_constants="read"``, the default) against every segment carrying all of them
(``"all"``), with the run proven whole as the baseline, all in the same run.

programs/mlp_1m.py (1.13 M constant weights: a data table of 2^17 + 2^14 rows; 30 K cycles, its
single-row macs 131 K dot-product rows) in segments of 2^13 rows (18 segments: small segments
make the constants' share large, as a 124 M-parameter model's would be in 2^21-row ones). Each
configuration in a fresh process, interleaved, ``--rounds`` times: the prove's wall time, the
process's peak RSS, the proof's size, the data-table rows proven over all segments, and the
library verify time (median of 5 warm runs, in the child).

Usage: python bench/bench_segment_constants.py [--rounds 3] [--rows 8192]
Writes bench/results/segment_constants.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402

PROGRAM = ROOT / "programs" / "mlp_1m.py"
INPUT = ROOT / "programs" / "mlp_1m.input.json"

_CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from bench import harness
from zkvm.programs import load, read_input_file
from zkvm.proof_file import ProofFile
from zkvm.prover import prove
from zkvm.verifier import verify

program_path, input_path, mode, rows = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
lp = load(program_path, read_input_file(input_path))
harness.reset_peak_rss()
t0 = time.perf_counter()
result = prove(lp.program, lp.inputs, segment_rows=rows, segment_constants=mode if rows else "read")
total = time.perf_counter() - t0
peak = harness.peak_rss_bytes()
pf = ProofFile.from_bytes(result.proof)
data_rows = sum(tp.trace_length for st in (pf.stark, *pf.segments)
                for i, tp in enumerate(st.tables) if i and len(tp.public_inputs) == 1)
verify(result.proof, lp.program)  # warm (imports, program columns)
secs = []
for _ in range(5):
    t = time.perf_counter()
    claim = verify(result.proof, lp.program)
    secs.append(time.perf_counter() - t)
print(json.dumps(dict(total=total, segments=result.segments, rows=result.trace_length, cycles=result.cycles,
                      proof_bytes=len(result.proof), peak_rss=peak, data_rows=data_rows,
                      verify_median=statistics.median(secs), outputs=claim.output)))
"""


def child(mode: str, rows: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(PROGRAM), str(INPUT), mode, str(rows)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpython_output():
    import runpy

    return runpy.run_path(str(PROGRAM))["main"](**json.loads(INPUT.read_text()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1 << 13)
    args = ap.parse_args()
    configs = {"whole": ("read", 0), "read": ("read", args.rows), "all": ("all", args.rows)}
    runs: dict[str, list[dict]] = {name: [] for name in configs}
    for _ in range(args.rounds):
        for name, (mode, rows) in configs.items():
            r = child(mode, rows)
            runs[name].append(r)
            print(f"{name}: {r['segments']} segments of {r['rows']} rows, {r['total']:.1f} s, peak "
                  f"{r['peak_rss'] / 2**30:.2f} GiB, proof {r['proof_bytes'] / 2**20:.2f} MiB, {r['data_rows']} data rows, "
                  f"verify {r['verify_median'] * 1e3:.0f} ms", flush=True)
    expected = cpython_output()
    assert all(r["outputs"] == expected for v in runs.values() for r in v), "a proven output is not CPython's"
    summary = {}
    for name, v in runs.items():
        summary[name] = {key: statistics.median(r[key] for r in v)
                         for key in ("total", "peak_rss", "proof_bytes", "data_rows", "verify_median")}
        summary[name]["segments"] = v[0]["segments"]
    results = {"machine": harness.machine_info(), "program": "programs/mlp_1m.py", "segment_rows": args.rows,
               "rounds": args.rounds, "runs": runs, "median": summary,
               "read_over_all_time": summary["read"]["total"] / summary["all"]["total"],
               "read_over_whole_time": summary["read"]["total"] / summary["whole"]["total"]}
    out = harness.RESULTS_DIR / "segment_constants.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
