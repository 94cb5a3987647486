"""Small ONNX graphs built with onnx.helper, the way exporters write them (no torch needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

onnx = __import__("pytest").importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


class Builder:
    """Accumulates nodes and initializers; names every node like torch.onnx.export does."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list = []
        self.inits: list = []
        self.count = 0

    def const(self, name: str, value) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(self, name: str, shape, scale: float | None = None) -> str:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        s = scale if scale is not None else 1.0 / np.sqrt(fan_in)
        return self.const(name, self.rng.normal(0, s, shape).astype(np.float32))

    def op(self, op_type: str, inputs: list[str], n_out: int = 1, **attrs) -> str:
        self.count += 1
        name = f"/{op_type.lower()}{self.count}/{op_type}"
        outs = [f"{name}_output_{k}" for k in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, **attrs))
        return outs[0]

    def gemm(self, x: str, n_in: int, n_out: int) -> str:
        k = self.count
        return self.op("Gemm", [x, self.weight(f"fc{k}.weight", (n_out, n_in)),
                                self.weight(f"fc{k}.bias", (n_out,), 0.1)], transB=1)

    def save(self, path: Path, out: str, in_shape, out_shape=None, elem=TensorProto.FLOAT, batch="batch") -> Path:
        dims = ([batch] if batch is not None else []) + list(in_shape)
        out_dims = None if out_shape is None else ([batch] if batch is not None else []) + list(out_shape)
        g = helper.make_graph(self.nodes, "test", [helper.make_tensor_value_info("input", elem, dims)],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT if out_shape != "int" else TensorProto.INT64,
                                                             out_dims if out_shape != "int" else [batch])], self.inits)
        m = helper.make_model(g, producer_name="pytorch", producer_version="2.5",
                              opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        onnx.save(m, str(path))
        return path


def mlp(path: Path, sizes: list[int], seed: int = 0, final: str | None = None) -> Path:
    """Gemm/Relu layers as torch exports nn.Sequential(Linear, ReLU, ..., Linear)."""
    b = Builder(seed)
    x = "input"
    for k in range(len(sizes) - 1):
        x = b.gemm(x, sizes[k], sizes[k + 1])
        if k < len(sizes) - 2:
            x = b.op("Relu", [x])
    if final in ("Softmax", "LogSoftmax"):
        x = b.op(final, [x], axis=1)
    elif final == "ArgMax":
        x = b.op("ArgMax", [x], axis=1, keepdims=0)
        return b.save(path, x, [sizes[0]], "int")
    return b.save(path, x, [sizes[0]], [sizes[-1]])
