"""The parser's fast path for literal data (``parser.literal_displays``) against the grammar.

Large displays of integer literals (model weights pasted or exported as nested lists) are read
by a regular expression instead of Lark. The contract: the syntax tree is the one the grammar
gives (spans included), the program's constants are identical, and every diagnostic (syntax
errors next to a display, literals out of range inside one) is the same, at the same place.
Random displays (nested lists and tuples, negative numbers with blanks after the sign,
comments and line breaks inside, trailing commas, underscores) and random near-misses
(floats, names, operators, missing commas, leading zeros, ...) are compared both ways.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.compiler import ast as A
from zkvm.compiler import check_source, compile_source, parser
from zkvm.compiler.parser import literal_displays, parse
from zkvm.compiler.transform import LiteralData
from zkvm.errors import CompileError

FILE = "data.py"


def _outcome(text: str, fast: bool):
    """The tree, or the diagnostics (position and text) of the syntax error."""
    try:
        return parse(text, FILE, fast_literals=fast)
    except CompileError as e:
        return [(d.span.line, d.span.col, d.message, d.help) for d in e.diagnostics]


def _values(node):
    """The Python value of a tree of ListLit and IntLit nodes (the grammar's reading)."""
    if isinstance(node, A.IntLit):
        return node.value
    assert isinstance(node, A.ListLit)
    return [_values(x) for x in node.elts]


def assert_same_parse(text: str, min_literals: int = 1) -> None:
    """Same tree (or same syntax error) both ways, and each LiteralData's values are those of
    the nodes the grammar gives."""
    old = parser.MIN_FAST_LITERALS
    parser.MIN_FAST_LITERALS = min_literals
    try:
        fast = _outcome(text, True)
    finally:
        parser.MIN_FAST_LITERALS = old
    slow = _outcome(text, False)
    assert fast == slow, text
    if isinstance(fast, A.Module):
        for node in A.walk(fast):
            if isinstance(node, LiteralData):
                plain = A.ListLit(node.span, node.elts)
                assert node.values == _values(plain), text
                assert node.count == sum(isinstance(n, A.IntLit) for n in A.walk(plain))


# --- random literal data ------------------------------------------------------------------------
BLANK = st.sampled_from(["", " ", "  ", "\n", "\n    ", " \n\t", "  # a comment [1, 2]\n  ", "\n# 'quote\n"])
NUMBER = st.one_of(st.integers(-10**6, 10**6), st.sampled_from([0, 1, -1, 2**62, -(2**63 - 2**31), 2**63 - 2**31]))


@st.composite
def number_text(draw) -> str:
    v = draw(NUMBER)
    digits = str(abs(v))
    if len(digits) > 3 and draw(st.booleans()):
        k = draw(st.integers(1, len(digits) - 1))
        digits = digits[:k] + "_" + digits[k:]  # 1_000 is an int literal too
    if v < 0:
        return "-" + draw(st.sampled_from(["", " ", "\t"])) + digits
    return digits


def display(children: st.SearchStrategy) -> st.SearchStrategy:
    @st.composite
    def make(draw) -> str:
        items = draw(st.lists(children, max_size=6))
        opening = draw(st.sampled_from(["[", "[", "[", "("]))
        seps = [draw(BLANK) + "," + draw(BLANK) for _ in items[1:]]
        body = items[0] if items else ""
        for sep, item in zip(seps, items[1:]):
            body += sep + item
        trailing = draw(st.sampled_from(["", ",", ", ", ",\n"])) if items else ""
        closing = "]" if opening == "[" else ")"
        return opening + draw(BLANK) + body + trailing + draw(BLANK) + closing
    return make()


LITERAL = st.recursive(number_text(), display, max_leaves=40)
DATA = display(LITERAL).filter(lambda t: t.startswith("["))

CONTEXTS = [
    "W = {d}\n\n\ndef main(x: int) -> int:\n    return x\n",
    "W: list[list[int]] = {d}\nB = len({d}) + 1\n\n\ndef main(x: int) -> int:\n    return x + B\n",
    "def main(x: int) -> list[int]:\n    if x > 0:\n        return {d}\n    return [x] + {d}\n",
    "def f(v: list[int]) -> int:\n    return len(v)\n\n\ndef main(x: int) -> int:\n    return f({d}) + f([{d}, {d}][0])\n",
    "def main(x: int) -> int:\n    xs = [x] * 3  # {d}\n    s = \"{d}\"\n    return xs[0]\n",
]


@given(DATA, st.sampled_from(CONTEXTS))
def test_random_literal_data_parses_as_the_grammar_parses_it(data, context):
    text = context.replace("{d}", data)
    assert_same_parse(text)


NEAR_MISSES = ["1.5", "1e3", "0x1f", "0o7", "0b1", "007", "00", "1__0", "1_", "_1", "x", "-x", "- (1)", "--1", "+1",
               "1 2", "1 -2", "1 - 2", ",", ", ,", "'s'", "None", "True", "[1][0]", "-\n1", "1j", "(1 for a in b)",
               "{1}", "...", "1 if 1 else 2", "\\\n1", "1)", "(1", "]", "["]


@given(DATA, st.sampled_from(NEAR_MISSES), st.integers(0, 10**6))
def test_near_misses_are_left_to_the_grammar(data, miss, where):
    """A display with one foreign token parses (or fails) exactly as through the grammar."""
    cuts = [m.end() for m in re.finditer(r"[\[,(]", data)]
    k = cuts[where % len(cuts)]
    text = CONTEXTS[0].replace("{d}", data[:k] + miss + data[k:])
    assert_same_parse(text)


@pytest.mark.parametrize("text", [
    "W = [1, 2, 3]\n",
    "W = [\n    [1, -2, 3],  # row 0\n    [4, 5, -  6],\n]\ndef main() -> int:\n    return W[0][0]\n",
    "W = [(1, 2), (3,), (), (4), [(-5)]]\n",
    "W = [[1, 2], [3]]\nV = [\n]\n",
    "W = xs[1, 2, 3]\nV = f(1)[1, 2]\nU = 'ab'[1, 2]\nT = return_[1, 2]\n",
    "def main() -> int:\n    return [1, 2, 3][0] if [4, 5] else [6]\n",
    "W = [1, 2,\n     3, 4]]\n",
    "W = [1, 2,\n     3, 4] 5\n",
    "W = [1, 2,\n     3, 4\nV = 1\n",
    "W = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32] + 1 +\n",
    "W = [99999999999999999999, 1, 2]\ndef main() -> int:\n    return 0\n",
    "W = [1, 2, 3] [4, 5, 6]\n",
])
def test_examples_parse_as_the_grammar_parses_them(text):
    assert_same_parse(text)


def test_subscripts_strings_and_comments_are_not_displays():
    d = "[" + ", ".join(str(k) for k in range(12)) + "]"
    text = (f"A = xs{d}\nB = f(x){d}\nC = 'ab{d}'{d}\n# {d}\nD = \"\"\"\n{d}\n\"\"\"\n"
            f"E = {d}\nF = (lambda: 0){d}\nG = return_value{d}\nH = not {d}\nI = [{d}, {d}][0]\n")
    new, literals, regions = literal_displays(text, FILE, min_literals=1)
    assert [text[a:b] for a, b in regions] == [d, d, f"[{d}, {d}]"]
    assert len(new) == len(text) and new.count("\n") == text.count("\n")


def test_placeholders_keep_every_position():
    data = "[\n  [1, 2, 3],  # first row\n  [4, 5, 6],\n]"
    text = f"W = {data}\nV = W\n"
    new, literals, _ = literal_displays(text, FILE, min_literals=1)
    assert list(literals) == ["__zkvm_literal_0"]
    assert new.splitlines()[0] == "W = (__zkvm_literal_0" and new.splitlines()[3] == ")" and new.endswith("\nV = W\n")
    node = literals["__zkvm_literal_0"]
    assert isinstance(node, LiteralData) and node.values == [[1, 2, 3], [4, 5, 6]] and node.count == 6
    assert (node.span.line, node.span.col, node.span.end_line, node.span.end_col) == (1, 5, 4, 2)


def test_a_file_that_names_the_placeholder_is_read_by_the_grammar():
    text = "__zkvm_literal_0 = 1\nW = [1, 2, 3]\n"
    assert literal_displays(text, FILE, min_literals=1)[1] == {}


# --- whole programs: constants, diagnostics, laziness ---------------------------------------------
def weights_program(rows: int, cols: int, seed: int = 3) -> str:
    import random

    rng = random.Random(seed)
    lines = ["W = ["]
    for _ in range(rows):
        vals = [str(rng.randint(-(2**40), 2**40)) for _ in range(cols)]
        lines.append("    [" + ", ".join(vals[:cols // 2]) + ",\n     " + ", ".join(vals[cols // 2:]) + "],")
    lines.append("]")
    lines.append("B = [" + ", ".join(str(rng.randint(-999, 999)) for _ in range(rows)) + "]")
    lines.append("")
    lines.append("")
    lines.append("def main(x: list[int]) -> list[int]:")
    lines.append("    taps = [" + ", ".join(str(k - 20) for k in range(40)) + "]")
    lines.append("    return [sum([W[j][i] * x[i] for i in range(len(x))]) + B[j] + taps[j % 40] for j in range(len(W))]")
    return "\n".join(lines) + "\n"


def test_constants_are_identical_to_the_grammars(monkeypatch):
    source = weights_program(24, 48)
    fast = compile_source(source, FILE, {"x": [48]})
    monkeypatch.setattr(parser, "MIN_FAST_LITERALS", 10**9)
    slow = compile_source(source, FILE, {"x": [48]})
    assert [int(w) for w in fast.data] == [int(w) for w in slow.data]
    assert fast.hash() == slow.hash()
    assert [str(i) for i in fast.code] == [str(i) for i in slow.code]


def test_module_constants_never_build_their_nodes(monkeypatch):
    built = []
    real = LiteralData.elts.fget

    def spy(self):
        if self._elts is None:
            built.append(self.span)
        return real(self)

    monkeypatch.setattr(LiteralData, "elts", property(spy))
    source = weights_program(64, 64)
    compile_source(source, FILE, {"x": [64]})
    taps = next(k for k, line in enumerate(source.splitlines(), 1) if "taps = [" in line)
    assert [s.line for s in built] == [taps]  # only main's own list, compiled element by element


def test_literal_out_of_range_inside_data_is_reported_at_the_literal(monkeypatch):
    rows = ["    [" + ", ".join(["7"] * 40) + "],"] * 3
    rows[1] = "    [" + ", ".join(["7"] * 20 + ["99999999999999999999"] + ["7"] * 19) + "],"
    source = "W = [\n" + "\n".join(rows) + "\n]\n\n\ndef main() -> int:\n    return W[0][0]\n"
    with pytest.raises(CompileError) as fast:
        check_source(source, FILE)
    monkeypatch.setattr(parser, "MIN_FAST_LITERALS", 10**9)
    with pytest.raises(CompileError) as slow:
        check_source(source, FILE)
    assert str(fast.value) == str(slow.value)
    d = fast.value.diagnostics[0]
    assert (d.span.line, d.span.col) == (3, 66) and "out of range" in d.message


def test_syntax_error_next_to_data_is_named_as_by_the_grammar(monkeypatch):
    data = "[" + ", ".join(str(k) for k in range(100)) + "]"
    for source in (f"W = {data}]\n", f"W = {data} 5\n", f"W = [{data}\nV = 1\n", f"def f([{data[1:]}):\n    pass\n"):
        with pytest.raises(CompileError) as fast:
            check_source(source, FILE)
        monkeypatch.setattr(parser, "MIN_FAST_LITERALS", 10**9)
        with pytest.raises(CompileError) as slow:
            check_source(source, FILE)
        monkeypatch.undo()
        assert str(fast.value) == str(slow.value), source
