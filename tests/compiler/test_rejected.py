"""Negative tests: each construct outside the DSL is refused with file:line:col, its name and advice.

Every case puts one offending construct at a known position inside a program that is valid
otherwise (``test_templates_compile`` proves the surroundings compile), then checks the first
diagnostic: its exact line and column, and words naming the construct and what to do instead.
Also: syntax errors, the CLI's exit code and output, chained comparisons (accepted, so checked
against CPython), and the complete programs of ``docs/dsl.md`` (compiled, run and compared
with CPython).
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zkvm.compiler import compile_file, compile_source, flatten_inputs, input_shapes_of_file, main_parameters
from zkvm.errors import CompileError
from zkvm.isa.opcodes import MAC, MUL
from zkvm.isa.program import shaped_output
from zkvm.vm.run import run

ROOT = Path(__file__).resolve().parents[2]
FILE = "prog.py"

# A function-body construct replaces {body} on line 14, indented by 8 columns (so a construct
# at the start of the statement is at column 9). Further lines of a body follow on 15, 16...
BODY_TEMPLATE = '''"""A program that is valid except for one construct."""
from zkvm.lang import load

SCALE = 4


def helper(a: int) -> int:
    return a * SCALE


def main(x: int) -> int:
    total = helper(x)
    for i in range(3):
        {body}
    return total
'''
BODY_LINE = 14

# A module-level construct replaces {top} on line 5, at column 1.
MODULE_TEMPLATE = '''"""A program that is valid except for one construct."""
from zkvm.lang import load

SCALE = 4
{top}


def helper(a: int) -> int:
    return a * SCALE


def main(x: int) -> int:
    return helper(x)
'''
MODULE_LINE = 5


def in_body(code: str) -> str:
    return BODY_TEMPLATE.format(body=code.replace("\n", "\n        "))


def at_top(code: str) -> str:
    return MODULE_TEMPLATE.format(top=code)


def diagnose(source: str) -> CompileError:
    with pytest.raises(CompileError) as info:
        compile_source(source, FILE)
    return info.value


def assert_diagnostic(err: CompileError, line: int, col: int, words: list[str]) -> None:
    first = err.diagnostics[0]
    text = first.message + ("; " + first.help if first.help else "")
    assert (first.span.file, first.span.line, first.span.col) == (FILE, line, col), text
    for w in words:
        assert w.lower() in text.lower(), f"{w!r} not in {text!r}"
    assert str(err).startswith(f"{FILE}:{line}:{col}: ")


def test_templates_compile():
    """The surroundings are valid, so each diagnostic below is due to its construct alone."""
    compile_source(in_body("total += 1"), FILE)
    compile_source(at_top("OFFSET = 2"), FILE)


# (id, code put in main's loop body, line offset from line 14, column, words in the message)
BODY_CASES = [
    ("float", "total = total + 1.5", 0, 25, ["float", "scaled integers"]),
    ("float-exponent", "total = 2e3", 0, 17, ["float", "scaled integers"]),
    ("complex", "total = 2j", 0, 17, ["float", "scaled integers"]),
    ("string-value", 'name = "relu" * 2', 0, 16, ["string", "integer"]),
    ("bytes-value", "name = b'relu' + b'x'", 0, 16, ["string", "integer"]),
    # (a local name only ever assigned dicts or sets is a table: desugar_tables.py)
    ("dict", "total = {1: 2, 3: 4}", 0, 17, ["dict", "only ever assigned dicts"]),
    ("dict-comprehension", "total = {k: k * k for k in range(4)}", 0, 17, ["dict", "only ever assigned dicts"]),
    ("set", "total = {1, 2}", 0, 17, ["set", "use a list"]),
    ("set-comprehension", "total = {k for k in range(4)}", 0, 17, ["set", "use a list"]),
    ("class", "class Box:\n    size = 1", 0, 9, ["class inside a function", "module level"]),
    ("lambda", "f = lambda v: v + 1\nys = [f]", 0, 13, ["lambda", "def"]),
    ("nested-def", "def inner(v: int) -> int:\n    return v", 0, 9, ["nested function", "module level"]),
    ("yield", "yield total", 0, 9, ["yield", "list"]),
    ("yield-value", "got = (yield total)", 0, 16, ["yield", "list"]),
    ("generator-parenthesized", "g = (v for v in range(3))", 0, 13, ["generator", "argument", "list comprehension"]),
    ("try-except", "try:\n    total += 1\nexcept ValueError:\n    total = 0", 0, 9, ["exceptions", "assert"]),
    ("raise", 'raise', 0, 9, ["raise", "assert"]),
    ("global", "global SCALE", 0, 9, ["global", "arguments"]),
    ("nonlocal", "nonlocal total", 0, 9, ["nonlocal"]),
    ("import-in-function", "import math", 0, 9, ["import math", "from zkvm.lang import"]),
    ("with", 'with open("w.txt") as fh:\n    total += 1', 0, 9, ["with", "load()"]),
    ("del", "del total", 0, 13, ["del of a name", "stays bound"]),
    ("pow-negative-exponent", "total = total ** -1", 0, 26, ["**", "non-negative"]),
    ("pow-negative-named-exponent", "total = total ** -SCALE", 0, 26, ["negative exponent -4", "non-negative"]),
    ("pow-negative-exponent-augmented", "total **= -2", 0, 19, ["negative exponent -2", "float"]),
    ("matrix-multiplication-augmented", "total @= total", 0, 9, ["@=", "*="]),
    ("bitwise-on-a-list", "total = [total] & 1", 0, 17, ["operator &", "list[int]"]),
    ("shift-of-a-list", "total = [total] << 1", 0, 17, ["operator <<", "list[int]"]),
    ("invert-a-list", "total = ~[total]", 0, 18, ["unary '~' needs an int", "list[int]"]),
    ("shift-by-none", "y = None\ntotal = total >> y", 1, 26, ["'>>' needs an int, got None"]),
    ("true-division", "total = total / 2", 0, 17, ["'/'", "//"]),
    ("true-division-augmented", "total /= 2", 0, 9, ["/=", "//="]),
    ("unknown-function", "total = frobnicate(total)", 0, 17, ["unknown function frobnicate()"]),
    ("undefined-name", "total = total + missing", 0, 25, ["unknown name 'missing'"]),
    ("builtin-arity", "total = abs(total, 1)", 0, 17, ["abs() takes 1 argument", "got 2"]),
    ("builtin-arity-range", "total = len(range(1, 2, 3, 4))", 0, 21, ["range() takes 1 to 3 argument", "got 4"]),
    ("user-function-arity", "total = helper(total, 1)", 0, 17, ["helper() takes 1 argument", "got 2"]),
    ("keyword-argument", "total = max(total, start=i)", 0, 17, ["keyword argument", "'start'"]),
    ("slice-assignment", "xs = [total, i]\nxs[0:1] = [3]", 1, 12, ["slice"]),
    ("is-operator", "same = total is None", 0, 16, ["'is'", "=="]),
    ("f-string", 'label = f"{total}"', 0, 17, ["f-string"]),
    ("walrus", "if (n := total) > 0:\n    total += n", 0, 13, ["walrus", ":="]),
    ("await", "total = await helper(total)", 0, 17, ["await"]),
    ("matrix-multiplication", "total = total @ total", 0, 17, ["'@'", "mac"]),
    ("attribute", "total = x.real", 0, 17, ["attribute .real", "append"]),
    ("method-other-than-append", "xs = [total]\nxs.push(1)", 1, 9, [".push()", "append"]),
    ("literal-out-of-range", "total = 99999999999999999999", 0, 17, ["out of range"]),
    ("call-of-expression", "total = [abs][0](total)", 0, 17, ["call of an expression", "by name"]),
    ("range-as-value", "r = range(3)", 0, 13, ["range()", "for loop"]),
    ("list-repeat-augmented", "xs = [total]\nxs *= 2", 1, 9, ["*= on a list", "+="]),
    ("load-in-function", 'w = load("w.npz", "W1")', 0, 13, ["load()", "module level"]),
    # type errors that CPython raises at run time (TypeError) are found at compile time
    ("none-in-arithmetic", "y = None\ntotal = y + total", 1, 17, ["'+' needs an int, got None", "TypeError"]),
    ("none-negated", "y = None\ntotal = -y", 1, 18, ["unary '-' needs an int, got None"]),
    ("none-as-range-bound", "for k in range(None):\n    total += k", 0, 24, ["range() needs an int, got None"]),
    ("none-assigned-to-int", "x = None", 0, 9, ["'x' holds an int and cannot be assigned None"]),
    ("none-compared", "same = total == None", 0, 25, ["comparing None", "sentinel"]),
    ("none-in-list", "xs = [None, total]", 0, 15, ["None into a list"]),
    ("none-appended", "xs = [total]\nxs.append(None)", 1, 19, ["None into a list"]),
    ("none-or-int", "total = total if i > 1 else None", 0, 37, ["mixes an int and None"]),
    ("index-an-int", "total = x[0]", 0, 17, ["indexing needs a list, got an int"]),
    ("index-none-store", "y = None\ny[0] = 1", 1, 9, ["indexing needs a list, got None"]),
    ("index-with-a-list", "total = [total][[0]]", 0, 25, ["list index needs an int"]),
    ("min-of-list-and-int", "print(min([total], 1))", 0, 28, ["min() of a list and an int", "TypeError"]),
    ("abs-of-list", "total = abs([total])", 0, 21, ["abs() needs an int", "list[int]"]),
    ("sum-of-list-of-lists", "total = sum([[1], [2]])", 0, 21, ["sum() of a list of lists", "[sum(row) for row in m]"]),
    ("list-mixing-ints-and-lists", "xs = [total, [i]]", 0, 22, ["mixes ints and lists"]),
    ("store-list-into-int-list", "xs = [total]\nxs[0] = [i]", 1, 17, ["list[int]", "whose elements are ints"]),
    ("extend-with-int", "xs = [total]\nxs += i", 1, 15, ["+= on a list needs a list"]),
    ("row-augmented", "m = [[total]]\nm[0] += [i]", 1, 9, ["+= on a row", "append"]),
    # definite assignment: a read where the variable may be unassigned (UnboundLocalError)
    ("assigned-in-one-branch", "if total > 3:\n    y = 1\ntotal += y", 2, 18, ["'y' may be used before it is assigned", "every path"]),
    ("assigned-in-loop-body", "for k in range(total):\n    y = k\ntotal += y", 2, 18, ["'y' may be used before", "zero times"]),
    ("assigned-in-while-body", "while total > 100:\n    y = 1\n    total -= 1\ntotal += y", 3, 18, ["'y' may be used before"]),
    ("assigned-after-use", "total += y\ny = 1", 0, 18, ["'y' may be used before"]),
    ("assigned-before-break-only", "for k in range(4):\n    if k == total:\n        y = k\n        break\ntotal += y", 4, 18, ["'y' may be used before"]),
    ("local-shadowing-constant", "total += SCALE\nSCALE = 2", 0, 18, ["'SCALE' may be used before", "local variable", "another name"]),
]


@pytest.mark.parametrize("code,offset,col,words", [c[1:] for c in BODY_CASES], ids=[c[0] for c in BODY_CASES])
def test_rejected_in_function(code, offset, col, words):
    assert_diagnostic(diagnose(in_body(code)), BODY_LINE + offset, col, words)


# (id, code at module level on line 5, line offset, column, words in the message)
MODULE_CASES = [
    ("import-numpy", "import numpy", 0, 1, ["import numpy", "from zkvm.lang import"]),
    ("import-as", "import numpy as np", 0, 1, ["import numpy", "from zkvm.lang import"]),
    ("from-math-import", "from math import sqrt", 0, 1, ["math.sqrt", "isqrt"]),
    ("star-import", "from zkvm.lang import *", 0, 1, ["import", "from zkvm.lang import"]),
    ("unknown-helper", "from zkvm.lang import relu", 0, 1, ["helper 'relu'", "load"]),
    ("float-constant", "RATE = 0.25", 0, 8, ["float", "scaled integers"]),
    ("string-constant", 'NAME = "mlp" + "v2"', 0, 8, ["string", "integer"]),
    ("class", "class Model(Base):\n    size = 1", 0, 13, ["inheritance", "object"]),
    ("lambda", "F = lambda v: v", 0, 5, ["lambda", "def"]),
    ("async-def", "async def fetch(a: int) -> int:\n    return a", 0, 1, ["async", "def"]),
    ("decorator", "@cache\ndef cached(a: int) -> int:\n    return a", 0, 1, ["decorator", "call"]),
    ("global-statement", "global SCALE", 0, 1, ["global"]),
    ("statement-at-module-level", "print(SCALE)", 0, 1, ["module level", "main()"]),
    ("loop-at-module-level", "for k in range(3):\n    SCALE = k", 0, 1, ["for statement", "main()"]),
    ("call-in-constant", "OFFSET = helper(2)", 0, 10, ["helper()", "module level"]),
    ("load-arity", 'W = load("w.npz")', 0, 5, ["load()", 'load("weights.npz", "W1")']),
]


@pytest.mark.parametrize("code,offset,col,words", [c[1:] for c in MODULE_CASES], ids=[c[0] for c in MODULE_CASES])
def test_rejected_at_module_level(code, offset, col, words):
    assert_diagnostic(diagnose(at_top(code)), MODULE_LINE + offset, col, words)


NO_MAIN = '''"""No entry point."""


def helper(a: int) -> int:
    return a
'''

UNANNOTATED_MAIN = '''"""main's parameter has no type."""

