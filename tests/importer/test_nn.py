"""Neural-network import, operator by operator, against onnxruntime.

Each case builds a small graph with onnx.helper, imports it with calibration samples, and checks
(1) the importer's float semantics (reference.py) against onnxruntime on random inputs, (2) the
written program, run under CPython on held-out inputs, against onnxruntime (largest error and
argmax), and (3) the same program in the VM on the domain's extreme inputs (all at the lower
bound, all at the upper bound, random corners): it must not overflow and must print what
CPython prints, which is what the interval analysis promises.
"""

from __future__ import annotations

import json
import runpy

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
from tests.importer.graphs import Builder, mlp  # noqa: E402

import zkvm  # noqa: E402
from zkvm import programs  # noqa: E402
from zkvm.errors import ImportRefused, InputError  # noqa: E402
from zkvm.importer import import_model, reference  # noqa: E402
from zkvm.importer.graph import load_graph  # noqa: E402


def ort_run(path, x):
    """onnxruntime on a batch (one sample at a time for models written for a batch of one)."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    try:
        return sess.run(None, {name: x.astype(np.float32)})[0]
    except Exception:
        return np.concatenate([sess.run(None, {name: s[None].astype(np.float32)})[0] for s in x])


def _conv_relu_pool(b, pool="MaxPool", pads=(1, 1, 1, 1), strides=(1, 1), dilations=(1, 1), **pool_attrs):
    x = b.op("Conv", ["input", b.weight("conv.weight", (4, 2, 3, 3)), b.weight("conv.bias", (4,), 0.1)],
             kernel_shape=[3, 3], pads=list(pads), strides=list(strides), dilations=list(dilations))
    x = b.op("Relu", [x])
    if pool == "GlobalAveragePool":
        return b.op(pool, [x])
    return b.op(pool, [x], kernel_shape=[2, 2], strides=[2, 2], **pool_attrs)


def case_mlp(b):
    x = b.op("Relu", [b.gemm("input", 12, 16)])
    return b.gemm(x, 16, 5), [12], [5]


def case_matmul_add(b):
    x = b.op("MatMul", ["input", b.weight("w", (12, 6))])
    x = b.op("Add", [x, b.weight("bias", (6,), 0.1)])
    return x, [12], [6]


def case_elementwise_constants(b):
    x = b.gemm("input", 12, 8)
    x = b.op("Sub", [x, b.weight("mean", (8,), 0.5)])
    x = b.op("Div", [x, b.const("std", np.float32(1.7))])
    x = b.op("Mul", [x, b.weight("gain", (8,), 1.0)])
    x = b.op("Add", [b.const("offset", np.float32(0.25)), x])
    return b.op("Sub", [b.const("one", np.float32(1.0)), x]), [12], [8]


def case_residual(b):
    h = b.gemm("input", 12, 8)
    r = b.op("Relu", [h])
    s = b.op("Add", [h, r])
    m = b.op("Mul", [s, r])
    return b.op("Sub", [m, h]), [12], [8]


@pytest.mark.parametrize("act", ["LeakyRelu", "Clip", "Sigmoid", "Tanh"])
def test_activations(tmp_path, act):
    b = Builder(3)
    x = b.gemm("input", 12, 10)
    if act == "LeakyRelu":
        x = b.op(act, [x], alpha=0.1)
    elif act == "Clip":
        x = b.op(act, [x, b.const("lo", np.float32(-0.5)), b.const("hi", np.float32(0.75))])
    else:
        x = b.op(act, [b.op("Mul", [x, b.const("k", np.float32(3.0))])])
    check_case(tmp_path, b, x, [12], [10])


def case_conv_maxpool(b):
    return _conv_relu_pool(b), [2, 8, 8], [4, 4, 4]


def case_conv_strided_dilated(b):
    x = b.op("Conv", ["input", b.weight("conv.weight", (3, 2, 3, 3)), b.weight("conv.bias", (3,), 0.1)],
             kernel_shape=[3, 3], pads=[2, 1, 2, 0], strides=[2, 1], dilations=[2, 1])
    return x, [2, 9, 8], [3, 5, 6]


def case_maxpool_padded(b):
    x = b.op("MaxPool", [b.op("Relu", ["input"])], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    return x, [2, 7, 7], [2, 4, 4]


def case_avgpool(b):
    x = b.op("AveragePool", ["input"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=0)
    y = b.op("AveragePool", [x], kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1], count_include_pad=1)
    return y, [2, 7, 7], [2, 4, 4]


def case_global_pool(b):
    x = _conv_relu_pool(b, pool="GlobalAveragePool")
    x = b.op("Flatten", [x], axis=1)
    return b.gemm(x, 4, 3), [2, 6, 6], [3]


def case_batchnorm(b):
    x = b.op("Conv", ["input", b.weight("conv.weight", (3, 2, 3, 3)), b.weight("conv.bias", (3,), 0.1)],
             kernel_shape=[3, 3])
    bn = [b.const(f"bn{k}", v) for k, v in enumerate((np.float32([1.5, 0.5, -1.0]), np.float32([0.1, -0.2, 0.3]),
                                                         np.float32([0.2, 0.0, -0.1]), np.float32([0.5, 2.0, 1.0])))]
    x = b.op("BatchNormalization", [x] + bn, epsilon=1e-5)  # folded into the Conv
    x = b.op("Relu", [x])
    x = b.op("BatchNormalization", [x] + bn, epsilon=1e-3)  # a per-channel affine map
    return x, [2, 5, 5], [3, 3, 3]


def case_shapes(b):
    a = b.op("Conv", ["input", b.weight("c1.weight", (2, 2, 1, 1)), b.weight("c1.bias", (2,), 0.1)], kernel_shape=[1, 1])
    c = b.op("Conv", ["input", b.weight("c2.weight", (3, 2, 1, 1))], kernel_shape=[1, 1])
    x = b.op("Concat", [a, c], axis=1)  # (5, 3, 4)
    x = b.op("Transpose", [x], perm=[0, 2, 3, 1])  # (3, 4, 5)
    x = b.op("Identity", [b.op("Dropout", [x])])
    x = b.op("Reshape", [x, b.const("shape", np.array([0, -1, 5], dtype=np.int64))])  # (12, 5)
    x = b.op("Concat", [x, b.op("Relu", [x])], axis=2)  # (12, 10)
    return b.op("Flatten", [x], axis=1), [2, 3, 4], [120]


def case_view_flatten(b):
    """x.view(x.size(0), -1) after a conv, as torch exports it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""
    x = b.op("Relu", [b.op("Conv", ["input", b.weight("conv.weight", (3, 2, 3, 3))], kernel_shape=[3, 3])])
    n = b.op("Unsqueeze", [b.op("Gather", [b.op("Shape", [x]), b.const("zero", np.array(0, dtype=np.int64))], axis=0),
                           b.const("axes", np.array([0], dtype=np.int64))])
    shape = b.op("Concat", [n, b.const("minus1", np.array([-1], dtype=np.int64))], axis=0)
    x = b.op("Reshape", [x, shape])
    return b.gemm(x, 3 * 4 * 4, 4), [2, 6, 6], [4]


