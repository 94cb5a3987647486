"""The interval analysis (zkvm/compiler/ranges.py) against CPython.

Soundness is what matters: an operation the analysis calls exact is compiled without a guard,
so a wrong interval would let a forged proof wrap around p. The oracle is CPython itself: the
program's source is instrumented to record the exact result of every binary operation and
augmented assignment, and run on inputs within the declared bounds; every recorded value must
lie in the analysis' interval for that node. Interval arithmetic is checked against brute force.
"""

from __future__ import annotations

import ast
import operator
import os
import resource
import random
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tests.compiler.test_random_programs import programs
from zkvm.compiler import _front
from zkvm.compiler import intervals as I
from zkvm.compiler import ranges as R
from zkvm.compiler.link import ProgramCompiler

ROOT = Path(__file__).resolve().parents[2]
OPS = ["+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^"]


def _python(op: str, x: int, y: int) -> int | None:
    try:
        return {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "//": lambda: x // y,
                "%": lambda: x % y, "**": lambda: x ** y if y >= 0 else None, "<<": lambda: x << y,
                ">>": lambda: x >> y, "&": lambda: x & y, "|": lambda: x | y, "^": lambda: x ^ y}[op]()
    except (ZeroDivisionError, ValueError):
        return None  # the run stops: no value


@pytest.mark.parametrize("op", OPS)
@given(st.integers(-40, 40), st.integers(0, 12), st.integers(-40, 40), st.integers(0, 12), st.randoms())
@settings(max_examples=40)
def test_interval_arithmetic_contains_every_result(op, alo, awidth, blo, bwidth, rnd):
    if op in ("**", "<<", ">>"):
        blo, bwidth = abs(blo) % 9, min(bwidth, 6)
    a, b = I.Interval(alo, alo + awidth), I.Interval(blo, blo + bwidth)
    out = I.binop(op, a, b)
    for x in range(a.lo, a.hi + 1):
        for y in range(b.lo, b.hi + 1):
            v = _python(op, x, y)
            if v is not None:
                assert out.lo <= v <= out.hi, (op, a, b, x, y, v, out)


def test_interval_arithmetic_at_the_ends_of_the_range():
    H = I.H
    assert not I.binop("+", I.point(H), I.point(1)).fits()
    assert I.binop("+", I.point(H), I.point(-1)).fits()
    assert not I.binop("*", I.Interval(-H, H), I.point(2)).fits()
    assert I.binop("*", I.point(3037000499), I.point(3037000499)).fits()
    assert not I.binop("*", I.point(3037000500), I.point(3037000500)).fits()
    assert I.binop("//", I.Interval(-H, H), I.point(-1)).fits()  # -(-H) = H
    assert I.binop("%", I.Interval(-H, H), I.Interval(-7, 7)).fits()


# --- the analysis against CPython -------------------------------------------------------------

def _instrumented(src: str, filename: str):
    """The program compiled with every BinOp and name AugAssign reporting its exact result."""
    tree = ast.parse(src, filename)
    seen: dict[tuple[int, int], list[int]] = defaultdict(list)

    class Recorder(ast.NodeTransformer):
        """a <op> b -> __binop(position, "<op>", a, b): computed (without huge shifts or
        powers, whose result would be out of range anyway) and recorded."""

        def op(self, node, left, right):
            name = type(node.op).__name__
            return ast.Call(ast.Name("__binop", ast.Load()), [ast.Constant((node.lineno, node.col_offset + 1)),
                                                              ast.Constant(name), left, right], [])

        def visit_BinOp(self, node):
            self.generic_visit(node)
            return ast.copy_location(self.op(node, node.left, node.right), node)

        def visit_AugAssign(self, node):
            self.generic_visit(node)
            if not isinstance(node.target, ast.Name):
                return node
            call = self.op(node, ast.Name(node.target.id, ast.Load()), node.value)
            return ast.copy_location(ast.Assign([ast.Name(node.target.id, ast.Store())], call), node)

    tree = ast.fix_missing_locations(Recorder().visit(tree))
    huge = I.H + 1  # what is recorded for a result too large to compute: out of range

    def binop(key, name, a, b):
        if isinstance(a, int) and isinstance(b, int):
            if (name == "LShift" and a != 0 and b > 128) or (name == "Pow" and abs(a) > 1 and b > 128):
                return record(key, huge)
        f = {"Add": operator.add, "Sub": operator.sub, "Mult": operator.mul, "FloorDiv": operator.floordiv,
             "Mod": operator.mod, "Pow": operator.pow, "LShift": operator.lshift, "RShift": operator.rshift,
             "BitAnd": operator.and_, "BitOr": operator.or_, "BitXor": operator.xor}[name]
        return record(key, f(a, b))

    def record(key, v):
        if isinstance(v, int):
            seen[key].append(v)
            if not -I.H <= v <= I.H:
                raise OverflowError("the VM stops here")  # (later values would be past its stop)
        return v

    scope = {"__binop": binop, "__name__": "program"}
    return compile(tree, filename, "exec"), scope, seen


