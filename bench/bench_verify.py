"""The embeddable verifier (`zkvm.verifier.verify`) on the example models, and the evaluation of
the public columns (program code and constant data) at the out-of-domain point, which dominated
it for models with many constants.

For each small model (digits_mlp, credit_logistic, fraud_forest, digits_cnn) a fresh proof and
the compiled program (JSON, as a service would load it) are written to bench/_build/verify/;
then a light child process (no Numba, no compiler: checked and reported) times the library
verify warm, interleaving the numpy `PublicColumns.evaluate` with the old per-entry Python one
(`PublicColumns._evaluate_reference`, monkeypatched in) as the same-run baseline, times the
evaluation alone on the model's real columns at a random point (both must agree exactly), and
profiles the warm verify with cProfile.

For the 1.13 M-parameter MLP the evaluation alone is measured on its real columns (the program is
compiled and run, not proven: its trace length follows zkvm/vm/run.py). With --full-1m the model
is also proven (about 40 s and 7 GiB, only if that much memory is free) and its full library
verify is measured once cold and a few times warm, old and new.

Writes bench/results/verify.json.

Usage: python bench/bench_verify.py [--runs N] [--skip-1m] [--full-1m] [--reuse-proofs]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402

PROGRAMS = ROOT / "programs"
WORK = harness.BUILD_DIR / "verify"
SMALL = ["digits_mlp", "credit_logistic", "fraud_forest", "digits_cnn"]
LIGHT_FORBIDDEN = ("numba", "llvmlite", "lark")

# Runs in a fresh interpreter that imports only the verifier side of zkvm.
_LIGHT_CHILD = r"""
import json, random, statistics, sys, time, cProfile, pstats
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from zkvm.isa.program import Program
from zkvm.verifier import verify
from zkvm.stark.public_columns import PublicColumns
from zkvm.air.vm_air import public_columns
from zkvm.proof_file import ProofFile
from zkvm.field.ext2 import Ext2
import_s = time.perf_counter() - t0
runs, prof_runs, eval_runs, ref_runs = {runs}, {prof_runs}, {eval_runs}, {ref_runs}
prog = Program.from_json(json.load(open({program_json!r})))
proof = open({proof_path!r}, "rb").read()
NEW, REF = PublicColumns.evaluate, PublicColumns._evaluate_reference

t = time.perf_counter(); claim = verify(proof, prog); first = time.perf_counter() - t
new, old = [], []
for i in range(3):  # warm both
    for fn in (NEW, REF):
        PublicColumns.evaluate = fn; verify(proof, prog)
for i in range(runs):  # interleaved, alternating which goes first
    order = ((NEW, new), (REF, old)) if i % 2 == 0 else ((REF, old), (NEW, new))
    for fn, store in order:
        PublicColumns.evaluate = fn
        t = time.perf_counter(); verify(proof, prog); store.append(time.perf_counter() - t)
PublicColumns.evaluate = NEW

pf = ProofFile.from_bytes(proof)
n = pf.stark.trace_length
cols = public_columns(prog, pf.public_inputs, pf.outputs, n, pf.output_address)
rng = random.Random(12345)
P = 2**64 - 2**32 + 1
z = Ext2(rng.randrange(P), rng.randrange(1, P))
same = NEW(cols, n, z) == REF(cols, n, z)
ev_new, ev_ref = [], []
for i in range(eval_runs):
    t = time.perf_counter(); NEW(cols, n, z); ev_new.append(time.perf_counter() - t)
    if i < ref_runs:
        t = time.perf_counter(); REF(cols, n, z); ev_ref.append(time.perf_counter() - t)

# wall-clock stages of the library verify (outside the profiler): what zkvm.verifier.verify does
# before the STARK check, and the public-column evaluation inside it
stage_fns = dict(
    proof_decode=lambda: ProofFile.from_bytes(proof),
    program_hash=lambda: prog.hash(),
    public_columns_build=lambda: public_columns(prog, pf.public_inputs, pf.outputs, n, pf.output_address),
    public_columns_digest=lambda: PublicColumns(cols.rows, cols.values).digest(),
    public_columns_evaluate=lambda: NEW(cols, n, z),
    verify=lambda: verify(proof, prog),
)
stages = {{k: [] for k in stage_fns}}
for _ in range(runs):
    for k, fn in stage_fns.items():
        t = time.perf_counter(); fn(); stages[k].append(time.perf_counter() - t)
