"""Parse DSL source with Lark and turn Lark's exceptions into CompileErrors.

The grammar (``grammar.lark``) is LALR with Python's indentation; the parser is built once
per process and its tables are cached on disk.

Literal data takes a fast path. Model files hold their weights as literal lists (exporters
write them, people paste them), and Lark reads about 20k tokens a second: 85k literals took
20 s. A pre-pass (:func:`literal_displays`) finds the list displays made only of integer
literals, reads them with one regular expression, and gives Lark a placeholder of the same
extent instead, so that every later position is unchanged; the transformer puts the display's
node back. Its values are known at once; its syntax tree (the grammar's, spans included) is
built only when something asks for it.
"""

from __future__ import annotations

import gc
import os
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.indenter import DedentError, PythonIndenter

from zkvm.compiler import ast as A
from zkvm.compiler.transform import LiteralData, ToAst, to_ast
from zkvm.errors import CompileError, Diagnostic
from zkvm.source import Span

GRAMMAR = Path(__file__).with_name("grammar.lark")

_FRIENDLY = {
    "_NEWLINE": "end of line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "NAME": "a name",
    "DEC_NUMBER": "a number",
    "COLON": "':'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "EQUAL": "'='",
    "$END": "the end of the file",
}


def _cache_path() -> str:
    """The parser tables' cache file, named by the grammar's hash (so checkouts with different
    grammars do not rewrite one another's cache)."""
    import hashlib

    base = Path(os.environ.get("ZKVM_CACHE_DIR") or Path.home() / ".cache" / "zkvm")
    digest = hashlib.sha256(GRAMMAR.read_bytes()).hexdigest()[:16]
    try:
        base.mkdir(parents=True, exist_ok=True)
        return str(base / f"grammar-{digest}.lark-cache")
    except OSError:
        return ""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    cache = _cache_path()
    return Lark(
        GRAMMAR.read_text(),
        parser="lalr",
        postlex=PythonIndenter(),
        start="file_input",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=cache or False,
    )


# --- literal data: the fast path --------------------------------------------------------------
MIN_FAST_LITERALS = 32  # smaller displays are left to the grammar, like all other code
PLACEHOLDER = "__zkvm_literal_"

# What can hide a '[' that is not code: strings (every form; a prefix does not change where a
# string ends) and comments. The leftmost match wins, so a '#' in a string or a quote in a
# comment is passed over with its string or comment.
_SCAN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
                   r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'" r"|#[^\n]*|\[", re.S)
# One token of literal data after optional blanks: a line break (1), a comment (2), a decimal
# integer (4) with an optional minus sign and blanks (3), a bracket or comma (5), or anything
# else (6), which ends the fast path (floats, names, operators, hex literals, leading zeros...).
_TOKEN = re.compile(r"[ \t\f\r]*(?:(\n)|(#[^\n]*)|(-[ \t\f]*)?(0(?![\d_])|[1-9](?:_?\d)*)(?![\w.])"
                    r"|([\[\](),])|(.))", re.S)
# keywords after which '[' starts a display (after any other name it is a subscript)
_DISPLAY_AFTER = {"return", "in", "else", "yield", "and", "or", "not", "if", "elif", "while", "assert", "is",
                  "await", "from", "del"}
_CLOSE = {"]": "[", ")": "("}


class _Parens(Exception):
    """A display holds parentheses (groupings or tuples): it is read with its nodes."""


