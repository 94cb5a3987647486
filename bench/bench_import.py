"""From a trained ONNX model to a verified proof (issue 20).

Three digit classifiers (64-32-10, 64-256-256-10, 64-1024-1024-10; ReLU; sklearn's digits
scaled to [0, 1]) are trained with scikit-learn's MLPClassifier and written as the ONNX graph
``torch.onnx.export`` writes for ``nn.Sequential(Linear, ReLU, ...)`` (Gemm transB=1 / Relu,
batch dimension symbolic; torch is not needed). For each:

- ``zkvm import`` as a command (a fresh process, so Python start and imports count), with the
  first CALIBRATION training digits as calibration samples: wall time;
- the held-out agreement: the written program run under CPython on the test split, its argmax
  against onnxruntime's (target >= 99%);
- ``zkvm run --prove`` and ``zkvm verify`` (fresh processes, kernel cache warm): wall times.

Then a random forest (100 trees, depth 8) and a gradient-boosting classifier (scikit-learn's
defaults) on a synthetic 20-feature data set (make_classification, 3000 samples, seed 0; 1000
held out), converted by skl2onnx: the same steps, with the program's labels compared with
scikit-learn's predictions on the held-out split (target >= 99%).

Targets: the 1.1 M model's import + calibration <= 30 s on top of its proving time (EZKL here:
21.6 minutes of calibration, SRS and setup before its first proof). The baseline measured in the
same run is the 2^16-row Fibonacci STARK (bench/harness), to show how loaded the machine was.

Usage: python bench/bench_import.py [--quick] (--quick: the two small models only)
Writes bench/results/import.json.
"""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = {"digits_64_32_10": [64, 32, 10], "digits_64_256_256_10": [64, 256, 256, 10],
         "mlp_1m_64_1024_1024_10": [64, 1024, 1024, 10]}
CALIBRATION = 256


def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    return train_test_split(x, d.target, test_size=0.2, random_state=0)