stages = {{k: statistics.median(v) for k, v in stages.items()}}

pr = cProfile.Profile()
pr.enable()
for _ in range(prof_runs):
    verify(proof, prog)
pr.disable()
st = pstats.Stats(pr)
funcs, files = [], {{}}
for (path, line, name), (cc, nc, tt, ct, callers) in st.stats.items():
    short = path.split("/zkvm/", 1)[-1] if "/zkvm/" in path else path.rsplit("/", 1)[-1]
    funcs.append(dict(function=f"{{short}}:{{line}}({{name}})", calls=nc / prof_runs,
                      self_ms=1e3 * tt / prof_runs, cumulative_ms=1e3 * ct / prof_runs))
    key = ("zkvm/" + short) if "/zkvm/" in path else ("(builtins)" if path == "~" else short)
    files[key] = files.get(key, 0.0) + 1e3 * tt / prof_runs
funcs.sort(key=lambda f: -f["self_ms"])
bad = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r} or m.startswith("zkvm.compiler"))
print(json.dumps(dict(
    import_s=import_s, first_verify_s=first, verify_new_s=new, verify_old_s=old, trace_length=n,
    public_entries=int(sum(r.size for r in cols.rows)), public_rows=len(set().union(*(set(r.tolist()) for r in cols.rows))),
    eval_new_s=ev_new, eval_ref_s=ev_ref, eval_identical=same, heavy_modules=bad,
    profile_total_ms=1e3 * sum(tt for (cc, nc, tt, ct, c) in st.stats.values()) / prof_runs,
    profile_functions=funcs[:25], profile_files=sorted(([k, v] for k, v in files.items()), key=lambda kv: -kv[1])[:20],
    security_bits=claim.security_bits, stages_s=stages,
)))
"""

# The 1M-parameter MLP's public columns without proving: compile, run (no trace), build the columns.
_EVAL_1M_CHILD = r"""
import json, random, statistics, sys, time
sys.path.insert(0, {root!r})
from zkvm import programs
from zkvm.air import layout as L
from zkvm.air.vm_air import public_columns
from zkvm.field.ext2 import Ext2
from zkvm.stark.public_columns import PublicColumns
from zkvm.vm.run import run
name = "mlp_1m"
loaded = programs.load(f"{programs_dir}/{{name}}.py", programs.read_json(f"{programs_dir}/{{name}}.input.json"))
prog = loaded.program
ex = run(prog, loaded.inputs, loaded.public_inputs, record=False)
rows = max(int(ex.cycles), ex.memory_used, len(prog.code), 1 << L.MIN_TRACE_LOG)  # as zkvm/vm/run.py sizes the trace
n = 1 << (rows - 1).bit_length()
t = time.perf_counter(); cols = public_columns(prog, ex.public_inputs, ex.outputs, n, ex.output_address); build_s = time.perf_counter() - t
t = time.perf_counter(); cols.digest(); digest_s = time.perf_counter() - t
t = time.perf_counter(); prog.hash(); hash_s = time.perf_counter() - t
P = 2**64 - 2**32 + 1
rng = random.Random(777)
z = Ext2(rng.randrange(P), rng.randrange(1, P))
t = time.perf_counter(); a = cols.evaluate(n, z); first = time.perf_counter() - t
warm = []
for _ in range({eval_runs}):
    t = time.perf_counter(); cols.evaluate(n, z); warm.append(time.perf_counter() - t)
ref = []
for _ in range({ref_runs}):
    t = time.perf_counter(); b = cols._evaluate_reference(n, z); ref.append(time.perf_counter() - t)
with open("/proc/self/status") as f:
    peak = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
print(json.dumps(dict(trace_length=n, cycles=int(ex.cycles), data_words=len(prog.data), code=len(prog.code),
      public_entries=int(sum(r.size for r in cols.rows)), columns_build_s=build_s, columns_digest_s=digest_s,
      program_hash_s=hash_s, eval_first_s=first, eval_new_s=warm, eval_ref_s=ref, eval_identical=(a == b),
      peak_rss=peak)))
