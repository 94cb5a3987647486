"""Train, quantize and export every example model in programs/.

    python3 -m pip install -e ".[train]" && python3 programs/train.py [--only NAME]

Data ships inside scikit-learn (no downloads): the 8x8 digits, the breast-cancer table (a
stand-in for credit data) and a seeded synthetic fraud-like set. For each model it writes the
integer weights (``NAME.npz``), an example input (``NAME.input.json``, a held-out sample) and
the accuracy of the float model and of the quantized DSL program on the held-out split, the
latter computed by running the program itself under CPython (every DSL program is Python).
Results go to ``programs/ACCURACY.md`` and ``programs/accuracy.json``.
"""

from __future__ import annotations

import argparse
import json
import runpy
import sys
import time
from pathlib import Path

import numpy as np

from zkvm import quantize as q

HERE = Path(__file__).resolve().parent
SEED = 7


def split(X, y, test_size=0.2):
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, test_size=test_size, random_state=SEED, stratify=y)


def program_accuracy(name: str, inputs: list, labels, key: str, decide=lambda out: out) -> float:
    """Run the DSL program under CPython on every held-out input."""
    main = runpy.run_path(str(HERE / f"{name}.py"))["main"]
    hits = sum(int(decide(main(list(map(int, x))))) == int(t) for x, t in zip(inputs, labels))
    return hits / len(labels)


def write_input(name: str, key: str, values) -> None:
    (HERE / f"{name}.input.json").write_text(json.dumps({key: [int(v) for v in values]}) + "\n")


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return split(d.data.astype(np.int64), d.target)


def mlp_model(name: str, hidden: tuple[int, ...], max_iter: int) -> dict:
    from sklearn.neural_network import MLPClassifier

    Xtr, Xte, ytr, yte = digits()
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", max_iter=max_iter, random_state=SEED,
                        early_stopping=False, alpha=1e-4)
    clf.fit(Xtr / 16.0, ytr)
    float_acc = clf.score(Xte / 16.0, yte)
    # pixels arrive as integers 0..16, i.e. the float input at scale 16
    arrays, scale = {}, 16.0
    for k, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_), start=1):
        layer = q.quantize_dense(w.T, b, in_scale=scale, weight_scale=256.0)
        arrays[f"W{k}"], arrays[f"B{k}"] = layer.weight, layer.bias
        scale = 64.0  # the program divides hidden activations back down to scale 64
    q.save(HERE / f"{name}.npz", **arrays)
    write_input(name, "pixels", Xte[0])
    acc = program_accuracy(name, Xte.tolist(), yte, "pixels")
    return {"float_accuracy": float_acc, "program_accuracy": acc, "test_samples": len(yte),
            "parameters": int(sum(w.size + b.size for w, b in zip(clf.coefs_, clf.intercepts_)))}


def credit() -> dict:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    d = load_breast_cancer()
    Xtr, Xte, ytr, yte = split(d.data, d.target)
    scaler = StandardScaler().fit(Xtr)
    Ztr, Zte = scaler.transform(Xtr), scaler.transform(Xte)
    clf = LogisticRegression(C=0.5, max_iter=2000).fit(Ztr, ytr)
    float_acc = clf.score(Zte, yte)
    # features: z-scores in hundredths (scale 100); weights at scale 1000; score at 100000
    w = q.to_fixed(clf.coef_[0], 1000)
    b = q.to_fixed(clf.intercept_, 100_000)
    q.save(HERE / "credit_logistic.npz", W=w, B=b)
    zte = np.clip(q.to_fixed(Zte, 100), -100_000, 100_000)
    write_input("credit_logistic", "features", zte[0])
    acc = program_accuracy("credit_logistic", zte.tolist(), yte, "features")
    return {"float_accuracy": float_acc, "program_accuracy": acc, "test_samples": len(yte), "parameters": int(w.size + 1)}