SCALE = 4


def main(x, y: int) -> int:
    return x * SCALE + y
'''

DEFAULT_VALUE = '''"""A default parameter value."""


def scale(a: int, factor: int = 2) -> int:
    return a * factor


def main(x: int) -> int:
    return scale(x, 3)
'''

STAR_PARAMETER = '''"""Variadic parameters."""


def total(*values: int) -> int:
    return 0


def main(x: int) -> int:
    return total(x)
'''

NONE_RESULT = '''"""Using the result of a function that returns nothing."""


def log(x: int) -> None:
    print(x)


def main(x: int) -> int:
    return log(x) + 1
'''

FALLS_OFF_THE_END = '''"""A function that returns a value on some paths and None on others."""


def positive(x: int) -> int:
    if x > 0:
        return x


def main(x: int) -> int:
    return positive(x) * 2
'''

PROGRAM_CASES = [
    ("none-result-as-number", NONE_RESULT, 9, 12, ["'+' needs an int, got None"]),
    ("falls-off-the-end", FALLS_OFF_THE_END, 5, 5, ["positive() can reach the end", "return statement"]),
    ("missing-main", NO_MAIN, 1, 1, ["no main()", "def main"]),
    ("unannotated-main-parameter", UNANNOTATED_MAIN, 6, 10, ["parameter 'x' of main()", "type annotation", "list[int]"]),
    ("star-parameter", STAR_PARAMETER, 4, 11, ["*args", "by name"]),
]


@pytest.mark.parametrize("source,line,col,words", [c[1:] for c in PROGRAM_CASES], ids=[c[0] for c in PROGRAM_CASES])
def test_rejected_program(source, line, col, words):
    assert_diagnostic(diagnose(source), line, col, words)


def test_every_problem_is_reported_at_once():
    source = in_body("total = total + 1.5\nname = 'relu' * 2")
    err = diagnose(source)
    positions = [(d.span.line, d.span.col) for d in err.diagnostics]
    assert positions == [(14, 25), (15, 16)]


# --- syntax errors -----------------------------------------------------------------------------
SYNTAX_CASES = [
    ("operator-without-operand", "total = total + * 2", 0, 25, ["syntax error", "'*'"]),
    ("missing-colon", "if total > 3\n    total = 0", 0, 21, ["syntax error", "':'"]),
    ("bad-character", "total = total $ 2", 0, 23, ["syntax error", "'$'"]),
    ("unexpected-indent", "total += 1\n    total += 2", 1, 13, ["unexpected indent", "':'"]),
    ("unindent-mismatch", "if total > 3:\n    total = 0\n  total += 1", 2, 11, ["unindent does not match", "indent"]),
    ("expression-cut-at-end-of-line", "total = total +", 0, 24, ["unexpected end of line", "expected"]),
    ("missing-indented-block", "if total > 3:\ntotal = 0", 1, 9, ["expected an indented block", "line 14 ends with ':'"]),
    ("bracket-left-open", "xs = [total, i\ntotal += 1", 1, 9, ["unexpected 'total'", "'[' at line 14, column 14"]),
]


@pytest.mark.parametrize("code,offset,col,words", [c[1:] for c in SYNTAX_CASES], ids=[c[0] for c in SYNTAX_CASES])
def test_syntax_error_position(code, offset, col, words):
    assert_diagnostic(diagnose(in_body(code)), BODY_LINE + offset, col, words)


@pytest.mark.parametrize("source,line,col,words", [
    ("def main(x: int) -> int:\n    return max(x,\n", 2, 15, ["unexpected end of file", "unclosed bracket", "'('"]),
    ("def main(x: int) -> list[int]:\n    return [x, [1, 2]", 2, 12, ["unexpected end of file", "'['"]),
    ("def main(x: int) -> int:\n    return x +", 2, 15, ["unexpected end of line"]),
    ("def main(x: int) -> int:\n    if x > 0:\n", 2, 14, ["unexpected end of file", "indented block"]),
    ("  X = 1\n\n\ndef main(x: int) -> int:\n    return x\n", 1, 3, ["unexpected indent"]),
], ids=["unclosed-call-at-eof", "unclosed-list-at-eof", "expression-cut-at-eof", "block-missing-at-eof", "indented-first-line"])
def test_syntax_error_at_end_of_file(source, line, col, words):
    assert_diagnostic(diagnose(source), line, col, words)


def test_cli_reports_compile_error_without_traceback(tmp_path):
    (tmp_path / "bad.py").write_text(in_body("total = total + 1.5"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "zkvm", "compile", "bad.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "bad.py:14:25:" in out
    assert "scaled integers" in out
    assert "Traceback" not in out


LOOP_VARIABLE_AFTER_LOOP = '''def main(n: int, xs: list[int]) -> list[int]:
    total = 0
    for i in range(n):
        total += i
    for v in xs:
        total += v
    return [total, i, v]