def export(clf, path: Path) -> None:
    """The MLP as torch.onnx.export writes nn.Sequential(Linear, ReLU, ..., Linear)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, x = [], [], "input"
    layers = len(clf.coefs_)
    for k, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        inits += [numpy_helper.from_array(w.T.astype(np.float32), f"{2 * k}.weight"),
                  numpy_helper.from_array(b.astype(np.float32), f"{2 * k}.bias")]
        out = f"/{2 * k}/Gemm_output_0"
        nodes.append(helper.make_node("Gemm", [x, f"{2 * k}.weight", f"{2 * k}.bias"], [out], name=f"/{2 * k}/Gemm",
                                      alpha=1.0, beta=1.0, transB=1))
        x = out
        if k < layers - 1:
            nodes.append(helper.make_node("Relu", [x], [f"/{2 * k + 1}/Relu_output_0"], name=f"/{2 * k + 1}/Relu"))
            x = f"/{2 * k + 1}/Relu_output_0"
    g = helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 64])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", 10])], inits)
    m = helper.make_model(g, producer_name="pytorch", producer_version="2.5", opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(m, str(path))


def zkvm(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "zkvm", *args], capture_output=True, text=True, cwd=ROOT)
    secs = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"zkvm {' '.join(args)} failed: {r.stderr[-2000:]}")
    return secs, r


def main() -> None:
    import onnxruntime as ort
    from sklearn.neural_network import MLPClassifier

    quick = "--quick" in sys.argv
    xtr, xte, ytr, yte = digits()
    from bench.bench_models import baseline_seconds

    base = baseline_seconds()
    results = {"calibration_samples": CALIBRATION, "held_out": len(xte), "baseline_fibonacci_s": base, "models": {}}
    work = Path(tempfile.mkdtemp(prefix="zkvm-import-"))
    for name, sizes in SIZES.items():
        if quick and sizes[1] > 256:
            continue
        clf = MLPClassifier(hidden_layer_sizes=sizes[1:-1], max_iter=300, random_state=0).fit(xtr, ytr)
        onnx_path = work / f"{name}.onnx"
        export(clf, onnx_path)
        np.save(work / "calib.npy", xtr[:CALIBRATION])
        prog = work / f"{name}.py"
        t_import, r = zkvm("import", str(onnx_path), "-o", str(prog), "--calibrate", str(work / "calib.npy"), "--json", "-q")
        summary = json.loads(r.stdout)
        sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        float_pred = sess.run(None, {"input": xte})[0].argmax(axis=1)
        main_fn = runpy.run_path(str(prog))["main"]
        frac = summary["input_scale_bits"]
        q = np.clip(np.rint(xte.astype(np.float64) * 2.0 ** frac), *[int(np.ceil(v * 2 ** frac)) if i == 0 else
                    int(np.floor(v * 2 ** frac)) for i, v in enumerate(summary["input_domain"])]).astype(np.int64)
        prog_pred = np.array([int(np.argmax(main_fn(list(map(int, row))))) for row in q])
        agree = float(np.mean(prog_pred == float_pred))
        proof = work / f"{name}.proof"
        t_prove, r = zkvm("run", str(prog), "--input", str(prog.with_suffix(".input.json")), "--prove", "--proof",
                          str(proof), "--json", "-q")
        run = json.loads(r.stdout)
        t_verify, _ = zkvm("verify", str(proof), "--program", str(prog), "--json")
        row = {"parameters": int(sum(w.size + b.size for w, b in zip(clf.coefs_, clf.intercepts_))),
               "import_s": round(t_import, 2), "calibration_argmax_agreement": summary["agreement"]["argmax_agreeing"],
               "held_out_argmax_agreement": round(agree, 4), "float_accuracy": round(float(np.mean(float_pred == yte)), 4),
               "program_accuracy": round(float(np.mean(prog_pred == yte)), 4), "prove_process_s": round(t_prove, 2),
               "prove_s": run.get("prove_seconds"), "cycles": run.get("cycles"), "verify_process_s": round(t_verify, 2),
               "onnx_to_verified_s": round(t_import + t_prove + t_verify, 2)}
        results["models"][name] = row
        print(name, json.dumps(row), flush=True)
    results["trees"] = trees(work)
    out = ROOT / "bench" / "results" / "import.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")


def trees(work: Path) -> dict:
    from skl2onnx import to_onnx
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    x, y = make_classification(3000, 20, n_informative=8, random_state=0)
    x = x.astype(np.float32)
    xtr, xte, ytr = x[:2000], x[2000:], y[:2000]
    out = {}
    for name, clf in (("random_forest_100_depth8", RandomForestClassifier(100, max_depth=8, random_state=0)),
                      ("gradient_boosting", GradientBoostingClassifier(random_state=0))):
        clf.fit(xtr, ytr)
        onnx_path = work / f"{name}.onnx"
        onnx_path.write_bytes(to_onnx(clf, xtr[:1], options={id(clf): {"zipmap": False}}).SerializeToString())
        np.save(work / "test.npy", xte)
        prog = work / f"{name}.py"
        t_import, r = zkvm("import", str(onnx_path), "-o", str(prog), "--calibrate", str(work / "test.npy"), "--json", "-q")
        summary = json.loads(r.stdout)
        main_fn = runpy.run_path(str(prog))["main"]
        frac = summary["input_scale_bits"]
        lo, hi = summary["input_domain"]
        q = np.clip(np.rint(xte.astype(np.float64) * 2.0 ** frac), np.ceil(lo * 2 ** frac), np.floor(hi * 2 ** frac))
        labels = np.array([main_fn([int(v) for v in row]) for row in q])
        sk = clf.predict(xte)
        proof = work / f"{name}.proof"
        t_prove, r = zkvm("run", str(prog), "--input", str(prog.with_suffix(".input.json")), "--prove", "--proof",
                          str(proof), "--json", "-q")
        run = json.loads(r.stdout)
        t_verify, _ = zkvm("verify", str(proof), "--program", str(prog), "--json")
        row = {"import_s": round(t_import, 2), "sklearn_agreement": round(float(np.mean(labels == sk)), 4),
               "disagreements_with_sklearn": [int(i) for i in np.flatnonzero(labels != sk)][:20],
               "onnxruntime_agreement": summary["agreement"]["rate"], "prove_process_s": round(t_prove, 2),
               "prove_s": run.get("prove_seconds"), "cycles": run.get("cycles"), "verify_process_s": round(t_verify, 2),
               "proof_bytes": run.get("proof_bytes")}
        out[name] = row
        print(name, json.dumps(row), flush=True)
    return out


if __name__ == "__main__":
    main()
