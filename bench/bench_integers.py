"""What issue 17 (full-range integers, exact arithmetic in the proof) costs, against a baseline
commit measured in the same run.

Issue 17's targets: the example models' prove time within +10% of commit b04a481 (before the
issue), and bench_zk.py's 2^20-row loop within +15%; the cost of the overflow guards of item 3
reported separately.

Each measurement runs in a fresh interpreter on one of two source trees, this checkout and a
git worktree of the baseline commit (made under bench/_build), alternating between the two
trees round after round (the machine is shared: only ratios taken in one run mean much). Each
child warms the Numba kernels with a small proof, then proves its program several times and
reports the median, the cycles, the trace length and its peak RSS during the proofs.

Also reported: the loop of bench_zk.py in cycles per turn, without declared bounds (every
turn guarded), with them, and opting into field arithmetic, against the baseline; and the
guards the example models need (none, with the bounds their first asserts declare).

Usage: python3 bench/bench_integers.py [--quick] [--baseline REV] [--skip-1m]
Writes bench/results/integers.json.
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

MODELS = ["credit_logistic", "fraud_forest", "digits_mlp", "digits_cnn", "mlp_1m"]
LOOP = """
def main(x: int) -> int:
{bounds}    acc = 0
    for i in range({iters}):
        acc = acc + x * i
    return acc
"""

# A fresh interpreter on one tree: warm the kernels, prove `runs` times, report JSON.
_CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, {tree!r})
from zkvm import programs
from zkvm.prover import prove
import zkvm

def peak_reset():
    try:
        open("/proc/self/clear_refs", "w").write("5")
    except OSError:
        pass

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0

warm = programs.load({tree!r} + "/programs/credit_logistic.py", programs.read_json({tree!r} + "/programs/credit_logistic.input.json"))
prove(warm.program, warm.inputs)
kind, arg, runs = {kind!r}, {arg!r}, {runs}
if kind == "model":
    loaded = programs.load({tree!r} + f"/programs/{{arg}}.py", programs.read_json({tree!r} + f"/programs/{{arg}}.input.json"))
    program, inputs = loaded.program, loaded.inputs
else:  # the bench_zk loop sized to 2^arg rows
    src = {loop!r}
    iters = 1000
    for _ in range(4):
        program = zkvm.compile(src.format(bounds="", iters=iters))
        cycles = zkvm.run(program, [3], record=False).cycles
        per = cycles / iters
        iters = int(((1 << arg) * 0.97 - (cycles - per * iters)) / per)
    program = zkvm.compile(src.format(bounds="", iters=iters))
    inputs = [3]
peak_reset()
times = []
for _ in range(runs):
    t = time.perf_counter(); r = prove(program, inputs); times.append(time.perf_counter() - t)
print(json.dumps({{"median_s": statistics.median(times), "times": times, "cycles": r.cycles,
                  "trace_length": r.trace_length, "peak_rss_gib": peak() / 2**30}}))
"""

# Cycles per turn of the loop, in one tree: with the given bounds line and an optional header.
_LOOP_CYCLES = r"""
import json, sys
sys.path.insert(0, {tree!r})
import zkvm
src = {loop!r}
out = {{}}
for name, header, bounds in {variants!r}:
    try:
        a = zkvm.run(zkvm.compile(header + src.format(bounds=bounds, iters=1000)), [3], record=False).cycles
        b = zkvm.run(zkvm.compile(header + src.format(bounds=bounds, iters=2000)), [3], record=False).cycles
        out[name] = (b - a) / 1000
    except Exception as e:  # the baseline knows no field_arithmetic marker
        out[name] = None
print(json.dumps(out))
"""

LOOP_VARIANTS = [
    ("no bounds (every turn guarded)", "", ""),
    ("bounds declared", "", "    assert -10**6 <= x <= 10**6\n"),
    ("field arithmetic", "from zkvm.lang import field_arithmetic\n", ""),
]


