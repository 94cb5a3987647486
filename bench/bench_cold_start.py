"""The first proof from a fresh checkout: `zkvm run --prove` with Numba's cache empty.

Issue 7's target: the 1 M-parameter model's first proof from a fresh checkout within 60 s
beyond installation. Each model is proven from its own fresh `git clone` of this repository's
HEAD (so every kernel cache is empty; the installed dependencies are reused: installation is
not timed), once cold and then once more in the same clone with the cache warm (the baseline,
measured in the same run). Wall time of the whole `zkvm run` process (with a cold cache the
prover starts a compile helper on the second core, zkvm/warmup.py). Peak memory of the
proofs themselves: bench_models.py.

Usage: python3 bench/bench_cold_start.py [--quick]   (--quick: the digits MLP only)
Writes bench/results/cold_start.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402


def _run(clone: Path, model: str) -> tuple[float, dict]:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    cmd = [sys.executable, "-m", "zkvm", "run", f"programs/{model}.py", "--input", f"programs/{model}.input.json",
           "--prove", "--proof", str(clone / "bench.proof"), "--json"]
    t = time.perf_counter()
    out = subprocess.run(cmd, cwd=clone, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t, json.loads(out.stdout)


def measure(model: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="zkvm-cold-") as tmp:
        clone = Path(tmp) / "zkvm"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        where = subprocess.run([sys.executable, "-c", "import zkvm; print(zkvm.__file__)"], cwd=clone,
                               capture_output=True, text=True, check=True).stdout.strip()
        assert where.startswith(str(clone)), f"the clone's package was not the one imported: {where}"
        cold_s, cold = _run(clone, model)
        warm_s, warm = _run(clone, model)
    return {
        "model": model,
        "trace_rows": warm.get("trace_rows", ""),
        "first_proof_s": round(cold_s, 1),
        "warm_cache_s": round(warm_s, 1),
        "compile_overhead_s": round(cold_s - warm_s, 1),
        "prove_seconds_cold": cold["prove_seconds"],
        "prove_seconds_warm": warm["prove_seconds"],
    }


def main() -> None:
    models = ["digits_mlp"] if "--quick" in sys.argv else ["digits_mlp", "mlp_1m"]
    rows = [measure(m) for m in models]
    print(f"First proof from a fresh checkout (cold Numba cache), `zkvm run --prove`, {os.cpu_count()} cores")
    harness.print_table(rows, list(rows[0].keys()))
    for r in rows:
        if r["model"] == "mlp_1m":
            verdict = "met" if r["first_proof_s"] <= 60 else "NOT met"
            print(f"mlp_1m first proof {r['first_proof_s']} s (target <= 60 s: {verdict})")
    print(f"wrote {harness.write_results('cold_start', rows)}")


if __name__ == "__main__":
    main()
