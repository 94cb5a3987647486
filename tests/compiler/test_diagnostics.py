"""Error reporting as a user meets it (issue 18): every problem of a file in one run, including
those inside a construct that is itself rejected; syntax errors rendered like every other
diagnostic and naming the construct; advice that is never wrong.

``tests/compiler/test_rejected.py`` checks the first diagnostic of each rejected construct;
this file checks the whole list a file gets, what is inside rejected constructs, the names
rejected constructs bind, the advice for unknown names and calls (every Python builtin), and
the wording of syntax errors.
"""

from __future__ import annotations

import builtins

import pytest

from zkvm.compiler import check_source, compile_source
from zkvm.compiler.check import BUILTINS
from zkvm.errors import CompileError

FILE = "prog.py"


def diagnostics(source: str) -> list[tuple[int, int, str]]:
    """(line, col, message; help) of every diagnostic of a file, in order."""
    with pytest.raises(CompileError) as info:
        compile_source(source, FILE)
    return [(d.span.line, d.span.col, d.message + ("; " + d.help if d.help else "")) for d in info.value.diagnostics]


def messages(source: str) -> str:
    return "\n".join(m for _, _, m in diagnostics(source))


# --- one run reports everything ------------------------------------------------------------------
SEVERAL = '''"""Several independent problems, some inside rejected constructs."""
RATE = 0.5


def helper(a: int) -> int:
    if a > 0:
        z = 1
    return a * frobnicate(a) + z


def main(xs: list[int]) -> int:
    total = sum(v * undefined for v in xs)
    part = xs[1:bogus(2)]
    for a, b in pairs:
        total += 1.5 + a
    y = range(3)
    total += total ** -2
    return total + len(part)
'''


def test_every_problem_of_a_file_in_one_run():
    found = diagnostics(SEVERAL)
    expected = [
        (2, 8, "unsupported: float"),
        (8, 16, "unknown function frobnicate()"),
        (8, 32, "'z' may be used before it is assigned"),  # definite assignment, with the others
        (12, 21, "unknown name 'undefined'"),  # inside a generator
        (13, 17, "unknown function bogus()"),  # inside a slice's bounds
        (14, 17, "unknown name 'pairs'"),  # the iterable of a for loop with unpacking
        (15, 18, "unsupported: float"),  # its body
        (16, 9, "range() can only be used in a for loop or a comprehension"),
        (17, 23, "unsupported: ** with the negative exponent -2"),
    ]
    assert [(line, col) for line, col, _ in found] == [(line, col) for line, col, _ in expected]
    for (_, _, got), (_, _, want) in zip(found, expected):
        assert got.startswith(want), (got, want)


INSIDE = [
    # (construct, code in main's body (x: int, xs: list[int]) with an unknown name 'missing' inside it)
    ("slice bound", "ys = xs[missing:]"),
    ("slice step", "ys = xs[::missing]"),
    ("slice assignment", "xs[0:missing] = [1]"),
    ("generator element", "t = sum(missing * v for v in xs)"),
    ("generator iterable", "t = sum(v for v in missing)"),
    ("generator condition", "t = sum(v for v in xs if v > missing)"),
    ("generator argument of a call", "t = max(0, (v for v in missing))"),
    ("lambda body", "f = lambda v: v + missing"),
    ("lambda default", "f = lambda v=missing: v"),
    ("tuple item", "t = (x, missing)"),
    ("returned tuple", "return x, missing"),
    ("unpacked value", "a, b = x, missing"),
    ("keyword argument value", "t = max(x, key=missing)"),
    ("other argument of a call with a keyword", "t = max(missing, key=x)"),
    ("star argument", "t = max(*missing)"),
    ("dict value", "t = {1: missing}"),
    ("dict comprehension", "t = {k: missing for k in xs}"),
    ("set item", "t = {x, missing}"),
    ("walrus value", "if (n := missing) > 0:\n    x = n"),
    ("nested comprehension", "t = [a + missing for a in xs for b in xs]"),
    ("comprehension with unpacking", "t = [a + missing for a, b in xs]"),
    ("in operator", "t = missing in xs"),
    ("is operator", "t = x is missing"),
    ("true division", "t = missing / 2"),
    ("matrix multiplication", "t = x @ missing"),
    ("attribute", "t = missing.real"),
    ("call of an expression", "t = [abs][0](missing)"),
    ("yield", "yield missing"),
    ("await", "t = await missing"),
    ("starred expression", "t = [*missing]"),
    ("for-else body", "for k in xs:\n    x += missing\nelse:\n    x = 0"),
    ("for-else else clause", "for k in xs:\n    x += k\nelse:\n    x = missing"),
    ("while-else", "while x > 0:\n    x -= missing\nelse:\n    x = 0"),
    ("for with unpacking", "for a, b in xs:\n    x += missing"),
    ("try body", "try:\n    x = missing\nexcept ValueError:\n    x = 0"),
    ("except handler", "try:\n    x = 1\nexcept ValueError:\n    x = missing"),
    ("with body", "with open(x) as fh:\n    x = missing"),
    ("nested def", "def inner(v: int) -> int:\n    return v + missing"),
]


