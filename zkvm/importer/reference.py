"""Float semantics of the ONNX operators the neural-network importer supports, in numpy.

Used to fold constant subgraphs, to compute every intermediate tensor on the calibration
samples (from which scales are chosen), and as the float reference when onnxruntime is not
installed. Each function follows the ONNX operator specification; the tests compare them with
onnxruntime on random inputs.
"""

from __future__ import annotations

import numpy as np

from zkvm.importer.windows import Window, max_pool_taps


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def window_of(node, shape: tuple[int, ...], kernel: tuple[int, int]) -> Window:
    """The window geometry of a Conv/MaxPool/AveragePool node on an input of shape (C, H, W)."""
    c, h, w = shape
    strides = tuple(node.attr("strides", [1, 1]))
    dil = tuple(node.attr("dilations", [1, 1]))
    pads = tuple(node.attr("pads", [0, 0, 0, 0]))
    auto = node.attr("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads_hw = []
        for size, k, s, d in ((h, kernel[0], strides[0], dil[0]), (w, kernel[1], strides[1], dil[1])):
            out = -(-size // s)
            total = max(0, (out - 1) * s + d * (k - 1) + 1 - size)
            small, big = total // 2, total - total // 2
            pads_hw.append((small, big) if auto == "SAME_UPPER" else (big, small))
        pads = (pads_hw[0][0], pads_hw[1][0], pads_hw[0][1], pads_hw[1][1])
    elif auto == "VALID":
        pads = (0, 0, 0, 0)
    return Window(c, h, w, tuple(kernel), strides, pads, dil, bool(node.attr("ceil_mode", 0)))


def conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, node) -> np.ndarray:
    n = x.shape[0]
    m = weight.shape[0]
    win = window_of(node, x.shape[1:], weight.shape[2:])
    taps = win.conv_taps()
    padded = np.concatenate([x.reshape(n, -1), np.zeros((n, 1), x.dtype)], axis=1)
    patches = padded[:, taps]  # (n, P, C*kh*kw)
    out = patches @ weight.reshape(m, -1).T.astype(np.float64)  # (n, P, M)
    if bias is not None:
        out = out + bias
    return out.transpose(0, 2, 1).reshape(n, m, win.out_height, win.out_width)


def pool(x: np.ndarray, node, kind: str) -> np.ndarray:
    n = x.shape[0]
    win = window_of(node, x.shape[1:], tuple(node.attr("kernel_shape")))
    flat = x.reshape(n, -1)
    if kind == "max":
        out = flat[:, max_pool_taps(win)].max(axis=2)
    else:
        taps = win.pool_taps()
        padded = np.concatenate([flat, np.zeros((n, 1), x.dtype)], axis=1)
        counts = taps.shape[1] if node.attr("count_include_pad", 0) else (taps != win.pad_index).sum(axis=1)
        out = padded[:, taps].sum(axis=2) / counts
    return out.reshape(n, x.shape[1], win.out_height, win.out_width)


def _axes(node, inputs):
    if len(inputs) > 1 and inputs[1] is not None:
        return [int(a) for a in np.asarray(inputs[1]).reshape(-1)]
    return node.attr("axes")


def evaluate_node(node, inputs: list) -> list[np.ndarray]:
    """The node's outputs for the given input arrays (ONNX semantics, batch included)."""
    op, x = node.op, inputs[0] if inputs else None
    a = node.attr
    if op == "Gemm":
        A = x.T if a("transA", 0) else x
        B = inputs[1].T if a("transB", 0) else inputs[1]
        y = a("alpha", 1.0) * (A @ B)
        if len(inputs) > 2 and inputs[2] is not None:
            y = y + a("beta", 1.0) * inputs[2]
        return [y]
    if op == "MatMul":
        return [np.matmul(x, inputs[1])]
    if op in ("Add", "Sub", "Mul", "Div"):
        y = inputs[1]
        if op == "Div" and x.dtype.kind in "iu" and y.dtype.kind in "iu":
            return [np.trunc(x / y).astype(x.dtype)]
        return [{"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](x, y)]
    if op == "Relu":
        return [np.maximum(x, 0)]
    if op == "LeakyRelu":
        return [np.where(x >= 0, x, a("alpha", 0.01) * x)]
    if op == "Clip":
        lo = inputs[1] if len(inputs) > 1 and inputs[1] is not None else a("min")
        hi = inputs[2] if len(inputs) > 2 and inputs[2] is not None else a("max")
        y = x if lo is None else np.maximum(x, lo)
        return [y if hi is None else np.minimum(y, hi)]
    if op == "Sigmoid":
        return [1.0 / (1.0 + np.exp(-x))]
    if op == "Tanh":
        return [np.tanh(x)]
    if op in ("Softmax", "LogSoftmax"):
        y = _softmax(x, a("axis", -1))
        return [np.log(y) if op == "LogSoftmax" else y]
    if op == "ArgMax":
        axis = a("axis", 0)
        y = np.argmax(x, axis=axis)
        return [np.expand_dims(y, axis) if a("keepdims", 1) else y]
    if op == "Conv":
        return [conv(x, inputs[1], inputs[2] if len(inputs) > 2 else None, node)]
    if op == "MaxPool":
        return [pool(x, node, "max")]
    if op == "AveragePool":
        return [pool(x, node, "average")]
    if op == "GlobalAveragePool":
        return [x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)]
    if op == "BatchNormalization":
        scale, bias, mean, var = inputs[1:5]
        shape = (1, -1) + (1,) * (x.ndim - 2)
        k = scale / np.sqrt(var + a("epsilon", 1e-5))
        return [(x - mean.reshape(shape)) * k.reshape(shape) + bias.reshape(shape)]
    if op == "Flatten":
        axis = a("axis", 1) % max(x.ndim, 1) if x.ndim else 0
        return [x.reshape(int(np.prod(x.shape[:axis])), -1)]
    if op == "Reshape":
        shape = [int(s) for s in inputs[1]]
        if not a("allowzero", 0):
            shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return [x.reshape(shape)]
    if op == "Transpose":
        return [np.transpose(x, a("perm"))]
    if op == "Concat":
        return [np.concatenate(inputs, axis=a("axis"))]
    if op in ("Identity", "Dropout"):
        return [x]
    if op == "Cast":
        to = a("to")
        dtype = {1: np.float32, 11: np.float64, 7: np.int64, 6: np.int32, 9: np.bool_, 10: np.float16}.get(to, np.float64)
        return [np.asarray(x).astype(dtype)]
    if op == "Squeeze":
        axes = _axes(node, inputs)
        return [np.squeeze(x, axis=tuple(axes)) if axes is not None else np.squeeze(x)]
    if op == "Unsqueeze":
        y = x
        for ax in sorted(int(v) % (np.ndim(x) + len(_axes(node, inputs))) for v in _axes(node, inputs)):
            y = np.expand_dims(y, ax)
        return [y]
    if op == "Gather":
        return [np.take(x, inputs[1], axis=a("axis", 0))]
    if op == "Shape":
        return [np.array(np.shape(x), dtype=np.int64)]
    if op == "Slice":
        starts, ends = inputs[1], inputs[2]
        axes = inputs[3] if len(inputs) > 3 and inputs[3] is not None else range(len(starts))
        steps = inputs[4] if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
        index = [slice(None)] * np.ndim(x)
        for s, e, ax, st in zip(starts, ends, axes, steps):
            index[int(ax)] = slice(int(s), int(e), int(st))
        return [x[tuple(index)]]
    raise NotImplementedError(op)


FOLDABLE = {"Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "Flatten", "Reshape", "Transpose", "Concat",
            "Identity", "Cast", "Squeeze", "Unsqueeze", "Gather", "Shape", "Slice", "Sigmoid", "Tanh", "Clip"}


def can_evaluate(node) -> bool:
    """Whether constant folding may evaluate this node."""
    return node.op in FOLDABLE


def run_graph(graph, samples: np.ndarray, keep: bool = False):
    """The graph on float samples (n, *input shape), one sample at a time (batch 1, so that
    reshapes written for a batch of one hold): its outputs as onnxruntime gives them for the
    whole batch, or with ``keep`` every tensor, each stacked to (n, *its shape at batch 1)."""
    runs = [run_graph_single(graph, s[None] if graph.has_batch else s) for s in samples]
    if keep:
        return {k: np.stack([r[k] for r in runs]) for k in runs[0]}
    batched = graph.has_batch and all(np.ndim(r[o]) and np.shape(r[o])[0] == 1 for r in runs[:1] for o in graph.outputs)
    join = np.concatenate if batched else np.stack
    return [join([r[o] for r in runs]) for o in graph.outputs]


def run_graph_single(graph, x: np.ndarray) -> dict[str, np.ndarray]:
    values = {graph.input_name: np.asarray(x, dtype=np.float64)}
    for node in graph.nodes:
        ins = [(values[i] if i in values else graph.constants.get(i)) if i else None for i in node.inputs]
        for name, v in zip(node.outputs, evaluate_node(node, ins)):
            values[name] = np.asarray(v)
    return values
