"""Compile time of a realistic ~1,000-line DSL program (issue 6: <= 1 s) and of model files
holding their weights as literal lists (issue 18: <= 3x CPython's ``ast.parse``).

The program is generated deterministically (``generate(lines=1000)``): constants (weight
matrices, biases, tables), about eighty helper functions of a dozen kinds (dense layers as
loops and as comprehensions, activations, statistics, sorting, prefix sums, convolutions,
searches, while loops, matrix helpers, decision rules), each instance with its own constants
and variations, and blocks that chain them, all reachable from ``main`` (the compiler only
compiles what ``main`` calls). It is checked once against CPython on the VM before timing.

Measured in the same run:

- ``compile_source`` in process: median of several runs after one warm-up run (lexer tables,
  imports and the grammar cache already loaded);
- the same for ``programs/mlp_1m.py``, whose loaded constants hold 1.13 M integers (<= 3 s);
- a cold ``python3 -m zkvm compile prog.py --input in.json`` process (wall time, median of
  three; includes interpreter start-up and imports);
- baselines: Lark's parse of the same text alone (no syntax tree conversion, no checks, no
  code generation), CPython's ``ast.parse`` and CPython's own ``compile()`` to bytecode;
- peak memory: Python allocations during one compile (tracemalloc) and the peak RSS of the
  cold compile process.

Literal data (issue 18): two generated MLPs whose weights are integer literals in nested lists,
written the way exporters and people write them (one matrix as ``w.tolist()`` prints it, on
one line; the others a row at a time, wrapped at 16 numbers with trailing commas, with
comments), 85 k literals (64-1000-20, about 400 KB) and 1.08 M literals (64-1000-1000-10).
Each is checked once against CPython on the VM. For each: the median compile
(``compile_source``, in process, warm) and the median ``ast.parse`` of the same text, in
alternation (one warm-up each), and their ratio (target <= 3); for the 85 k program also one
compile through the grammar alone (the fast path for literal data off: the old way, less its
second parse) and a cold ``python3 -m zkvm compile`` process.

Usage: ``python bench/bench_compile.py [--quick] [--lines N] [--write-program PATH]
[--skip-1m]``. Writes ``bench/results/compile.json``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import fmt_bytes, fmt_seconds, print_table, write_results  # noqa: E402

TARGET_SECONDS = 1.0
TARGET_LITERAL_RATIO = 3.0  # compile <= 3x CPython's ast.parse of the same file (issue 18)
N_IN = 16  # length of main's input vector


# --- the program ------------------------------------------------------------------------------
class ProgramWriter:
    """Writes a program of helper functions, each a variation of one of a dozen kinds."""

    def __init__(self, seed: int = 6) -> None:
        self.rng = random.Random(seed)
        self.consts: list[str] = []
        self.funcs: list[str] = []
        self.blocks: list[str] = []
        self.k = 0

    def num(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def matrix(self, rows: int, cols: int) -> str:
        return "[" + ", ".join("[" + ", ".join(str(self.num(-9, 9)) for _ in range(cols)) + "]" for _ in range(rows)) + "]"

    def vector(self, n: int, lo: int = -50, hi: int = 50) -> str:
        return "[" + ", ".join(str(self.num(lo, hi)) for _ in range(n)) + "]"

    def fresh(self) -> int:
        self.k += 1
        return self.k

    def add(self, text: str) -> str:
        self.funcs.append(text.strip("\n") + "\n")
        return text

    # --- helper kinds (each returns the function's name) -----------------------------------
    def dense_loop(self) -> str:
        k = self.fresh()
        shift = self.rng.choice([4, 8, 16, 32])
        self.add(f'''
def dense_{k}(w: list[list[int]], b: list[int], x: list[int]) -> list[int]:
    """Dense layer {k} written as loops: one mac per output row."""
    out = []
    for j in range(len(w)):
        acc = b[j]
        row = w[j]
        for i in range(len(x)):
            acc += row[i] * x[i]
        out.append(acc // {shift})
    return out
''')
        return f"dense_{k}"

    def dense_comp(self) -> str:
        k = self.fresh()
        shift = self.rng.choice([4, 8, 16])
        self.add(f'''
def densec_{k}(w: list[list[int]], b: list[int], x: list[int]) -> list[int]:
    n = len(x)
    return [(b[j] + sum([w[j][i] * x[i] for i in range(n)])) // {shift} for j in range(len(w))]
''')
        return f"densec_{k}"

    def activation(self) -> str:
        k = self.fresh()
        lo, hi = -self.num(20, 200), self.num(20, 200)
        form = self.rng.choice(["clamp", "relu", "leaky"])
        if form == "clamp":
            body = f"    return [min(max(a, {lo}), {hi}) for a in v]"
        elif form == "relu":
            body = f"    return [a if a > 0 else 0 for a in v]"
        else:
            body = f"""    out = []
    for a in v:
        if a < 0:
            out.append(a // {self.num(2, 8)})
        else:
            out.append(min(a, {hi}))
    return out"""
        self.add(f'''
def act_{k}(v: list[int]) -> list[int]:
{body}
''')
        return f"act_{k}"

    def stats(self) -> str:
        k = self.fresh()
        self.add(f'''
def stats_{k}(v: list[int]) -> list[int]:
    """Sum, extremes, mean and variance of v (not empty)."""
    total = 0
    best = v[0]
    worst = v[0]
    for a in v:
        total += a
        if a > best:
            best = a
        elif a < worst:
            worst = a
    mean = total // len(v)
    var = 0
    for a in v:
        d = a - mean
        var += d * d
    return [total, best, worst, mean, var // len(v) + {self.num(0, 9)}]
''')
        return f"stats_{k}"

    def sort(self) -> str:
        k = self.fresh()
        cmp = self.rng.choice([">", "<"])
        self.add(f'''
def sort_{k}(v: list[int]) -> list[int]:
    xs = [a for a in v]
    n = len(xs)
    for i in range(n):
        swapped = 0
        for j in range(n - 1 - i):
            if xs[j] {cmp} xs[j + 1]:
                t = xs[j]
                xs[j] = xs[j + 1]
                xs[j + 1] = t
                swapped = 1
        if swapped == 0:
            break
    return xs
''')
        return f"sort_{k}"

    def prefix(self) -> str:
        k = self.fresh()
        self.add(f'''
def prefix_{k}(v: list[int]) -> list[int]:
    out = [0] * (len(v) + 1)
    for i in range(len(v)):
        out[i + 1] = out[i] + v[i] * {self.num(1, 3)}
    return out
''')
        return f"prefix_{k}"

    def conv(self) -> str:
        k = self.fresh()
        taps = self.vector(self.num(2, 4), -3, 3)
        self.add(f'''
def conv_{k}(v: list[int]) -> list[int]:
    taps = {taps}
    out = []
    for i in range(len(v) - len(taps) + 1):
        acc = 0
        for t in range(len(taps)):
            acc += taps[t] * v[i + t]
        out.append(acc)
    return out
''')
        return f"conv_{k}"

    def search(self) -> str:
        k = self.fresh()
        self.add(f'''
def argbest_{k}(v: list[int], lo: int) -> int:
    best = -1
    score = lo
    i = 0
    while i < len(v):
        if v[i] > score and v[i] % {self.num(2, 5)} != 1:
            best = i
            score = v[i]
        i += 1
    return best
''')
        return f"argbest_{k}"

    def steps(self) -> str:
        k = self.fresh()
        self.add(f'''
def steps_{k}(n: int) -> int:
    m = abs(n) % {self.num(50, 200)} + 1
    count = 0
    while m != 1 and count < {self.num(20, 60)}:
        if m % 2 == 0:
            m = m // 2
        else:
            m = 3 * m + 1
        count += 1
    return count
''')
        return f"steps_{k}"

    def matrix_ops(self) -> str:
        k = self.fresh()
        self.add(f'''
def outer_{k}(a: list[int], b: list[int]) -> list[list[int]]:
    return [[x * y - {self.num(0, 5)} for y in b] for x in a]


def colsum_{k}(m: list[list[int]]) -> list[int]:
    out = [0] * len(m[0])
    for row in m:
        for j in range(len(row)):
            out[j] += row[j]
    return out


def trace_{k}(m: list[list[int]]) -> int:
    t = 0
    for i in range(min(len(m), len(m[0]))):
        t += m[i][i]
    return t
''')
        return f"outer_{k}", f"colsum_{k}", f"trace_{k}"

    def rules(self) -> str:
        k = self.fresh()
        a, b, c = self.num(-40, 40), self.num(-40, 40), self.num(1, 9)
        self.add(f'''
def rule_{k}(v: list[int], x: int) -> int:
    """A small decision tree over a few features."""
    if v[0] > {a}:
        if v[1] <= {b} or x < 0:
            return x * {c} + v[2]
        elif v[2] == v[3]:
            return {c}
        return v[1] - v[0]
    if not (v[3] < {b} and x >= {a}):
        return abs(v[0]) + {c}
    return -{c}
''')
        return f"rule_{k}"

    def block(self) -> None:
        """A block: a layer, an activation, and a few helpers applied to its output."""
        k = self.fresh()
        rows = self.num(6, 12)
        self.consts.append(f"W{k} = {self.matrix(rows, N_IN)}")
        self.consts.append(f"B{k} = {self.vector(rows)}")
        dense = self.dense_loop() if self.rng.random() < 0.6 else self.dense_comp()
        act = self.activation()
        st = self.stats()
        srt = self.sort()
        pre = self.prefix()
        cv = self.conv()
        srch = self.search()
        stp = self.steps()
        outer, colsum, tr = self.matrix_ops()
        rule = self.rules()
        self.add(f'''
def block_{k}(x: list[int], seed: int) -> list[int]:
    """Block {k}: layer, activation, statistics, and a summary of {N_IN} features."""
    h = {act}({dense}(W{k}, B{k}, x))
    s = {st}(h)
    ordered = {srt}(h)
    sums = {pre}(ordered)
    smooth = {cv}(h)
    m = {outer}(smooth, s)
    cols = {colsum}(m)
    out = []
    for i in range(len(x)):
        j = i % len(h)
        out.append((x[i] + h[j] + sums[j + 1] // {self.num(2, 9)}) % {self.num(50, 500)} - {self.num(0, 40)})
    out[0] += {tr}(m) % {self.num(7, 97)} + {srch}(cols, -1000) + {stp}(seed + s[0])
    out[1] += {rule}(s, seed)
    return out
''')
        self.blocks.append(f"block_{k}")

    def program(self, lines: int) -> str:
        while True:
            self.block()
            text = self.render()
            if text.count("\n") >= lines:
                return text

    def render(self) -> str:
        main = ["def main(x: list[int], seed: int) -> list[int]:", "    v = x", "    acc = seed"]
        for b in self.blocks:
            main.append(f"    v = {b}(v, acc)")
            main.append("    acc = (acc + v[0]) % 1000")
        main.append("    return v + [acc]")
        header = ['"""A generated ~1,000-line program for the compile-time benchmark (bench/bench_compile.py)."""',
                  "", f"SCALE = {1 << 4}", *self.consts, "", ""]
        return "\n".join(header) + "\n\n".join(self.funcs) + "\n\n" + "\n".join(main) + "\n"


def generate(lines: int = 1000, seed: int = 6) -> str:
    return ProgramWriter(seed).program(lines)


def inputs_for(seed: int = 6) -> dict:
    rng = random.Random(seed + 1)
    return {"x": [rng.randint(-100, 100) for _ in range(N_IN)], "seed": 7}


# --- model files with literal weights (issue 18) ------------------------------------------------
def literal_model(layers: list[int], seed: int = 18) -> str:
    """An int8 MLP whose weights and biases are literals: the first matrix on one line as
    ``w.tolist()`` prints it, the others a row at a time wrapped at 16 numbers with trailing
    commas (as black or an exporter writes them), biases likewise, with comments."""
    rng = random.Random(seed)
    out = ['"""An MLP exported with its weights as literal lists (bench/bench_compile.py)."""', ""]
    names = []
    for k, (n_in, n_out) in enumerate(zip(layers, layers[1:]), 1):
        rows = [[rng.randint(-127, 127) for _ in range(n_in)] for _ in range(n_out)]
        bias = [rng.randint(-(2**15), 2**15) for _ in range(n_out)]
        if k == 1:
            out.append(f"W{k} = {rows!r}")
        else:
            out.append(f"# layer {k}: {n_out} x {n_in}")
            out.append(f"W{k} = [")
            for r, row in enumerate(rows):
                chunks = [", ".join(str(v) for v in row[i:i + 16]) for i in range(0, n_in, 16)]
                out.append("    [  # row " + str(r) + "\n        " + ",\n        ".join(chunks) + ",\n    ],")
            out.append("]")
        chunks = [", ".join(str(v) for v in bias[i:i + 16]) for i in range(0, n_out, 16)]
        out.append(f"B{k} = [\n    " + ",\n    ".join(chunks) + ",\n]")
        names.append(k)
    out.append("""

def dense(w: list[list[int]], b: list[int], x: list[int]) -> list[int]:
    out = []
    for j in range(len(w)):
        acc = b[j]
        row = w[j]
        for i in range(len(x)):
            acc += row[i] * x[i]
        out.append(acc // 128)
    return out


def main(x: list[int]) -> list[int]:
    for v in x:
        assert -128 <= v <= 127
    h = x""")
    for k in names[:-1]:
        out.append(f"    h = [max(v, 0) % 128 for v in dense(W{k}, B{k}, h)]")
    out.append(f"    return dense(W{names[-1]}, B{names[-1]}, h)")
    return "\n".join(out) + "\n"


def literal_benchmark(name: str, layers: list[int], runs: int, slow_once: bool, cold_runs: int, tmp: Path) -> dict:
    """Compile time of a literal model against ast.parse of the same text, in alternation."""
    from zkvm.compiler import compile_source, input_shapes_of, main_parameters, parser

    source = literal_model(layers)
    rng = random.Random(7)
    inputs = {"x": [rng.randint(-128, 127) for _ in range(layers[0])]}
    path = f"{name}.py"
    literals = sum(a * b + b for a, b in zip(layers, layers[1:]))
    sanity = check_against_cpython(source, path, inputs)
    shapes = input_shapes_of(main_parameters(source, path), inputs)
    compile_times, parse_times = [], []
    compile_source(source, path, shapes)
    ast.parse(source)
    for _ in range(runs):
        t0 = time.perf_counter()
        compile_source(source, path, shapes)
        compile_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ast.parse(source)
        parse_times.append(time.perf_counter() - t0)
    row = {
        "program": name, "layers": layers, "literals": literals, "bytes": len(source.encode()),
        "lines": source.count("\n"), "instructions": sanity["instructions"], "cycles": sanity["cycles"],
        "compile_seconds": statistics.median(compile_times), "ast_parse_seconds": statistics.median(parse_times),
        "compile_runs_s": [round(t, 4) for t in compile_times], "ast_parse_runs_s": [round(t, 4) for t in parse_times],
    }
    row["ratio"] = row["compile_seconds"] / row["ast_parse_seconds"]
    row["met"] = row["ratio"] <= TARGET_LITERAL_RATIO
    if slow_once:  # the grammar alone, as before the fast path (one parse instead of two)
        old = parser.MIN_FAST_LITERALS
        parser.MIN_FAST_LITERALS = 10**12
        try:
            t0 = time.perf_counter()
            compile_source(source, path, shapes)
            row["compile_without_fast_path_seconds"] = time.perf_counter() - t0
        finally:
            parser.MIN_FAST_LITERALS = old
    if cold_runs:
        prog = tmp / path
        prog.write_text(source)
        inp = tmp / f"{name}.json"
        inp.write_text(json.dumps(inputs))
        row["cold_process_seconds"], row["cold_process_peak_rss_bytes"] = cold_process(prog, inp, cold_runs)
    return row


# --- measurements -------------------------------------------------------------------------------
def check_against_cpython(source: str, path: str, inputs: dict) -> dict:
    """Compile, run on the VM and compare with CPython once (the program is valid DSL)."""
    from zkvm.compiler import compile_source, flatten_inputs, input_shapes_of, main_parameters
    from zkvm.isa.program import shaped_output
    from zkvm.vm.run import run

    namespace: dict = {}
    exec(compile(source, path, "exec"), namespace)
    expected = namespace["main"](**json.loads(json.dumps(inputs)))
    shapes = input_shapes_of(main_parameters(source, path), inputs)
    program = compile_source(source, path, shapes)
    result = run(program, flatten_inputs(program, inputs), record=False)
    got = shaped_output(program, result.outputs)
    assert got == expected, f"VM {got} != CPython {expected}"
    return {"cycles": int(result.cycles), "instructions": len(program.code)}


def median_time(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def cold_process(path: Path, inputs_path: Path, runs: int) -> tuple[float, int]:
    """Wall time and peak RSS of ``python3 -m zkvm compile`` in a fresh process."""
    times, rss = [], 0
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "r = subprocess.run([sys.executable, '-m', 'zkvm', 'compile', sys.argv[1], '--input', sys.argv[2]], "
            "capture_output=True); dt = time.perf_counter() - t; "
            "print(r.returncode, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code, str(path), str(inputs_path)],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        rc, dt, maxrss = out.stdout.split()
        if rc != "0":
            raise RuntimeError(f"zkvm compile failed: {out.stderr}")
        times.append(float(dt))
        rss = max(rss, int(maxrss) * 1024)
    return statistics.median(times), rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs")
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--write-program", help="also save the generated program here")
    ap.add_argument("--skip-1m", action="store_true", help="leave out the 1 M-literal model (minutes, about 3 GB)")
    args = ap.parse_args()
    runs = 3 if args.quick else 9
    cold_runs = 1 if args.quick else 3

    from zkvm.compiler import compile_source, input_shapes_of, main_parameters
    from zkvm.compiler.parser import _parser

    source = generate(args.lines)
    inputs = inputs_for()
    n_lines = source.count("\n")
    n_funcs = source.count("\ndef ")
    path = "generated_1000.py"
    if args.write_program:
        Path(args.write_program).write_text(source)
    sanity = check_against_cpython(source, path, inputs)
    shapes = input_shapes_of(main_parameters(source, path), inputs)

    compile_source(source, path, shapes)  # warm-up (imports, grammar cache, lexer)
    compile_s, compile_all = median_time(lambda: compile_source(source, path, shapes), runs)
    lark_s, _ = median_time(lambda: _parser().parse(source), runs)
    astparse_s, _ = median_time(lambda: ast.parse(source), runs)
    cpython_s, _ = median_time(lambda: compile(source, path, "exec"), runs)

    # the second target: a program whose loaded constants hold 1M integers (<= 3 s)
    from zkvm.compiler import compile_file, input_shapes_of_file

    big = ROOT / "programs" / "mlp_1m.py"
    big_shapes = input_shapes_of_file(big, json.loads((ROOT / "programs" / "mlp_1m.input.json").read_text()))
    compile_file(big, big_shapes)
    big_s, _ = median_time(lambda: compile_file(big, big_shapes), 3)

    tracemalloc.start()
    compile_source(source, path, shapes)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    with tempfile.TemporaryDirectory() as tmp:
        prog = Path(tmp) / path
        prog.write_text(source)
        inp = Path(tmp) / "in.json"
        inp.write_text(json.dumps(inputs))
        cold_s, cold_rss = cold_process(prog, inp, cold_runs)
        # literal data: 85 k and 1 M integer literals in nested lists
        literal_rows = [literal_benchmark("literals_85k", [64, 1000, 20], runs, True, cold_runs, Path(tmp))]
        if not args.skip_1m:
            literal_rows.append(literal_benchmark("literals_1m", [64, 1000, 1000, 10], 1 if args.quick else 3,
                                                  False, 0, Path(tmp)))

    rows = [
        {"what": "zkvm compile_source, in process (warm)", "seconds": compile_s, "vs_cpython_compile": compile_s / cpython_s},
        {"what": "zkvm compile, cold process (python3 -m zkvm compile)", "seconds": cold_s, "vs_cpython_compile": cold_s / cpython_s},
        {"what": "zkvm compile of programs/mlp_1m.py (1.13 M integer constants), in process", "seconds": big_s,
         "vs_cpython_compile": big_s / cpython_s},
        {"what": "baseline: Lark parse alone (same grammar)", "seconds": lark_s, "vs_cpython_compile": lark_s / cpython_s},
        {"what": "baseline: CPython ast.parse", "seconds": astparse_s, "vs_cpython_compile": astparse_s / cpython_s},
        {"what": "baseline: CPython compile() to bytecode", "seconds": cpython_s, "vs_cpython_compile": 1.0},
    ]
    summary = {
        "program_lines": n_lines, "functions": n_funcs, "instructions": sanity["instructions"],
        "cycles": sanity["cycles"], "compile_runs_s": [round(t, 4) for t in compile_all],
        "python_peak_bytes_during_compile": traced_peak, "cold_process_peak_rss_bytes": cold_rss,
        "target_seconds": TARGET_SECONDS, "met": compile_s <= TARGET_SECONDS,
        "constants_1m_seconds": big_s, "constants_1m_met": big_s <= 3.0,
    }
    table = [{"what": r["what"], "median": fmt_seconds(r["seconds"]), "vs CPython compile()": f"{r['vs_cpython_compile']:.1f}x"} for r in rows]
    print(f"program: {n_lines} lines, {n_funcs} functions, {sanity['instructions']} instructions, "
          f"{sanity['cycles']} cycles (checked against CPython)")
    print_table(table, ["what", "median", "vs CPython compile()"])
    print(f"peak Python allocations during one compile: {fmt_bytes(traced_peak)}; "
          f"cold compile process peak RSS: {fmt_bytes(cold_rss)}")
    print(f"target: a program whose constants hold 1M integers in <= 3 s: {'met' if big_s <= 3 else 'NOT met'} ({big_s:.2f} s)")
    verdict = "met" if compile_s <= TARGET_SECONDS else "NOT met"
    print(f"target: compile a 1,000-line program in <= {TARGET_SECONDS:.0f} s: {verdict} ({compile_s:.3f} s in process, "
          f"{cold_s:.2f} s as a cold process)")
    print()
    print_table([{"program": r["program"], "literals": f"{r['literals']:,}", "size": fmt_bytes(r["bytes"]),
                  "compile": fmt_seconds(r["compile_seconds"]), "ast.parse": fmt_seconds(r["ast_parse_seconds"]),
                  "ratio": f"{r['ratio']:.2f}x",
                  "grammar only": fmt_seconds(r["compile_without_fast_path_seconds"]) if "compile_without_fast_path_seconds" in r else "",
                  "cold process": fmt_seconds(r["cold_process_seconds"]) if "cold_process_seconds" in r else ""}
                 for r in literal_rows],
                ["program", "literals", "size", "compile", "ast.parse", "ratio", "grammar only", "cold process"])
    for r in literal_rows:
        print(f"target: {r['program']} compiles in <= {TARGET_LITERAL_RATIO:.0f}x ast.parse of the same file: "
              f"{'met' if r['met'] else 'NOT met'} ({r['ratio']:.2f}x)")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    summary["load_average_at_end"] = [round(x, 2) for x in load]
    literal_out = [{k: (round(v, 5) if isinstance(v, float) else v) for k, v in r.items()} for r in literal_rows]
    out = write_results("compile", [dict(r, seconds=round(r["seconds"], 5)) for r in rows] + [summary] + literal_out)
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