def _display_values(text: str, start: int) -> tuple[int, list, int] | None:
    """The display of integer literals that starts with the '[' at ``start``: its end, its
    values (nested lists of ints) and how many literals it holds; None when it is anything
    else. Raises _Parens when parentheses are inside."""
    stack: list = []
    items: list | None = None
    expect = True  # a value may come next (after '[' or ',')
    count = 0
    for m in _TOKEN.finditer(text, start):
        k = m.lastindex
        if k == 4:
            if not expect or items is None:
                return None
            v = int(m.group(4))
            items.append(-v if m.start(3) >= 0 else v)
            expect = False
            count += 1
        elif k == 5:
            c = m.group(5)
            if c == ",":
                if expect:
                    return None
                expect = True
            elif c == "[":
                if not expect:
                    return None
                inner: list = []
                if items is not None:
                    items.append(inner)
                stack.append(items)
                items = inner
            elif c == "]":
                if items is None:
                    return None
                done = items
                items = stack.pop()
                expect = False
                if items is None:
                    return m.end(5), done, count
            else:
                raise _Parens
        elif k == 6:
            return None
    return None


def _meta(l0: int, c0: int, l1: int, c1: int) -> SimpleNamespace:
    """A Lark meta (1-based line and column, end column exclusive) for the transformer's rules."""
    return SimpleNamespace(line=l0, column=c0, end_line=l1, end_column=c1, empty=False)


def _display_node(text: str, start: int, line: int, col: int, path: str) -> tuple[A.Expr, int, int] | None:
    """The syntax tree of the display at ``start`` (at ``line`` and ``col``, 1-based), built by
    the transformer's own rules from the positions Lark would give them: the node, its end and
    how many literals it holds; None when it is not literal data. Parentheses group or make
    tuples, as in Python."""
    tr = ToAst(path)
    line_start = start - col + 1
    # a frame per open bracket: [char, line, col, items, expect, commas, first item's start, last end]
    stack: list = []
    frame: list | None = None
    count = 0
    for m in _TOKEN.finditer(text, start):
        k = m.lastindex
        if k == 4:
            if frame is None or not frame[4]:
                return None
            c0 = (m.start(3) if m.start(3) >= 0 else m.start(4)) - line_start + 1
            c1 = m.end(4) - line_start + 1
            node = tr.int_literal(_meta(line, m.start(4) - line_start + 1, line, c1), [m.group(4)])
            if m.start(3) >= 0:
                node = tr.unary(_meta(line, c0, line, c1), ["-", node])
            item_start, item_end = (line, c0), (line, c1)
            count += 1
        elif k == 5:
            ch = m.group(5)
            c = m.start(5) - line_start + 1
            if ch == ",":
                if frame is None or frame[4]:
                    return None
                frame[4] = True
                frame[5] += 1
                frame[7] = (line, c + 1)
                continue
            if ch in "[(":
                if frame is not None and not frame[4]:
                    return None
                stack.append(frame)
                frame = [ch, line, c, [], True, 0, None, None]
                continue
            if frame is None or frame[0] != _CLOSE[ch]:
                return None
            opened, l0, c0, items, _, commas, first, last = frame
            whole = _meta(l0, c0, line, c + 1)
            if opened == "[":
                node = tr.list_display(whole, items) if items else tr.empty_list(whole, [])
            elif not items:
                node = tr.empty_tuple(whole, [])
            elif commas == 0:
                node = items[0]  # (x) is x
            else:
                node = tr.paren_tuple(whole, [tr.test_tuple(_meta(*first, *last), items)])
            item_start, item_end = (l0, c0), (line, c + 1)
            frame = stack.pop()
            if frame is None:
                return node, m.end(5), count
        elif k == 1:
            line += 1
            line_start = m.end(1)
            continue
        elif k == 2:
            continue
        else:
            return None
        frame[3].append(node)
        frame[4] = False
        if frame[6] is None:
            frame[6] = item_start
        frame[7] = item_end
    return None


def _display_may_start(text: str, last: int, after_string: bool) -> bool:
    """Whether a '[' after the significant character ``text[last]`` (-1: none; after_string:
    the end of a string) starts a list display rather than a subscript (``xs[...]``,
    ``f(x)[...]``, ``"ab"[...]``)."""
    if last < 0:
        return True
    if after_string:
        return False
    c = text[last]
    if c in ")]}.\\":
        return False
    if c.isalnum() or c == "_" or not c.isascii():
        k = last
        while k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_" or not text[k - 1].isascii()):
            k -= 1
        return text[k : last + 1] in _DISPLAY_AFTER
    return True


