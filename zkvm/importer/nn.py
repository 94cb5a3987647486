"""Neural-network graphs (Gemm, Conv, pooling, activations, ...) lowered to integer arithmetic.

Every tensor becomes a flat list of ints in row-major (C, H, W) order holding
``round(value * 2**f)`` for a power-of-two scale ``2**f`` chosen per tensor: ``bits - 1``
bits for the largest magnitude seen on the calibration samples (or, without samples, the
largest the interval analysis allows). Weights are rounded the same way per tensor. A layer's
products and sums are exact VM integers at the sum of its operands' scales; a right shift
(``>> k``, Python's floor division by ``2**k``) brings the result to the next tensor's scale.

Soundness of the arithmetic is not left to the calibration samples: every tensor carries
integer bounds per element, propagated by interval arithmetic from the declared input domain,
and a layer whose products, partial sums or results could reach 2**62 (half the VM's value
range) for *some* input in the domain is refused, naming the node. So an honest run of the
written program never overflows, whatever the input the program's input check accepts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zkvm.errors import ImportRefused
from zkvm.importer import reference
from zkvm.importer.graph import Graph, Node
from zkvm.importer.samples import INTEGER_INPUT_RANGES
from zkvm.importer.program import ARGMAX, ARGMAX_FUNCTION, LABEL, VALUES, GeneratedProgram, InputSpec, identifier
from zkvm.importer.windows import max_pool_taps

LIMIT = 2.0 ** 62
"""Largest magnitude any intermediate may reach (the VM's value range is about 2**63)."""

SUPPORTED = ("Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh",
             "Softmax", "LogSoftmax/ArgMax (at the output)", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
             "BatchNormalization", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Concat",
             "Identity", "Dropout", "Cast")

LOG2E_Q = round(math.log2(math.e) * 2 ** 16)
"""log2(e) at scale 2^16, for Softmax's exponentials."""

PIECES = 64
"""Linear pieces of the Sigmoid and Tanh approximations (over [-8, 8] and [-4, 4])."""


@dataclass
class QTensor:
    """A tensor of the program: its variable, per-sample shape, scale bits, per-element integer
    bounds over the input domain, and its float values on the calibration samples."""

    var: str
    shape: tuple[int, ...]
    f: int
    lo: np.ndarray
    hi: np.ndarray
    calib: np.ndarray | None  # (n, size) float

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def magnitude(self) -> np.ndarray:
        return np.maximum(np.abs(self.lo), np.abs(self.hi))


def frac_bits(max_abs: float, bits: int) -> int:
    """The scale bits that put ``max_abs`` just within ``bits``-bit signed integers."""
    if not max_abs > 0 or not math.isfinite(max_abs):
        return bits - 1
    return bits - 1 - (math.floor(math.log2(max_abs)) + 1)


def quantize(values: np.ndarray, f: int) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=np.float64) * 2.0 ** f).astype(np.int64)


def shifted(v: np.ndarray, shift: int) -> np.ndarray:
    """Bounds after ``>> shift`` (floor; a negative shift is a left shift)."""
    return np.floor(v / 2.0 ** shift)