"""

# Full verify of the 1M-parameter MLP, in a light process: once cold, then warm, old and new.
_FULL_1M_CHILD = r"""
import json, sys, time, cProfile, pstats
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from zkvm.isa.program import Program
from zkvm.verifier import verify
from zkvm.stark.public_columns import PublicColumns
import_s = time.perf_counter() - t0
t = time.perf_counter()
prog = Program.from_json(json.load(open({program_json!r})))
load_s = time.perf_counter() - t
proof = open({proof_path!r}, "rb").read()
NEW, REF = PublicColumns.evaluate, PublicColumns._evaluate_reference
t = time.perf_counter(); claim = verify(proof, prog); first = time.perf_counter() - t
new = []
for _ in range(3):
    t = time.perf_counter(); verify(proof, prog); new.append(time.perf_counter() - t)
PublicColumns.evaluate = REF
old = []
for _ in range({ref_runs}):
    t = time.perf_counter(); verify(proof, prog); old.append(time.perf_counter() - t)
PublicColumns.evaluate = NEW
pr = cProfile.Profile(); pr.enable(); verify(proof, prog); pr.disable()
st = pstats.Stats(pr)
funcs = []
for (path, line, name), (cc, nc, tt, ct, callers) in st.stats.items():
    short = path.split("/zkvm/", 1)[-1] if "/zkvm/" in path else path.rsplit("/", 1)[-1]
    funcs.append(dict(function=f"{{short}}:{{line}}({{name}})", calls=nc, self_ms=1e3 * tt, cumulative_ms=1e3 * ct))
funcs.sort(key=lambda f: -f["cumulative_ms"])
bad = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r} or m.startswith("zkvm.compiler"))
with open("/proc/self/status") as f:
    peak = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
print(json.dumps(dict(import_s=import_s, program_load_s=load_s, first_verify_s=first, verify_new_s=new, verify_old_s=old,
      trace_length=claim.trace_length, heavy_modules=bad, profile_by_cumulative=funcs[:20], peak_rss=peak)))