def _read_display(text: str, start: int, line: int, col: int, path: str, minimum: int) -> tuple[A.Expr, int] | None:
    """The node and end of the literal data display at ``start``, if it holds ``minimum``
    literals or more: LiteralData for lists of ints (its nodes built when asked for), the
    transformer's nodes when parentheses are inside."""
    try:
        found = _display_values(text, start)
    except _Parens:
        built = _display_node(text, start, line, col, path)
        if built is None or built[2] < minimum:
            return None
        return built[0], built[1]
    if found is None or found[2] < minimum:
        return None
    end, values, count = found
    span = Span(path, line, col, line + text.count("\n", start, end), end - text.rfind("\n", 0, end))

    def build() -> A.ListLit:
        node = _display_node(text, start, line, col, path)
        assert node is not None and isinstance(node[0], A.ListLit)
        return node[0]

    return LiteralData(span, values, count, build), end


def literal_displays(text: str, path: str, min_literals: int | None = None) -> tuple[str, dict[str, A.Expr], list[tuple[int, int]]]:
    """Replace each list display of at least ``min_literals`` integer literals (lists and
    tuples nested to any depth, negative numbers, comments and line breaks inside) by a
    placeholder of the same extent: ``(__zkvm_literal_K)``, padded with the display's line
    breaks and blanks, so that everything after it keeps its line and column. Returns the new
    text, the nodes the placeholders stand for, and the (start, end) offsets of the displays."""
    minimum = MIN_FAST_LITERALS if min_literals is None else max(1, min_literals)
    if "[" not in text or PLACEHOLDER in text:
        return text, {}, []
    pieces: list[str] = []
    literals: dict[str, A.Expr] = {}
    regions: list[tuple[int, int]] = []
    pos = copied = 0
    line, counted = 1, 0  # the line number of the offset ``counted``
    last, after_string = -1, False  # the previous significant character of code
    while True:
        m = _SCAN.search(text, pos)
        if m is None:
            break
        start, stop = m.span()
        gap = text[pos:start].rstrip()
        if gap:
            last, after_string = pos + len(gap) - 1, False
        if text[start] == "#":
            pos = stop
            continue
        if text[start] != "[":
            last, after_string, pos = stop - 1, True, stop
            continue
        may_start = _display_may_start(text, last, after_string)
        pos, last, after_string = stop, start, False
        if not may_start:
            continue
        line += text.count("\n", counted, start)
        counted = start
        col = start - text.rfind("\n", 0, start)
        found = _read_display(text, start, line, col, path, minimum)
        if found is None:
            continue
        node, end = found
        name = f"{PLACEHOLDER}{len(literals)}"
        region = text[start:end]
        if "\n" in region:
            tail = len(region) - region.rindex("\n") - 1
            placeholder = "(" + name + "\n" * region.count("\n") + " " * (tail - 1) + ")"
        elif len(region) >= len(name) + 2:
            placeholder = "(" + name + " " * (len(region) - len(name) - 2) + ")"
        else:  # a short display on one line: left to the grammar
            continue
        pieces += [text[copied:start], placeholder]
        copied = end
        literals[name] = node
        regions.append((start, end))
        pos, last = end, end - 1
    if not literals:
        return text, {}, []
    pieces.append(text[copied:])
    return "".join(pieces), literals, regions


# What the grammar may expect, in words: tokens that start an expression, operators that
# continue one, and the rest by their text.
_STARTS_EXPRESSION = {"NAME", "DEC_NUMBER", "HEX_NUMBER", "OCT_NUMBER", "BIN_NUMBER", "FLOAT_NUMBER", "IMAG_NUMBER",
                      "STRING", "LPAR", "LSQB", "LBRACE", "MINUS", "PLUS", "TILDE", "NOT", "LAMBDA", "NONE", "TRUE",
                      "FALSE", "__ANON_10", "AWAIT", "STAR", "YIELD"}