class Lowering:
    """One pass over the graph, building the program."""

    def __init__(self, graph: Graph, domain: tuple[float, float, str], samples: np.ndarray | None, bits: int) -> None:
        self.g, self.bits = graph, bits
        _fold_into_layers(graph)
        for node in graph.nodes:  # every operator known before anything is evaluated
            if getattr(self, f"op_{node.op}", None) is None or node.domain not in ("", "ai.onnx"):
                raise node.refuse(f"operator {node.domain + '.' if node.domain else ''}{node.op} is not supported; "
                                  f"supported: {', '.join(SUPPORTED)}")
        probe = np.zeros((1, *graph.input_shape))
        full = reference.run_graph(graph, probe, keep=True)
        self.full_shapes = {k: v.shape[1:] for k, v in full.items()}  # (the stacking axis dropped)
        self.calib = reference.run_graph(graph, samples, keep=True) if samples is not None else None
        lo, hi, source = domain
        f_in = frac_bits(max(abs(lo), abs(hi)), bits)
        if graph.input_elem_type in INTEGER_INPUT_RANGES:
            f_in = 0  # an integer input is passed as it is
        name = identifier(graph.input_name, "x")
        self.spec = InputSpec(name, graph.input_shape, f_in, lo, hi, source)
        size = self.spec.length
        self.values: dict[str, QTensor] = {graph.input_name: QTensor(
            name, graph.input_shape, f_in, np.full(size, float(self.spec.lo)), np.full(size, float(self.spec.hi)),
            self._calib(graph.input_name))}
        self.prog = GeneratedProgram(title=f"{graph.path.stem}: imported from ONNX", input=self.spec,
                                     output_kind=VALUES, output_doc="")
        self.names: set[str] = {name}
        self.largest = 0.0

    # --- helpers ------------------------------------------------------------------------------
    def _calib(self, tensor: str) -> np.ndarray | None:
        if self.calib is None:
            return None
        v = self.calib[tensor]
        return v.reshape(v.shape[0], -1).astype(np.float64)

    def shape(self, tensor: str) -> tuple[int, ...]:
        """A tensor's shape without the batch dimension (a leading 1 in the probe run; a
        reshape that merged the batch of one into other dimensions keeps them all)."""
        s = self.full_shapes[tensor]
        return tuple(s[1:]) if self.g.has_batch and len(s) >= 1 and s[0] == 1 else tuple(s)

    def var(self, node: Node) -> str:
        base = identifier(node.name.strip("/").replace("/", "_").lower(), "t")
        name, k = base, 1
        while name in self.names or name.upper() in self.names:
            k += 1
            name = f"{base}_{k}"
        self.names.add(name)
        return name

    def tensor(self, node: Node, i: int = 0) -> QTensor:
        name = node.inputs[i]
        if name not in self.values:
            raise node.refuse(f"input {name!r} is neither the model's input nor computed from it "
                              "(a constant where a tensor is expected is not supported)")
        return self.values[name]

    def const(self, node: Node, i: int) -> np.ndarray | None:
        if i >= len(node.inputs) or not node.inputs[i]:
            return None
        return self.g.constants.get(node.inputs[i])

    def choose(self, node: Node, lo: np.ndarray, hi: np.ndarray, f_acc: int, out: str | None = None) -> int:
        """Scale bits of a node's output: from its calibration values, else from its bounds
        (at scale f_acc); never more than f_acc (results are only shifted right)."""
        calib = self._calib(out or node.outputs[0])
        if calib is not None and calib.size:
            m = float(np.max(np.abs(calib)))
        else:
            m = float(max(np.max(np.abs(lo)), np.max(np.abs(hi)))) / 2.0 ** f_acc if lo.size else 0.0
        return min(frac_bits(m, self.bits), f_acc)

    def check(self, node: Node, *bounds: np.ndarray) -> None:
        m = max((float(np.max(np.abs(b))) for b in bounds if b.size), default=0.0)
        self.largest = max(self.largest, m)
        if not m < LIMIT:
            raise ImportRefused(f"quantized values can reach about 2^{math.log2(m):.0f} for inputs in the declared "
                                f"domain, beyond the VM's 2^62 limit: use fewer --bits (now {self.bits}) or a "
                                "narrower --input-range", node=node.name, op=node.op)

    def emit(self, node: Node, expr: str, shape, f: int, lo, hi, note: str = "") -> QTensor:
        name = self.var(node)
        self.prog.body.append(f"{name} = {expr}  # {node.op} {node.name!r}" + (f": {note}" if note else ""))
        t = QTensor(name, tuple(shape), f, np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64),
                    self._calib(node.outputs[0]))
        self.values[node.outputs[0]] = t
        return t

    def array(self, node: Node, suffix: str, values, note: str = "") -> str:
        base = self.var(node).upper()
        self.names.discard(base.lower())
        return self.prog.add_array(f"{base}_{suffix}", values, note)

    def rescale(self, node: Node, t: QTensor, f: int) -> QTensor:
        """``t`` at scale bits f <= t.f (a right shift), as a new variable if needed."""
        if f == t.f:
            return t
        s = t.f - f
        self.prog.add_function(_RESCALE)
        name = f"{t.var}_s{f}"
        if name not in self.names:
            self.names.add(name)
            self.prog.body.append(f"{name} = rescale({t.var}, {s})  # to scale 2^{f} for {node.name!r}")
        return QTensor(name, t.shape, f, shifted(t.lo, s), shifted(t.hi, s), t.calib)

    # --- the pass -----------------------------------------------------------------------------
    def run(self) -> GeneratedProgram:
        outs = self.g.outputs
        if len(outs) != 1:
            raise ImportRefused(f"the model has {len(outs)} outputs ({', '.join(outs)}); zkvm import supports one")
        producers = {o: n for n in self.g.nodes for o in n.outputs}
        final = producers.get(outs[0])
        for node in self.g.nodes:
            at_output = node is final
            if node.op in ("LogSoftmax", "ArgMax") and not at_output:
                raise node.refuse(f"{node.op} is supported only as the model's last operator")
            getattr(self, f"op_{node.op}")(node)
        self.finish(final, outs[0])
        self.prog.notes.append(f"weights and activations rounded to {self.bits}-bit integers at power-of-two "
                               f"scales chosen per tensor ({'from the calibration samples' if self.calib is not None else 'from the interval analysis, no calibration samples'}); "
                               "products and sums are exact, rescaling is a right shift (floor)")
        self.prog.notes.append(f"interval analysis over the whole input domain: intermediate values stay within "
                               f"2^{math.log2(max(self.largest, 1)):.1f} (the VM's range is 2^63)")
        return self.prog

    def finish(self, final: Node | None, out: str) -> None:
        p = self.prog
        if final is not None and final.op == "LogSoftmax":
            t = self.tensor(final)
            self._argmax_function()
            p.body.append(f"return argmax({t.var})  # {final.op} {final.name!r}: the most probable class")
            p.output_kind, p.returns = ARGMAX, "int"
            p.output_doc = (f"the predicted class: the index of the largest of the model's {t.size} outputs "
                            f"(its final {final.op} is monotone, so it is the argmax of the scores before it).")
            p.graph_summary.append(f"{final.op} {final.name!r}: the output is its argmax")
            return
        if final is not None and final.op == "ArgMax":
            p.output_kind, p.returns = LABEL, "int"
            p.body.append(f"return {self.values[out].var}")
            p.output_doc = "the index of the largest output (the model's ArgMax)."
            return
        t = self.values[out] if out in self.values else None
        if t is None:
            raise ImportRefused(f"the output {out!r} does not depend on the input")
        p.body.append(f"return {t.var}")
        p.output_kind, p.returns, p.output_frac_bits = VALUES, "list[int]", t.f
        p.output_doc = (f"the model's output {out!r} of shape {t.shape}, as a list of {t.size} ints at scale 2^{t.f}: "
                        f"divide by {2 ** t.f} for the float value.")

    def _argmax_function(self) -> None:
        self.prog.add_function(ARGMAX_FUNCTION)

    # --- operators ----------------------------------------------------------------------------
    def dense(self, node: Node, x: QTensor, w: np.ndarray, b: np.ndarray | None, what: str) -> None:
        if len(x.shape) != 1:
            raise node.refuse(f"{node.op} on a per-sample tensor of shape {x.shape} is not supported "
                              "(flatten it first: the importer handles vector inputs)")
        n_out, n_in = w.shape
        if n_in != x.size:
            raise node.refuse(f"weight of shape {w.shape} does not match an input of {x.size} values")
        fw = frac_bits(float(np.max(np.abs(w))), self.bits)
        wq = quantize(w, fw)
        f_acc = x.f + fw
        bq = quantize(b, f_acc) if b is not None else np.zeros(n_out, dtype=np.int64)
        wpos, wneg = np.maximum(wq, 0).astype(np.float64), np.minimum(wq, 0).astype(np.float64)
        lo = wpos @ x.lo + wneg @ x.hi + bq
        hi = wpos @ x.hi + wneg @ x.lo + bq
        self.check(node, np.abs(wq).astype(np.float64) @ x.magnitude + np.abs(bq), lo, hi)
        f = self.choose(node, lo, hi, f_acc)
        s = f_acc - f
        wn = self.array(node, "W", wq, f"scale 2^{fw} ({node.name!r}, {what})")
        bn = self.array(node, "B", bq, f"scale 2^{f_acc}")
        self.prog.add_function(_DENSE)
        self.emit(node, f"dense({wn}, {bn}, {x.var}, {s})", (n_out,), f, shifted(lo, s), shifted(hi, s),
                  f"{n_in} -> {n_out}, scale 2^{f}")
        self.prog.graph_summary.append(f"{node.op} {node.name!r}: {n_in} -> {n_out}")

    def op_Gemm(self, node: Node) -> None:
        x = self.tensor(node)
        b_mat = self.const(node, 1)
        if b_mat is None or node.attr("transA", 0):
            raise node.refuse("Gemm with a computed weight or transA=1 is not supported (weights must be constants)")
        wmat = b_mat.T if node.attr("transB", 0) else b_mat  # (in, out)
        c = self.const(node, 2)
        bias = None
        if c is not None:
            c = np.asarray(c, dtype=np.float64)
            c = c.reshape(-1) if c.size == wmat.shape[1] else c  # (N,), (1, N) or a scalar
            bias = np.broadcast_to(node.attr("beta", 1.0) * c, (wmat.shape[1],))
        self.dense(node, x, node.attr("alpha", 1.0) * np.asarray(wmat, dtype=np.float64).T, bias, "out x in")

    def op_MatMul(self, node: Node) -> None:
        w = self.const(node, 1)
        if w is None or w.ndim != 2 or node.inputs[0] not in self.values:
            raise node.refuse("MatMul is supported as tensor @ constant 2-D weight")
        bias = self.g.constants.get(node.attrs.get("_folded_bias")) if node.attrs.get("_folded_bias") else None
        self.dense(node, self.tensor(node), np.asarray(w, dtype=np.float64).T, bias, "out x in")

    def op_Conv(self, node: Node) -> None:
        x = self.tensor(node)
        w = self.const(node, 1)
        if w is None or w.ndim != 4 or len(x.shape) != 3:
            raise node.refuse("Conv is supported in 2-D (input C x H x W, constant weight M x C x kh x kw)")
        if node.attr("group", 1) != 1:
            raise node.refuse(f"grouped convolution (group={node.attr('group')}) is not supported; group=1 is")
        b = self.const(node, 2)
        win = reference.window_of(node, x.shape, w.shape[2:])
        taps = win.conv_taps()
        m = w.shape[0]
        fw = frac_bits(float(np.max(np.abs(w))), self.bits)
        wq = quantize(w.reshape(m, -1), fw)
        f_acc = x.f + fw
        bq = quantize(b, f_acc) if b is not None else np.zeros(m, dtype=np.int64)
        padded = win.pad_index in taps
        xlo, xhi = np.append(x.lo, 0.0)[taps], np.append(x.hi, 0.0)[taps]  # (P, K)
        wpos, wneg = np.maximum(wq, 0).astype(np.float64), np.minimum(wq, 0).astype(np.float64)
        lo = (wpos @ xlo.T + wneg @ xhi.T + bq[:, None]).reshape(-1)
        hi = (wpos @ xhi.T + wneg @ xlo.T + bq[:, None]).reshape(-1)
        mag = np.maximum(np.abs(xlo), np.abs(xhi))
        self.check(node, (np.abs(wq).astype(np.float64) @ mag.T + np.abs(bq)[:, None]).reshape(-1), lo, hi)
        f = self.choose(node, lo, hi, f_acc)
        s = f_acc - f
        wn = self.array(node, "W", wq, f"scale 2^{fw}: one kernel (C x kh x kw) per row")
        bn = self.array(node, "B", bq, f"scale 2^{f_acc}")
        tn = self.array(node, "TAPS", taps, "input positions of each output position" + (f" ({win.pad_index} = padding)" if padded else ""))
        self.prog.add_function(_CONV)
        shape = (m, win.out_height, win.out_width)
        self.emit(node, f"conv2d({wn}, {bn}, {tn}, {x.var}, {s})", shape, f, shifted(lo, s), shifted(hi, s),
                  f"{x.shape} -> {shape}, scale 2^{f}")
        self.prog.graph_summary.append(f"Conv {node.name!r}: {x.shape} -> {shape}, kernel {tuple(w.shape[2:])}, "
                                       f"strides {win.strides}, pads {win.pads}")

    def _pool(self, node: Node, kind: str) -> None:
        x = self.tensor(node)
        if len(x.shape) != 3:
            raise node.refuse(f"{node.op} is supported in 2-D (input C x H x W), not on shape {x.shape}")
        if tuple(node.attr("dilations", [1, 1])) != (1, 1) and kind != "max":
            raise node.refuse("dilated average pooling is not supported")
        win = reference.window_of(node, x.shape, tuple(node.attr("kernel_shape")))
        shape = (x.shape[0], win.out_height, win.out_width)
        if kind == "max":
            taps = max_pool_taps(win)
            tn = self.array(node, "TAPS", taps, "input positions of each output (channel-major)")
            self.prog.add_function(_MAXPOOL)
            self.emit(node, f"max_pool({tn}, {x.var})", shape, x.f, x.lo[taps].max(axis=1), x.hi[taps].max(axis=1))
        else:
            taps = win.pool_taps()
            counts = np.full(len(taps), taps.shape[1]) if node.attr("count_include_pad", 0) else (taps != win.pad_index).sum(axis=1)
            lo = np.append(x.lo, 0.0)[taps].sum(axis=1)
            hi = np.append(x.hi, 0.0)[taps].sum(axis=1)
            self.check(node, lo, hi)
            tn = self.array(node, "TAPS", taps, "input positions of each output" + (f" ({win.pad_index} = padding)" if win.pad_index in taps else ""))
            self.prog.add_function(_AVGPOOL)
            if np.all(counts == counts[0]):
                expr = f"average_pool({tn}, {x.var}, {int(counts[0])})"
            else:
                cn = self.array(node, "COUNT", counts, "divisor of each output")
                expr = f"average_pool_counts({tn}, {cn}, {x.var})"
                self.prog.add_function(_AVGPOOL_COUNTS)
            self.emit(node, expr, shape, x.f, np.floor(lo / counts), np.floor(hi / counts))
        self.prog.graph_summary.append(f"{node.op} {node.name!r}: {x.shape} -> {shape}")

    def op_MaxPool(self, node: Node) -> None:
        if len(node.outputs) > 1 and node.outputs[1]:
            raise node.refuse("MaxPool's indices output is not supported")
        self._pool(node, "max")

    def op_AveragePool(self, node: Node) -> None:
        self._pool(node, "average")

    def op_GlobalAveragePool(self, node: Node) -> None:
        x = self.tensor(node)
        c = x.shape[0]
        hw = x.size // c
        self.prog.add_function(_GLOBAL_AVG)
        lo = np.floor(x.lo.reshape(c, hw).sum(axis=1) / hw)
        hi = np.floor(x.hi.reshape(c, hw).sum(axis=1) / hw)
        self.check(node, x.lo.reshape(c, hw).sum(axis=1), x.hi.reshape(c, hw).sum(axis=1))
        self.emit(node, f"global_average_pool({x.var}, {hw})", (c,) + (1,) * (len(x.shape) - 1), x.f, lo, hi)
        self.prog.graph_summary.append(f"GlobalAveragePool {node.name!r}: {x.shape} -> ({c}, 1, 1)")

    def op_Relu(self, node: Node) -> None:
        x = self.tensor(node)
        self.prog.add_function(_RELU)
        self.emit(node, f"relu({x.var})", x.shape, x.f, np.maximum(x.lo, 0), np.maximum(x.hi, 0))

    def op_LeakyRelu(self, node: Node) -> None:
        x = self.tensor(node)
        alpha = float(node.attr("alpha", 0.01))
        fa = frac_bits(abs(alpha), self.bits) if alpha else 0
        aq = int(quantize(alpha, fa))
        cands = [x.lo, x.hi, shifted(x.lo * aq, fa), shifted(x.hi * aq, fa)]
        self.check(node, x.magnitude * abs(aq))
        self.prog.add_function(_LEAKY)
        self.emit(node, f"leaky_relu({x.var}, {aq}, {fa})", x.shape, x.f,
                  np.minimum.reduce(cands), np.maximum.reduce(cands), f"slope {aq}/2^{fa} below 0")

    def op_Clip(self, node: Node) -> None:
        x = self.tensor(node)
        lo_v = self.const(node, 1) if len(node.inputs) > 1 else node.attr("min")
        hi_v = self.const(node, 2) if len(node.inputs) > 2 else node.attr("max")
        if (len(node.inputs) > 1 and node.inputs[1] and lo_v is None) or (len(node.inputs) > 2 and node.inputs[2] and hi_v is None):
            raise node.refuse("Clip bounds must be constants")
        lo_q = int(np.ceil(float(lo_v) * 2.0 ** x.f)) if lo_v is not None else None
        hi_q = int(np.floor(float(hi_v) * 2.0 ** x.f)) if hi_v is not None else None
        lo, hi = x.lo, x.hi
        parts = f"v"
        if lo_q is not None:
            parts = f"max({parts}, {lo_q})"
            lo, hi = np.maximum(lo, lo_q), np.maximum(hi, lo_q)
        if hi_q is not None:
            parts = f"min({parts}, {hi_q})"
            lo, hi = np.minimum(lo, hi_q), np.minimum(hi, hi_q)
        self.emit(node, f"[{parts} for v in {x.var}]", x.shape, x.f, lo, hi,
                  f"clip to [{lo_v}, {hi_v}]")

    def _curve(self, node: Node, fn, reach: float, name: str) -> None:
        """Sigmoid/Tanh as PIECES linear pieces over [-reach, reach], constant beyond."""
        x = self.tensor(node)
        step = 2.0 * reach / PIECES  # a power of two
        f_out = self.bits - 1
        piece_bits = x.f + int(round(math.log2(step)))  # log2 of a piece's width in input integers
        if piece_bits < 0:
            raise node.refuse(f"the input's scale 2^{x.f} is too coarse for the {name} approximation")
        knots = -reach + step * np.arange(PIECES + 1)
        ys = fn(knots)
        base = quantize(ys[:-1], f_out)
        slope = quantize((ys[1:] - ys[:-1]) / step, f_out)  # per float unit, at scale 2^f_out
        r_q = int(reach * 2 ** x.f)
        base_name = self.array(node, "BASE", base, f"{name} at each piece's start, scale 2^{f_out}")
        slope_name = self.array(node, "SLOPE", slope, f"slope of each piece, scale 2^{f_out}")
        self.prog.add_function(_CURVE)
        err = _curve_error(fn, reach, x.f, f_out, base, slope, piece_bits)
        self.prog.notes.append(f"{name} ({node.name!r}) is {PIECES} linear pieces over [-{reach:g}, {reach:g}], "
                               f"constant beyond: largest error {err:.2e} (measured on every input integer in "
                               "the range or a dense sample of it)")
        ends = base + ((slope * 2 ** piece_bits) >> x.f)
        lo = np.full(x.size, float(min(base.min(), ends.min())))
        hi = np.full(x.size, float(max(base.max(), ends.max())))
        self.check(node, x.magnitude + r_q, np.abs(slope).astype(np.float64) * 2.0 ** piece_bits)
        self.emit(node, f"piecewise_linear({x.var}, {base_name}, {slope_name}, {r_q}, {piece_bits}, {x.f})",
                  x.shape, f_out, lo, hi, f"{name}, scale 2^{f_out}")

    def op_Sigmoid(self, node: Node) -> None:
        self._curve(node, lambda v: 1.0 / (1.0 + np.exp(-v)), 8.0, "Sigmoid")

    def op_Tanh(self, node: Node) -> None:
        self._curve(node, np.tanh, 4.0, "Tanh")

    def op_Softmax(self, node: Node) -> None:
        """Probabilities 2**((v - max) * log2(e)) / sum: the integer part of each exponent is a
        shift, its fraction a table of linear pieces of 2**r on [0, 1)."""
        x = self.tensor(node)
        if sum(d != 1 for d in x.shape) > 1:
            raise node.refuse(f"Softmax is supported over a vector, not a tensor of shape {x.shape}")
        t = x if x.f >= 6 else self._scaled_up(node, x, 6)
        f_out = self.bits - 1
        piece_bits = t.f - 6  # 64 pieces over [0, 1)
        knots = np.arange(65) / 64.0
        ys = 2.0 ** knots
        base = quantize(ys[:-1], f_out)
        slope = quantize((ys[1:] - ys[:-1]) * 64.0, f_out)
        spread = float(np.max(t.hi) - np.min(t.lo))  # the largest max - v
        self.check(node, np.array([spread * LOG2E_Q]), np.array([float(np.max(slope)) * 2.0 ** t.f]),
                   np.array([2.0 ** (f_out + 1) * 2.0 ** f_out * t.size]))
        bn = self.array(node, "EXP2_BASE", base, f"2**r at each piece's start (r in [0, 1)), scale 2^{f_out}")
        sn = self.array(node, "EXP2_SLOPE", slope, f"slope of each piece, scale 2^{f_out}")
        self.prog.add_function(_SOFTMAX)
        if not any(c[0] == "LOG2_E" for c in self.prog.constants):
            self.prog.constants.append(("LOG2_E", LOG2E_Q, "log2(e) at scale 2**16"))
        self.emit(node, f"softmax({t.var}, {bn}, {sn}, {t.f}, {piece_bits}, {f_out})", x.shape, f_out,
                  np.zeros(x.size), np.full(x.size, 2.0 ** f_out), f"probabilities, scale 2^{f_out}")
        self.prog.notes.append(f"Softmax ({node.name!r}): exponentials as powers of two, the fraction's 2**r by 64 "
                               f"linear pieces (relative error below 1e-4 at scale 2^{f_out}), probabilities "
                               "rounded down; they sum to at most 1")
        self.prog.graph_summary.append(f"Softmax {node.name!r}: probabilities at scale 2^{f_out}")

    def _scaled_up(self, node: Node, x: QTensor, f: int) -> QTensor:
        s = f - x.f
        name = f"{x.var}_x{s}"
        self.names.add(name)
        self.prog.body.append(f"{name} = [v << {s} for v in {x.var}]  # finer scale 2^{f} for {node.name!r}")
        lo, hi = x.lo * 2.0 ** s, x.hi * 2.0 ** s
        self.check(node, lo, hi)
        return QTensor(name, x.shape, f, lo, hi, x.calib)

    def op_LogSoftmax(self, node: Node) -> None:
        pass  # only at the output, where finish() writes the argmax

    def op_ArgMax(self, node: Node) -> None:
        x = self.tensor(node)
        if int(np.prod([d for d in x.shape if d != 1] or [1])) != x.size or node.attr("select_last_index", 0):
            raise node.refuse("ArgMax is supported over a vector, first index on ties")
        self._argmax_function()
        self.emit(node, f"argmax({x.var})", (), 0, np.zeros(1), np.full(1, x.size - 1.0))

    def _passthrough(self, node: Node) -> None:
        x = self.tensor(node)
        out_shape = self.shape(node.outputs[0])
        if int(np.prod(out_shape)) != x.size:
            raise node.refuse(f"{node.op} changes the number of values per sample ({x.size} -> {int(np.prod(out_shape))}); "
                              "reshapes across the batch dimension are not supported")
        self.values[node.outputs[0]] = QTensor(x.var, out_shape, x.f, x.lo, x.hi, self._calib(node.outputs[0]))

    op_Flatten = op_Reshape = op_Squeeze = op_Unsqueeze = op_Identity = _passthrough

    def op_Dropout(self, node: Node) -> None:
        if len(node.outputs) > 1 and node.outputs[1]:
            raise node.refuse("Dropout's mask output is not supported")
        self._passthrough(node)

    def op_Cast(self, node: Node) -> None:
        if node.attr("to") not in (1, 10, 11):
            raise node.refuse("Cast is supported between float types only")
        self._passthrough(node)

    def op_Transpose(self, node: Node) -> None:
        x = self.tensor(node)
        perm = list(node.attr("perm", list(range(len(self.full_shapes[node.inputs[0]]) - 1, -1, -1))))
        if self.g.has_batch:
            if perm[0] != 0:
                raise node.refuse("Transpose that moves the batch dimension is not supported")
            perm = [p - 1 for p in perm[1:]]
        index = np.arange(x.size).reshape(x.shape).transpose(perm).reshape(-1)
        pn = self.array(node, "ORDER", index, "input position of each output position")
        self.prog.add_function(_GATHER)
        self.emit(node, f"gather({x.var}, {pn})", self.shape(node.outputs[0]), x.f, x.lo[index], x.hi[index])

    def op_Concat(self, node: Node) -> None:
        parts = [self.tensor(node, i) for i in range(len(node.inputs))]
        axis = node.attr("axis")
        rank = len(self.full_shapes[node.outputs[0]])
        axis %= rank
        if self.g.has_batch:
            if axis == 0:
                raise node.refuse("Concat along the batch dimension is not supported")
            axis -= 1
        f = min(p.f for p in parts)
        parts = [self.rescale(node, p, f) for p in parts]
        offsets = np.cumsum([0] + [p.size for p in parts])
        index = np.concatenate([np.arange(offsets[k], offsets[k + 1]).reshape(p.shape) for k, p in enumerate(parts)],
                               axis=axis).reshape(-1)
        lo, hi = np.concatenate([p.lo for p in parts])[index], np.concatenate([p.hi for p in parts])[index]
        joined = " + ".join(p.var for p in parts)
        if np.array_equal(index, np.arange(len(index))):
            expr = joined
        else:
            pn = self.array(node, "ORDER", index, "position in the joined inputs of each output position")
            self.prog.add_function(_GATHER)
            expr = f"gather({joined}, {pn})"
        self.emit(node, expr, self.shape(node.outputs[0]), f, lo, hi)

    def _broadcast_const(self, node: Node, c: np.ndarray, shape) -> np.ndarray:
        full = (1,) + tuple(shape) if self.g.has_batch else tuple(shape)
        try:
            return np.broadcast_to(np.asarray(c, dtype=np.float64), full).reshape(-1)
        except ValueError:
            raise node.refuse(f"a constant of shape {np.shape(c)} does not broadcast to the tensor's shape {full}") from None

    def _binary(self, node: Node) -> None:
        op = node.op
        ins = node.inputs
        tensors = [i in self.values for i in ins]
        if all(tensors):
            return self._two_tensors(node)
        if not any(tensors):
            raise node.refuse("no input depends on the model's input")
        k = 0 if tensors[0] else 1
        x = self.values[ins[k]]
        c = self._broadcast_const(node, self.g.constants[ins[1 - k]], x.shape)
        if op == "Div":
            if k == 1:
                raise node.refuse("division by a tensor is not supported")
            if np.any(c == 0):
                raise node.refuse("division by zero")
            c, op = 1.0 / c, "Mul"
        if op in ("Add", "Sub"):
            cq = quantize(c, x.f)
            sign = -1 if op == "Sub" and k == 1 else 1  # c - x
            cq = -cq if op == "Sub" and k == 0 else cq  # x - c
            lo, hi = (x.lo, x.hi) if sign > 0 else (-x.hi, -x.lo)
            lo, hi = lo + cq, hi + cq
            self.check(node, lo, hi)
            term = f"v" if sign > 0 else "-v"
            if np.all(cq == cq[0]):
                expr = f"[{term} + {int(cq[0])} for v in {x.var}]" if cq[0] else (f"[{term} for v in {x.var}]" if sign < 0 else x.var)
            else:
                cn = self.array(node, "C", cq, f"scale 2^{x.f}")
                expr = f"[{term} + c for v, c in zip({x.var}, {cn})]"
            self.emit(node, expr, x.shape, x.f, lo, hi)
            return
        # Mul by a constant
        fc = frac_bits(float(np.max(np.abs(c))), self.bits)
        cq = quantize(c, fc)
        prods = np.stack([x.lo * cq, x.hi * cq])
        self.check(node, prods)
        f_acc = x.f + fc
        f = self.choose(node, prods.min(0), prods.max(0), f_acc)
        s = f_acc - f
        if np.all(cq == cq[0]):
            expr = f"[(v * {int(cq[0])}) >> {s} for v in {x.var}]"
        else:
            cn = self.array(node, "C", cq, f"scale 2^{fc}")
            expr = f"[(v * c) >> {s} for v, c in zip({x.var}, {cn})]"
        self.emit(node, expr, x.shape, f, shifted(prods.min(0), s), shifted(prods.max(0), s), f"scale 2^{f}")

    op_Add = op_Sub = op_Mul = op_Div = _binary

    def _two_tensors(self, node: Node) -> None:
        a, b = self.tensor(node, 0), self.tensor(node, 1)
        if a.size != b.size:
            raise node.refuse(f"{node.op} of tensors of shapes {a.shape} and {b.shape} (broadcasting between computed "
                              "tensors is not supported)")
        if node.op in ("Add", "Sub"):
            f = min(a.f, b.f)
            a, b = self.rescale(node, a, f), self.rescale(node, b, f)
            sign = "+" if node.op == "Add" else "-"
            lo = a.lo + b.lo if sign == "+" else a.lo - b.hi
            hi = a.hi + b.hi if sign == "+" else a.hi - b.lo
            self.check(node, lo, hi)
            self.emit(node, f"[u {sign} v for u, v in zip({a.var}, {b.var})]", a.shape, f, lo, hi)
            return
        if node.op != "Mul":
            raise node.refuse("division by a tensor is not supported")
        prods = np.stack([a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi])
        self.check(node, prods)
        f_acc = a.f + b.f
        f = self.choose(node, prods.min(0), prods.max(0), f_acc)
        s = f_acc - f
        self.emit(node, f"[(u * v) >> {s} for u, v in zip({a.var}, {b.var})]", a.shape, f,
                  shifted(prods.min(0), s), shifted(prods.max(0), s))

    def op_BatchNormalization(self, node: Node) -> None:
        # not folded into a preceding Conv/Gemm: a per-channel affine map
        x = self.tensor(node)
        scale, bias, mean, var = (np.asarray(self.const(node, i), dtype=np.float64) for i in range(1, 5))
        k = scale / np.sqrt(var + node.attr("epsilon", 1e-5))
        per = x.size // len(k)
        kk, bb = np.repeat(k, per), np.repeat(bias - mean * k, per)
        fc = frac_bits(float(np.max(np.abs(kk))), self.bits)
        kq = quantize(kk, fc)
        f_acc = x.f + fc
        bq = quantize(bb, f_acc)
        prods = np.stack([x.lo * kq, x.hi * kq])
        lo, hi = prods.min(0) + bq, prods.max(0) + bq
        self.check(node, prods, lo, hi)
        f = self.choose(node, lo, hi, f_acc)
        s = f_acc - f
        kn = self.array(node, "SCALE", kq, f"scale 2^{fc}")
        bn = self.array(node, "SHIFT", bq, f"scale 2^{f_acc}")
        self.emit(node, f"[(v * k + b) >> {s} for v, k, b in zip({x.var}, {kn}, {bn})]", x.shape, f,
                  shifted(lo, s), shifted(hi, s), "batch normalization")