def case_reshape_all(b):
    """A batch-of-one model flattened with reshape(-1), Gemm with a (1, N) bias."""
    x = b.op("Reshape", ["input", b.const("flat", np.array([-1], dtype=np.int64))])
    x = b.op("Unsqueeze", [x, b.const("ax", np.array([0], dtype=np.int64))])
    x = b.op("Gemm", [x, b.weight("w", (18, 5)), b.weight("bias", (1, 5), 0.1)])
    return x, [2, 3, 3], [5]


CASES = [case_view_flatten, case_reshape_all, case_mlp, case_matmul_add, case_elementwise_constants, case_residual, case_conv_maxpool,
         case_conv_strided_dilated, case_maxpool_padded, case_avgpool, case_global_pool, case_batchnorm, case_shapes]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__[5:] for c in CASES])
def test_operator(tmp_path, case):
    b = Builder(7)
    out, in_shape, out_shape = case(b)
    check_case(tmp_path, b, out, in_shape, out_shape)


def check_case(tmp_path, b, out, in_shape, out_shape, tolerance=0.01):
    path = b.save(tmp_path / "m.onnx", out, in_shape, out_shape)
    rng = np.random.default_rng(11)
    calib = rng.uniform(-1, 1, (64, *in_shape)).astype(np.float32)
    held = rng.uniform(-1, 1, (32, *in_shape)).astype(np.float32)
    # (1) float semantics
    want = ort_run(path, held)
    got = reference.run_graph(load_graph(path), held.astype(np.float64))[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # (2) the written program under CPython
    np.save(tmp_path / "calib.npy", calib)
    res = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "calib.npy", input_range=(-1, 1))
    main = runpy.run_path(str(tmp_path / "m.py"))["main"]
    f = res.program.output_frac_bits
    span = float(np.ptp(want)) or 1.0
    for x, w in zip(res.program.input.quantize(held), want):
        y = np.array(main(list(map(int, x))), dtype=np.float64) / 2.0 ** f
        assert np.max(np.abs(y - w.reshape(-1))) <= tolerance * span
    assert res.agreement.rate >= 0.99
    # (3) the VM at the domain's extremes
    spec = res.program.input
    corners = [np.full(spec.length, spec.lo), np.full(spec.length, spec.hi),
               rng.choice([spec.lo, spec.hi], spec.length), rng.choice([spec.lo, spec.hi], spec.length)]
    for x in corners:
        check_vm_equals_cpython(tmp_path / "m.py", spec.name, x.tolist(), main)