"""


def run_child(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_proof(name: str) -> tuple[Path, Path]:
    """Prove `name` with the CLI and compile it to JSON (the program a verifying service loads)."""
    WORK.mkdir(parents=True, exist_ok=True)
    proof, program = WORK / f"{name}.proof", WORK / f"{name}.json"
    src, inp = PROGRAMS / f"{name}.py", PROGRAMS / f"{name}.input.json"
    zkvm = [sys.executable, "-m", "zkvm"]
    subprocess.run([*zkvm, "run", str(src), "--input", str(inp), "--prove", "--proof", str(proof), "--quiet"],
                   check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*zkvm, "compile", str(src), "--input", str(inp), "--out", str(program)], check=True, capture_output=True, cwd=ROOT)
    return proof, program


def git_commit() -> str:
    """The commit measured (ZKVM_BENCH_COMMIT names it when running from an exported tree)."""
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return out.stdout.strip() if out.returncode == 0 else os.environ.get("ZKVM_BENCH_COMMIT", "unknown")


def mem_available() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def ms(xs: list[float]) -> float:
    return round(1e3 * statistics.median(xs), 3)


def main() -> None:
    args = sys.argv[1:]
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 40
    reuse = "--reuse-proofs" in args
    rows: list[dict] = []
    for name in SMALL:
        proof, program = WORK / f"{name}.proof", WORK / f"{name}.json"
        if not (reuse and proof.exists() and program.exists()):
            proof, program = make_proof(name)
        code = _LIGHT_CHILD.format(root=str(ROOT), runs=runs, prof_runs=20, eval_runs=30, ref_runs=10,
                                   program_json=str(program), proof_path=str(proof), forbidden=LIGHT_FORBIDDEN)
        try:
            r = run_child(code)
        except RuntimeError:
            if not reuse:
                raise
            make_proof(name)  # a stale proof (the prover or the AIR changed since): prove again
            r = run_child(code)
        row = {
            "model": name, "trace_rows": r["trace_length"], "public_entries": r["public_entries"], "public_rows": r["public_rows"],
            "verify_ms": ms(r["verify_new_s"]), "verify_old_ms": ms(r["verify_old_s"]),
            "verify_speedup": round(statistics.median(r["verify_old_s"]) / statistics.median(r["verify_new_s"]), 2),
            "verify_runs": len(r["verify_new_s"]), "first_verify_in_process_ms": round(1e3 * r["first_verify_s"], 2),
            "eval_ms": ms(r["eval_new_s"]), "eval_old_ms": ms(r["eval_ref_s"]), "eval_identical": r["eval_identical"],
            "light_import_s": round(r["import_s"], 3), "heavy_modules_loaded": r["heavy_modules"],
            "stages_ms": {k: round(1e3 * v, 3) for k, v in r["stages_s"].items()},
            "profile_total_ms": round(r["profile_total_ms"], 3),
            "profile_top_functions": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in f.items()} for f in r["profile_functions"]],
            "profile_by_file_ms": [[k, round(v, 4)] for k, v in r["profile_files"]],
        }
        rows.append(row)
        print(f"{name}: verify {row['verify_ms']} ms (old evaluate {row['verify_old_ms']} ms, x{row['verify_speedup']}); "
              f"evaluate {row['eval_ms']} ms vs {row['eval_old_ms']} ms, identical={row['eval_identical']}, "
              f"heavy modules {row['heavy_modules_loaded']}", flush=True)

    if "--skip-1m" not in args:
        r = run_child(_EVAL_1M_CHILD.format(root=str(ROOT), programs_dir=str(PROGRAMS), eval_runs=7, ref_runs=2))
        row = {
            "model": "mlp_1m (public columns only)", "trace_rows": r["trace_length"], "public_entries": r["public_entries"],
            "data_words": r["data_words"], "eval_first_call_ms": round(1e3 * r["eval_first_s"], 1), "eval_ms": ms(r["eval_new_s"]),
            "eval_old_ms": ms(r["eval_ref_s"]), "eval_speedup": round(statistics.median(r["eval_ref_s"]) / statistics.median(r["eval_new_s"]), 1),
            "eval_identical": r["eval_identical"], "columns_build_ms": round(1e3 * r["columns_build_s"], 1),
            "columns_digest_ms": round(1e3 * r["columns_digest_s"], 1), "program_hash_ms": round(1e3 * r["program_hash_s"], 1),
            "peak_rss_gib": round(r["peak_rss"] / 2**30, 2),
        }
        rows.append(row)
        print(f"mlp_1m public columns at z: {row['eval_ms']} ms warm, {row['eval_first_call_ms']} ms first call, "
              f"old {row['eval_old_ms']} ms (x{row['eval_speedup']}), identical={row['eval_identical']}; building the columns "
              f"{row['columns_build_ms']} ms, their digest {row['columns_digest_ms']} ms, the program hash {row['program_hash_ms']} ms", flush=True)

    if "--full-1m" in args:
        proof, program = WORK / "mlp_1m.proof", WORK / "mlp_1m.json"
        if not (reuse and proof.exists() and program.exists()):
            if mem_available() < 9 * 2**30:
                print(f"skipping the full mlp_1m verify: {mem_available() / 2**30:.1f} GiB available, proving needs ~7 GiB")
            else:
                t = time.perf_counter()
                proof, program = make_proof("mlp_1m")
                print(f"mlp_1m proven in {time.perf_counter() - t:.1f} s (CLI process)", flush=True)
        if proof.exists() and program.exists():
            r = run_child(_FULL_1M_CHILD.format(root=str(ROOT), program_json=str(program), proof_path=str(proof),
                                                ref_runs=1, forbidden=LIGHT_FORBIDDEN))
            row = {
                "model": "mlp_1m (full verify)", "trace_rows": r["trace_length"], "first_verify_in_process_ms": round(1e3 * r["first_verify_s"], 1),
                "verify_ms": ms(r["verify_new_s"]), "verify_old_ms": ms(r["verify_old_s"]),
                "verify_speedup": round(statistics.median(r["verify_old_s"]) / statistics.median(r["verify_new_s"]), 1),
                "program_json_load_ms": round(1e3 * r["program_load_s"], 1), "heavy_modules_loaded": r["heavy_modules"],
                "peak_rss_gib": round(r["peak_rss"] / 2**30, 2),
                "profile_by_cumulative": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in f.items()} for f in r["profile_by_cumulative"]],
            }
            rows.append(row)
            print(f"mlp_1m full verify: {row['verify_ms']} ms warm, {row['first_verify_in_process_ms']} ms first in process, "
                  f"old evaluate {row['verify_old_ms']} ms (x{row['verify_speedup']})", flush=True)

    harness.print_table(rows, ["model", "trace_rows", "public_entries", "verify_ms", "verify_old_ms", "eval_ms", "eval_old_ms"])
    extra = {"note": "same-run baseline: the old per-entry Python evaluate (PublicColumns._evaluate_reference) "
                     "monkeypatched into the same process; verify medians of interleaved warm runs",
             "commit": git_commit(), "loadavg": list(os.getloadavg())}
    path = harness.write_results("verify", rows + [extra])
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
