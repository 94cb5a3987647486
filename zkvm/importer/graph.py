"""An ONNX model read into what the importers need: its nodes in order, its weights as numpy
arrays, its one input (shape without the batch dimension, element type) and its outputs.

Constant subgraphs (``Constant`` nodes, and the ``Shape -> Gather -> Concat -> Reshape``
chains exporters write for ``x.view(x.size(0), -1)``) are folded here, so the importers only
see operators that compute on the input.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zkvm.errors import ImportRefused, InputError

ML_DOMAIN = "ai.onnx.ml"


@dataclass
class Node:
    """One ONNX node: operator, domain, name, inputs, outputs and attributes (decoded)."""

    op: str
    domain: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, object]

    def attr(self, key: str, default=None):
        return self.attrs.get(key, default)

    def refuse(self, message: str) -> ImportRefused:
        return ImportRefused(message, node=self.name, op=self.op)


@dataclass
class Graph:
    """The model: nodes in execution order, constants, the input and the outputs."""

    path: Path
    sha256: str
    producer: str
    opsets: dict[str, int]
    nodes: list[Node]
    constants: dict[str, np.ndarray]
    input_name: str
    input_shape: tuple[int, ...]  # without the batch dimension
    input_elem_type: int
    has_batch: bool  # the model's input has a leading batch dimension
    outputs: list[str]
    output_shapes: dict[str, tuple] = field(default_factory=dict)
    batch_sensitive: bool = False  # folded constants assume a batch of one (a Shape was folded)

    @property
    def is_ml(self) -> bool:
        return any(n.domain == ML_DOMAIN for n in self.nodes)

    def source_lines(self) -> list[str]:
        opsets = ", ".join(f"{d or 'ai.onnx'} {v}" for d, v in sorted(self.opsets.items()))
        return [f"Source model: {self.path.name} (sha256 {self.sha256}), produced by "
                f"{self.producer or 'an unnamed exporter'}, opsets {opsets}."]


def _decode_attr(a, onnx):
    from onnx import numpy_helper

    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        return [x.decode() for x in v]
    if isinstance(v, onnx.TensorProto):
        return numpy_helper.to_array(v)
    return v


def load_graph(path: str | Path) -> Graph:
    """Read an ONNX file. Raises InputError (naming MODEL) for a file that is not a readable
    ONNX model, ImportRefused for a model without exactly one input."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError("MODEL", "reading ONNX models needs the onnx package: pip install 'zkvm[import]'") from None
    p = Path(path)
    if not p.is_file():
        raise InputError("MODEL", f"no such file: {p}", file=str(p))
    data = p.read_bytes()
    try:
        model = onnx.load_from_string(data)
        if not model.graph.node:
            raise ValueError("the graph has no nodes")
    except Exception as e:
        raise InputError("MODEL", f"{p.name} is not a readable ONNX model ({type(e).__name__}: {e})", file=str(p)) from None
    g = model.graph
    constants = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    inputs = [i for i in g.input if i.name not in constants]
    if len(inputs) != 1:
        raise ImportRefused(f"the model has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
                            "zkvm import supports models with one input tensor")
    inp = inputs[0]
    tt = inp.type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
    has_batch = bool(dims) and (dims[0] is None or (dims[0] == 1 and len(dims) > 1))
    shape = dims[1:] if has_batch else dims
    if any(d is None or d <= 0 for d in shape):
        raise ImportRefused(f"input {inp.name!r} has shape {dims}: every dimension but the first (the batch) "
                            "must be fixed")
    nodes = []
    for i, n in enumerate(g.node):
        attrs = {a.name: _decode_attr(a, onnx) for a in n.attribute}
        nodes.append(Node(n.op_type, n.domain or "", n.name or f"{n.op_type}_{i}", list(n.input), list(n.output), attrs))
    out_shapes = {}
    for o in g.output:
        od = o.type.tensor_type.shape.dim
        out_shapes[o.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in od)
    graph = Graph(p, hashlib.sha256(data).hexdigest(), f"{model.producer_name} {model.producer_version}".strip(),
                  {o.domain: o.version for o in model.opset_import}, nodes, constants, inp.name, tuple(shape),
                  tt.elem_type, has_batch, [o.name for o in g.output], out_shapes)
    _fold_constants(graph)
    return graph


def _fold_constants(graph: Graph) -> None:
    """Evaluate nodes whose inputs are all constants ahead of time, and ``Shape`` of any tensor
    (from a probe run on one all-zero sample: the shapes do not depend on the values)."""
    from zkvm.importer import reference

    kept = []
    probe: dict[str, np.ndarray] | None = {
        graph.input_name: np.zeros(((1,) if graph.has_batch else ()) + graph.input_shape)}
    for node in graph.nodes:
        if node.op == "Constant":
            value = node.attr("value")
            if value is None:
                for key in ("value_float", "value_int", "value_floats", "value_ints"):
                    if key in node.attrs:
                        value = np.array(node.attrs[key])
            if value is None:
                raise node.refuse("a Constant without a tensor value")
            graph.constants[node.outputs[0]] = np.asarray(value)
            continue
        if node.op == "Shape" and probe is not None and node.inputs[0] in probe:
            shape = np.array(np.shape(probe[node.inputs[0]]), dtype=np.int64)
            start, end = node.attr("start", 0), node.attr("end", None)
            graph.constants[node.outputs[0]] = shape[start:end]
            graph.batch_sensitive = graph.batch_sensitive or graph.has_batch
            continue
        ins = [i for i in node.inputs if i]
        if node.domain != ML_DOMAIN and ins and all(i in graph.constants for i in ins) and reference.can_evaluate(node):
            values = reference.evaluate_node(node, [graph.constants.get(i) if i else None for i in node.inputs])
            for name, v in zip(node.outputs, values):
                graph.constants[name] = v
            continue
        kept.append(node)
        if probe is not None:
            try:
                args = [(probe[i] if i in probe else graph.constants.get(i)) if i else None for i in node.inputs]
                for name, v in zip(node.outputs, reference.evaluate_node(node, args)):
                    probe[name] = np.asarray(v)
            except Exception:  # an operator the importers handle themselves (or refuse): stop probing
                probe = None
    graph.nodes = kept
