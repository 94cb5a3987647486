"""The example models end to end: compile, cycles, prove, verify, proof size, peak memory.

Targets (issue 7; EZKL 23.0.5 measured on this machine as the bar): digits MLP prove <= 0.3 s,
`zkvm run --prove` from a cold process (Numba cache warm) <= 3 s; 1 M-parameter MLP prove
<= 30 s at <= 6 GB peak RSS; `zkvm verify` as a whole process <= 1 s, the library call <= 15 ms
warm. The library call is measured with the program's verifying key (zkvm.keygen: a large
model's committed constants are checked by their root) and without (the verifier evaluates
them), the whole-process `zkvm verify` likewise with and without --vk. Also (issue 6) cycles per MAC of the dense layers of the 64-32-10 MLP <= 1.3.

Each model is proven in its own subprocess (so its peak RSS is its own), several times, and
the median reported; the baseline measured in the same run is the 2^16-row Fibonacci STARK
proof, to show how loaded the machine was. Writes bench/results/models.json and
bench/results/models.png (prove time and peak memory against model size).

Issue 19 adds the 85 k- and 4.3 M-parameter MLPs (targets: <= 0.5 s; <= 10 s and <= 3 GiB; the
1.1 M one <= 5 s, <= 1.5 GiB, verify with its key <= 15 ms) and the committed base-field cells
per MAC of each proof (every table's main and auxiliary columns, extension columns counted
twice, padding included; target <= 12 for the 1.1 M model), with and without the weights'
committed program columns.

Usage: python bench/bench_models.py [--quick] [--skip-1m] (--skip-1m leaves out the 1.1 M and 4.3 M models)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402

PROGRAMS = ROOT / "programs"
MODELS = ["credit_logistic", "fraud_forest", "digits_mlp", "digits_cnn", "mlp_85k", "mlp_1m", "mlp_4m"]
LARGE = ("mlp_1m", "mlp_4m")

# Runs inside a fresh interpreter: compile, prove `runs` times, verify, report JSON.
_CHILD = r"""
import json, sys, time, statistics
sys.path.insert(0, {root!r})
t = time.perf_counter()
from zkvm import programs
from zkvm.prover import prove
from zkvm.verifier import verify
name, runs = {name!r}, {runs}
loaded = programs.load(f"{programs_dir}/{{name}}.py", programs.read_json(f"{programs_dir}/{{name}}.input.json"))
compile_s = time.perf_counter() - t
proves, stages = [], None
for _ in range(runs):
    t = time.perf_counter(); r = prove(loaded.program, loaded.inputs, loaded.public_inputs); proves.append(time.perf_counter() - t)
    stages = r.stages
from zkvm.keygen import verifying_key
t = time.perf_counter(); key = verifying_key(loaded.program, [(r.trace_length, r.blowup)], r.commitment); keygen_s = time.perf_counter() - t
verifies, plain = [], []
for _ in range(3):  # blocks of 5 calls each way: a service verifies one way, with warm caches
    for _ in range(5):
        t = time.perf_counter(); claim = verify(r.proof, loaded.program, vk=key); verifies.append(time.perf_counter() - t)
    for _ in range(5):
        t = time.perf_counter(); verify(r.proof, loaded.program); plain.append(time.perf_counter() - t)
import tempfile, os
fd, proof_path = tempfile.mkstemp(suffix=".proof"); os.write(fd, r.proof); os.close(fd)
key_path = proof_path[:-6] + ".vk"
open(key_path, "wb").write(key.to_bytes())
with open("/proc/self/status") as f:
    peak = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
# committed base-field cells per MAC: every table's main and auxiliary columns (extension columns
# counted twice) at its height, padding included; the program columns (the weights) apart
from zkvm.air import layout as L
from zkvm.prover import vm_tables
from zkvm.proof_file import ProofFile
from zkvm.vm.run import run as _run
ex = _run(loaded.program, loaded.inputs, loaded.public_inputs)
system, traces, _, cols = vm_tables(loaded.program, ex, None, r.commitment)
heights = [tp.trace_length for tp in ProofFile.from_bytes(r.proof).stark.tables]
cells = sum(h * (air.width + 2 * air.aux_width) for air, h in zip(system.tables, heights))
program_cells = sum(h * c.committed_width for h, c in zip(heights, cols) if c is not None)
macs = int((ex.trace[:, L.COL["f_mac"]] == 1).sum())
if ex.dots is not None:
    macs += 8 * sum(int((d[:, 0] == 1).sum()) for d in ex.dots.dot)