def check_vm_equals_cpython(path, name, x, main):
    loaded = programs.load(path, {name: x})
    ex = zkvm.run(loaded.program, loaded.inputs, record=False)
    expected = main(list(x))
    flat = expected if isinstance(expected, list) else [expected]
    assert ex.outputs[-len(flat):] == flat


@pytest.mark.parametrize("final", ["Softmax", "ArgMax", "LogSoftmax"])
def test_classifier_outputs(tmp_path, final):
    path = mlp(tmp_path / "m.onnx", [10, 12, 4], seed=2, final=final)
    rng = np.random.default_rng(3)
    calib = rng.uniform(0, 1, (200, 10)).astype(np.float32)
    np.save(tmp_path / "c.npy", calib)
    res = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "c.npy")
    main = runpy.run_path(str(tmp_path / "m.py"))["main"]
    want = ort_run(path, calib)
    got = [main(list(map(int, x))) for x in res.program.input.quantize(calib)]
    if final == "Softmax":  # the probabilities themselves
        probs = np.array(got) / 2.0 ** res.program.output_frac_bits
        assert np.max(np.abs(probs - want)) <= 2e-3
        assert np.all(probs.sum(axis=1) <= 1.0)
        assert np.mean(probs.argmax(axis=1) == want.argmax(axis=1)) >= 0.99
    else:  # the class
        assert res.program.returns == "int"
        want = want.argmax(axis=1) if final == "LogSoftmax" else want.reshape(-1)
        assert np.mean(np.array(got) == want) >= 0.99
    assert res.agreement.rate >= 0.99


def test_softmax_at_extreme_scores(tmp_path):
    """Scores far apart (a power of two shifted out entirely) and all equal."""
    b = Builder()
    x = b.op("Softmax", [b.op("Mul", ["input", b.const("k", np.float32(40.0))])], axis=1)
    path = b.save(tmp_path / "m.onnx", x, [5], [5])
    res = import_model(path, tmp_path / "m.py", input_range=(-1, 1))
    main = runpy.run_path(str(tmp_path / "m.py"))["main"]
    spec = res.program.input
    for row in ([-1, 1, 0, 0.5, -0.5], [0.3] * 5, [-1] * 4 + [1]):
        q = spec.quantize(np.array([row]))[0]
        probs = np.array(main(list(map(int, q)))) / 2.0 ** res.program.output_frac_bits
        assert np.max(np.abs(probs - ort_run(path, np.array([row]))[0])) <= 2e-3
        check_vm_equals_cpython(tmp_path / "m.py", spec.name, list(map(int, q)), main)


def test_input_outside_the_domain_stops_the_program(tmp_path):
    path = mlp(tmp_path / "m.onnx", [6, 4, 3])
    res = import_model(path, tmp_path / "m.py", input_range=(0, 1))
    main = runpy.run_path(str(tmp_path / "m.py"))["main"]
    spec = res.program.input
    ok = [spec.hi] * 6
    main(ok)
    with pytest.raises(AssertionError):
        main([spec.hi + 1] + ok[1:])
    with pytest.raises(AssertionError):
        main(ok[:5])
    loaded = programs.load(tmp_path / "m.py", {spec.name: [spec.lo - 1] + ok[1:]})
    with pytest.raises(zkvm.ZkvmError):
        zkvm.run(loaded.program, loaded.inputs, record=False)


def test_unsupported_operator_is_refused_and_nothing_written(tmp_path):
    b = Builder()
    x = b.op("Exp", [b.gemm("input", 4, 3)])
    path = b.save(tmp_path / "m.onnx", x, [4], [3])
    with pytest.raises(ImportRefused) as e:
        import_model(path, tmp_path / "m.py", input_range=(0, 1))
    assert e.value.op == "Exp" and e.value.node == "/exp2/Exp"
    assert "Gemm" in str(e.value) and "Conv" in str(e.value)  # says what is supported
    assert not any(tmp_path.glob("m.*.*")) and not (tmp_path / "m.py").exists()


def test_overflowing_quantization_is_refused_naming_the_layer(tmp_path):
    b = Builder()
    x = b.op("Relu", [b.gemm("input", 64, 64)])
    x = b.gemm(x, 64, 64)
    path = b.save(tmp_path / "m.onnx", x, [64], [64])
    with pytest.raises(ImportRefused) as e:
        import_model(path, tmp_path / "m.py", input_range=(-1e6, 1e6), bits=31)
    assert e.value.node is not None and e.value.node.endswith("Gemm") and "2^62" in str(e.value)
    assert not (tmp_path / "m.py").exists()
    import_model(path, tmp_path / "m.py", input_range=(-1e6, 1e6), bits=12)  # fewer bits fit


