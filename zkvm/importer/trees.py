"""ONNX-ML tree ensembles and linear models (what skl2onnx writes for scikit-learn) lowered to a
DSL program.

Supported: ``TreeEnsembleClassifier`` and ``TreeEnsembleRegressor`` (decision trees, random
forests, extra trees, gradient boosting), ``LinearClassifier`` and ``LinearRegressor``
(logistic and linear regression, ridge, linear SVMs), preceded by ``Scaler`` (a
``StandardScaler`` in a pipeline), ``Add``/``Sub``/``Mul``/``Div`` by constants
(``MinMaxScaler`` and the like), ``Cast`` or ``Identity``, and followed by ``Identity`` or
``Cast``. Nodes that only compute other outputs (the probabilities, a ``ZipMap`` or
``Normalizer`` of them) are not part of the program: a classifier's program returns the label,
a regressor's the predicted values.

Trees. Every branch is rewritten as "go left if x[feature] <= T, else right" on the program's
integer input ``x_q = round(x * 2**f)`` (an integer input is passed as it is, f = 0), with T
computed exactly, as a rational number, from the float32 threshold and the scaling folded in
from before the model: ``x <= t`` is ``x_q <= floor(t * 2**f)``, ``x < t`` is
``x_q <= ceil(t * 2**f) - 1``, and ``>=``, ``>`` are their negations with the children
swapped. A decision is therefore exactly the float model's for every input on the grid. Leaves
point to themselves, and every tree is walked for the depth of the deepest tree, so the number
of cycles does not depend on the private input. Leaf values are integers at one power-of-two
scale chosen so that every sum stays below 2**61.

The label rules are onnxruntime's (tree_ensemble_aggregator.h, linearclassifier.cc): with more
than two classes, the first class of largest raw score (the post transform is monotone and
applied after the label is chosen); with two classes and one score column (gradient boosting,
binary trees and forests), the second label when the score exceeds 0.5 if every leaf weight is
non-negative, else when it exceeds 0; a linear classifier with one score row: the second label
when the score exceeds 0.

Linear models. Inputs at ``bits`` bits, the coefficient matrix at ``bits`` bits (one
power-of-two scale), intercepts at the product's scale; interval analysis over the input domain
shows every dot product exact (below 2**62), else the import is refused naming the node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from zkvm.errors import ImportRefused
from zkvm.importer.graph import ML_DOMAIN, Graph, Node
from zkvm.importer.program import ARGMAX_FUNCTION, LABEL, VALUES, GeneratedProgram, InputSpec, identifier

MODELS = ("TreeEnsembleClassifier", "TreeEnsembleRegressor", "LinearClassifier", "LinearRegressor")
SUPPORTED = ("supported: TreeEnsembleClassifier, TreeEnsembleRegressor, LinearClassifier and LinearRegressor "
             "(scikit-learn's trees, forests, gradient boosting and linear models converted by skl2onnx), "
             "preceded by Scaler, Cast, Identity or Add/Sub/Mul/Div by constants (scikit-learn's scalers) and "
             "followed by Identity, Cast or ZipMap")
TREE_INPUT_BITS = 40  # trees: the largest input magnitude maps below 2**40 (no products, so be generous)
VALUE_LIMIT_BITS = 61  # leaf sums stay below 2**61
RANGE_BITS = 62  # every intermediate value of a linear model stays below 2**62
FLOAT_TYPES = {1, 10, 11, 16}  # float, float16, double, bfloat16
INTEGER_TYPES = {2, 3, 4, 5, 6, 7, 9, 12, 13}  # uint8, int8, uint16, int16, int32, int64, bool, uint32, uint64


def lower(graph: Graph, domain: tuple[float, float, str], samples: np.ndarray | None, bits: int) -> GeneratedProgram:
    """The program computing the classifier's label or the regressor's values of ``graph``."""
    model, out_index, after = _find_model(graph)
    affine, before = _input_chain(graph, model)
    features = int(np.prod(graph.input_shape)) if graph.input_shape else 1
    if affine is None:
        affine = Affine.identity(features)
    if affine.size not in (1, features):
        raise ImportRefused(f"the scaling before the model has {affine.size} values for {features} input features")
    affine = affine.broadcast(features)
    if model.op.startswith("TreeEnsemble"):
        prog = _lower_trees(graph, model, affine, domain, features)
    else:
        prog = _lower_linear(graph, model, affine, domain, features, bits)
    prog.reference_output = out_index
    for node in before:
        prog.graph_summary.insert(0, f"{node.op} {node.name!r}" + (": no-op on the input" if _is_passthrough(node)
                                                                    else ": folded into the model's thresholds/weights"))
    skipped = [n for n in graph.nodes if n is not model and n not in before and n not in after]
    if skipped:
        prog.graph_summary.append("not computed (they only feed other outputs): "
                                  + ", ".join(f"{n.op} {n.name!r}" for n in skipped))
    return prog


# --- the graph around the model -----------------------------------------------------------------
def _producers(graph: Graph) -> dict[str, tuple[Node, int]]:
    return {out: (node, i) for node in graph.nodes for i, out in enumerate(node.outputs) if out}


def _is_passthrough(node: Node) -> bool:
    return node.op in ("Identity", "Cast") and node.domain in ("", "ai.onnx")


def _find_model(graph: Graph) -> tuple[Node, int, list[Node]]:
    """The model node whose first output (label, or values) reaches a graph output through
    Identity/Cast nodes: (node, index of that graph output, the nodes in between)."""
    producers = _producers(graph)
    ends = []
    for k, name in enumerate(graph.outputs):
        chain, cur = [], name
        while cur in producers and _is_passthrough(producers[cur][0]):
            chain.append(producers[cur][0])
            cur = producers[cur][0].inputs[0]
        if cur in producers:
            ends.append((k, producers[cur][0], producers[cur][1], chain))
    for k, node, i, chain in ends:
        if node.op == "TreeEnsemble" and node.domain == ML_DOMAIN:
            raise node.refuse("the TreeEnsemble operator (ai.onnx.ml opset 5) is not supported yet; skl2onnx "
                              "writes TreeEnsembleClassifier/TreeEnsembleRegressor by default (target_opset "
                              "{'ai.onnx.ml': 3} asks for them); " + SUPPORTED)
        if node.op in MODELS and node.domain == ML_DOMAIN and i == 0:
            for c in chain:
                to = c.attr("to")
                if c.op == "Cast" and node.op.endswith("Regressor") and to not in FLOAT_TYPES:
                    raise c.refuse(f"a Cast of the predicted values to ONNX type {to} (rounding them) is not "
                                   "supported; " + SUPPORTED)
            return node, k, chain
    # no supported model: name the first node that is in the way
    for k, node, i, chain in ends:
        if node.op in MODELS and node.domain == ML_DOMAIN:
            raise node.refuse(f"output {graph.outputs[k]!r} is the model's output {i} (its scores); the program "
                              "computes the label (output 0), which the graph does not output")
    # the nodes the first output depends on, in graph order: an unsupported ONNX-ML operator first
    needed, todo = set(), [graph.outputs[0]] if graph.outputs else []
    while todo:
        name = todo.pop()
        if name in producers and id(producers[name][0]) not in needed:
            needed.add(id(producers[name][0]))
            todo.extend(i for i in producers[name][0].inputs if i)
    path = [n for n in graph.nodes if id(n) in needed] or graph.nodes
    ml = [n for n in path if n.domain == ML_DOMAIN and n.op not in MODELS and n.op != "Scaler"]
    other = [n for n in path if not _is_passthrough(n) and n.op not in MODELS and n.op != "Scaler"]
    node = (ml or other or path)[0]
    raise node.refuse(f"{node.op} is not supported; " + SUPPORTED)


@dataclass
class Affine:
    """A per-feature map y = scale * x + offset (exact rationals): the scaling before the model."""

    scale: list[Fraction]
    offset: list[Fraction]

    @staticmethod
    def identity(n: int) -> "Affine":
        return Affine([Fraction(1)] * n, [Fraction(0)] * n)

    @property
    def size(self) -> int:
        return len(self.scale)

    def broadcast(self, n: int) -> "Affine":
        return self if self.size == n else Affine(self.scale * n, self.offset * n)

    @property
    def is_identity(self) -> bool:
        return all(s == 1 for s in self.scale) and all(o == 0 for o in self.offset)


ARITHMETIC = ("Add", "Sub", "Mul", "Div")


def _constant_operand(graph: Graph, node: Node) -> tuple[int, list[Fraction]] | None:
    """For Add/Sub/Mul/Div with one constant operand of one value or one per feature: (the
    position of the other operand, the constant's values); None otherwise."""
    if node.op not in ARITHMETIC or node.domain not in ("", "ai.onnx") or len(node.inputs) != 2:
        return None
    const = [i for i, name in enumerate(node.inputs) if name in graph.constants]
    if len(const) != 1:
        return None
    value = np.asarray(graph.constants[node.inputs[const[0]]])
    if value.dtype.kind not in "fiu" or (value.ndim > 1 and int(np.prod(value.shape[:-1])) != 1):
        return None
    return 1 - const[0], [Fraction(float(v)) for v in value.reshape(-1)]


def _step(graph: Graph, node: Node) -> Affine:
    """The per-feature affine map of one node of the input chain."""
    if node.op == "Scaler":
        scale = [Fraction(float(v)) for v in (_attr_list(node, "scale") or [1.0])]
        offset = [Fraction(float(v)) for v in (_attr_list(node, "offset") or [0.0])]
        n = max(len(scale), len(offset))
        if len(scale) not in (1, n) or len(offset) not in (1, n):
            raise node.refuse(f"scale ({len(scale)} values) and offset ({len(offset)}) do not match")
        scale, offset = (scale * n if len(scale) == 1 else scale), (offset * n if len(offset) == 1 else offset)
        return Affine(scale, [-o * s for o, s in zip(offset, scale)])  # ONNX Scaler: (x - offset) * scale
    other, c = _constant_operand(graph, node)
    if node.op == "Add":
        return Affine([Fraction(1)] * len(c), c)
    if node.op == "Sub":  # x - c, or c - x
        return Affine([Fraction(1)] * len(c), [-v for v in c]) if other == 0 else Affine([Fraction(-1)] * len(c), c)
    if node.op == "Mul":
        return Affine(c, [Fraction(0)] * len(c))
    if other != 0 or any(v == 0 for v in c):  # Div: x / c only
        raise node.refuse("only a division of the input by nonzero constants is supported before the model")
    return Affine([1 / v for v in c], [Fraction(0)] * len(c))


def _input_chain(graph: Graph, model: Node) -> tuple[Affine | None, list[Node]]:
    """The nodes between the graph's input and the model (Scaler, Cast, Identity, and Add, Sub,
    Mul or Div by constants: what scikit-learn's scalers become), composed into one affine map
    per feature."""
    producers = _producers(graph)
    chain, cur = [], model.inputs[0]
    while cur != graph.input_name:
        if cur not in producers:
            raise model.refuse(f"the model's input {cur!r} is not computed from the graph's input")
        node = producers[cur][0]
        if node.op == "Cast" and node.attr("to") not in FLOAT_TYPES:
            raise node.refuse(f"a Cast of the input to ONNX type {node.attr('to')} (rounding it) is not supported; "
                              + SUPPORTED)
        if _is_passthrough(node) or (node.op == "Scaler" and node.domain == ML_DOMAIN):
            cur = node.inputs[0]
        elif _constant_operand(graph, node) is not None:
            cur = node.inputs[_constant_operand(graph, node)[0]]
        else:
            raise node.refuse(f"{node.op} before the model is not supported; " + SUPPORTED)
        chain.append(node)
    chain.reverse()  # input first
    affine = None
    for node in chain:
        if _is_passthrough(node):
            continue
        step = _step(graph, node)
        if affine is None:
            affine = step
            continue
        m = max(affine.size, step.size)
        a = affine.broadcast(m) if affine.size == 1 else affine
        b = step.broadcast(m) if step.size == 1 else step
        if a.size != b.size:
            raise node.refuse(f"maps of {affine.size} and {step.size} values do not compose")
        affine = Affine([s2 * s1 for s1, s2 in zip(a.scale, b.scale)],
                        [s2 * o1 + o2 for o1, s2, o2 in zip(a.offset, b.scale, b.offset)])
    return affine, chain


# --- scales ---------------------------------------------------------------------------------------
def _frac_bits(max_abs: float, limit_bits: int, cap: int = 60) -> int:
    """The largest f (at most ``cap``) with round(max_abs * 2**f) < 2**limit_bits."""
    if not max_abs > 0 or not math.isfinite(max_abs):
        return min(cap, limit_bits - 1)
    m = Fraction(max_abs)
    f = limit_bits - 1 - math.floor(math.log2(max_abs))
    while f > -1000 and round(m * Fraction(2) ** f) >= 2 ** limit_bits:
        f -= 1
    while f < cap and round(m * Fraction(2) ** (f + 1)) < 2 ** limit_bits:
        f += 1
    return min(f, cap)


def _scaled(v: float, f: int) -> int:
    """round(v * 2**f), exactly (half away from zero is irrelevant: float values, exact product)."""
    return round(Fraction(float(v)) * Fraction(2) ** f)


def _input_bits(graph: Graph, domain: tuple[float, float, str], limit_bits: int, cap: int) -> int:
    """The input's scale: the largest magnitude of the domain below 2**limit_bits; an integer
    input is passed as it is (scale 1) unless it is too large for that."""
    f = _frac_bits(max(abs(domain[0]), abs(domain[1])), limit_bits, cap)
    return min(f, 0) if graph.input_elem_type in INTEGER_TYPES else f


def _input_spec(graph: Graph, domain: tuple[float, float, str], f: int) -> InputSpec:
    lo, hi, source = domain
    return InputSpec(identifier(graph.input_name, "x"), tuple(graph.input_shape), f, float(lo), float(hi), source)


def _labels(node: Node) -> list[int]:
    if node.attr("classlabels_strings"):
        raise node.refuse("string class labels are not supported (the program returns an integer): train the "
                          "model on integer labels (e.g. sklearn's LabelEncoder) and convert it again")
    labels = node.attr("classlabels_int64s") if node.op == "TreeEnsembleClassifier" else node.attr("classlabels_ints")
    return [int(v) for v in (labels or [])]


# --- trees ----------------------------------------------------------------------------------------
_MODES = {"BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "LEAF"}


@dataclass
class Tree:
    """One tree, renumbered from its root (node 0) in depth-first order. Branch i's test is
    kept as (feature, mode, exact threshold on the model's feature value) until the input
    scale is known; it goes to true[i] when the test holds, else to false[i]. A leaf's test is
    None and it points to itself."""

    tests: list[tuple[int, str, Fraction] | None] = field(default_factory=list)  # None at a leaf
    true: list[int] = field(default_factory=list)
    false: list[int] = field(default_factory=list)
    depth: int = 0
    has: np.ndarray | None = None  # nodes x columns: the node has a weight for the column


def _attr_list(node: Node, name: str) -> list:
    v = node.attr(name)
    if v is None:
        v = node.attr(name + "_as_tensor")
    if v is None:
        return []
    return list(np.asarray(v).reshape(-1)) if isinstance(v, np.ndarray) else list(v)


def _parse_trees(node: Node, prefix: str, columns: int) -> tuple[list[Tree], list[np.ndarray]]:
    """The trees of a TreeEnsemble* node and, per tree, its leaf weights (nodes x columns)."""
    tids, nids = _attr_list(node, "nodes_treeids"), _attr_list(node, "nodes_nodeids")
    feats, modes = _attr_list(node, "nodes_featureids"), _attr_list(node, "nodes_modes")
    values = _attr_list(node, "nodes_values")
    trues, falses = _attr_list(node, "nodes_truenodeids"), _attr_list(node, "nodes_falsenodeids")
    n = len(nids)
    if n == 0 or any(len(a) != n for a in (tids, feats, modes, trues, falses)) or (values and len(values) != n):
        raise node.refuse("the nodes_* attributes are missing or of different lengths")
    bad = sorted({str(m) for m in modes} - _MODES)
    if bad:
        raise node.refuse(f"branch mode {bad[0]} is not supported (supported: BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, "
                          "BRANCH_GT, LEAF)")
    by_tree: dict[int, dict[int, int]] = {}
    for i in range(n):
        ids = by_tree.setdefault(int(tids[i]), {})
        if int(nids[i]) in ids:
            raise node.refuse(f"tree {tids[i]} has node id {nids[i]} twice")
        ids[int(nids[i])] = i
    w_t, w_n = _attr_list(node, f"{prefix}_treeids"), _attr_list(node, f"{prefix}_nodeids")
    w_c, w_v = _attr_list(node, f"{prefix}_ids"), _attr_list(node, f"{prefix}_weights")
    if not (len(w_t) == len(w_n) == len(w_c) == len(w_v)):
        raise node.refuse(f"the {prefix}_* attributes have different lengths")
    weights: dict[tuple[int, int], np.ndarray] = {}
    for t, nid, c, v in zip(w_t, w_n, w_c, w_v):
        key = (int(t), int(nid))
        if key[0] not in by_tree or key[1] not in by_tree[key[0]]:
            raise node.refuse(f"a weight names node {nid} of tree {t}, which does not exist")
        if str(modes[by_tree[key[0]][key[1]]]) != "LEAF":
            raise node.refuse(f"a weight is attached to branch node {nid} of tree {t}")
        if not 0 <= int(c) < columns:
            raise node.refuse(f"a weight is for column {c}, outside 0..{columns - 1}")
        # ONNX float attributes hold float32 values: kept exactly
        weights.setdefault(key, np.zeros(columns, dtype=object))[int(c)] += Fraction(float(v))
    trees, leaf_values = [], []
    for tid in sorted(by_tree):
        ids = by_tree[tid]
        children = set()
        for i in ids.values():
            if str(modes[i]) != "LEAF":
                for child in (int(trues[i]), int(falses[i])):
                    if child not in ids:
                        raise node.refuse(f"tree {tid}: node {nids[i]} points to node {child}, which does not exist")
                    children.add(child)
        roots = [nid for nid in ids if nid not in children]
        if len(roots) != 1:
            raise node.refuse(f"tree {tid} has {len(roots)} roots (a node no other node points to)")
        tree = Tree()
        order: dict[int, int] = {}
        # depth-first from the root, the true child first; an explicit stack (deep trees)
        stack = [(roots[0], 0)]
        pending: list[tuple[int, int]] = []  # (new index, old id) of branches whose children to link
        while stack:
            nid, depth = stack.pop()
            if nid in order:
                raise node.refuse(f"tree {tid} is not a tree: node {nid} is reached twice")
            order[nid] = len(tree.tests)
            i = ids[nid]
            tree.depth = max(tree.depth, depth)
            if str(modes[i]) == "LEAF":
                tree.tests.append(None)
                tree.true.append(order[nid])
                tree.false.append(order[nid])
            else:
                if values and not math.isfinite(float(values[i])):
                    raise node.refuse(f"tree {tid}: node {nids[i]} has threshold {values[i]}")
                t = Fraction(float(values[i])) if values else Fraction(0)
                tree.tests.append((int(feats[i]), str(modes[i]), t))
                tree.true.append(-1)
                tree.false.append(-1)
                pending.append((order[nid], nid))
                stack.append((int(falses[i]), depth + 1))
                stack.append((int(trues[i]), depth + 1))
        for new, nid in pending:
            i = ids[nid]
            tree.true[new] = order[int(trues[i])]
            tree.false[new] = order[int(falses[i])]
        vals = np.zeros((len(tree.tests), columns), dtype=object)
        vals[:] = Fraction(0)
        has = np.zeros((len(tree.tests), columns), dtype=bool)
        for nid, new in order.items():
            if (tid, nid) in weights:
                vals[new] = weights[(tid, nid)]
                has[new] = True
        tree.has = has
        trees.append(tree)
        leaf_values.append(vals)
    return trees, leaf_values


def _branch(test: tuple[int, str, Fraction], affine: Affine, f: int, lo_q: int, hi_q: int) -> tuple[int, int, bool]:
    """(feature, T, swapped): the test as "x_q[feature] <= T" on the integer input (true child
    when not swapped, false child when swapped), T clamped to lo_q - 1 .. hi_q."""
    feat, mode, t = test
    a, b = affine.scale[feat], affine.offset[feat]
    op = {"BRANCH_LEQ": "<=", "BRANCH_LT": "<", "BRANCH_GTE": ">=", "BRANCH_GT": ">"}[mode]
    if a == 0:  # the scaled feature is the constant b
        holds = {"<=": b <= t, "<": b < t, ">=": b >= t, ">": b > t}[op]
        return feat, hi_q, not holds  # always "left": the true child if the test holds
    u = (t - b) / a  # the test on the model's input value x
    if a < 0:
        op = {"<=": ">=", "<": ">", ">=": "<=", ">": "<"}[op]
    v = u * Fraction(2) ** f
    floor_v = math.floor(v)
    ceil_v = math.ceil(v)
    if op == "<=":
        thr, swapped = floor_v, False
    elif op == "<":
        thr, swapped = ceil_v - 1, False
    elif op == ">=":
        thr, swapped = ceil_v - 1, True
    else:
        thr, swapped = floor_v, True
    return feat, max(lo_q - 1, min(hi_q, thr)), swapped


@dataclass
class Ensemble:
    """A parsed tree ensemble with its integer arrays."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    values: np.ndarray  # trees x (nodes * columns), at scale 2**value_bits
    depth: int
    value_bits: int
    columns: int


def _build_ensemble(node: Node, trees: list[Tree], leaf_values: list[np.ndarray], base: list[Fraction],
                    affine: Affine, f: int, lo_q: int, hi_q: int, features: int) -> Ensemble:
    width = max(len(t.tests) for t in trees)
    columns = leaf_values[0].shape[1]
    n = len(trees)
    feature = np.zeros((n, width), dtype=np.int64)
    threshold = np.zeros((n, width), dtype=np.int64)
    left = np.tile(np.arange(width, dtype=np.int64), (n, 1))
    right = left.copy()
    for k, tree in enumerate(trees):
        for i, test in enumerate(tree.tests):
            if test is None:
                continue
            if not 0 <= test[0] < features:
                raise node.refuse(f"a branch tests feature {test[0]}, but the input has {features} features")
            feat, thr, swapped = _branch(test, affine, f, lo_q, hi_q)
            feature[k, i], threshold[k, i] = feat, thr
            left[k, i], right[k, i] = (tree.false[i], tree.true[i]) if swapped else (tree.true[i], tree.false[i])
    # leaf values: the scale that keeps |base| + sum over trees of the largest |leaf value| below
    # 2**61 (the crude bound the compiler sees too: n trees times the largest entry)
    largest = max((abs(v) for vals in leaf_values for v in vals.reshape(-1)), default=Fraction(0))
    bound = float(n * largest + max((abs(b) for b in base), default=Fraction(0)))
    vb = _frac_bits(bound, VALUE_LIMIT_BITS)
    scale = Fraction(2) ** vb
    values = np.zeros((n, width * columns), dtype=np.int64)
    for k, vals in enumerate(leaf_values):
        for i in range(vals.shape[0]):
            for c in range(columns):
                values[k, i * columns + c] = round(vals[i, c] * scale)
    depth = max(t.depth for t in trees)
    return Ensemble(feature, threshold, left, right, values, depth, vb, columns)


def _always_scored(trees: list[Tree], column: int) -> bool:
    """Some tree has a weight for ``column`` at every leaf: every input gets a score for it."""
    for tree in trees:
        leaves = [i for i, t in enumerate(tree.tests) if t is None]
        if all(tree.has[i, column] for i in leaves):
            return True
    return False


_LEAF = '''
def leaf(t: int, x: list[int]) -> int:
    """The leaf of tree t that x reaches. Every tree is walked DEPTH steps whatever the path (a
    leaf points to itself), so the cycle count does not depend on the input."""
    feature = FEATURE[t]
    threshold = THRESHOLD[t]
    left = LEFT[t]
    right = RIGHT[t]
    node = 0
    for _ in range(DEPTH):
        if x[feature[node]] <= threshold[node]:
            node = left[node]
        else:
            node = right[node]
    return node
'''

_SCORE_ONE = '''
def score(x: list[int]) -> int:
    """BASE plus the leaf value of every tree."""
    total = BASE
    for t in range(len(FEATURE)):
        total += LEAF_VALUE[t][leaf(t, x)]
    return total
'''

_SCORES = '''
def scores(x: list[int]) -> list[int]:
    """BASE plus, for each column, the leaf values of every tree (LEAF_VALUE[t] holds COLUMNS
    values per node)."""
    out = [b for b in BASE]
    for t in range(len(FEATURE)):
        node = leaf(t, x)
        values = LEAF_VALUE[t]
        for c in range(COLUMNS):
            out[c] += values[node * COLUMNS + c]
    return out
'''

_SCORES_AVERAGE = '''
def scores(x: list[int]) -> list[int]:
    """For each column, the leaf values of every tree averaged over the trees (rounded down),
    plus BASE (LEAF_VALUE[t] holds COLUMNS values per node)."""
    total = [0 for _ in range(COLUMNS)]
    for t in range(len(FEATURE)):
        node = leaf(t, x)
        values = LEAF_VALUE[t]
        for c in range(COLUMNS):
            total[c] += values[node * COLUMNS + c]
    return [s // len(FEATURE) + b for s, b in zip(total, BASE)]
'''

def _lower_trees(graph: Graph, node: Node, affine: Affine, domain, features: int) -> GeneratedProgram:
    classifier = node.op == "TreeEnsembleClassifier"
    post = str(node.attr("post_transform", "NONE"))
    if classifier:
        labels = _labels(node)
        if len(labels) < 2:
            raise node.refuse(f"a classifier with {len(labels)} class labels")
        columns, prefix = len(labels), "class"
        aggregate = "SUM"
    else:
        columns, prefix = int(node.attr("n_targets", 1)), "target"
        aggregate = str(node.attr("aggregate_function", "SUM"))
        if aggregate not in ("SUM", "AVERAGE"):
            raise node.refuse(f"aggregate_function {aggregate} is not supported (supported: SUM, AVERAGE)")
        if post != "NONE":
            raise node.refuse(f"post_transform {post} on a regressor is not supported (supported: NONE)")
    if post not in ("NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"):
        raise node.refuse(f"post_transform {post} is not supported")
    trees, leaf_values = _parse_trees(node, prefix, columns)
    base = [Fraction(float(v)) for v in _attr_list(node, "base_values")]
    used = sorted({int(c) for c in _attr_list(node, f"{prefix}_ids")})

    f = _input_bits(graph, domain, TREE_INPUT_BITS, cap=56)
    spec = _input_spec(graph, domain, f)
    lo_q, hi_q = spec.lo, spec.hi
    n = len(trees)

    binary_one_column = classifier and columns == 2 and used == [0]
    if classifier:
        if columns == 2 and used != [0]:
            raise node.refuse("a binary classifier whose weights are not all for class 0 (one score column) is "
                              "not supported: onnxruntime reads such models in ways that depend on the layout; "
                              "skl2onnx writes one column")
        if binary_one_column:
            if len(base) > 2:
                raise node.refuse(f"{len(base)} base_values for 2 classes")
            if not _always_scored(trees, 0):
                raise node.refuse("some inputs reach no leaf with a score; onnxruntime's label is then not the "
                                  "score's")
            base = base[:1]  # onnxruntime adds base_values[0] to the one score column
            leaf_values = [v[:, :1] for v in leaf_values]
        else:
            if len(base) not in (0, columns):
                raise node.refuse(f"{len(base)} base_values for {columns} classes (onnxruntime wants 0 or {columns})")
            for c in range(len(base), columns):
                if not _always_scored(trees, c):
                    raise node.refuse(f"class {c} gets no score for some inputs (no weight at some leaves and no "
                                      "base value); onnxruntime's argmax would skip it")
            base = base + [Fraction(0)] * (columns - len(base))
    else:
        if len(base) not in (0, columns):
            raise node.refuse(f"{len(base)} base_values for {columns} targets")
        base = base or [Fraction(0)] * columns

    ens = _build_ensemble(node, trees, leaf_values, base, affine, f, lo_q, hi_q, features)
    vb = ens.value_bits
    base_q = [round(b * Fraction(2) ** vb) for b in base]

    flavour = _ensemble_flavour(len(trees), columns, classifier)
    title = f"{graph.path.stem}: {flavour} imported from ONNX"
    if classifier:
        prog = GeneratedProgram(title=title, input=spec, output_kind=LABEL, output_doc="", returns="int")
        prog.labels = labels
    else:
        prog = GeneratedProgram(title=title, input=spec, output_kind=VALUES, output_doc="", returns="list[int]",
                                output_frac_bits=vb)
    nodes = ens.feature.shape[1]
    prog.add_array("FEATURE", ens.feature, "trees x nodes: the input feature each branch tests")
    prog.add_array("THRESHOLD", ens.threshold, f"go LEFT when x[feature] <= threshold (x at scale 2**{f}), else RIGHT")
    prog.add_array("LEFT", ens.left, "a leaf (and padding) points to itself")
    prog.add_array("RIGHT", ens.right)
    what = "class weights" if classifier else "target values"
    cols = ens.values.shape[1] // nodes
    prog.add_array("LEAF_VALUE", ens.values, f"the leaves' {what} at scale 2**{vb}"
                   + (f", {cols} per node" if cols > 1 else ""))
    prog.constants.append(("DEPTH", ens.depth, "the deepest tree's depth"))
    prog.add_function(_LEAF)
    summary = (f"{node.op} {node.name!r}: {n} trees, depth {ens.depth} (up to {nodes} nodes), {features} features, "
               + (f"{columns} classes" if classifier else f"{columns} target{'s' if columns > 1 else ''}")
               + (f", post_transform {post}" if post != "NONE" else "")
               + (f", aggregate {aggregate}" if aggregate != "SUM" else ""))
    prog.graph_summary.append(summary)
    scale_note = ("the integer input is passed as it is" if graph.input_elem_type in INTEGER_TYPES and f == 0 else
                  f"input at scale 2**{f} (the largest |value| of the domain below 2**{TREE_INPUT_BITS})")
    exact = (", so each decision is the float model's for every input on this grid (x = integer / 2**{f})"
             if affine.is_identity else
             " and the scaling's float32 constants before the model, so each decision is exact for the scaling "
             "computed in exact arithmetic (onnxruntime computes it in float32: an input within rounding of a "
             "threshold may go the other way there)").format(f=f)
    prog.notes.append(f"{scale_note}; every branch's threshold was computed exactly from the float32 threshold"
                      f"{exact}; thresholds beyond the domain are clamped to {lo_q - 1}..{hi_q}")
    prog.notes.append(f"leaf values (and base values) rounded to integers at scale 2**{vb}, chosen so that any sum "
                      f"of one leaf per tree stays below 2**{VALUE_LIMIT_BITS}" + _exactness_note(leaf_values, base, vb))

    if classifier and binary_one_column:
        prog.constants.append(("BASE", base_q[0] if base_q else 0, "base value at the leaf values' scale"))
        prog.constants.append(("LABELS", labels, "class labels"))
        # onnxruntime looks at the class_weights attribute as written (not at sums per leaf)
        positive = all(float(w) >= 0 for w in _attr_list(node, "class_weights"))
        cut = 2 ** (vb - 1) if positive else 0
        prog.constants.append(("CUT", cut, "0.5 (every leaf weight is non-negative)" if positive else "0"))
        prog.add_function(_SCORE_ONE)
        prog.body.append("if score(%s) > CUT:" % spec.name)
        prog.body.append("    return LABELS[1]")
        prog.body.append("return LABELS[0]")
        rule = ("the score exceeds 0.5 (every leaf weight is non-negative: onnxruntime then reads the score as the "
                "probability of the second class)" if positive else
                "the score exceeds 0 (onnxruntime's rule for one score column with negative weights: a log-odds)")
        prog.output_doc = (f"the predicted class label, one of {labels}: {labels[1]} when the sum of the trees' "
                           f"leaf values plus the base value (one score column) exceeds "
                           f"{'0.5' if positive else '0'}, else {labels[0]}.")
        prog.notes.append(f"label rule: the second label when {rule}; the post transform ({post}) does not "
                          "change the label and is not computed")
    elif classifier:
        prog.constants.append(("COLUMNS", columns, "one score per class"))
        prog.constants.append(("BASE", base_q, "base values at the leaf values' scale"))
        prog.constants.append(("LABELS", labels, "class labels"))
        prog.add_function(_SCORES)
        prog.add_function(ARGMAX_FUNCTION)
        prog.body.append(f"return LABELS[argmax(scores({spec.name}))]")
        prog.output_doc = (f"the predicted class label, one of {labels}: the label of the first class of "
                           "largest score (the sum of its leaf values over the trees plus its base value).")
        prog.notes.append(f"label rule: the first class of largest raw score; the post transform ({post}) is "
                          "monotone and does not change the label, so it is not computed")
    else:
        prog.constants.append(("COLUMNS", columns, "targets"))
        prog.constants.append(("BASE", base_q, "base values at the leaf values' scale"))
        prog.add_function(_SCORES_AVERAGE if aggregate == "AVERAGE" else _SCORES)
        prog.body.append(f"return scores({spec.name})")
        prog.output_doc = (f"the {columns} predicted value{'s' if columns > 1 else ''}, each at scale 2**{vb} "
                           f"(divide by 2**{vb}): "
                           + ("the average over the trees of their leaf values (rounded down), plus the base value."
                              if aggregate == "AVERAGE" else "the sum over the trees of their leaf values, plus the "
                              "base value."))
    return prog


def _all_exact(leaf_values, base, vb) -> bool:
    scale = Fraction(2) ** vb
    return all((v * scale).denominator == 1 for vals in leaf_values for v in vals.reshape(-1)) and \
        all((b * scale).denominator == 1 for b in base)


def _exactness_note(leaf_values, base, vb) -> str:
    if _all_exact(leaf_values, base, vb):
        return "; every float32 leaf value is exact at this scale, so the sums are the exact sums"
    return f"; each value is within 2**-{vb + 1} of its float32 value"


def _ensemble_flavour(n: int, columns: int, classifier: bool) -> str:
    what = "decision tree" if n == 1 else "tree ensemble"
    if classifier:
        return f"{what} classifier ({n} tree{'s' if n > 1 else ''}, {columns} classes)"
    return f"{what} regressor ({n} tree{'s' if n > 1 else ''})"


# --- linear models ---------------------------------------------------------------------------------
_LINEAR = '''
def linear(x: list[int]) -> list[int]:
    """One score per row of WEIGHT: its dot product with x plus the intercept."""
    return [sum(w * v for w, v in zip(row, x)) + b for row, b in zip(WEIGHT, INTERCEPT)]
'''


def _lower_linear(graph: Graph, node: Node, affine: Affine, domain, features: int, bits: int) -> GeneratedProgram:
    classifier = node.op == "LinearClassifier"
    coef = np.asarray(_attr_list(node, "coefficients"), dtype=np.float64)
    intercepts = np.asarray(_attr_list(node, "intercepts"), dtype=np.float64)
    post = str(node.attr("post_transform", "NONE"))
    if classifier:
        labels = _labels(node)
        rows = len(intercepts)
    else:
        rows = int(node.attr("targets", 1))
        if post != "NONE":
            raise node.refuse(f"post_transform {post} on a regressor is not supported (supported: NONE)")
        if len(intercepts) == 0:
            intercepts = np.zeros(rows)
    if rows < 1 or coef.size != rows * features or len(intercepts) != rows:
        raise node.refuse(f"{coef.size} coefficients and {len(intercepts)} intercepts do not fit {rows} rows of "
                          f"{features} input features")
    w = coef.reshape(rows, features)
    # fold the scaling: w . (a x + b) + c = (w a) . x + (w . b + c)
    a = np.array([float(s) for s in affine.scale])
    b = np.array([float(o) for o in affine.offset])
    w_eff = w * a
    c_eff = intercepts + w @ b
    fx = _input_bits(graph, domain, bits - 1, cap=60)
    spec = _input_spec(graph, domain, fx)
    fw = _frac_bits(float(np.max(np.abs(w_eff))) if w_eff.size else 0.0, bits - 1)
    w_q = np.array([[_scaled(v, fw) for v in row] for row in w_eff], dtype=object)
    c_q = [_scaled(v, fw + fx) for v in c_eff]
    # interval analysis: every partial sum of a row lies within its absolute bound
    lo_q, hi_q = spec.lo, spec.hi
    x_abs = max(abs(lo_q), abs(hi_q))
    for r in range(rows):
        bound = sum(abs(int(v)) for v in w_q[r]) * x_abs + abs(c_q[r])
        if bound >= 2 ** RANGE_BITS:
            raise node.refuse(f"row {r}'s score can reach about 2^{math.log2(bound):.0f} for inputs in the declared "
                              f"domain, beyond 2^{RANGE_BITS}: use fewer --bits or a narrower --input-range")
    biggest = max(sum(abs(int(v)) for v in w_q[r]) * x_abs + abs(c_q[r]) for r in range(rows))
    title = f"{graph.path.stem}: linear {'classifier' if classifier else 'regressor'} imported from ONNX"
    ob = fw + fx
    if classifier:
        prog = GeneratedProgram(title=title, input=spec, output_kind=LABEL, output_doc="", returns="int")
        prog.labels = labels
    else:
        prog = GeneratedProgram(title=title, input=spec, output_kind=VALUES, output_doc="", returns="list[int]",
                                output_frac_bits=ob)
    prog.add_array("WEIGHT", np.array(w_q, dtype=np.int64).reshape(rows, features),
                   f"{'classes' if classifier and rows > 1 else 'rows'} x features, at scale 2**{fw}")
    prog.add_array("INTERCEPT", np.array(c_q, dtype=np.int64), f"at scale 2**{ob} (the scores' scale)")
    prog.add_function(_LINEAR)
    prog.graph_summary.append(f"{node.op} {node.name!r}: {features} features -> {rows} score"
                              f"{'s' if rows > 1 else ''}" + (f", post_transform {post}" if post != "NONE" else ""))
    prog.notes.append(f"input at scale 2**{fx} and weights at scale 2**{fw} ({bits}-bit integers); intercepts and "
                      f"scores at scale 2**{ob}" + ("" if affine.is_identity else
                                                    "; the scaling before the model is folded into the weights and intercepts"))
    prog.notes.append(f"interval analysis over the whole input domain: every score (and partial sum) stays below "
                      f"2^{math.log2(max(biggest, 1)):.1f}, within the VM's exact range (2^{RANGE_BITS} checked)")
    if classifier:
        if rows == 1:
            pos, neg = (labels[1], labels[0]) if len(labels) == 2 else (1, 0)
            prog.constants.append(("LABELS", [neg, pos], "negative, positive"))
            prog.body.append(f"if linear({spec.name})[0] > 0:")
            prog.body.append("    return LABELS[1]")
            prog.body.append("return LABELS[0]")
            prog.output_doc = f"the predicted class label: {pos} when the score exceeds 0, else {neg}."
            prog.notes.append(f"label rule (onnxruntime's, one score row): {pos} when the score exceeds 0; the post "
                              f"transform ({post}) does not change it and is not computed")
        else:
            if len(labels) < rows:
                raise node.refuse(f"{rows} score rows but {len(labels)} class labels")
            prog.constants.append(("LABELS", labels[:rows], "class labels"))
            prog.add_function(ARGMAX_FUNCTION)
            prog.body.append(f"return LABELS[argmax(linear({spec.name}))]")
            prog.output_doc = (f"the predicted class label, one of {labels[:rows]}: the label of the first class of "
                               "largest score.")
            prog.notes.append(f"label rule: the first class of largest score; the post transform ({post}) is "
                              "monotone and is not computed")
    else:
        prog.body.append(f"return linear({spec.name})")
        prog.output_doc = (f"the {rows} predicted value{'s' if rows > 1 else ''}, each at scale 2**{ob} "
                           f"(divide by 2**{ob}).")
    return prog