def fraud() -> dict:
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    X, y = make_classification(n_samples=6000, n_features=12, n_informative=8, n_redundant=2,
                               weights=[0.95], flip_y=0.002, class_sep=2.0, random_state=SEED)
    Xtr, Xte, ytr, yte = split(X, y)
    depth = 6
    forest = RandomForestClassifier(n_estimators=8, max_depth=depth, random_state=SEED).fit(Xtr, ytr)
    float_acc = forest.score(Xte, yte)
    trees = [e.tree_ for e in forest.estimators_]
    width = max(t.node_count for t in trees)
    arr = {k: np.zeros((len(trees), width), dtype=np.int64) for k in ("feature", "threshold", "left", "right", "value")}
    for ti, t in enumerate(trees):
        for node in range(width):
            if node >= t.node_count or t.children_left[node] < 0:  # a leaf (or padding): loops on itself
                arr["feature"][ti, node] = 0
                arr["threshold"][ti, node] = 1 << 30
                arr["left"][ti, node] = arr["right"][ti, node] = node
                if node < t.node_count:
                    counts = t.value[node][0]
                    arr["value"][ti, node] = int(round(1000 * counts[1] / counts.sum()))
            else:
                arr["feature"][ti, node] = t.feature[node]
                # features arrive rounded to hundredths: x <= t  ~  round(100 x) <= floor(100 t)
                arr["threshold"][ti, node] = int(np.floor(t.threshold[node] * 100))
                arr["left"][ti, node] = t.children_left[node]
                arr["right"][ti, node] = t.children_right[node]
    q.save(HERE / "fraud_forest.npz", **arr)
    xte = q.to_fixed(Xte, 100)
    acc = program_accuracy("fraud_forest", xte.tolist(), yte, "features", decide=lambda out: out[0])
    # the example input: a held-out fraud case that the forest catches
    main = runpy.run_path(str(HERE / "fraud_forest.py"))["main"]
    caught = next(i for i in np.flatnonzero(yte == 1) if main(xte[i].tolist())[0] == 1)
    write_input("fraud_forest", "features", xte[caught])
    return {"float_accuracy": float_acc, "program_accuracy": acc, "test_samples": len(yte),
            "positives_in_test": int(yte.sum()), "trees": len(trees), "depth": depth}


def _im2col(images):
    """(N, 64) -> (N, 36, 9) patches of the 3x3 valid convolution."""
    imgs = images.reshape(-1, 8, 8)
    cols = [imgs[:, r:r + 3, c:c + 3].reshape(-1, 9) for r in range(6) for c in range(6)]
    return np.stack(cols, axis=1)


def _cnn_forward(P, K, kb, W, b):
    Z = P @ K.T + kb  # (N, 36, F)
    A = np.maximum(Z, 0)
    M = A.reshape(-1, 3, 2, 3, 2, K.shape[0])  # rows (pr, dr), cols (pc, dc)
    pooled = M.max(axis=(2, 4))  # (N, 3, 3, F)
    feats = pooled.transpose(0, 3, 1, 2).reshape(len(P), -1)  # filter-major, as the program
    return Z, A, M, pooled, feats, feats @ W.T + b