@pytest.mark.parametrize("code", [c[1] for c in INSIDE], ids=[c[0] for c in INSIDE])
def test_a_problem_inside_a_rejected_construct_is_reported_with_it(code):
    body = "\n".join("    " + line for line in code.splitlines())
    source = f"def main(x: int, xs: list[int]) -> int:\n{body}\n    return x\n"
    line = next(k for k, text in enumerate(source.splitlines(), 1) if "missing" in text)
    col = source.splitlines()[line - 1].index("missing") + 1
    found = diagnostics(source)
    assert any((ln, c) == (line, col) and "unknown name 'missing'" in m for ln, c, m in found), found
    try:
        check_source(source.replace("missing", "x"), FILE)
        supported = True  # (the construct compiles since issue 18: the unknown name is the only problem)
    except CompileError:
        supported = False
    assert len(found) == 1 if supported else len(found) >= 2  # a rejected construct is reported too


def test_a_decorated_or_async_function_is_checked_and_callable():
    source = ("def deco(f: int) -> int:\n    return f\n\n\n@deco\ndef helper(a: int) -> int:\n    return a + missing\n\n\n"
              "async def other(a: int) -> int:\n    return 1.5\n\n\ndef main(x: int) -> int:\n    return helper(x) + other(x)\n")
    text = messages(source)
    assert "unsupported: decorator" in text and "unsupported: async" in text
    assert "unknown name 'missing'" in text and "unsupported: float" in text
    assert "unknown function" not in text  # helper and other are defined, if rejected


@pytest.mark.parametrize("code", [
    "a, b = [x, x]\n    return a + b",
    "first, *rest = [x, x]\n    return first + len(rest)",
    "for a, b in [[x, x]]:\n        x += a + b\n    return x",
    "t = sum([v for v in [x]]) + sum(w for w in [x])\n    return t",
    "f = lambda v, *more: v + len(more)\n    return x",
    "if (n := x) > 0:\n        x = n\n    return n",
    "with open(x) as fh:\n        x = 1\n    return x + len(fh)",
    "try:\n        x = 1\n    except ValueError as err:\n        x = len(err)\n    return x",
    "import numpy as np\n    return np",
    "def inner(v: int) -> int:\n        return v\n    return inner(x)",
    "global G\n    return G",
    "y = 0\n    for a, b in [[x, x]]:\n        y = a\n    return y",
])
def test_names_bound_by_rejected_constructs_are_not_unknown(code):
    """Python binds these names; the construct is the one problem, not its names."""
    source = f"def main(x: int) -> int:\n    {code}\n"
    try:
        check_source(source, FILE)
        return  # (supported since issue 18: no problem at all)
    except CompileError:
        text = messages(source)
    assert "unknown name" not in text and "unknown function" not in text, text
    assert "may be used before" not in text, text


