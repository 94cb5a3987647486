"""``zkvm import`` through the command line: import -> prove -> verify, and its failures.

The imported program is proven and verified by the CLI exactly as a hand-written one, and the
attested output equals what CPython computes by running the written file; refusals exit 2 with
the node named and write nothing.
"""

from __future__ import annotations

import json
import runpy

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
from tests.cli.test_end_to_end import zkvm  # noqa: E402
from tests.importer.graphs import Builder, mlp  # noqa: E402


def cnn(path):
    b = Builder(4)
    x = b.op("Conv", ["input", b.weight("conv.weight", (4, 1, 3, 3)), b.weight("conv.bias", (4,), 0.1)],
             kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    x = b.op("MaxPool", [b.op("Relu", [x])], kernel_shape=[2, 2], strides=[2, 2])
    x = b.gemm(b.op("Flatten", [x], axis=1), 64, 10)
    return b.save(path, b.op("Softmax", [x], axis=1), [1, 8, 8], [10])


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_import_prove_verify(tmp_path, kind):
    onnx_path = tmp_path / "model.onnx"
    if kind == "mlp":
        mlp(onnx_path, [64, 16, 10], seed=1)
        shape = (64,)
    else:
        cnn(onnx_path)
        shape = (1, 8, 8)
    np.save(tmp_path / "calib.npy", np.random.default_rng(0).uniform(0, 1, (40, *shape)).astype(np.float32))
    prog = tmp_path / "model.py"
    r = zkvm("import", str(onnx_path), "-o", str(prog), "--calibrate", str(tmp_path / "calib.npy"), "--json", "-q")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["ok"] and summary["agreement"]["rate"] >= 0.99 and summary["agreement"]["samples"] == 40
    assert (tmp_path / "model.npz").exists()
    text = prog.read_text()
    assert "sha256" in text and "Agreement with the float model" in text and "def main(" in text
    inputs = json.loads((tmp_path / "model.input.json").read_text())
    expected = runpy.run_path(str(prog))["main"](**inputs)
    r = zkvm("run", str(prog), "--input", str(tmp_path / "model.input.json"), "--prove", "--json", "-q")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["output"] == expected
    r = zkvm("verify", str(tmp_path / "model.proof"), "--program", str(prog), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["output"] == expected


def test_refusals_exit_2_and_write_nothing(tmp_path):
    b = Builder()
    path = b.save(tmp_path / "m.onnx", b.op("LRN", [b.op("Relu", ["input"])], size=3), [2, 4, 4], [2, 4, 4])
    r = zkvm("import", str(path), "-o", str(tmp_path / "m.py"), "--input-range", "0", "1", "--json")
    assert r.returncode == 2
    obj = json.loads(r.stdout)
    assert obj["kind"] == "import" and obj["op"] == "LRN" and obj["node"] == "/lrn2/LRN" and "supported" in obj["message"]
    r = zkvm("import", str(path), "-o", str(tmp_path / "m.py"), "--input-range", "0", "1")
    assert r.returncode == 2 and "LRN" in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == [path]
    r = zkvm("import", str(path), "-o", str(tmp_path / "m.py"), "--bits", "99", "--input-range", "0", "1")
    assert r.returncode == 2 and "--bits" in r.stderr
    r = zkvm("import", str(path), "-o", str(tmp_path / "m.txt"), "--input-range", "0", "1")
    assert r.returncode == 2 and ".py" in r.stderr