def cnn() -> dict:
    Xtr, Xte, ytr, yte = digits()
    rng = np.random.default_rng(SEED)
    F = 8
    K = rng.normal(0, 0.3, (F, 9)); kb = np.zeros(F)
    W = rng.normal(0, 0.1, (10, F * 9)); b = np.zeros(10)
    params = [K, kb, W, b]
    m = [np.zeros_like(p) for p in params]; v = [np.zeros_like(p) for p in params]
    P = _im2col(Xtr / 16.0); Y = np.eye(10)[ytr]
    lr, steps = 0.01, 1500
    for step in range(1, steps + 1):
        Z, A, M, pooled, feats, logits = _cnn_forward(P, K, kb, W, b)
        prob = np.exp(logits - logits.max(1, keepdims=True)); prob /= prob.sum(1, keepdims=True)
        g_logits = (prob - Y) / len(P)
        gW = g_logits.T @ feats; gb = g_logits.sum(0)
        g_feats = g_logits @ W
        g_pooled = g_feats.reshape(-1, F, 3, 3).transpose(0, 2, 3, 1)
        mask = (M == pooled[:, :, None, :, None, :])
        g_A = (mask * g_pooled[:, :, None, :, None, :]).reshape(-1, 36, F)
        g_Z = g_A * (Z > 0)
        gK = np.einsum("nsf,nsk->fk", g_Z, P); gkb = g_Z.sum((0, 1))
        for i, (p, g) in enumerate(zip(params, [gK, gkb, gW, gb])):
            m[i] = 0.9 * m[i] + 0.1 * g; v[i] = 0.999 * v[i] + 0.001 * g * g
            p -= lr * (m[i] / (1 - 0.9 ** step)) / (np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
    float_acc = float(np.mean(_cnn_forward(_im2col(Xte / 16.0), K, kb, W, b)[-1].argmax(1) == yte))
    # pixels at scale 16, kernels at 256 -> maps at 4096, shifted to 64; dense weights at 256
    conv = q.quantize_dense(K, kb, in_scale=16.0, weight_scale=256.0)
    dense = q.quantize_dense(W, b, in_scale=64.0, weight_scale=256.0)
    q.save(HERE / "digits_cnn.npz", K=conv.weight, KB=conv.bias, W=dense.weight, B=dense.bias)
    write_input("digits_cnn", "pixels", Xte[0])
    acc = program_accuracy("digits_cnn", Xte.tolist(), yte, "pixels")
    return {"float_accuracy": float_acc, "program_accuracy": acc, "test_samples": len(yte),
            "parameters": int(K.size + kb.size + W.size + b.size)}


MODELS = {
    "digits_mlp": lambda: mlp_model("digits_mlp", (32,), 600),
    "credit_logistic": credit,
    "fraud_forest": fraud,
    "digits_cnn": cnn,
    "mlp_1m": lambda: mlp_model("mlp_1m", (1024, 1024), 60),
    "mlp_85k": lambda: mlp_model("mlp_85k", (256, 256), 200),
    "mlp_4m": lambda: mlp_model("mlp_4m", (2048, 2048), 30),
}


def write_report(results: dict) -> None:
    (HERE / "accuracy.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    lines = ["# Example models: accuracy on the held-out split", "",
             "Written by `programs/train.py` (20% stratified held-out split, seed 7). The program column is",
             "the quantized DSL program itself, run under CPython on every held-out sample.", "",
             "| model | float model | quantized program | held-out samples | notes |", "|---|---|---|---|---|"]
    notes = {"credit_logistic": "breast-cancer table as a stand-in for credit data",
             "fraud_forest": "synthetic, 5% positives: compare with always-negative",
             "mlp_1m": "64-1024-1024-10", "mlp_85k": "64-256-256-10", "mlp_4m": "64-2048-2048-10"}
    for name, r in results.items():
        extra = notes.get(name, "")
        if "positives_in_test" in r:
            base = 1 - r["positives_in_test"] / r["test_samples"]
            extra += f" ({base:.3f})"
        lines.append(f"| {name} | {r['float_accuracy']:.4f} | {r['program_accuracy']:.4f} | {r['test_samples']} | {extra} |")
    (HERE / "ACCURACY.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(MODELS), action="append", help="train only these models")
    args = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("programs/train.py needs scikit-learn: python3 -m pip install -e '.[train]'", file=sys.stderr)
        return 2
    path = HERE / "accuracy.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    for name in args.only or list(MODELS):
        t = time.perf_counter()
        results[name] = MODELS[name]()
        print(f"{name}: {results[name]} ({time.perf_counter() - t:.1f} s)", flush=True)
    write_report({k: results[k] for k in MODELS if k in results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
