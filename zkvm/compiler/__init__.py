"""The DSL compiler: restricted Python -> zkvm program.

Pipeline (each stage its own module): ``parser`` (Lark grammar, Python indentation) ->
``transform`` (syntax tree) -> ``check`` (the subset's rules, names, call graph) ->
``constants`` (module-level constants, loaded weights) -> ``codegen`` (per-function
specializations, mac fusion, lists) -> ``link`` (entry stub, layout, addresses).

    from zkvm.compiler import compile_file
    program = compile_file("model.py", input_shapes={"x": [64]})
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkvm.errors import CompileError, InputError
from zkvm.isa.program import Program
from zkvm.source import SourceFile

if TYPE_CHECKING:
    from zkvm.compiler.check import CheckedModule

__all__ = ["compile_source", "compile_file", "check_source", "check_file", "CheckedSource", "input_shapes_of",
           "flatten_inputs", "main_parameters"]


@dataclass
class CheckedSource:
    """A DSL file parsed and checked once: what ``main`` takes, and the program compiled for
    the shapes of an input file. A command that needs both (``zkvm run``: main's parameters
    to check the input file, then the program) parses the file once through this object,
    instead of once per question (a model file with a million literals takes seconds)."""

    text: str
    path: str
    checked: "CheckedModule"

    def main_parameters(self) -> list[tuple[str, str | None]]:
        """main's parameter names and annotation kinds ("int", "list[int]", ... or None)."""
        from zkvm.compiler import ast as A
        from zkvm.compiler.types import from_annotation

        main = self.checked.functions["main"]
        out = []
        for p in main.params:
            t = from_annotation(p.annotation) if p.annotation is not None else None
            is_bool = isinstance(p.annotation, A.Name) and p.annotation.id == "bool"
            out.append((p.name, "bool" if is_bool else t.describe() if t is not None else None))
        return out

    def compile(self, input_shapes: dict[str, list[int]] | None = None, private_shapes: dict | None = None) -> Program:
        """The program for these shapes of main's list parameters (from an input file).
        Raises CompileError (every diagnostic, rendered with its source line) or InputError."""
        from zkvm.compiler.codegen import CodegenError
        from zkvm.compiler.link import ProgramCompiler
        from zkvm.compiler.parser import without_gc

        try:
            with without_gc():  # the analyses allocate many small objects and no garbage cycles
                return ProgramCompiler(self.checked, self.path, input_shapes, private_shapes).build()
        except CodegenError as e:
            raise _rendered(CompileError([e.diag]), self.text, self.path) from None
        except CompileError as e:
            raise _rendered(e, self.text, self.path) from None


def check_source(text: str, path: str = "<string>") -> CheckedSource:
    """Parse and check DSL source. Raises CompileError with every problem the parser (its
    first syntax error) and the checker find, each rendered with its source line and caret."""
    from zkvm.compiler.check import check
    from zkvm.compiler.desugar import desugar
    from zkvm.compiler.parser import parse, without_gc

    try:
        module = parse(text, path)
    except CompileError as e:
        raise _rendered(e, text, path) from None
    with without_gc():
        checked, diags = check(desugar(module), path)
    if diags:
        raise _rendered(CompileError(diags), text, path)
    return CheckedSource(text, path, checked)


def check_file(path: str | Path) -> CheckedSource:
    """:func:`check_source` of a file (an unreadable file is an InputError naming it)."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise InputError("program", f"cannot read {p}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise InputError("program", f"{p} is not UTF-8 text (byte {e.start})") from None
    return check_source(text, str(p))


def _front(text: str, path: str) -> "CheckedModule":
    return check_source(text, path).checked


def _rendered(err: CompileError, text: str, path: str) -> CompileError:
    """Attach source lines and carets to each diagnostic's text."""
    src = SourceFile(path, text)
    rendered = []
    for d in err.diagnostics:
        msg = d.message + (f"; {d.help}" if d.help else "")
        rendered.append(src.render(d.span, msg))
    return CompileError(err.diagnostics, rendered)


def main_parameters(text: str, path: str = "<string>") -> list[tuple[str, str | None]]:
    """main's parameter names and annotation kinds ("int", "list[int]", ... or None)."""
    return check_source(text, path).main_parameters()


def compile_source(text: str, path: str = "<string>", input_shapes: dict[str, list[int]] | None = None,
                   private_shapes: dict | None = None) -> Program:
    """Compile DSL source. ``input_shapes`` fixes the length of main's list parameters (from an
    input file); ``private_shapes`` ({(file, array): shape}) the shapes of private weights whose
    file is not here (a verifier's). Raises CompileError (every diagnostic, file:line:col) or
    InputError."""
    return check_source(text, path).compile(input_shapes, private_shapes)


