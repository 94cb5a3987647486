"""Tree-ensemble and linear-model import (zkvm/importer/trees.py) against onnxruntime.

scikit-learn models are trained here on small synthetic data (fixed seeds), converted with
skl2onnx and imported with calibration samples; the written program is then run under CPython
on a held-out split and its labels (values) compared with onnxruntime's, which is the oracle:
labels must agree on at least 99% of the samples (the disagreements are listed), and branch
decisions must agree on *every* input on the program's grid, thresholds included. onnxruntime's
special rules for binary classifiers are checked on hand-built one-tree models whose score is
known. One small forest is proved and verified.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
pytest.importorskip("skl2onnx")
pytest.importorskip("sklearn")

from onnx import TensorProto, helper  # noqa: E402
from skl2onnx import to_onnx  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402
from sklearn.svm import SVC, LinearSVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

import zkvm  # noqa: E402
from zkvm import programs  # noqa: E402
from zkvm.errors import ImportRefused  # noqa: E402
from zkvm.importer import import_model  # noqa: E402
from zkvm.importer.agreement import run_program  # noqa: E402
from zkvm.importer.program import LABEL, VALUES  # noqa: E402
from zkvm.isa.program import shaped_output  # noqa: E402

TRAIN = 500


@pytest.fixture(scope="module")
def binary():
    x, y = make_classification(800, 8, n_informative=5, random_state=0)
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def three():
    x, y = make_classification(800, 8, n_informative=5, n_classes=3, random_state=1)
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def regression():
    x, y = make_regression(800, 8, noise=5.0, random_state=2)
    return x.astype(np.float32), y


def convert(model, x, path, zipmap=False):
    last = model.steps[-1][1] if hasattr(model, "steps") else model  # a pipeline's classifier
    options = {id(last): {"zipmap": zipmap}} if hasattr(last, "predict_proba") else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        onx = to_onnx(model, x[:1], options=options)
    path.write_bytes(onx.SerializeToString())
    return path


def ort_outputs(path, x):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: np.asarray(x, dtype=np.float32)})


def imported(tmp_path, model, data, zipmap=False, name="m"):
    """Train ``model`` on the first TRAIN samples, convert and import it with the rest as the
    calibration samples: (import result, onnx path, held-out samples)."""
    x, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x[:TRAIN], y[:TRAIN])
    path = convert(model, x[:TRAIN], tmp_path / f"{name}.onnx", zipmap)
    held_out = x[TRAIN:]
    np.save(tmp_path / f"{name}.npy", held_out)
    result = import_model(path, tmp_path / f"{name}.py", calibrate=tmp_path / f"{name}.npy")
    return result, path, held_out


def program_outputs(result, x):
    return run_program(result.program_path, result.program.input.quantize(np.asarray(x, dtype=np.float64)))


def label_output(path, x):
    """onnxruntime's label: the first output of integer type."""
    return next(np.asarray(o) for o in ort_outputs(path, x) if np.asarray(o).dtype.kind == "i").reshape(-1)