def test_names_bound_at_module_level_by_rejected_statements_are_not_unknown():
    source = ("import numpy as np\nfrom math import sqrt\nA, B = 1, 2\n\n\nclass Model:\n    pass\n\n\n"
              "def main(x: int) -> int:\n    return A + B + np + sqrt(x) + Model(x)\n")
    text = messages(source)
    assert "unknown" not in text, text
    # import numpy, math.sqrt (at the import only), Model(x) as a value (A, B = 1, 2 and the class are fine)
    assert len(text.splitlines()) == 3, text


def test_identical_diagnostics_are_counted_beyond_ten():
    floats = ", ".join(f"{k}.5" for k in range(30))
    found = diagnostics(f"W = [{floats}]\n\n\ndef main(x: int) -> int:\n    return x\n")
    assert len(found) == 10
    assert found[-1][2].endswith("(20 more in this file are not listed)")


# --- advice for unknown names and calls -----------------------------------------------------------
def _body(code: str) -> str:
    return ("def helper(a: int) -> int:\n    return a\n\n\nLIMIT = 3\n\n\n"
            f"def main(x: int, xs: list[int]) -> int:\n    {code}\n    return x\n")


# builtins that desugar.py rewrites (tested against CPython in test_desugar.py)
DESUGARED = {"all", "any", "bool", "dict", "divmod", "enumerate", "int", "list", "pow", "reversed", "set", "sorted", "tuple", "zip"}


@pytest.mark.parametrize("name", sorted(n for n in dir(builtins) if not n.startswith("_") and n not in BUILTINS
                                        and n not in DESUGARED
                                        and callable(getattr(builtins, n)) and not n[0].isupper()))
def test_no_python_builtin_call_gets_wrong_advice(name):
    """Calling any Python builtin the DSL lacks names it as such; none is told to define it."""
    text = messages(_body(f"y = {name}(x)"))
    first = text.splitlines()[0]
    assert f"{name}() is a Python builtin that the DSL does not provide" in first, first
    assert "define it" not in text, text


@pytest.mark.parametrize("code,words,never", [
    ("y = isinstance(x, int)", ["isinstance() is a Python builtin", "one type"], ["define"]),
    ("y = helpr(x)", ["unknown function helpr()", "did you mean 'helper'", "define it with def"], []),
    ("y = frobnicate(x)", ["unknown function frobnicate()", "define it with def at module level"], ["did you mean"]),
    ("y = LIMIT(x)", ["'LIMIT' is a constant, not a function"], ["define it"]),
    ("f = x\n    y = f(x)", ["'f' is a variable of main(), not a function"], ["define it"]),
    ("y = x(1)", ["'x' is a parameter of main(), not a function", "call a module-level function by name"],
     ["define it"]),
    ("y = [helper][0](x)", ["call of an expression"], ["define it"]),
    ("y = helper", ["the function helper() used as a value", "call helper(...)"], ["define", "unknown name"]),
    ("y = len", ["the builtin len() used as a value", "len(...)"], ["define", "unknown name"]),
    ("y = float", ["float is a Python builtin that the DSL does not provide", "scaled integers"], ["define"]),
    ("y = missing", ["unknown name 'missing'", "assign it before use"], []),
    ("y = xss", ["unknown name 'xss'", "did you mean 'xs'"], []),
])
def test_advice_for_unknown_names_and_calls(code, words, never):
    text = messages(_body(code))
    for w in words:
        assert w in text, text
    for w in never:
        assert w not in text, text


def test_a_function_passed_as_an_argument_is_called():
    """(Rejected before issue 18.) apply() is compiled for the function passed to it."""
    source = ("def apply(f: int, v: int) -> int:\n    return f(v)\n\n\ndef double(v: int) -> int:\n    return 2 * v\n\n\n"
              "def main(x: int) -> int:\n    return apply(double, x) + apply(lambda v: v + 1, x)\n")
    program = compile_source(source, FILE)
    from zkvm.vm.run import run

    assert run(program, [5], record=False).outputs[0] == 2 * 5 + 6