'''


@pytest.mark.parametrize("n,xs,line,name", [(0, [1, 2], 7, "i"), (2, [], 7, "v")])
def test_loop_variable_read_after_a_loop_that_did_not_run(n, xs, line, name):
    """Python raises UnboundLocalError; the VM stops with an error naming the line."""
    from zkvm.errors import ExecutionError

    program = compile_source(LOOP_VARIABLE_AFTER_LOOP, FILE, {"xs": [len(xs)]})
    with pytest.raises(ExecutionError, match=rf"{FILE}:{line}: local variable '{name}' is not assigned"):
        run(program, [n] + xs, record=False)
    namespace: dict = {}
    exec(LOOP_VARIABLE_AFTER_LOOP, namespace)
    with pytest.raises(UnboundLocalError):
        namespace["main"](n, xs)


# --- constructs that are accepted: they must agree with CPython ---------------------------------
CHAINED = '''def main(x: int) -> list[int]:
    return [0 < x < 10, 0 <= x <= 10 != 5, x < 5 > 0, 1 < 2 < x < 9 < 100]
'''


@pytest.mark.parametrize("x", [-5, 0, 3, 5, 9, 10, 12])
def test_chained_comparisons_match_cpython(x):
    namespace: dict = {}
    exec(CHAINED, namespace)
    expected = [int(v) for v in namespace["main"](x)]
    program = compile_source(CHAINED, FILE)
    result = run(program, [x], record=False)
    assert shaped_output(program, result.outputs) == expected


# --- the complete programs of docs/dsl.md compile and agree with CPython ----------------------
# A fenced block with a file name after the language (```python model.py, ```json in.json) is a
# complete file; unnamed blocks are fragments. A program NAME.py runs on the block NAME.json,
# or on in.json when there is none (the worked example's input).
DOC = ROOT / "docs" / "dsl.md"
FENCE = re.compile(r"^```(\w+)(?:[ \t]+(\S+))?[ \t]*\n(.*?)^```", re.S | re.M)


def doc_blocks() -> list[tuple[str, str | None, str]]:
    if not DOC.exists():  # reported by test_doc_has_complete_programs
        return []
    return [(m.group(1), m.group(2), m.group(3)) for m in FENCE.finditer(DOC.read_text())]


def doc_programs() -> list[tuple[str, str]]:
    return [(name, text) for lang, name, text in doc_blocks() if lang == "python" and name]




def test_doc_has_complete_programs():
    assert DOC.exists()
    names = [n for n, _ in doc_programs()]
    assert {"example.py", "dot.py", "model.py"} <= set(names)
    for _, text in doc_programs():
        assert re.search(r"^def main\(", text, re.M)


@pytest.mark.parametrize("name,source", doc_programs(), ids=[n for n, _ in doc_programs()])
def test_doc_program_matches_cpython(tmp_path, monkeypatch, name, source):
    for lang, fname, text in doc_blocks():  # the files a program loads sit beside it
        if fname:
            (tmp_path / fname).write_text(text)
    path = tmp_path / name
    input_file = tmp_path / f"{path.stem}.json"
    if not input_file.exists():
        input_file = tmp_path / "in.json"
    inputs = json.loads(input_file.read_text())
    assert sorted(inputs) == sorted(n for n, _ in main_parameters(source, str(path)))
    monkeypatch.syspath_prepend(str(ROOT))
    namespace = {"__file__": str(path), "__name__": path.stem}
    exec(compile(source, str(path), "exec"), namespace)
    expected = namespace["main"](**copy.deepcopy(inputs))
    program = compile_file(path, input_shapes_of_file(path, inputs))
    result = run(program, flatten_inputs(program, inputs), record=False)
    assert shaped_output(program, result.outputs) == expected
    if name == "example.py":
        assert expected == [0, 19]  # the output the document shows
    if name == "dot.py":  # the document promises one mac per form
        assert sum(ins.op == MAC for ins in program.code) == 2
        assert expected[0] == expected[1]
    if name == "model.py":  # its dot product is a mac in both layers (their loops may be unrolled)
        lines = {program.debug[pc] for pc, ins in enumerate(program.code) if ins.op == MAC}
        assert len(lines) == 1 and sum(ins.op == MAC for ins in program.code) >= 2
        assert not any(ins.op == MUL and program.debug[pc] in lines for pc, ins in enumerate(program.code))
        assert expected == [480, -20]  # the output the document shows
    if name == "requant.py":
        assert expected == [68, -55, 127, -128]  # the output the document shows


def test_doc_diagnostic_example():
    """The rendered diagnostic the document shows is what the compiler prints."""
    source = dict(doc_programs())["example.py"]
    variant = source.replace("    best_score = threshold\n", "    best_score = threshold / 2\n")
    assert variant != source
    shown = [text for lang, _, text in doc_blocks() if lang == "text" and text.startswith("example.py:")]
    assert len(shown) == 1
    with pytest.raises(CompileError) as info:
        compile_source(variant, "example.py")
    assert str(info.value) + "\n" == shown[0]