def assert_labels_agree(result, path, x, min_rate=0.99):
    got = program_outputs(result, x)
    want = label_output(path, x)
    bad = [(i, g, int(w)) for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert len(bad) <= (1 - min_rate) * len(x), f"{len(bad)} of {len(x)} labels differ (sample, program, onnxruntime): {bad[:20]}"
    return got


# --- classifiers: labels against onnxruntime on the held-out split -----------------------------------
CLASSIFIERS = {
    "decision_tree": lambda: DecisionTreeClassifier(max_depth=6, random_state=0),
    "random_forest": lambda: RandomForestClassifier(12, max_depth=6, random_state=0),
    "extra_trees": lambda: ExtraTreesClassifier(12, max_depth=6, random_state=0),
    "gradient_boosting": lambda: GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0),
    "logistic_regression": lambda: LogisticRegression(max_iter=500),
    "linear_svc": lambda: LinearSVC(),
    "scaler_logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
    "scaler_forest": lambda: make_pipeline(StandardScaler(), RandomForestClassifier(8, max_depth=5, random_state=0)),
    "minmax_forest": lambda: make_pipeline(MinMaxScaler(), RandomForestClassifier(8, max_depth=5, random_state=0)),
    "minmax_logistic": lambda: make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=500)),
}


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("kind", sorted(CLASSIFIERS))
def test_classifier_labels_agree_with_onnxruntime(tmp_path, binary, three, kind, classes):
    data = binary if classes == 2 else three
    result, path, x = imported(tmp_path, CLASSIFIERS[kind](), data)
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    if kind.startswith("scaler_"):
        assert "Scaler" in ops
    if kind.startswith("minmax_"):
        assert "Mul" in ops and "Add" in ops
    assert result.program.output_kind == LABEL
    got = assert_labels_agree(result, path, x)
    assert set(got) <= set(range(classes)) and len(set(got)) == classes  # every class predicted somewhere
    # the importer's own measurement is the same comparison
    assert result.agreement.rate >= 0.99 and result.reference_source == "onnxruntime"
    text = result.program_path.read_text()
    assert "def main(" in text and "import numpy" not in text


def test_zipmap_output_is_skipped_and_the_label_compared(tmp_path, three):
    result, path, x = imported(tmp_path, RandomForestClassifier(6, max_depth=4, random_state=0), three, zipmap=True)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    assert any(n.op_type == "ZipMap" for n in onnx.load(str(path)).graph.node)
    assert names[result.program.reference_output] == "output_label"
    assert_labels_agree(result, path, x)
    assert "ZipMap" in result.program_path.read_text()  # named as not computed


# --- exactness: inputs on the grid at every threshold ------------------------------------------------
def _edit_ml_node(src, dst, change):
    """A copy of the model with the ai.onnx.ml node's attributes changed by ``change(dict)``."""
    model = onnx.load(str(src))
    node = next(n for n in model.graph.node if n.domain == "ai.onnx.ml" and n.op_type.startswith("TreeEnsemble"))
    attrs = change({a.name: helper.get_attribute_value(a) for a in node.attribute})
    new = helper.make_node(node.op_type, list(node.input), list(node.output), name=node.name, domain=node.domain, **attrs)
    i = list(model.graph.node).index(node)
    model.graph.node.remove(node)
    model.graph.node.insert(i, new)
    onnx.save(model, str(dst))
    return dst


def _rewrite_modes(mode):
    """Every branch "x <= t" rewritten as an equivalent test in ``mode`` (float32 thresholds:
    x < nextafter(t) for LT; GT/GTE as the negations with the children swapped)."""
    def change(a):
        modes, values = list(a["nodes_modes"]), list(a["nodes_values"])
        true, false = list(a["nodes_truenodeids"]), list(a["nodes_falsenodeids"])
        for i, m in enumerate(modes):
            if m == b"LEAF":
                continue
            modes[i] = mode.encode()
            if mode in ("BRANCH_LT", "BRANCH_GTE"):  # x <= t  <=>  x < next float32 above t
                values[i] = float(np.nextafter(np.float32(values[i]), np.float32(np.inf)))
            if mode in ("BRANCH_GT", "BRANCH_GTE"):
                true[i], false[i] = false[i], true[i]
        return {**a, "nodes_modes": modes, "nodes_values": values, "nodes_truenodeids": true,
                "nodes_falsenodeids": false}
    return change