def test_a_call_with_a_default_parameter_is_not_an_arity_error():
    source = "def f(a: int, b: int = 2) -> int:\n    return a + b\n\n\ndef main(x: int) -> int:\n    return f(x) + f(x, x, x)\n"
    found = diagnostics(source)
    assert [m.split(";")[0] for _, _, m in found] == ["f() takes 1 to 2 argument(s), got 3"]


# --- syntax errors --------------------------------------------------------------------------------
def syntax_error(source: str) -> CompileError:
    with pytest.raises(CompileError) as info:
        check_source(source, FILE)
    assert len(info.value.diagnostics) == 1
    return info.value


@pytest.mark.parametrize("code,line,col,message", [
    ("    match x:\n        case 1:\n            return 1", 2, 5, "unsupported: match statement; use if / elif / else"),
    ("    async for v in x:\n        pass", 2, 5, "unsupported: async for"),
    ("    async with x as y:\n        pass", 2, 5, "unsupported: async with"),
    ("    y = x[*x]", 2, 11, "unsupported: starred expression"),
    ("    print 'x'", 2, 5, "syntax error: Missing parentheses in call to 'print'"),
    ("    y = 007", 2, 9, "syntax error: leading zeros in decimal integer literals are not permitted"),
    ("    y = 'abc", 2, 9, "syntax error: unterminated string literal"),
    ("    y = 1 if x", 2, 9, "syntax error: expected 'else' after 'if' expression"),
    ("    if x > 0\n        pass", 2, 13, "syntax error: expected ':'"),
    ("    y = [1, 2)", 2, 14, "syntax error: closing parenthesis ')' does not match opening parenthesis '['"),
    ("    y = x\n    else:\n        pass", 3, 5, "syntax error: 'else' without the statement it belongs to"),
    ("    y = x + * 2", 2, 13, "syntax error: unexpected '*'; expected an expression"),
    ("    y = x 2", 2, 11, "syntax error: unexpected '2'; expected an operator, ',' or the end of the line"),
    ("    y = f(x,, 2)", 2, 13, "syntax error: unexpected ','; expected an expression"),
    ("    y = x.", 2, 11, "syntax error: unexpected end of line; expected a name"),
    ("    y = [x, 1\n    return y", 3, 5, "syntax error: unexpected 'return'; expected an operator, ',' or ']'"),
])
def test_syntax_errors_name_the_construct_or_say_what_python_says(code, line, col, message):
    err = syntax_error(f"def main(x: int) -> int:\n{code}\n    return 0\n")
    d = err.diagnostics[0]
    assert (d.span.line, d.span.col) == (line, col), str(err)
    assert (d.message + "; " + d.help).startswith(message), str(err)


@pytest.mark.parametrize("code", ["    y = x + * 2", "    y = x 2", "    match x:\n        case 1:\n            pass",
                                  "    y = (x,, 1)", "    y = [x for]", "    def (v): pass", "    y = x $ 2", "    return x y"])
def test_syntax_errors_are_rendered_with_the_line_and_a_caret_and_no_grammar_tokens(code):
    err = syntax_error(f"def main(x: int) -> int:\n{code}\n    return 0\n")
    d = err.diagnostics[0]
    lines = str(err).splitlines()
    assert lines[0].startswith(f"{FILE}:{d.span.line}:{d.span.col}: ")
    source_line = f"def main(x: int) -> int:\n{code}\n".splitlines()[d.span.line - 1]
    assert lines[1] == "    " + source_line
    assert lines[2].index("^") == 4 + d.span.col - 1
    for token in ("RPAR", "LSQB", "NAME", "DEC_NUMBER", "__ANON", "_NEWLINE", "'...'", "'~'"):
        assert token not in str(err), str(err)


def test_a_syntax_error_stops_at_the_first_one():
    err = syntax_error("def main(x: int) -> int:\n    y = x +\n    z = x +\n    return 0\n")
    assert err.diagnostics[0].span.line == 2