_OPERATORS = {"'=='", "'!='", "'<'", "'>'", "'<='", "'>='", "'+'", "'-'", "'*'", "'/'", "'//'", "'%'", "'**'", "'@'",
              "'<<'", "'>>'", "'&'", "'|'", "'^'", "'and'", "'or'", "'if'", "'in'", "'is'", "'not'", "'.'", "'('",
              "'['", "'='", "':='", "'->'"}


def _expected(tokens, open_bracket: str | None = None) -> str:
    """What the grammar expected at an error, in a few words ("an expression", "an operator,
    ',' or ')'"), not a list of grammar tokens. ``open_bracket`` is the innermost bracket
    still open there (the grammar's tables offer every closing bracket)."""
    literal = {}
    for term in _parser().terminals:
        if getattr(term.pattern, "type", "") == "str":
            literal[term.name] = repr(term.pattern.value)
    tokens = set(tokens)
    shown = {literal.get(t, t) for t in tokens}
    closer = {"(": "RPAR", "[": "RSQB", "{": "RBRACE"}.get(open_bracket or "")
    if shown & {"'=='", "'<'", "'%'"}:  # after a complete expression
        words = ["an operator"]
        if "COMMA" in tokens:
            words.append("','")
        if closer in tokens:
            words.append(literal[closer])
        elif open_bracket is None and "_NEWLINE" in tokens:
            words.append("the end of the line")
    elif tokens & {"NAME", "DEC_NUMBER"}:
        words = ["an expression" if "DEC_NUMBER" in tokens else "a name"]
    else:
        words = sorted({_FRIENDLY.get(t) or literal.get(t) or t.lower() for t in tokens} - {"the end of the block"})
    words = [w for w in words if not w.startswith(("__", "augassign"))]
    if not words:
        return "something else"
    if len(words) > 5:
        words = words[:5] + ["..."]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _scan(text: str, upto: tuple[int, int] | None = None):
    """Python's tokenizer over the text (up to ``upto``, a 1-based (line, col)): the brackets
    still open there as (char, line, col), and an indentation error as (message, line, col)."""
    import io
    import tokenize

    stack: list[tuple[str, int, int]] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            line, col = tok.start[0], tok.start[1] + 1
            if upto is not None and (line, col) >= upto:
                break
            if tok.type == tokenize.OP and tok.string in "([{":
                stack.append((tok.string, line, col))
            elif tok.type == tokenize.OP and tok.string in ")]}" and stack and stack[-1][0] == pairs[tok.string]:
                stack.pop()
    except IndentationError as e:
        line = e.args[1][1] if len(e.args) > 1 and e.args[1] else (e.lineno or 1)
        src_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        return stack, (e.args[0], line, len(src_line) - len(src_line.lstrip()) + 1)
    except (tokenize.TokenError, SyntaxError):
        pass
    return stack, None


def _first_line_indent(text: str) -> Span | None:
    """Lark's indenter ignores the indentation of the first statement; Python does not."""
    for k, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" \t\f")
        if not stripped or stripped.startswith("#"):
            continue
        return (k, len(line) - len(stripped) + 1) if len(stripped) != len(line) else None
    return None


def _block_opener(text: str, line: int, col: int) -> int | None:
    """The line number of the statement ending with ':' just before a token that starts a line
    (or the end of the file) where an indented block should have begun, else None."""
    lines = text.splitlines()
    if line <= len(lines) and lines[line - 1][: col - 1].strip():
        return None  # the token is not the first of its line
    for k in range(min(line, len(lines) + 1) - 1, 0, -1):
        src = lines[k - 1].split("#", 1)[0].rstrip()
        if src:
            return k if src.endswith(":") else None
    return None


