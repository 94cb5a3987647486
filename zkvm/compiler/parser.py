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


def parse(text: str, path: str = "<string>") -> A.Module:
    """Source text -> syntax tree. Raises CompileError with file:line:col on syntax errors."""
    if not text.endswith("\n"):
        text += "\n"
    try:
        tree = _parser().parse(text)
    except UnexpectedToken as e:
        got = "the end of the file" if e.token.type == "$END" else repr(str(e.token))
        span = Span(path, e.line if e.line > 0 else 1, e.column if e.column > 0 else 1)
        raise CompileError([Diagnostic(span, f"syntax error: unexpected {got}", f"expected {_expected(e.expected)}")]) from None
    except UnexpectedCharacters as e:
        span = Span(path, e.line, e.column)
        char = text.splitlines()[e.line - 1][e.column - 1 : e.column] if e.line <= len(text.splitlines()) else "?"
        raise CompileError([Diagnostic(span, f"syntax error: unexpected character {char!r}")]) from None
    except UnexpectedEOF as e:
        lines = text.splitlines()
        span = Span(path, max(1, len(lines)), 1)
        raise CompileError([Diagnostic(span, "syntax error: unexpected end of file", f"expected {_expected(e.expected)}")]) from None
    except DedentError as e:
        raise CompileError([Diagnostic(Span(path, 1, 1), f"syntax error: inconsistent indentation ({e})")]) from None
    except UnexpectedInput as e:  # pragma: no cover - other Lark input errors
        raise CompileError([Diagnostic(Span(path, getattr(e, "line", 1) or 1, getattr(e, "column", 1) or 1), "syntax error")]) from None
    return to_ast(tree, path)