print(json.dumps(dict(compile_seconds=compile_s, prove_seconds=proves, verify_seconds=verifies, cycles=r.cycles,
      verify_plain_seconds=plain, keygen_seconds=keygen_s, program_columns=claim.program_columns, commitment=r.commitment,
      proof_path=proof_path, key_path=key_path,
      trace_rows=r.trace_length, proof_bytes=len(r.proof), security_bits=r.security_bits, peak_rss=peak,
      stages=stages, data_words=len(loaded.program.data), code=len(loaded.program.code), table_rows=heights,
      cells=cells, program_cells=program_cells, macs=macs)))
"""


def child(name: str, runs: int) -> dict:
    code = _CHILD.format(root=str(ROOT), name=name, runs=runs, programs_dir=str(PROGRAMS))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cli_seconds(*args: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zkvm", *args], check=True, capture_output=True, cwd=PROGRAMS)
    return time.perf_counter() - t


def baseline_seconds() -> float:
    code = ("import sys,time; sys.path.insert(0, %r)\n"
            "from zkvm.stark import examples, prover\n"
            "air = examples.fibonacci_air(); trace, pub = examples.fibonacci_trace(1 << 16)\n"
            "prover.prove(air, trace, pub)\n"
            "ts=[]\n"
            "for _ in range(3):\n"
            "    t=time.perf_counter(); prover.prove(air, trace, pub); ts.append(time.perf_counter()-t)\n"
            "print(sorted(ts)[1])\n") % str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan")


def dense_cycles_per_mac() -> dict:
    """Cycles spent inside dense() of the digits MLP per multiply-accumulate, from the trace."""
    from zkvm import programs
    from zkvm.air import layout as L
    from zkvm.vm.run import run

    loaded = programs.load(PROGRAMS / "digits_mlp.py", programs.read_json(PROGRAMS / "digits_mlp.input.json"))
    ex = run(loaded.program, loaded.inputs, record=True)
    src = (PROGRAMS / "digits_mlp.py").read_text().splitlines()
    start = next(i for i, t in enumerate(src, 1) if t.startswith("def dense("))
    end = next(i for i, t in enumerate(src, 1) if i > start and t.startswith("def "))
    pcs = ex.trace[: ex.cycles, L.COL["pc"]]
    lines = [int(loaded.program.debug[int(pc)].split("|")[0].rsplit(":", 1)[1]) for pc in pcs]
    in_dense = sum(1 for ln in lines if start <= ln < end)
    macs = 64 * 32 + 32 * 10
    return {"dense_cycles": in_dense, "macs": macs, "cycles_per_mac": in_dense / macs, "total_cycles": ex.cycles,
            "total_cycles_per_mac": ex.cycles / macs}


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax1 = plt.subplots(figsize=(7, 4.2))
    xs = [r["trace_rows"] for r in rows]
    ax1.plot(xs, [r["prove_s"] for r in rows], "o-", color="tab:blue", label="prove time (s)")
    ax1.set_xscale("log", base=2)
    ax1.set_yscale("log")
    ax1.set_xlabel("trace rows (cycles rounded up to a power of two, at least 2^11)")
    ax1.set_ylabel("prove time, median (s)", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot(xs, [r["peak_rss_gib"] for r in rows], "s--", color="tab:red", label="peak RSS (GiB)")
    ax2.set_ylabel("peak RSS (GiB)", color="tab:red")
    seen: dict[int, int] = {}
    for r in rows:  # models with the same trace length get their labels stacked, not overlaid
        k = seen.get(r["trace_rows"], 0)
        seen[r["trace_rows"]] = k + 1
        right_end = r["trace_rows"] == max(xs)  # keep the rightmost label inside the axes
        ax1.annotate(r["model"], (r["trace_rows"], r["prove_s"]), textcoords="offset points",
                     xytext=(-48 if right_end else 4, (-14 if right_end else 6) + 11 * k), fontsize=8)
    ax1.set_title("zkvm: prove time and peak memory against model size (2 cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    quick = "--quick" in sys.argv
    models = [m for m in MODELS if not ("--skip-1m" in sys.argv and m in LARGE)]
    for m in [m for m in models if not (PROGRAMS / f"{m}.npz").exists()]:
        # (mlp_4m's 3.3 MB of weights are not in git: programs/train.py writes them)
        print(f"skipping {m}: no programs/{m}.npz; generate it with python3 -m pip install -e '.[train]' && "
              f"python3 programs/train.py --only {m}")
        models.remove(m)
    base = baseline_seconds()
    print(f"baseline: Fibonacci STARK 2^16 rows proves in {base:.3f} s (same run)")
    mac = dense_cycles_per_mac()
    print(f"digits MLP dense layers: {mac['cycles_per_mac']:.3f} cycles/MAC ({mac['dense_cycles']} cycles, {mac['macs']} MACs); "
          f"whole program {mac['total_cycles_per_mac']:.3f}")
    rows = []
    for name in models:
        runs = 1 if quick else 3 if name in LARGE else 5
        r = child(name, runs)
        row = {
            "model": name, "cycles": r["cycles"], "trace_rows": r["trace_rows"], "data_words": r["data_words"],
            "compile_s": round(r["compile_seconds"], 3), "prove_s": round(statistics.median(r["prove_seconds"]), 3),
            "prove_runs": len(r["prove_seconds"]), "first_prove_s": round(r["prove_seconds"][0], 3),
            "verify_ms": round(1e3 * statistics.median(r["verify_seconds"]), 2),
            "verify_no_key_ms": round(1e3 * statistics.median(r["verify_plain_seconds"]), 2),
            "committed_parts": r["commitment"], "keygen_s": round(r["keygen_seconds"], 3),
            "proof_kib": round(r["proof_bytes"] / 1024, 1), "security_bits": r["security_bits"],
            "peak_rss_gib": round(r["peak_rss"] / 2**30, 2), "stages": {k: round(v, 3) for k, v in r["stages"].items()},
            "table_rows": r["table_rows"], "macs": r["macs"],
            "cells_per_mac": round(r["cells"] / r["macs"], 1) if r["macs"] else None,
            "cells_per_mac_with_program": round((r["cells"] + r["program_cells"]) / r["macs"], 1) if r["macs"] else None,
        }
        if name not in LARGE:
            row["cli_prove_s"] = round(cli_seconds("run", f"{name}.py", "--input", f"{name}.input.json", "--prove", "--quiet"), 2)
        proof, key = r["proof_path"], r["key_path"]
        row["cli_verify_s"] = round(statistics.median(cli_seconds("verify", proof, "--program", f"{name}.py") for _ in range(3)), 2)
        row["cli_verify_key_s"] = round(statistics.median(
            cli_seconds("verify", proof, "--program", f"{name}.py", "--vk", key) for _ in range(3)), 2)
        Path(proof).unlink(missing_ok=True)
        Path(key).unlink(missing_ok=True)
        rows.append(row)
        print(json.dumps(row), flush=True)
    cols = ["model", "cycles", "trace_rows", "compile_s", "prove_s", "verify_ms", "verify_no_key_ms", "proof_kib",
            "peak_rss_gib", "cells_per_mac", "cli_prove_s", "cli_verify_s", "cli_verify_key_s"]
    harness.print_table(rows, cols)
    extra = {"baseline_fibonacci_2e16_s": base, "digits_mlp_mac": mac, "threads": harness.max_threads()}
    path = harness.write_results("models", rows + [extra])
    plot(rows, harness.RESULTS_DIR / "models.png")
    print(f"wrote {path} and {harness.RESULTS_DIR / 'models.png'}")


if __name__ == "__main__":
    main()