def _fold_into_layers(graph: Graph) -> None:
    """Fold BatchNormalization into the Conv/Gemm before it, and a constant bias Add into the
    MatMul before it, when that layer's output has no other reader (inference semantics)."""
    readers: dict[str, int] = {}
    for n in graph.nodes:
        for i in n.inputs:
            readers[i] = readers.get(i, 0) + 1
    producers = {o: n for n in graph.nodes for o in n.outputs}
    kept = []
    for n in graph.nodes:
        src = producers.get(n.inputs[0]) if n.inputs else None
        sole = src is not None and readers.get(n.inputs[0], 0) == 1 and n.inputs[0] not in graph.outputs
        if n.op == "BatchNormalization" and sole and src.op in ("Conv", "Gemm") and all(i in graph.constants for i in n.inputs[1:5]) \
                and src.inputs[1] in graph.constants and (src.op == "Conv" or src.attr("transA", 0) == 0):
            scale, bias, mean, var = (np.asarray(graph.constants[i], dtype=np.float64) for i in n.inputs[1:5])
            k = scale / np.sqrt(var + n.attr("epsilon", 1e-5))
            w = np.asarray(graph.constants[src.inputs[1]], dtype=np.float64)
            if src.op == "Conv":
                w2 = w * k[:, None, None, None]
            elif src.attr("transB", 0):
                w2 = w * k[:, None]
            else:
                w2 = w * k[None, :]
            b = np.asarray(graph.constants[src.inputs[2]], dtype=np.float64) if len(src.inputs) > 2 and src.inputs[2] else 0.0
            if src.op == "Gemm":
                b = b * src.attr("beta", 1.0)
                src.attrs["beta"] = 1.0
            wname, bname = f"{src.name}::folded_weight", f"{src.name}::folded_bias"
            graph.constants[wname] = w2
            graph.constants[bname] = np.broadcast_to(b, k.shape) * k + bias - mean * k
            src.inputs = [src.inputs[0], wname, bname]
            src.outputs = [n.outputs[0]]
            continue
        if n.op == "Add" and sole and src.op == "MatMul" and "_folded_bias" not in src.attrs and len(n.inputs) == 2 \
                and n.inputs[1] in graph.constants and src.inputs[1] in graph.constants:
            c = np.asarray(graph.constants[n.inputs[1]], dtype=np.float64)
            out = np.asarray(graph.constants[src.inputs[1]]).shape[1]
            if c.size in (1, out) and c.ndim <= 1:
                bname = f"{src.name}::folded_bias"
                graph.constants[bname] = np.broadcast_to(c, (out,)).copy()
                src.attrs["_folded_bias"] = bname
                src.outputs = [n.outputs[0]]
                continue
        kept.append(n)
    graph.nodes = kept