def _unclosed(path: str, stack) -> Diagnostic:
    char, line, col = stack[-1]
    return Diagnostic(Span(path, line, col), "syntax error: unexpected end of file (an unclosed bracket?)",
                      f"the {char!r} at line {line}, column {col} is never closed")


def _indent_help() -> str:
    return "indent a block only after a line that ends with ':', and indent every line of a block alike"


@contextmanager
def without_gc():
    """The cyclic garbage collector paused: parsing and the compiler's analyses allocate many
    objects and no cycles worth collecting, and the collector's passes over them cost about a
    sixth of Lark's parse."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parse(text: str, path: str = "<string>", fast_literals: bool = True) -> A.Module:
    """Source text -> syntax tree. Raises CompileError with file:line:col on syntax errors.

    ``fast_literals`` (the default) reads large displays of integer literals with the fast
    path; the tree is the same either way (tests compare them)."""
    with without_gc():
        return _parse(text, path, fast_literals)


def _parse(text: str, path: str, fast_literals: bool) -> A.Module:
    if not text.endswith("\n"):
        text += "\n"
    first = _first_line_indent(text)
    if first is not None:
        raise CompileError([Diagnostic(Span(path, *first), "syntax error: unexpected indent", _indent_help())])
    source, literals, regions = literal_displays(text, path) if fast_literals else (text, {}, [])
    try:
        tree = _parser().parse(source)
    except (UnexpectedInput, DedentError) as e:
        error: Exception = e
        if regions and _touches(e, text, regions):
            # at or just after a replaced display: the grammar's reading of the original text
            # names the token it stopped at (a placeholder's parenthesis is not the user's)
            try:
                tree = _parser().parse(text)
            except (UnexpectedInput, DedentError) as again:
                error = again
            else:  # pragma: no cover - the placeholder is accepted wherever the display is
                return to_ast(tree, path)
        raise CompileError([_as_python_sees_it(_syntax_error(error, text, path), text, path)]) from None
    return to_ast(tree, path, literals)


def _touches(e: Exception, text: str, regions: list[tuple[int, int]]) -> bool:
    """Whether a Lark error is inside a replaced display or at the first token after one."""
    line, col = getattr(e, "line", None), getattr(e, "column", None)
    if isinstance(e, UnexpectedEOF) or not isinstance(line, int) or line < 1:
        offset = len(text)
    else:
        offset = -1
        for _ in range(line - 1):
            offset = text.find("\n", offset + 1)
            if offset < 0:
                return True
        offset += max(1, col or 1)
    for start, end in regions:
        if start <= offset < end:
            return True
        if end <= offset and not re.sub(r"#[^\n]*", "", text[end:offset]).strip():
            return True
    return False


# Python constructs the grammar does not read, named for the user (CPython's node -> the
# construct and what to write instead).
_PYTHON_CONSTRUCTS = {
    "Match": ("match statement", "use if / elif / else"),
    "AsyncFor": ("async for", "use a plain for loop; there is no async in the VM"),
    "AsyncWith": ("async with", "there are no context managers; load weights with load() at module level"),
    "AsyncFunctionDef": ("async def", "use a plain def"),
    "TryStar": ("except*", "exceptions are not supported: check conditions with if and assert"),
    "Starred": ("starred expression", "unpacking with * is not supported: index the list, or concatenate lists with +"),
    "NamedExpr": ("walrus", "assignment expressions (:=) are not supported: assign in a separate statement"),
    "Lambda": ("lambda", "lambdas are not supported: define a function with def"),
    "With": ("with", "with statements are not supported: there are no files or context managers"),
    "JoinedStr": ("f-string", "f-strings are not supported (there are no strings): print the integers themselves"),
    "Try": ("try", "exceptions are not supported: check conditions with if and assert"),
    "ClassDef": ("class", "classes are not supported: use functions and lists"),
    "Global": ("global", "module-level names are constants; pass values as arguments and return results"),
    "Nonlocal": ("nonlocal", "nested functions are not supported"),
    "TypeAlias": ("type alias", "use the type itself in annotations"),
}
_GENERIC_PYTHON_MESSAGES = ("invalid syntax",)


def _as_python_sees_it(d: Diagnostic, text: str, path: str) -> Diagnostic:
    """Name what the grammar stopped at, with CPython as the judge of the language.

    When CPython reads the file, the grammar stopped at valid Python that the DSL does not
    have: the diagnostic names that construct (``match``, ``async for``, a starred expression
    in a subscript, ...). When CPython fails too on the same line and says more than "invalid
    syntax" ("expected ':'", "unterminated string literal", "leading zeros in decimal integer
    literals are not permitted", "Missing parentheses in call to 'print'"), its message is
    used. Our own messages for indentation, unclosed brackets and the end of the file stay."""
    import ast as pyast

    if not d.message.startswith(("syntax error: unexpected '", "syntax error: unexpected \"",
                                 "syntax error: unexpected character", "syntax error: unexpected end of line")):
        return d
    lines = text.splitlines()
    first = lines[d.span.line - 1].split() if 1 <= d.span.line <= len(lines) else []
    clause = first[0].rstrip(":") if first else ""
    if clause in ("else", "elif", "except", "finally"):
        col = len(lines[d.span.line - 1]) - len(lines[d.span.line - 1].lstrip()) + 1
        return Diagnostic(Span(path, d.span.line, col), f"syntax error: '{clause}' without the statement it belongs to",
                          f"'{clause}' continues an if, for, while or try statement: indent it exactly as that statement")
    try:
        tree = pyast.parse(text)
    except IndentationError:
        return d
    except SyntaxError as err:
        if err.msg in _GENERIC_PYTHON_MESSAGES or err.lineno != d.span.line or not err.msg:
            return d
        col = _char_col(text, err.lineno, err.offset) if err.offset else d.span.col
        return Diagnostic(Span(path, err.lineno, col), f"syntax error: {err.msg}", d.help if "closed" in d.help else "")
    except (ValueError, RecursionError, MemoryError):  # null bytes, absurd nesting
        return d
    found = _construct_at(tree, text, d.span.line, d.span.col)
    if found is None:
        return Diagnostic(d.span, "unsupported: this Python syntax", "the DSL does not read it here; see docs/dsl.md "
                          "for what it supports")
    name, help, node = found
    start = Span(path, node.lineno, _char_col(text, node.lineno, node.col_offset + 1))
    return Diagnostic(start, f"unsupported: {name}", help)


def _char_col(text: str, line: int, byte_col: int) -> int:
    """The 1-based character column of CPython's 1-based UTF-8 byte offset on a line."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return max(1, byte_col)
    raw = lines[line - 1].encode()
    return len(raw[: max(0, byte_col - 1)].decode(errors="ignore")) + 1