def baseline_tree(rev: str) -> Path:
    """A worktree of ``rev`` under bench/_build (made once; its Numba cache is its own)."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    tree = harness.BUILD_DIR / f"baseline-{sha}"
    if not tree.exists():
        harness.BUILD_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=ROOT, check=True, capture_output=True)
    return tree


def child(tree: Path, kind: str, arg, runs: int) -> dict:
    code = _CHILD.format(tree=str(tree), kind=kind, arg=arg, runs=runs, loop=LOOP)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{tree.name} {kind} {arg}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(trees: dict[str, Path], kind: str, arg, rounds: int, runs: int, say) -> dict:
    """Alternate the trees for ``rounds`` rounds; medians of every proof of each tree."""
    res: dict[str, list[dict]] = {name: [] for name in trees}
    for k in range(rounds):
        order = list(trees) if k % 2 == 0 else list(reversed(trees))
        for name in order:
            res[name].append(child(trees[name], kind, arg, runs))
            say(f"  {kind} {arg} {name}: {res[name][-1]['median_s']:.3f} s")
    out = {}
    for name, rs in res.items():
        times = [t for r in rs for t in r["times"]]
        out[name] = {"median_s": statistics.median(times), "runs": len(times), "cycles": rs[-1]["cycles"],
                     "trace_length": rs[-1]["trace_length"], "peak_rss_gib": max(r["peak_rss_gib"] for r in rs)}
    out["ratio"] = out["current"]["median_s"] / out["baseline"]["median_s"]
    return out


def loop_cycles(tree: Path) -> dict:
    code = _LOOP_CYCLES.format(tree=str(tree), loop=LOOP, variants=LOOP_VARIANTS)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def model_guards() -> dict:
    """How many overflow guards each example model needs (with the bounds it declares)."""
    import zkvm.compiler.guards as guards
    from zkvm import programs

    count = {"n": 0}
    original = guards.guard

    def counting(*a, **k):
        count["n"] += 1
        return original(*a, **k)

    guards.guard = counting
    try:
        out = {}
        for name in MODELS:
            count["n"] = 0
            programs.load(ROOT / "programs" / f"{name}.py", programs.read_json(ROOT / "programs" / f"{name}.input.json"))
            out[name] = count["n"]
        return out
    finally:
        guards.guard = original


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 rounds of 2 proofs, no 1 M model, the loop at 2^16")
    ap.add_argument("--baseline", default="b04a481")
    ap.add_argument("--skip-1m", action="store_true")
    args = ap.parse_args()
    say = lambda m: print(m, flush=True)  # noqa: E731
    trees = {"baseline": baseline_tree(args.baseline), "current": ROOT}
    rounds, runs = (2, 2) if args.quick else (3, 3)
    models = [m for m in MODELS if not ((args.quick or args.skip_1m) and m == "mlp_1m")]
    results: dict = {"machine": harness.machine_info() if hasattr(harness, "machine_info") else {},
                     "baseline": args.baseline, "rounds": rounds, "proofs_per_round": runs, "models": {}}
    t0 = time.time()
    for name in models:
        say(f"{name}")
        r = compare(trees, "model", name, rounds if name != "mlp_1m" else 2, runs if name != "mlp_1m" else 1, say)
        results["models"][name] = r
        say(f"{name}: baseline {r['baseline']['median_s']:.3f} s, current {r['current']['median_s']:.3f} s, "
            f"ratio {r['ratio']:.3f} (cycles {r['baseline']['cycles']} -> {r['current']['cycles']})")
    log_rows = 16 if args.quick else 20
    say(f"bench_zk loop at 2^{log_rows} rows")
    r = compare(trees, "loop", log_rows, rounds, 2, say)
    results["zk_loop"] = {"log_rows": log_rows, **r}
    say(f"loop: baseline {r['baseline']['median_s']:.3f} s, current {r['current']['median_s']:.3f} s, ratio {r['ratio']:.3f}")
    results["loop_cycles_per_turn"] = {"baseline": loop_cycles(trees["baseline"]), "current": loop_cycles(ROOT)}
    results["model_guards"] = model_guards()
    say(json.dumps(results["loop_cycles_per_turn"]))
    say(f"guards in the example models: {results['model_guards']}")
    results["seconds"] = round(time.time() - t0, 1)
    harness.RESULTS_DIR.mkdir(exist_ok=True)
    (harness.RESULTS_DIR / "integers.json").write_text(json.dumps(results, indent=2))
    say(f"wrote {harness.RESULTS_DIR / 'integers.json'}")


if __name__ == "__main__":
    main()