def _threshold_inputs(path, x, frac_bits, seed=0):
    """For every branch, a sample with the tested feature set to the float32 threshold and to
    its float32 neighbours (all of them points of the program's grid)."""
    model = onnx.load(str(path))
    node = next(n for n in model.graph.node if n.op_type.startswith("TreeEnsemble"))
    a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
    rng = np.random.default_rng(seed)
    rows = []
    for feat, t, mode in zip(a["nodes_featureids"], a["nodes_values"], a["nodes_modes"]):
        if mode == b"LEAF":
            continue
        t = np.float32(t)
        for v in (np.nextafter(t, np.float32(-np.inf)), t, np.nextafter(t, np.float32(np.inf))):
            row = x[rng.integers(len(x))].astype(np.float64)
            row[feat] = float(v)
            rows.append(row)
    rows = np.array(rows)
    rows = rows[(rows.min(axis=1) >= x.min()) & (rows.max(axis=1) <= x.max())]  # inside the domain
    on_grid = np.all(np.rint(rows * 2.0 ** frac_bits) == rows * 2.0 ** frac_bits, axis=1)
    assert on_grid.mean() > 0.95  # thresholds of tiny magnitude may fall between grid points
    return rows[on_grid]


@pytest.mark.parametrize("mode", ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GT", "BRANCH_GTE"])
def test_decisions_at_thresholds_are_onnxruntimes(tmp_path, three, mode):
    x, y = three
    model = RandomForestClassifier(6, max_depth=6, random_state=0).fit(x[:TRAIN], y[:TRAIN])
    path = convert(model, x[:TRAIN], tmp_path / "leq.onnx")
    if mode != "BRANCH_LEQ":
        path = _edit_ml_node(path, tmp_path / "m.onnx", _rewrite_modes(mode))
    np.save(tmp_path / "m.npy", x[TRAIN:])
    result = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "m.npy")
    rows = _threshold_inputs(path, x[TRAIN:], result.program.input.frac_bits)
    got = program_outputs(result, rows)
    want = label_output(path, rows)
    bad = [(i, g, int(w)) for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert not bad, f"{len(bad)} of {len(rows)} threshold inputs decided differently: {bad[:10]}"
    # the rewritten models are the same classifier: identical labels on the held-out split
    assert program_outputs(result, x[TRAIN:]) == list(label_output(tmp_path / "leq.onnx", x[TRAIN:]))


@pytest.mark.parametrize("estimator", ["forest", "logistic"])
def test_affine_maps_before_the_model_are_folded(tmp_path, three, estimator):
    """Sub (constant minus x), Mul by signed constants (one of them 0) and Div before the model:
    the branches' directions flip where the scale is negative, a zero scale makes a constant
    decision, and linear weights absorb the map."""
    x, y = three
    est = (RandomForestClassifier(8, max_depth=6, random_state=0) if estimator == "forest"
           else LogisticRegression(max_iter=500))
    src = convert(est.fit(x[:TRAIN], y[:TRAIN]), x[:TRAIN], tmp_path / "plain.onnx")
    model = onnx.load(str(src))
    n = x.shape[1]
    consts = {"c_sub": np.linspace(-1, 1, n), "c_mul": np.array([2.0, -0.5, 0.0, 1.5, -3.0, 1.0, 0.25, -1.0][:n]),
              "c_div": np.full(n, 4.0)}
    for name, value in consts.items():
        model.graph.initializer.append(onnx.numpy_helper.from_array(value.astype(np.float32), name))
    pre = [helper.make_node("Sub", ["c_sub", "X"], ["s1"], name="sub"),
           helper.make_node("Mul", ["s1", "c_mul"], ["s2"], name="mul"),
           helper.make_node("Div", ["s2", "c_div"], ["s3"], name="div")]
    ml = next(nd for nd in model.graph.node if nd.domain == "ai.onnx.ml")
    ml.input[0] = "s3"
    nodes = pre + list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    np.save(tmp_path / "m.npy", x[TRAIN:])
    result = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "m.npy")
    assert_labels_agree(result, path, x[TRAIN:])
    assert "'mul': folded" in result.program_path.read_text().replace("\n", " ")