def compile_file(path: str | Path, input_shapes: dict[str, list[int]] | None = None,
                 private_shapes: dict | None = None) -> Program:
    return check_file(path).compile(input_shapes, private_shapes)


def _shape_of(name: str, value: Any) -> list[int]:
    def bad(what: str) -> InputError:
        return InputError(name, what)

    if isinstance(value, bool):
        raise bad("expected an int or a list of ints, got a boolean (annotate the parameter bool to pass true or false)")
    if isinstance(value, int):
        return []
    if isinstance(value, float):
        raise bad("got a float: use scaled integers (for example multiply by 1000 and round)")
    if not isinstance(value, list):
        raise bad(f"expected an int or a list of ints, got {type(value).__name__}")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return [len(value)]
    if all(isinstance(v, list) for v in value):
        lens = {len(v) for v in value}
        for r, row in enumerate(value):
            for c, v in enumerate(row):
                if isinstance(v, bool) or not isinstance(v, int):
                    kind = "a float (use scaled integers)" if isinstance(v, float) else type(v).__name__
                    raise bad(f"element [{r}][{c}] is {kind}, expected an int")
        if len(lens) > 1:  # rows of different lengths: their lengths are part of the (public) shape
            return [len(value), [len(v) for v in value]]
        return [len(value), lens.pop() if value else 0]
    for i, v in enumerate(value):
        if isinstance(v, float):
            raise bad(f"element [{i}] is a float: use scaled integers")
        if isinstance(v, list):
            raise bad("mixes ints and lists")
        if isinstance(v, bool) or not isinstance(v, int):
            raise bad(f"element [{i}] is {type(v).__name__}, expected an int")
    raise bad("unsupported value")


def input_shapes_of(params: list[tuple[str, str | None]], inputs: Any) -> dict[str, list[int]]:
    """Shapes of the values of an input object, checked against main's parameters."""
    if not isinstance(inputs, dict):
        raise InputError("input file", "expected a JSON object mapping main's parameter names to values")
    names = [n for n, _ in params]
    for key in inputs:
        if key not in names:
            raise InputError(key, f"main has no parameter {key!r} (it takes: {', '.join(names) or 'nothing'})")
    shapes = {}
    for name, kind in params:
        if name not in inputs:
            raise InputError(name, "missing from the input file")
        if kind == "bool":
            value = inputs[name]
            if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
                shapes[name] = []
                continue
            raise InputError(name, f"expected a boolean (true or false, or 0 or 1), got {json_kind(value)}")
        shape = _shape_of(name, inputs[name])
        if kind == "list[list[int]]" and shape == [0]:
            shape = [0, 0]  # [] is an empty list of lists too
        if kind == "int" and shape:
            raise InputError(name, f"expected an int, got a list of shape {shape}")
        if kind == "list[int]" and len(shape) != 1:
            raise InputError(name, f"expected a list of ints, got {'an int' if not shape else f'a list of shape {shape}'}")
        if kind == "list[list[int]]" and len(shape) != 2:
            raise InputError(name, f"expected a list of lists of ints, got {'an int' if not shape else f'shape {shape}'}")
        _check_range(name, inputs[name])
        shapes[name] = shape
    return shapes


def _check_range(name: str, value: Any) -> None:
    """Every integer of an input must be a field element in signed form, |x| <= (p - 1) / 2."""
    from zkvm.field.goldilocks import P

    half = (P - 1) // 2
    items = [((), value)] if isinstance(value, int) else [((i,), v) for i, v in enumerate(value)]
    for at, v in items:
        for sub, x in ([((), v)] if isinstance(v, int) else [((j,), w) for j, w in enumerate(v)]):
            if not -half <= x <= half:
                where = "".join(f"[{k}]" for k in at + sub)
                raise InputError(name, f"{'value' if not where else 'element ' + where} = {x} is outside the field's signed range "
                                       f"(|x| <= (p - 1) / 2, about 9.2e18)")


def json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    return repr(value) if isinstance(value, (int, float)) else type(value).__name__


def input_shapes_of_file(path: str | Path, inputs: Any) -> dict[str, list[int]]:
    return input_shapes_of(check_file(path).main_parameters(), inputs)


def flatten_inputs(program: Program, inputs: dict[str, Any]) -> list[int]:
    """The input values in the order of the program's input region."""
    out: list[int] = []
    for p in program.signature.get("params", []):
        value = inputs[p["name"]]
        if isinstance(value, int):
            out.append(int(value))  # true/false for a bool parameter are 1/0
        elif value and isinstance(value[0], list):
            for row in value:
                out.extend(row)
        else:
            out.extend(value)
    return out