def _curve_error(fn, reach: float, f_in: int, f_out: int, base: np.ndarray, slope: np.ndarray, piece_bits: int) -> float:
    """Largest |program's approximation - fn| over the input integers (all, or 200k spread)."""
    r_q = int(reach * 2 ** f_in)
    total = 2 * r_q + 2
    v = np.arange(-r_q - 1, r_q + 1) if total <= 400_000 else np.unique(np.linspace(-r_q - 1, r_q, 200_000).astype(np.int64))
    c = np.clip(v, -r_q, r_q - 1)
    i = (c + r_q) >> piece_bits
    y = base[i] + ((slope[i] * (c + r_q - (i << piece_bits))) >> f_in)
    return float(np.max(np.abs(y / 2.0 ** f_out - fn(v / 2.0 ** f_in))))


def lower(graph: Graph, domain: tuple[float, float, str], samples: np.ndarray | None, bits: int) -> GeneratedProgram:
    """The program computing ``graph`` in integers (see the module docstring)."""
    return Lowering(graph, domain, samples, bits).run()


_DENSE = '''
def dense(w: list[list[int]], b: list[int], x: list[int], shift: int) -> list[int]:
    """A fully connected layer: one dot product per row of w plus its bias, divided by 2**shift."""
    out = []
    for j in range(len(w)):
        acc = b[j]
        row = w[j]
        for i in range(len(x)):
            acc += row[i] * x[i]
        out.append(acc >> shift)
    return out
'''