@pytest.mark.parametrize("kind", ["decision_tree", "gradient_boosting"])
def test_binary_decisions_at_thresholds_are_onnxruntimes(tmp_path, binary, kind):
    result, path, x = imported(tmp_path, CLASSIFIERS[kind](), binary)
    rows = _threshold_inputs(path, x, result.program.input.frac_bits)
    got, want = program_outputs(result, rows), label_output(path, rows)
    assert got == list(want)


# --- onnxruntime's binary rules, on one-tree models whose scores are known ---------------------------
def _one_tree(leaf_weights, post="NONE", base=None, labels=(0, 1)):
    """x0 <= 0.25 -> leaf 1 else leaf 2; one score column (class id 0), as skl2onnx writes binary
    trees and gradient boosting."""
    kw = dict(nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2], nodes_featureids=[0, 0, 0],
              nodes_values=[0.25, 0.0, 0.0], nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF"],
              nodes_truenodeids=[1, 0, 0], nodes_falsenodeids=[2, 0, 0], class_treeids=[0, 0],
              class_nodeids=[1, 2], class_ids=[0, 0], class_weights=list(leaf_weights),
              classlabels_int64s=list(labels), post_transform=post)
    if base is not None:
        kw["base_values"] = list(base)
    return kw


def _save_classifier(path, attrs, op="TreeEnsembleClassifier", features=2, classes=2):
    node = helper.make_node(op, ["X"], ["label", "probabilities"], domain="ai.onnx.ml", name="ensemble", **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, features])],
                              [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
                               helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, classes])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    path.write_bytes(model.SerializeToString())
    return path


BINARY_CASES = {
    # every weight >= 0: onnxruntime reads the score as P(second class): label 1 iff score > 0.5
    "positive_weights": _one_tree([0.3, 0.7]),
    "positive_weights_logistic": _one_tree([0.3, 0.7], post="LOGISTIC"),
    "exactly_one_half": _one_tree([0.5, 0.75]),
    # some weight < 0: a log-odds, label 1 iff score > 0 (whatever the post transform)
    "signed_weights": _one_tree([-0.1, 0.3], post="LOGISTIC"),
    "signed_weights_none": _one_tree([-0.1, 0.3]),
    # base_values[0] is added to the score; the cut stays 0.5 (it looks at the weights only)
    "base_value": _one_tree([0.3, 0.7], base=[0.4]),
    "negative_base_value": _one_tree([0.3, 0.7], base=[-0.4]),
    "two_base_values": _one_tree([0.3, 0.7], base=[0.1, -9.0]),
    "labels": _one_tree([0.3, 0.7], labels=(5, -9)),
}


@pytest.mark.parametrize("case", sorted(BINARY_CASES))
def test_binary_label_rules_are_onnxruntimes(tmp_path, case):
    path = _save_classifier(tmp_path / "m.onnx", BINARY_CASES[case])
    x = np.array([[-1.0, 0.0], [0.25, 1.0], [0.2500001, 0.0], [1.0, -1.0]], dtype=np.float32)
    np.save(tmp_path / "m.npy", x)
    result = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "m.npy")
    got, want = program_outputs(result, x), label_output(path, x)
    assert got == list(want)
    assert result.agreement.agreeing == len(x)


def test_linear_classifier_with_one_score_row(tmp_path):
    attrs = dict(coefficients=[0.5, -1.25], intercepts=[0.1], classlabels_ints=[3, 8], post_transform="LOGISTIC")
    path = _save_classifier(tmp_path / "m.onnx", attrs, op="LinearClassifier")
    x = np.random.default_rng(0).uniform(-2, 2, (300, 2)).astype(np.float32)
    np.save(tmp_path / "m.npy", x)
    result = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "m.npy")
    got = assert_labels_agree(result, path, x)
    assert set(got) == {3, 8}


# --- regressors: values against onnxruntime ----------------------------------------------------------
REGRESSORS = {
    "decision_tree": (lambda: DecisionTreeRegressor(max_depth=6, random_state=0), 1e-5),
    "random_forest": (lambda: RandomForestRegressor(8, max_depth=5, random_state=0), 1e-5),
    "gradient_boosting": (lambda: GradientBoostingRegressor(n_estimators=20, random_state=0), 1e-5),
    "linear_regression": (lambda: LinearRegression(), 2e-3),
}


