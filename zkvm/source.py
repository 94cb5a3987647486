"""Source locations and their rendering, shared by compile errors, VM faults and the debugger."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A region of a source file (1-based lines and columns; end is exclusive)."""

    file: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def short(self) -> str:
        """file:line, as VM errors and debug maps print it."""
        return f"{self.file}:{self.line}"


@dataclass
class SourceFile:
    path: str
    text: str

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 1 <= line <= len(lines) else ""

    def render(self, span: Span, message: str) -> str:
        """``file:line:col: message`` followed by the source line and a caret under the span."""
        text = self.line_text(span.line)
        width = 1
        if span.end_line == span.line and span.end_col and span.end_col > span.col:
            width = span.end_col - span.col
        caret = " " * (span.col - 1) + "^" * max(1, min(width, max(1, len(text) - span.col + 1)))
        out = f"{span}: {message}"
        if text.strip():
            out += f"\n    {text}\n    {caret}"
        return out