_CONV = '''
def conv2d(kernels: list[list[int]], b: list[int], taps: list[list[int]], x: list[int], shift: int) -> list[int]:
    """A 2-D convolution: for each kernel (output channel) and each output position, the dot
    product of the kernel with the input values at that position's taps (index len(x) reads
    the zero padding), plus the bias, divided by 2**shift."""
    padded = x + [0]
    patches = [[padded[i] for i in row] for row in taps]
    out = []
    for k in range(len(kernels)):
        kernel = kernels[k]
        for patch in patches:
            acc = b[k]
            for i in range(len(kernel)):
                acc += kernel[i] * patch[i]
            out.append(acc >> shift)
    return out
'''

_MAXPOOL = '''
def max_pool(taps: list[list[int]], x: list[int]) -> list[int]:
    """Max pooling: the largest input value at each output's taps."""
    return [max([x[i] for i in row]) for row in taps]
'''

_AVGPOOL = '''
def average_pool(taps: list[list[int]], x: list[int], count: int) -> list[int]:
    """Average pooling: the sum of each output's taps (index len(x) is padding, 0) over count."""
    padded = x + [0]
    return [sum([padded[i] for i in row]) // count for row in taps]
'''

_AVGPOOL_COUNTS = '''
def average_pool_counts(taps: list[list[int]], counts: list[int], x: list[int]) -> list[int]:
    """Average pooling with a divisor per output (padding not counted)."""
    padded = x + [0]
    return [sum([padded[i] for i in row]) // n for row, n in zip(taps, counts)]
'''