@pytest.mark.parametrize("kind", sorted(REGRESSORS))
def test_regressor_values_agree_with_onnxruntime(tmp_path, regression, kind):
    make, tolerance = REGRESSORS[kind]
    result, path, x = imported(tmp_path, make(), regression)
    assert result.program.output_kind == VALUES
    got = np.array(program_outputs(result, x), dtype=np.float64) / 2.0 ** result.program.output_frac_bits
    want = np.asarray(ort_outputs(path, x)[0], dtype=np.float64)
    err = np.abs(got - want) / np.ptp(want)
    worst = int(np.argmax(err.max(axis=1)))
    assert err.max() <= tolerance, f"sample {worst}: program {got[worst]}, onnxruntime {want[worst]}"


def test_ridge_with_two_targets(tmp_path, regression):
    x, y = regression
    result, path, held = imported(tmp_path, Ridge(), (x, np.stack([y, 3 - 2 * y], axis=1)))
    got = np.array(program_outputs(result, held), dtype=np.float64) / 2.0 ** result.program.output_frac_bits
    want = ort_outputs(path, held)[0]
    assert got.shape == want.shape == (len(held), 2)
    assert np.max(np.abs(got - want)) <= 2e-3 * np.ptp(want)


def test_average_aggregate(tmp_path, regression):
    """AVERAGE (not written by skl2onnx): the forest's weights times the tree count, averaged."""
    x, y = regression
    model = RandomForestRegressor(5, max_depth=4, random_state=0).fit(x[:TRAIN], y[:TRAIN])
    src = convert(model, x[:TRAIN], tmp_path / "sum.onnx")
    path = _edit_ml_node(src, tmp_path / "m.onnx", lambda a: {
        **a, "aggregate_function": "AVERAGE", "base_values": [10.0], "target_weights": [w * 5 for w in a["target_weights"]]})
    np.save(tmp_path / "m.npy", x[TRAIN:])
    result = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "m.npy")
    got = np.array(program_outputs(result, x[TRAIN:]), dtype=np.float64).reshape(-1) / 2.0 ** result.program.output_frac_bits
    want = ort_outputs(path, x[TRAIN:])[0].reshape(-1)
    assert np.max(np.abs(got - want)) <= 1e-5 * np.ptp(want)
    assert abs(np.mean(want) - np.mean(model.predict(x[TRAIN:])) - 10.0) < 1e-2


# --- the programs in the VM ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["gradient_boosting_3", "decision_tree_2", "linear_svc_3", "regressor"])
def test_programs_run_in_the_vm_as_under_cpython(tmp_path, binary, three, regression, kind):
    model, data = {"gradient_boosting_3": (GradientBoostingClassifier(n_estimators=5, max_depth=3, random_state=0), three),
                   "decision_tree_2": (DecisionTreeClassifier(max_depth=5, random_state=0), binary),
                   "linear_svc_3": (LinearSVC(), three),
                   "regressor": (GradientBoostingRegressor(n_estimators=5, random_state=0), regression)}[kind]
    result, path, x = imported(tmp_path, model, data)
    name = result.program.input.name
    rows = result.program.input.quantize(x[:3])
    spec = result.program.input
    rows = np.concatenate([rows, [[spec.lo] * spec.length, [spec.hi] * spec.length]])  # the domain's corners
    cpython = run_program(result.program_path, rows)
    for row, want in zip(rows, cpython):
        loaded = programs.load(result.program_path, {name: [int(v) for v in row]})
        ex = zkvm.run(loaded.program, loaded.inputs, record=False)
        assert shaped_output(loaded.program, ex.outputs) == want


