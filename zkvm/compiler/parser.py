"""Parse DSL source with Lark and turn Lark's exceptions into CompileErrors.

The grammar (``grammar.lark``) is LALR with Python's indentation; the parser is built once
per process and its tables are cached on disk.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.indenter import DedentError, PythonIndenter

from zkvm.compiler import ast as A
from zkvm.compiler.transform import to_ast
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
    base = Path(os.environ.get("ZKVM_CACHE_DIR") or Path.home() / ".cache" / "zkvm")
    try:
        base.mkdir(parents=True, exist_ok=True)
        return str(base / "grammar-v1.lark-cache")
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


def _expected(tokens) -> str:
    literal = {}
    for term in _parser().terminals:
        if getattr(term.pattern, "type", "") == "str":
            literal[term.name] = repr(term.pattern.value)
    names = sorted({_FRIENDLY.get(t) or literal.get(t) or t.lower() for t in tokens})
    shown = ", ".join(names[:8])
    return shown + (", ..." if len(names) > 8 else "")


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


def parse(text: str, path: str = "<string>") -> A.Module:
    """Source text -> syntax tree. Raises CompileError with file:line:col on syntax errors."""
    if not text.endswith("\n"):
        text += "\n"
    first = _first_line_indent(text)
    if first is not None:
        raise CompileError([Diagnostic(Span(path, *first), "syntax error: unexpected indent", _indent_help())])
    try:
        tree = _parser().parse(text)
    except UnexpectedToken as e:
        raise CompileError([_unexpected_token(e, text, path)]) from None
    except UnexpectedCharacters as e:
        span = Span(path, e.line, e.column)
        char = text.splitlines()[e.line - 1][e.column - 1 : e.column] if e.line <= len(text.splitlines()) else "?"
        stack, _ = _scan(text, (e.line, e.column))
        help = f"the {stack[-1][0]!r} at line {stack[-1][1]}, column {stack[-1][2]} is never closed" \
            if stack and char in ")]}" else ""
        raise CompileError([Diagnostic(span, f"syntax error: unexpected character {char!r}", help)]) from None
    except UnexpectedEOF as e:
        stack, _ = _scan(text)
        if stack:
            raise CompileError([_unclosed(path, stack)]) from None
        lines = text.splitlines()
        span = Span(path, max(1, len(lines)), len(lines[-1]) + 1 if lines else 1)
        raise CompileError([Diagnostic(span, "syntax error: unexpected end of file", f"expected {_expected(e.expected)}")]) from None
    except DedentError as e:
        _, problem = _scan(text)
        if problem is not None:
            message, line, col = problem
            span = Span(path, line, col)
        else:  # pragma: no cover - the tokenizer finds what Lark's indenter found
            message, span = str(e), Span(path, 1, 1)
        raise CompileError([Diagnostic(span, f"syntax error: {message}", _indent_help())]) from None
    except UnexpectedInput as e:  # pragma: no cover - other Lark input errors
        raise CompileError([Diagnostic(Span(path, getattr(e, "line", 1) or 1, getattr(e, "column", 1) or 1), "syntax error")]) from None
    return to_ast(tree, path)


def _unexpected_token(e: UnexpectedToken, text: str, path: str) -> Diagnostic:
    tok = e.token
    line = e.line if e.line > 0 else 1
    col = e.column if e.column > 0 else 1
    expected = f"expected {_expected(e.expected)}"
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
