"""EZKL's hashed-parameters mode against zkvm's private weights (issue 21), on this machine.

EZKL (the `ezkl` package from PyPI, 23.0.5, installed into its own virtual environment under
bench/_build/ezkl-venv: it is not a dependency of zkvm) proves the 85 k-parameter MLP
(64-256-256-10, ReLU; programs/mlp_85k.npz's weights as floats, written as the ONNX graph
torch.onnx.export writes) twice: with ``param_visibility="fixed"`` (public weights, baked into
the circuit) and ``"hashed"`` (private weights, a Poseidon hash of them in the public
instances: EZKL's equivalent of a model commitment). Each run is a fresh process doing EZKL's
whole flow: gen_settings, calibrate_settings (target "resources"), compile_circuit, gen_srs
(generated locally: this machine reaches no SRS server; a benchmark SRS, not a ceremony's),
setup, gen_witness, prove, verify. Wall time per stage and peak RSS.

zkvm's figures for the same model come from bench/bench_private.py (bench/results/private.json).

Usage: python bench/bench_ezkl_private.py [--model mlp_85k] [--skip-install] [--modes fixed,hashed]
                                         [--timeout SECONDS]
Writes bench/results/ezkl_private.json (bench/results/ezkl_private_<model>.json for other models);
each run's whole stderr goes to bench/_build/ezkl/<mode>.log, and a failed or timed-out run records
the last stage it reached.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402

WORK = harness.BUILD_DIR / "ezkl"
VENV = harness.BUILD_DIR / "ezkl-venv"
EZKL_VERSION = "23.0.5"

_CHILD = r"""
import asyncio, inspect, json, resource, sys, time
import ezkl
work, visibility = sys.argv[1], sys.argv[2]
model, data = f"{work}/network.onnx", f"{work}/input.json"
p = lambda name: f"{work}/{visibility}.{name}"
times = {}

def step(name, fn, *args, **kwargs):
    print(f"[stage] {name} ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    if inspect.isawaitable(out):
        out = asyncio.run(_wait(out))
    times[name] = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"[stage] {name} done in {times[name]:.1f} s (peak {rss:.2f} GiB)", file=sys.stderr, flush=True)
    return out

async def _wait(aw):
    return await aw

args = ezkl.PyRunArgs()
args.input_visibility = "private"
args.output_visibility = "public"
args.param_visibility = visibility
step("gen_settings", ezkl.gen_settings, model, p("settings.json"), py_run_args=args)
step("calibrate_settings", ezkl.calibrate_settings, data, model, p("settings.json"), "resources")
step("compile_circuit", ezkl.compile_circuit, model, p("compiled"), p("settings.json"))
logrows = json.load(open(p("settings.json")))["run_args"]["logrows"]
step("gen_srs", ezkl.gen_srs, p("srs"), logrows)
step("setup", ezkl.setup, p("compiled"), p("vk"), p("pk"), p("srs"))
step("gen_witness", ezkl.gen_witness, data, p("compiled"), p("witness.json"))
step("prove", ezkl.prove, p("witness.json"), p("compiled"), p("pk"), p("proof.json"), p("srs"))
ok = step("verify", ezkl.verify, p("proof.json"), p("settings.json"), p("vk"), p("srs"))
import os
print(json.dumps(dict(visibility=visibility, logrows=logrows, times=times, verified=bool(ok),
                      proof_bytes=os.path.getsize(p("proof.json")),
                      peak_rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
"""


def install() -> Path:
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", f"ezkl=={EZKL_VERSION}", "onnx", "numpy"], check=True)
    return py


def write_model(name: str) -> None:
    """The model as torch.onnx.export writes nn.Sequential(Linear, ReLU, ...) and one input."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    WORK.mkdir(parents=True, exist_ok=True)
    w = np.load(ROOT / "programs" / f"{name}.npz")
    layers = [(w["W1"], w["B1"]), (w["W2"], w["B2"]), (w["W3"], w["B3"])]
    nodes, inits, x = [], [], "input"
    for k, (wk, bk) in enumerate(layers):
        inits += [numpy_helper.from_array((wk / 256.0).astype(np.float32), f"{2 * k}.weight"),
                  numpy_helper.from_array((bk / 256.0 ** (k + 1)).astype(np.float32), f"{2 * k}.bias")]
        out = f"/{2 * k}/Gemm_output_0"
        nodes.append(helper.make_node("Gemm", [x, f"{2 * k}.weight", f"{2 * k}.bias"], [out], transB=1))
        x = out
        if k < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [x], [f"/{2 * k + 1}/Relu_output_0"]))
            x = f"/{2 * k + 1}/Relu_output_0"
    g = helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 64])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 10])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(WORK / "network.onnx"))
    pixels = json.loads((ROOT / "programs" / f"{name}.input.json").read_text())["pixels"]
    (WORK / "input.json").write_text(json.dumps({"input_data": [[v / 16.0 for v in pixels]]}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="mlp_85k")
    ap.add_argument("--skip-install", action="store_true")
    ap.add_argument("--modes", default="fixed,hashed", help="comma-separated param_visibility values")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per mode")
    args = ap.parse_args()
    py = VENV / "bin" / "python" if args.skip_install else install()
    write_model(args.model)
    results = {"machine": harness.machine_info(), "ezkl": EZKL_VERSION, "model": args.model, "runs": {}}
    for visibility in args.modes.split(","):
        log = WORK / f"{visibility}.log"
        with open(log, "w") as err:
            try:
                out = subprocess.run([str(py), "-c", _CHILD, str(WORK), visibility], stdout=subprocess.PIPE,
                                     stderr=err, text=True, timeout=args.timeout)
                failed = f"exit code {out.returncode}" if out.returncode != 0 else None
            except subprocess.TimeoutExpired:
                failed = f"not finished after {args.timeout:.0f} s"
        if failed:
            text = log.read_text()
            stages = [line for line in text.splitlines() if line.startswith("[stage]")]
            if "-9" in failed:
                failed += " (SIGKILL: on this machine, the kernel's out-of-memory killer)"
            settings = WORK / f"{visibility}.settings.json"
            logrows = json.loads(settings.read_text())["run_args"].get("logrows") if settings.exists() else None
            results["runs"][visibility] = {"error": failed, "logrows": logrows, "stages": stages,
                                           "stderr_tail": text[-3000:]}
            print(f"{visibility}: {failed}; stages reached: {stages[-1:] or 'none'} (log {log})", flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["to_first_proof_s"] = sum(r["times"][k] for k in r["times"] if k != "verify")
        results["runs"][visibility] = r
        print(f"{visibility}: logrows {r['logrows']}, prove {r['times']['prove']:.1f} s, verify {r['times']['verify']:.2f} s, "
              f"setup {r['times']['setup']:.1f} s, first proof after {r['to_first_proof_s']:.1f} s, "
              f"peak {r['peak_rss'] / 2**30:.2f} GiB, proof {r['proof_bytes'] / 1024:.0f} KiB", flush=True)
    name = "ezkl_private.json" if args.model == "mlp_85k" else f"ezkl_private_{args.model}.json"
    out = ROOT / "bench" / "results" / name
    if out.exists():  # a run of some modes keeps the other modes' last results
        earlier = json.loads(out.read_text()).get("runs", {})
        results["runs"] = {**{k: v for k, v in earlier.items() if k not in results["runs"]}, **results["runs"]}
    out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
