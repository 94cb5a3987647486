"""Private weights behind a model commitment (issue 21): the same model proven with public
weights (``load``) and with private ones (``load_private``), in the same run.

For mlp_85k (64-256-256-10) and mlp_1m (64-1024-1024-10) a private variant of the program is
written to bench/_build/private/ (every ``load`` of the weights and biases becomes
``load_private``; programs/mlp_1m_private.py is the committed copy of the 1.1 M one), its
commitment made with ``zkvm commit`` (wall time of the command), then, alternating public and
private, fresh child processes each prove the model once to warm up and ``--proofs`` more times
(prove seconds: median over all children), and report their peak RSS. The library verify
(``zkvm.verifier.verify`` with the program's verifying key, and the commitment for the private
variant) is timed in one child per variant: CPU time, median of 30 warm runs. Proof sizes.

Targets: mlp_1m private prove <= 3x its public prove, verify <= 20 ms, proof <= 2x. The
baseline measured in the same run is the 2^16-row Fibonacci STARK (bench/bench_models.py).

Usage: python bench/bench_private.py [--models mlp_85k,mlp_1m] [--rounds 2] [--proofs 2]
Writes bench/results/private.json.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402

PROGRAMS = ROOT / "programs"
WORK = harness.BUILD_DIR / "private"

_PROVE_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from zkvm import programs
from zkvm.prover import prove
path, proofs = {path!r}, {proofs}
loaded = programs.load(path, programs.read_json(path[:-3] + ".input.json"))
extra = {{}}
if loaded.program.signature.get("private"):
    from pathlib import Path
    from zkvm.private import load_region, load_salt
    extra = dict(private_words=load_region(loaded.program, Path(path).parent), salt=load_salt(path[:-3] + ".salt"))
prove(loaded.program, loaded.inputs, **extra)  # warm (kernel cache loaded, memory touched)
secs, size = [], 0
for _ in range(proofs):
    t = time.perf_counter()
    r = prove(loaded.program, loaded.inputs, **extra)
    secs.append(time.perf_counter() - t)
    size = len(r.proof)
open(path[:-3] + ".proof", "wb").write(r.proof)
print(json.dumps(dict(seconds=secs, proof_bytes=size, peak_rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      stages=r.stages)))
"""

_VERIFY_CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, {root!r})
from zkvm import programs
from zkvm.keygen import verifying_key
from zkvm.proof_file import ProofFile
from zkvm.verifier import verify
path = {path!r}
data = open(path[:-3] + ".proof", "rb").read()
pf = ProofFile.from_bytes(data)
program = programs.load(path, None, signature=pf.signature).program
key = verifying_key(program, [(pf.trace_length, pf.stark.options.blowup)], pf.commitment) if pf.commitment else None
commitment = None
if program.signature.get("private"):
    from zkvm.private import Commitment
    commitment = Commitment.load(path[:-3] + ".commitment")
for _ in range(3):
    verify(data, program, vk=key, commitment=commitment)
cpu = []
for _ in range(30):
    t = time.process_time()
    verify(data, program, vk=key, commitment=commitment)
    cpu.append(time.process_time() - t)
print(json.dumps(dict(verify_cpu_s=statistics.median(cpu), verify_cpu_min_s=min(cpu), keyed=key is not None)))
"""


def child(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def private_variant(name: str) -> Path:
    """A copy of programs/NAME.py whose weights and biases are loaded with load_private."""
    WORK.mkdir(parents=True, exist_ok=True)
    src = (PROGRAMS / f"{name}.py").read_text()
    text = re.sub(r"from zkvm\.lang import load\b", "from zkvm.lang import load_private", src)
    text = re.sub(r"= load\(", "= load_private(", text)
    out = WORK / f"{name}_private.py"
    out.write_text(text)
    for suffix in (".npz",):
        shutil.copy(PROGRAMS / f"{name}{suffix}", WORK / f"{name}{suffix}")
    shutil.copy(PROGRAMS / f"{name}.input.json", WORK / f"{name}_private.input.json")
    public = WORK / f"{name}.py"
    public.write_text(src)
    shutil.copy(PROGRAMS / f"{name}.input.json", WORK / f"{name}.input.json")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="mlp_85k,mlp_1m")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--proofs", type=int, default=2)
    args = ap.parse_args()
    from bench.bench_models import baseline_seconds

    from bench.bench_verify import git_commit

    results = {"machine": harness.machine_info(), "commit": git_commit(),
               "baseline_fibonacci_s": baseline_seconds(), "models": {}}
    for name in args.models.split(","):
        priv = private_variant(name)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zkvm", "commit", str(priv), "--new-salt", "--json"], check=True,
                       capture_output=True)
        commit_s = time.perf_counter() - t
        variants = {"public": WORK / f"{name}.py", "private": priv}
        runs = {k: [] for k in variants}
        for r in range(args.rounds):
            order = list(variants.items()) if r % 2 == 0 else list(variants.items())[::-1]
            for kind, path in order:
                runs[kind].append(child(_PROVE_CHILD.format(root=str(ROOT), path=str(path), proofs=args.proofs)))
                print(f"{name} {kind} round {r}: {runs[kind][-1]['seconds']}", flush=True)
        row = {"commit_command_s": commit_s}
        for kind, path in variants.items():
            secs = [s for c in runs[kind] for s in c["seconds"]]
            ver = child(_VERIFY_CHILD.format(root=str(ROOT), path=str(path)))
            row[kind] = {"prove_s": statistics.median(secs), "prove_runs_s": secs,
                         "peak_rss_bytes": max(c["peak_rss"] for c in runs[kind]),
                         "proof_bytes": runs[kind][-1]["proof_bytes"], "stages": runs[kind][-1]["stages"], **ver}
        row["prove_ratio"] = row["private"]["prove_s"] / row["public"]["prove_s"]
        row["proof_ratio"] = row["private"]["proof_bytes"] / row["public"]["proof_bytes"]
        results["models"][name] = row
        print(json.dumps({name: {k: row[k] for k in ("prove_ratio", "proof_ratio", "commit_command_s")}}), flush=True)
    results["baseline_fibonacci_after_s"] = baseline_seconds()
    path = ROOT / "bench" / "results" / "private.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    for name, row in results["models"].items():
        for kind in ("public", "private"):
            v = row[kind]
            print(f"{name:8} {kind:7} prove {v['prove_s']:.2f} s  verify {1e3 * v['verify_cpu_s']:.1f} ms  "
                  f"proof {v['proof_bytes'] / 1024:.0f} KiB  peak {v['peak_rss_bytes'] / 2**30:.2f} GiB")
        print(f"{name:8} private/public: prove {row['prove_ratio']:.2f}x, proof {row['proof_ratio']:.2f}x; "
              f"zkvm commit {row['commit_command_s']:.2f} s")
    print(f"baseline (Fibonacci 2^16): {results['baseline_fibonacci_s']:.3f} s before, "
          f"{results['baseline_fibonacci_after_s']:.3f} s after")


if __name__ == "__main__":
    main()