def _construct_at(tree, text: str, line: int, col: int):
    """The innermost construct of _PYTHON_CONSTRUCTS whose CPython node holds the position
    (1-based line and character column): (name, help, node), or None."""
    import ast as pyast

    lines = text.splitlines()
    here = lines[line - 1] if 1 <= line <= len(lines) else ""
    pos = (line, len(here[: col - 1].encode()))
    best = None
    for node in pyast.walk(tree):
        kind = type(node).__name__
        if kind not in _PYTHON_CONSTRUCTS or not hasattr(node, "lineno"):
            continue
        start = (node.lineno, node.col_offset)
        end = (node.end_lineno or node.lineno, node.end_col_offset if node.end_col_offset is not None else 10**9)
        if start <= pos < end and (best is None or start >= (best.lineno, best.col_offset)):
            best = node
    if best is None:
        return None
    name, help = _PYTHON_CONSTRUCTS[type(best).__name__]
    return name, help, best


def _syntax_error(e: Exception, text: str, path: str) -> Diagnostic:
    """The diagnostic of a Lark error (positions in ``text``, the original source)."""
    if isinstance(e, UnexpectedToken):
        return _unexpected_token(e, text, path)
    if isinstance(e, UnexpectedCharacters):
        span = Span(path, e.line, e.column)
        char = text.splitlines()[e.line - 1][e.column - 1 : e.column] if e.line <= len(text.splitlines()) else "?"
        stack, _ = _scan(text, (e.line, e.column))
        help = f"the {stack[-1][0]!r} at line {stack[-1][1]}, column {stack[-1][2]} is never closed" \
            if stack and char in ")]}" else ""
        return Diagnostic(span, f"syntax error: unexpected character {char!r}", help)
    if isinstance(e, UnexpectedEOF):
        stack, _ = _scan(text)
        if stack:
            return _unclosed(path, stack)
        lines = text.splitlines()
        span = Span(path, max(1, len(lines)), len(lines[-1]) + 1 if lines else 1)
        return Diagnostic(span, "syntax error: unexpected end of file", f"expected {_expected(e.expected)}")
    if isinstance(e, DedentError):
        _, problem = _scan(text)
        if problem is not None:
            message, line, col = problem
            span = Span(path, line, col)
        else:  # pragma: no cover - the tokenizer finds what Lark's indenter found
            message, span = str(e), Span(path, 1, 1)
        return Diagnostic(span, f"syntax error: {message}", _indent_help())
    # pragma: no cover - other Lark input errors
    return Diagnostic(Span(path, getattr(e, "line", 1) or 1, getattr(e, "column", 1) or 1), "syntax error")