_GLOBAL_AVG = '''
def global_average_pool(x: list[int], size: int) -> list[int]:
    """The mean of each channel (size values each), rounded down."""
    return [sum(x[c:c + size]) // size for c in range(0, len(x), size)]
'''

_RELU = '''
def relu(x: list[int]) -> list[int]:
    return [max(v, 0) for v in x]
'''

_LEAKY = '''
def leaky_relu(x: list[int], slope: int, shift: int) -> list[int]:
    """x where x >= 0, else x * slope / 2**shift."""
    return [v if v >= 0 else (v * slope) >> shift for v in x]
'''

_RESCALE = '''
def rescale(x: list[int], shift: int) -> list[int]:
    return [v >> shift for v in x]
'''

_GATHER = '''
def gather(x: list[int], order: list[int]) -> list[int]:
    """The values of x in a new order (a transpose or concatenation of the flattened tensors)."""
    return [x[i] for i in order]
'''

_SOFTMAX = '''
def softmax(x: list[int], base: list[int], slope: list[int], in_bits: int, piece_bits: int, out_bits: int) -> list[int]:
    """Probabilities at scale 2**out_bits: e**(v - max) = 2**((v - max) * log2(e)), whose integer
    part is a right shift and whose fraction r in [0, 1) is read from linear pieces of 2**r;
    each power divided by their sum (rounded down)."""
    top = max(x)
    powers = []
    for v in x:
        y = ((v - top) * LOG2_E) >> 16
        k = -(y >> in_bits)
        r = y + (k << in_bits)
        i = r >> piece_bits
        p = base[i] + ((slope[i] * (r - (i << piece_bits))) >> in_bits)
        powers.append(p >> min(k, 62))
    total = sum(powers)
    return [(p << out_bits) // total for p in powers]
'''

_CURVE = '''
def piecewise_linear(x: list[int], base: list[int], slope: list[int], reach: int, piece_bits: int, in_bits: int) -> list[int]:
    """A smooth activation as linear pieces: inputs are clamped to [-reach, reach), the piece of
    each is found by a shift (pieces are 2**piece_bits input integers wide) and interpolated."""
    out = []
    for v in x:
        c = min(max(v, -reach), reach - 1) + reach
        i = c >> piece_bits
        out.append(base[i] + ((slope[i] * (c - (i << piece_bits))) >> in_bits))
    return out
'''
