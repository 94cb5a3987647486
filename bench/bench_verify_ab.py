"""The library verify with a verifying key, this checkout against a baseline commit, on the same
proofs (issue 19's target: <= 15 ms for programs/mlp_1m.py).

Each model is proven once by this checkout (its proof, verifying key and compiled program are
written to bench/_build/verify_ab/); then verifier-only child processes, alternating between
this checkout and the baseline (a git worktree of ``--base``, default the twelfth session's
starting commit ed41e89), verify the same proof: one warm-up call, then ``--calls`` timed
calls, reporting the minimum and median of the process CPU time and the median wall time. A
proof the baseline cannot read is reported as such. Both verifiers must accept every proof.

Writes bench/results/verify_ab.json.

Usage: python bench/bench_verify_ab.py [--base REV] [--rounds N] [--calls N] [models ...]
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402

OUT = harness.BUILD_DIR / "verify_ab"
DEFAULT_MODELS = ["mlp_85k", "mlp_1m", "mlp_4m"]

_PROVE = r"""
import pickle, sys
sys.path.insert(0, {root!r})
from zkvm import programs
from zkvm.prover import prove
from zkvm.keygen import verifying_key
name = {name!r}
loaded = programs.load(f"{root}/programs/{{name}}.py", programs.read_json(f"{root}/programs/{{name}}.input.json"))
r = prove(loaded.program, loaded.inputs, loaded.public_inputs)
key = verifying_key(loaded.program, [(r.trace_length, r.blowup)], r.commitment)
open({out!r} + f"/{{name}}.proof", "wb").write(r.proof)
open({out!r} + f"/{{name}}.vk", "wb").write(key.to_bytes())
pickle.dump(loaded.program, open({out!r} + f"/{{name}}.program.pkl", "wb"))
"""

_VERIFY = r"""
import json, pickle, statistics, sys, time
sys.path.insert(0, {repo!r})
import zkvm
assert zkvm.__file__.startswith({repo!r}), zkvm.__file__
from zkvm.keys import VerifyingKey
from zkvm.verifier import verify
base = {out!r} + "/" + {name!r}
proof = open(base + ".proof", "rb").read()
key = VerifyingKey.from_bytes(open(base + ".vk", "rb").read())
program = pickle.load(open(base + ".program.pkl", "rb"))
try:
    verify(proof, program, vk=key)
except Exception as e:
    print(json.dumps(dict(error=f"{{type(e).__name__}}: {{e}}"))); sys.exit(0)
cpu, wall = [], []
for _ in range({calls}):
    c, w = time.process_time(), time.perf_counter()
    verify(proof, program, vk=key)
    cpu.append(time.process_time() - c); wall.append(time.perf_counter() - w)
print(json.dumps(dict(cpu_min=min(cpu), cpu_median=statistics.median(cpu), wall_median=statistics.median(wall))))
"""


def _worktree(rev: str) -> Path:
    path = harness.BUILD_DIR / f"base-{rev}"
    if not (path / "zkvm").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-f", "--detach", str(path), rev], check=True,
                       capture_output=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*", default=DEFAULT_MODELS)
    ap.add_argument("--base", default="ed41e89")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--calls", type=int, default=30)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    base = _worktree(args.base)
    rows = []
    for name in args.models:
        print(f"proving {name} ...", flush=True)
        subprocess.run([sys.executable, "-c", _PROVE.format(root=str(ROOT), name=name, out=str(OUT))], check=True)
        runs: dict[str, list[dict]] = {"this": [], "base": []}
        for _ in range(args.rounds):
            for label, repo in (("base", base), ("this", ROOT)):
                code = _VERIFY.format(repo=str(repo), out=str(OUT), name=name, calls=args.calls)
                done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
                runs[label].append(json.loads(done.stdout.strip().splitlines()[-1]))
        row = dict(model=name, proof_kib=round((OUT / f"{name}.proof").stat().st_size / 1024, 1), calls=args.calls,
                   rounds=args.rounds, base=args.base)
        for label, results in runs.items():
            if any("error" in r for r in results):
                row[f"{label}_error"] = next(r["error"] for r in results if "error" in r)
                continue
            row[f"{label}_cpu_min_ms"] = round(1e3 * min(r["cpu_min"] for r in results), 2)
            row[f"{label}_cpu_median_ms"] = round(1e3 * statistics.median(r["cpu_median"] for r in results), 2)
            row[f"{label}_wall_median_ms"] = round(1e3 * statistics.median(r["wall_median"] for r in results), 2)
        if "this_error" in row:
            raise SystemExit(f"this checkout rejects its own proof of {name}: {row['this_error']}")
        rows.append(row)
        print(json.dumps(row), flush=True)
    harness.print_table(rows, ["model", "proof_kib", "base_cpu_min_ms", "base_wall_median_ms", "this_cpu_min_ms",
                               "this_cpu_median_ms", "this_wall_median_ms"])
    path = harness.write_results("verify_ab", rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