def _unexpected_token(e: UnexpectedToken, text: str, path: str) -> Diagnostic:
    tok = e.token
    line = e.line if e.line > 0 else 1
    col = e.column if e.column > 0 else 1
    brackets, _ = _scan(text, (line, col)) if tok.type not in ("$END", "_DEDENT", "_INDENT") else ([], None)
    expected = f"expected {_expected(e.expected, brackets[-1][0] if brackets else None)}"
    block = _block_opener(text, line, col) if tok.type != "_NEWLINE" else None
    if block is not None:
        lines = text.splitlines()
        if line > len(lines):
            line, col = len(lines), len(lines[-1]) + 1
        return Diagnostic(Span(path, line, col), "syntax error: expected an indented block",
                          f"line {block} ends with ':', so the lines after it must be indented further")
    at_eof = tok.type == "$END" or (tok.type == "_DEDENT" and (getattr(tok, "end_line", None) or line) > len(text.splitlines()))
    if at_eof or tok.type == "_DEDENT":
        stack, _ = _scan(text)
        if stack:
            return _unclosed(path, stack)
    if at_eof:
        lines = text.splitlines()
        return Diagnostic(Span(path, max(1, len(lines)), len(lines[-1]) + 1 if lines else 1),
                          "syntax error: unexpected end of file", expected)
    if tok.type == "_INDENT":
        # the token spans the line break and the new indentation: report the indented line
        end_line, end_col = getattr(tok, "end_line", None), getattr(tok, "end_column", None)
        span = Span(path, end_line or line, end_col or col) if end_line else Span(path, line, col)
        return Diagnostic(span, "syntax error: unexpected indent", _indent_help())
    if tok.type == "_DEDENT":
        end_line = getattr(tok, "end_line", None) or line
        lines = text.splitlines()
        src = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
        span = Span(path, end_line, len(src) - len(src.lstrip()) + 1)
        return Diagnostic(span, "syntax error: unexpected end of the indented block", expected)
    if tok.type == "_NEWLINE":
        stack, _ = _scan(text, (line, col))
        return Diagnostic(Span(path, line, col), "syntax error: unexpected end of line", expected)
    stack, _ = _scan(text, (line, col))
    help = expected
    if stack and stack[-1][1] < line:
        char, bl, bc = stack[-1]
        help += f" (is the {char!r} at line {bl}, column {bc} closed?)"
    return Diagnostic(Span(path, line, col), f"syntax error: unexpected {str(tok)!r}", help)