def test_small_forest_proves_and_verifies(tmp_path, binary):
    result, path, x = imported(tmp_path, RandomForestClassifier(3, max_depth=3, random_state=0), binary)
    inputs = json.loads(result.input_path.read_text())
    loaded = programs.load(result.program_path, inputs)
    proved = zkvm.prove(loaded.program, loaded.inputs)
    claim = zkvm.verify(proved.proof, loaded.program)
    want = int(label_output(path, x[:1])[0])
    assert claim.output == want == run_program(result.program_path, result.program.input.quantize(x[:1]))[0]


# --- refusals ------------------------------------------------------------------------------------------
def test_unsupported_model_is_refused_naming_the_operator(tmp_path, binary):
    x, y = binary
    model = SVC().fit(x[:200], y[:200])
    path = convert(model, x[:200], tmp_path / "svc.onnx")
    np.save(tmp_path / "svc.npy", x[TRAIN:])
    before = set(tmp_path.iterdir())
    with pytest.raises(ImportRefused) as e:
        import_model(path, tmp_path / "out" / "m.py", calibrate=tmp_path / "svc.npy")
    assert e.value.op == "SVMClassifier" and "supported: TreeEnsembleClassifier" in str(e.value)
    assert set(tmp_path.iterdir()) == before  # nothing written


def test_tree_ensemble_opset5_is_refused(tmp_path):
    node = helper.make_node("TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", name="te", tree_roots=[0])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])])
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21),
                                                             helper.make_opsetid("ai.onnx.ml", 5)]).SerializeToString())
    with pytest.raises(ImportRefused, match="opset 5") as e:
        import_model(path, tmp_path / "m.py", input_range=(-1, 1))
    assert e.value.node == "te" and not (tmp_path / "m.py").exists()


def test_two_score_columns_for_two_classes_are_refused(tmp_path):
    """onnxruntime labels such a model by the second column's sign, not by argmax."""
    attrs = _one_tree([0.3, 0.7])
    attrs.update(class_treeids=[0, 0, 0, 0], class_nodeids=[1, 1, 2, 2], class_ids=[0, 1, 0, 1],
                 class_weights=[0.7, 0.3, 0.2, 0.8])
    path = _save_classifier(tmp_path / "m.onnx", attrs)
    with pytest.raises(ImportRefused, match="one score column"):
        import_model(path, tmp_path / "m.py", input_range=(-1, 1))


def test_string_labels_are_refused(tmp_path, binary):
    x, y = binary
    model = LogisticRegression().fit(x[:200], np.where(y[:200] == 1, "yes", "no"))
    path = convert(model, x[:200], tmp_path / "m.onnx")
    with pytest.raises(ImportRefused, match="integer labels"):
        import_model(path, tmp_path / "m.py", input_range=(-5, 5))


def test_linear_overflow_is_refused_naming_the_node(tmp_path):
    """16 weights of 1 at 31 bits over inputs up to 1e6: 16 products of about 2^60 each."""
    node = helper.make_node("LinearRegressor", ["X"], ["Y"], domain="ai.onnx.ml", name="linear",
                            coefficients=[1.0] * 16, intercepts=[0.5])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 16])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])])
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                             helper.make_opsetid("ai.onnx.ml", 3)]).SerializeToString())
    with pytest.raises(ImportRefused, match="2\\^62") as e:
        import_model(path, tmp_path / "m.py", input_range=(-1e6, 1e6), bits=31)
    assert e.value.node == "linear" and not (tmp_path / "m.py").exists()
    # the same model at the default precision fits, and computes the sum
    x = np.random.default_rng(0).uniform(-1e6, 1e6, (50, 16)).astype(np.float32)
    np.save(tmp_path / "m.npy", x)
    result = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "m.npy")
    got = np.array(program_outputs(result, x), dtype=np.float64).reshape(-1) / 2.0 ** result.program.output_frac_bits
    want = ort_outputs(path, x)[0].reshape(-1)
    assert np.max(np.abs(got - want)) <= 1e-3 * np.ptp(want)