def test_worst_case_not_calibration_decides_the_bounds(tmp_path):
    """Calibration samples near zero, a wide declared domain: the extremes of the domain still run."""
    path = mlp(tmp_path / "m.onnx", [16, 32, 32, 4], seed=5)
    np.save(tmp_path / "c.npy", np.random.default_rng(0).uniform(-0.01, 0.01, (50, 16)))
    res = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "c.npy", input_range=(-100, 100))
    main = runpy.run_path(str(tmp_path / "m.py"))["main"]
    spec = res.program.input
    for x in ([spec.lo] * 16, [spec.hi] * 16, [spec.lo, spec.hi] * 8):
        check_vm_equals_cpython(tmp_path / "m.py", spec.name, x, main)


@pytest.mark.parametrize("fmt", ["npz", "json", "json-dict"])
def test_calibration_formats(tmp_path, fmt):
    path = mlp(tmp_path / "m.onnx", [5, 4, 3])
    x = np.random.default_rng(0).uniform(0, 1, (20, 5))
    if fmt == "npz":
        np.savez(tmp_path / "c.npz", x=x, y=np.zeros(20))
        cal = tmp_path / "c.npz"
    else:
        cal = tmp_path / "c.json"
        cal.write_text(json.dumps({"input": x.tolist()} if fmt == "json-dict" else x.tolist()))
    res = import_model(path, tmp_path / "m.py", calibrate=cal)
    assert res.agreement.samples == 20
    assert res.program.input.lo_float == pytest.approx(x.min())


def test_bad_calibration_file_names_the_parameter(tmp_path):
    path = mlp(tmp_path / "m.onnx", [5, 4, 3])
    np.save(tmp_path / "c.npy", np.zeros((10, 7)))
    (tmp_path / "bad.json").write_text("[[1, 2,")
    for cal in (tmp_path / "c.npy", tmp_path / "bad.json", tmp_path / "missing.npy"):
        with pytest.raises(InputError) as e:
            import_model(path, tmp_path / "m.py", calibrate=cal)
        assert e.value.parameter == "--calibrate"
    with pytest.raises(InputError) as e:
        import_model(path, tmp_path / "m.py")  # a float input and no domain
    assert e.value.parameter == "--input-range"
    with pytest.raises(InputError):
        import_model(tmp_path / "c.npy", tmp_path / "m.py", input_range=(0, 1))  # not ONNX


def test_integer_input_type_gives_the_domain_and_is_passed_as_is(tmp_path):
    from onnx import TensorProto

    b = Builder(9)
    x = b.op("Cast", ["input"], to=TensorProto.FLOAT)
    x = b.op("Div", [x, b.const("scale", np.float32(255.0))])
    x = b.gemm(b.op("Relu", [b.gemm(x, 16, 8)]), 8, 3)
    path = b.save(tmp_path / "m.onnx", x, [16], [3], elem=TensorProto.UINT8)
    pixels = np.random.default_rng(2).integers(0, 256, (40, 16)).astype(np.uint8)
    np.save(tmp_path / "c.npy", pixels)
    res = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "c.npy", input_range=None)
    spec = res.program.input
    assert spec.frac_bits == 0 and spec.lo_float == pixels.min() and spec.hi_float == pixels.max()
    res = import_model(path, tmp_path / "m2.py")  # no samples: the input type's range
    assert (res.program.input.lo, res.program.input.hi) == (0, 255)
    main = runpy.run_path(str(tmp_path / "m2.py"))["main"]
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": pixels})[0]
    f = res.program.output_frac_bits
    got = np.array([main(list(map(int, p))) for p in pixels]) / 2.0 ** f
    assert np.max(np.abs(got - want)) <= 0.01 * np.ptp(want)


def test_agreement_sample_count(tmp_path):
    path = mlp(tmp_path / "m.onnx", [5, 4, 3])
    np.save(tmp_path / "c.npy", np.random.default_rng(0).uniform(0, 1, (30, 5)))
    res = import_model(path, tmp_path / "m.py", calibrate=tmp_path / "c.npy", agreement_samples=7)
    assert (res.agreement.samples, res.agreement.available) == (7, 30)
    assert "the first 7 of 30" in (tmp_path / "m.py").read_text()
    with pytest.raises(InputError) as e:
        import_model(path, tmp_path / "m.py", calibrate=tmp_path / "c.npy", agreement_samples=0)
    assert e.value.parameter == "--agreement-samples"