def _analysis(path: str, text: str, bounds: dict, shapes: dict) -> R.RangeAnalysis:
    checked = _front(text, path)
    pc = ProgramCompiler(checked, path, None)
    pc.place_constants()
    ra = R.RangeAnalysis(checked.functions, pc.constants)
    params = {}
    for p in checked.functions["main"].params:
        iv = I.Interval(*bounds[p.name]) if p.name in bounds else I.TOP
        params[p.name] = ra.input_list(p.name, len(shapes[p.name]), iv, shapes[p.name]) if p.name in shapes else iv
    return ra.run(params)


CPYTHON_MEMORY = 2 << 30  # address space a random program may add while CPython runs it


def _address_space() -> int:
    """The process's current virtual size in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def check_against_cpython(path: str, text: str, bounds: dict, shapes: dict, inputs: list[dict]) -> R.RangeAnalysis:
    ra = _analysis(path, text, bounds, shapes)
    by_position: dict[tuple[int, int], I.Interval] = {}
    by_line: dict[int, I.Interval] = {}
    for (_fn, line, col, _op), rec in ra.records.items():
        key = (line, col)
        by_position[key] = rec.result.join(by_position.get(key))
        by_line[line] = rec.result.join(by_line.get(line))
    code, scope, seen = _instrumented(text, path)
    cwd = os.getcwd()
    os.chdir(os.path.dirname(os.path.abspath(path)) if os.path.exists(path) else cwd)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        # a random program may grow a list exponentially (ys += ys + [...] in nested loops):
        # CPython then runs out of a bounded address space, where the VM stops at its memory or
        # cycle limit, instead of taking the machine's memory
        resource.setrlimit(resource.RLIMIT_AS, (min(_address_space() + CPYTHON_MEMORY, hard if hard > 0 else 1 << 62), hard))
        for kwargs in inputs:
            fresh = dict(scope)  # a fresh module per run: programs may mutate their constants
            exec(code, fresh)
            try:
                fresh["main"](**kwargs)
            except (AssertionError, IndexError, ZeroDivisionError, ValueError, OverflowError, NameError, MemoryError):
                pass  # the VM stops there too
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        os.chdir(cwd)
    assert not ra.gave_up
    for key, values in seen.items():
        # a parenthesised operand's span may start elsewhere than CPython's: then the line's join
        interval = by_position.get(key) or by_line.get(key[0])
        assert interval is not None, f"{path}:{key}: operation not analysed"
        inside = [v for v in values if -I.H <= v <= I.H]
        if inside:
            assert interval.lo <= min(inside) and max(inside) <= interval.hi, (path, key, interval, min(inside), max(inside))
        if len(inside) < len(values):  # an overflow (the VM stops there): the analysis must not call it exact
            assert not interval.fits(), (path, key, interval)
    return ra


MODELS = {
    "digits_mlp": ("pixels", (0, 16), [64]),
    "credit_logistic": ("features", (-100000, 100000), [30]),
    "fraud_forest": ("features", (-100000, 100000), [12]),
    "digits_cnn": ("pixels", (0, 16), [64]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_example_models_are_sound_and_need_no_guard(name):
    param, (lo, hi), shape = MODELS[name]
    rnd = random.Random(name)
    inputs = [{param: [rnd.choice([lo, hi, rnd.randint(lo, hi)]) for _ in range(shape[0])]} for _ in range(25)]
    path = str(ROOT / "programs" / f"{name}.py")
    ra = check_against_cpython(path, Path(path).read_text(), {param: (lo, hi)}, {param: shape}, inputs)
    unsafe = [key for key, rec in ra.records.items() if not rec.result.fits()]
    assert unsafe == []


TRICKY = {
    # mutation through an alias and through a call, lists of lists, a non-counted while loop
    "aliases": ('''
def grow(xs: list[int], v: int) -> None:
    xs.append(v * 3)


def main(a: int, b: list[int]) -> list[int]:
    ys = b
    for i in range(len(b)):
        grow(ys, b[i] + a)
    zs = [y * 2 for y in b]
    t = 0
    for z in zs:
        t = t + z
    w = 1
    while 0 < w < 1000000:
        w = w * 7 + a
    m = [[a, 1], [2, a * a]]
    m[0][1] = m[1][1] * 5
    q = 0
    for r in m:
        for v in r:
            q += v * v
    return [t, w, q, b[0] - b[len(b) - 1]]
''', {"a": (-1000, 1000), "b": (-1000, 1000)}, {"b": [5]}),
    # an accumulator read by a condition (not a pure accumulator), halving, products in loops
    "conditions": ('''
def main(x: int, y: int) -> int:
    acc = 0
    n = 0
    while n < 50:
        if acc > 1000:
            acc -= x
        else:
            acc += y * 3
        n += 1
    s = acc
    for i in range(20):
        s = s + i * x
        if s > 100000:
            s = s // 2
    p = 1
    for k in range(10):
        p = p * 2 + x
    return acc + s + p
''', {"x": (-500, 500), "y": (-500, 500)}, {}),
    # nested counted loops, a dot product by a helper, a running maximum, shifts and masks
    "layers": ('''
W = [[3, -1, 4], [1, -5, 9], [2, 6, -5]]


def dot(w: list[int], v: list[int]) -> int:
    acc = 0
    for i in range(len(v)):
        acc += w[i] * v[i]
    return acc


def main(v: list[int], k: int) -> list[int]:
    h = [dot(W[j], v) >> 2 for j in range(len(W))]
    best = h[0]
    for x in h:
        if x > best:
            best = x
    out = []
    for r in range(3):
        row = 0
        for c in range(3):
            row = row + (h[c] & 255) * W[r][c] + (best << (k % 4))
        out.append(row)
    return out + [best ** 2]
''', {"v": (-30000, 30000), "k": (0, 100)}, {"v": [3]}),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_programs_are_sound(name, tmp_path):
    src, bounds, shapes = TRICKY[name]
    path = tmp_path / f"{name}.py"
    path.write_text(src)
    rnd = random.Random(name)

    def value(lo, hi):
        return rnd.choice([lo, hi, 0, rnd.randint(lo, hi)])

    inputs = []
    for _ in range(40):
        kw = {}
        for p, (lo, hi) in bounds.items():
            kw[p] = [value(lo, hi) for _ in range(shapes[p][0])] if p in shapes else value(lo, hi)
        inputs.append(kw)
    check_against_cpython(str(path), src, bounds, shapes, inputs)


def test_unbounded_inputs_leave_the_operations_unproven():
    """Without bounds, x * i and the accumulator may overflow: the analysis must say so."""
    src = "def main(x: int) -> int:\n    acc = 0\n    for i in range(100):\n        acc = acc + x * i\n    return acc\n"
    ra = _analysis("<string>", src, {}, {})
    assert [rec.result.fits() for _, rec in sorted(ra.records.items(), key=lambda kv: kv[0][2])] == [False, False]
    bounded = _analysis("<string>", src, {"x": (-10**6, 10**6)}, {})
    assert all(rec.result.fits() for rec in bounded.records.values())


# --- random programs ------------------------------------------------------------------------------

BOUND = 1000


@given(data=st.data())
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])  # the profile sets the count
def test_random_programs_are_sound(data, tmp_path_factory):
    """The random programs of test_random_programs.py (helpers that mutate their arguments,
    constants mutated at run time, nested and collecting loops, every operator), analysed with
    every input bounded by [-1000, 1000] and run by CPython on inputs within those bounds."""
    source, inputs_list, _ = data.draw(programs())
    small = st.integers(-BOUND, BOUND)
    shapes = {"xs": [len(inputs_list[0]["xs"])], "ys": [len(inputs_list[0]["ys"])],
              "m": [len(inputs_list[0]["m"]), len(inputs_list[0]["m"][0]) if inputs_list[0]["m"] else 0]}
    inputs = []
    for _ in range(3):
        inputs.append({"a": data.draw(small), "b": data.draw(small),
                       "xs": [data.draw(small) for _ in range(shapes["xs"][0])],
                       "ys": [data.draw(small) for _ in range(shapes["ys"][0])],
                       "m": [[data.draw(small) for _ in range(shapes["m"][1])] for _ in range(shapes["m"][0])]})
    path = tmp_path_factory.mktemp("random") / "program.py"
    path.write_text(source)
    bounds = {name: (-BOUND, BOUND) for name in ("a", "b", "xs", "ys", "m")}
    check_against_cpython(str(path), source, bounds, shapes, inputs)


def test_an_analysis_out_of_steps_gives_up_and_the_program_stays_right(monkeypatch):
    """Past RangeAnalysis.MAX_STEPS (deep nests of loops and calls) the analysis gives up:
    every operation gets its overflow guard, and the program still gives CPython's result."""
    from zkvm.compiler import compile_source, flatten_inputs
    from zkvm.isa.program import shaped_output
    from zkvm.vm.run import run

    source = ("def inner(v, k):\n    t = 0\n    j = 0\n    while j < k:\n        t += v * j\n        j += 1\n    return t\n\n\n"
              "def main(xs: list[int]) -> list[int]:\n    out = []\n    for x in xs:\n        i = 0\n"
              "        while i < 3:\n            out.append(inner(x, i) + x * x)\n            i += 1\n    return out\n")
    inputs = {"xs": [3, -7, 12]}
    namespace: dict = {}
    exec(source, namespace)
    expected = namespace["main"](**inputs)
    cycles = []
    for limit in (R.RangeAnalysis.MAX_STEPS, 5):
        monkeypatch.setattr(R.RangeAnalysis, "MAX_STEPS", limit)
        program = compile_source(source, "prog.py", {"xs": [3]})
        result = run(program, flatten_inputs(program, inputs), record=False)
        assert shaped_output(program, result.outputs) == expected
        cycles.append(result.cycles)
    assert cycles[1] > cycles[0]  # the guards the analysis could not remove
