"""Module-level constants: evaluation at compile time and placement in the data region.

Constants are ints or (nested) lists of ints: literals, arithmetic on constants, list
comprehensions over constants, and arrays loaded from files beside the program with
``zkvm.lang.load`` (numpy throughout, so a million weights cost milliseconds, not a parse).

In memory a list is a 3-word header ``[length, capacity, pointer to elements]``; a list of
lists is a header whose elements point to the inner headers. Constants live in the data
region, which is part of the program (and of its hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zkvm.compiler import ast as A
from zkvm.compiler.transform import LiteralData
from zkvm.errors import Diagnostic
from zkvm.field.goldilocks import HALF_P

HEADER = 3  # [len, cap, ptr]

# Shift counts and exponents of constant expressions are bounded so that evaluating one cannot
# build a gigantic int (2 ** 10**12) at compile time; any result that large is far outside the
# value range anyway.
MAX_CONST_BITS = 4096


def int_binop(op: str, a: int, b: int) -> int:
    """``a op b`` on ints with CPython's semantics (floor division, modulo with the divisor's
    sign, arithmetic shifts, two's complement bit operators).

    Raises ZeroDivisionError (``//``, ``%`` by zero), ValueError (a negative shift count, a
    negative exponent, whose result would be a float) and OverflowError (a shift or power
    whose result has more than MAX_CONST_BITS bits)."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "//":
        return a // b
    if op == "%":
        return a % b
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op in ("<<", ">>"):
        if b < 0:
            raise ValueError("negative shift count")
        if op == ">>":
            return a >> min(b, MAX_CONST_BITS)
        if a != 0 and b > MAX_CONST_BITS:
            raise OverflowError(f"{a} << {b} is far outside the value range")
        return a << b
    if op == "**":
        if b < 0:
            raise ValueError("negative exponent (the result would be a float)")
        if abs(a) >= 2 and b * max(a.bit_length(), 1) > MAX_CONST_BITS:
            raise OverflowError(f"{a} ** {b} is far outside the value range")
        return a**b
    raise ValueError(f"unsupported operator {op}")


class ConstError(Exception):
    def __init__(self, node: A.Node, message: str, help: str = "") -> None:
        super().__init__(message)
        self.diag = Diagnostic(node.span, message, help)


@dataclass
class ConstValue:
    """An int, or a list as a numpy int64 array (1-D or 2-D, rectangular), or any other list as
    nested Python lists of ints (``nested``): rows of different lengths (adjacency lists), a
    tuple mixing ints and lists (its ints boxed as one-element rows, positions in ``boxed``),
    a list of those or of lists of lists (depth 3; ``item_boxed``: the elements' boxing)."""

    value: object
    depth: int = 0  # of a nested value
    boxed: frozenset = frozenset()
    item_boxed: frozenset = frozenset()
    private: tuple[str, str] | None = None  # load_private's (file, array): ``value`` is zeros of its shape

    @property
    def is_int(self) -> bool:
        return isinstance(self.value, int)

    @property
    def is_ragged(self) -> bool:
        return isinstance(self.value, list)

    @property
    def shape(self) -> tuple:
        """(), (n,), (rows, cols), (rows, None) for ragged rows, (n, None, None) at depth 3."""
        if self.is_int:
            return ()
        if isinstance(self.value, np.ndarray):
            return self.value.shape
        return (len(self.value),) + (None,) * (self.depth - 1)


def _check_range(v: int, node: A.Node) -> int:
    if not -HALF_P <= v <= HALF_P:
        raise ConstError(node, f"constant {v} is outside the field's signed range (about +-9.2e18)")
    return v


def to_const(py: object, node: A.Node) -> ConstValue:
    """Python int / nested list -> ConstValue (rectangular lists become numpy arrays)."""
    if isinstance(py, bool):
        return ConstValue(int(py))
    if isinstance(py, int):
        return ConstValue(_check_range(py, node))
    if isinstance(py, np.ndarray):
        return ConstValue(py)
    if isinstance(py, (list, tuple)):
        if all(isinstance(x, (int, bool)) for x in py):
            for x in py:
                _check_range(int(x), node)
            return ConstValue(np.array([int(x) for x in py], dtype=np.int64))
        if all(isinstance(x, (list, tuple)) and all(isinstance(v, (int, bool)) for v in x) for x in py):
            lens = {len(x) for x in py}
            if len(lens) == 1:  # (rectangular: checked as one array, fast for pasted weights)
                try:
                    arr = np.array([[int(v) for v in x] for x in py], dtype=np.int64).reshape(len(py), lens.pop() if py else 0)
                except OverflowError:
                    arr = None
                if arr is None or (arr.size and (int(arr.max()) > HALF_P or int(arr.min()) < -HALF_P)):
                    for x in py:
                        for v in x:
                            _check_range(int(v), node)
                return ConstValue(arr)
            for x in py:
                for v in x:
                    _check_range(int(v), node)
            return ConstValue([[int(v) for v in x] for x in py], depth=2)
        parts = [to_const(x, node) for x in py]
        if all(p.is_int or _depth(p) == 1 for p in parts):  # a tuple of ints and lists: the ints boxed
            return ConstValue([[p.value] if p.is_int else as_python(p) for p in parts], depth=2,
                              boxed=frozenset(k for k, p in enumerate(parts) if p.is_int))
        if all(_depth(p) == 2 for p in parts) and len({p.boxed for p in parts}) == 1:
            return ConstValue([as_python(p) for p in parts], depth=3, item_boxed=parts[0].boxed)
        raise ConstError(node, "unsupported constant: lists of mixed shapes or nested more than three deep",
                         "a constant is an int, a list of ints, a list of lists, a tuple of ints and lists, or a list "
                         "of those; give its elements one shape")
    raise ConstError(node, f"unsupported constant of type {type(py).__name__}")


def _depth(c: ConstValue) -> int:
    return 0 if c.is_int else c.depth if c.is_ragged else np.asarray(c.value).ndim


def as_python(c: ConstValue) -> object:
    """The constant as CPython holds it (a boxed tuple keeps its boxes: the VM's layout)."""
    if c.is_int:
        return c.value
    if c.is_ragged:
        return _copy_nested(c.value)
    return np.asarray(c.value).tolist()


def _copy_nested(v):
    return [_copy_nested(x) for x in v] if isinstance(v, list) else v


class ConstEvaluator:
    """Evaluates module-level constant expressions with Python's semantics."""

    def __init__(self, source_path: str, imported: set[str], private_shapes: dict | None = None) -> None:
        self.source_path = source_path
        self.imported = imported
        self.values: dict[str, ConstValue] = {}
        self.private_shapes = private_shapes or {}  # (file, array) -> shape, when the file is not here

    def define(self, name: str, expr: A.Expr) -> ConstValue:
        if isinstance(expr, A.Call) and expr.func == "load" and expr.receiver is None:
            value = self.load(expr)
        elif isinstance(expr, A.Call) and expr.func == "load_private" and expr.receiver is None:
            value = self.load_private(expr)
        else:
            value = to_const(self.eval(expr, {}), expr)
        self.values[name] = value
        return value

    def load(self, call: A.Call) -> ConstValue:
        if "load" not in self.imported:
            raise ConstError(call, "load() must be imported", "add: from zkvm.lang import load")
        if len(call.args) != 2 or not all(isinstance(a, A.Unsupported) and a.construct == "string" for a in call.args):
            raise ConstError(call, "load() takes two string literals", 'write load("weights.npz", "W1")')
        from zkvm.lang import load_array

        fname, key = (self._string(a) for a in call.args)
        base = Path(self.source_path).resolve().parent if self.source_path not in ("<string>", "") else Path.cwd()
        try:
            arr = load_array(base / fname, key)
        except (OSError, KeyError, ValueError) as e:
            raise ConstError(call, f"load({fname!r}, {key!r}) failed: {e}") from None
        if arr.ndim == 3:
            return ConstValue(arr.tolist(), depth=3)
        if arr.ndim > 3:
            raise ConstError(call, f"load() gave a {arr.ndim}-dimensional array", "store 1-D, 2-D or 3-D integer arrays")
        return ConstValue(arr)

    def load_private(self, call: A.Call) -> ConstValue:
        """Private weights: their shape only (from the file, or, when the file is not here, from
        the shapes a proof or commitment file states); their values never enter the program."""
        if "load_private" not in self.imported:
            raise ConstError(call, "load_private() must be imported", "add: from zkvm.lang import load_private")
        if len(call.args) != 2 or not all(isinstance(a, A.Unsupported) and a.construct == "string" for a in call.args):
            raise ConstError(call, "load_private() takes two string literals", 'write load_private("weights.npz", "W1")')
        fname, key = (self._string(a) for a in call.args)
        base = Path(self.source_path).resolve().parent if self.source_path not in ("<string>", "") else Path.cwd()
        path = base / fname
        if path.exists():
            from zkvm.lang import load_array

            try:
                shape = load_array(path, key).shape
            except (OSError, KeyError, ValueError) as e:
                raise ConstError(call, f"load_private({fname!r}, {key!r}) failed: {e}") from None
        elif (fname, key) in self.private_shapes:
            shape = tuple(self.private_shapes[(fname, key)])
        else:
            raise ConstError(call, f"load_private({fname!r}, {key!r}): {fname} is not here and no shape was given",
                             "a verifier takes the private arrays' shapes from the proof (zkvm verify does)")
        if len(shape) not in (1, 2) or 0 in shape:
            raise ConstError(call, f"load_private() gave an array of shape {tuple(shape)}",
                             "private weights are non-empty 1-D or 2-D integer arrays")
        return ConstValue(np.zeros(shape, dtype=np.int64), private=(fname, key))

    def _string(self, node: A.Unsupported) -> str:
        return node.text

    def eval(self, e: A.Expr, env: dict[str, object]) -> object:
        if isinstance(e, A.IntLit):
            return e.value
        if isinstance(e, A.BoolLit):
            return int(e.value)
        if isinstance(e, A.Name):
            if e.id in env:
                return env[e.id]
            if e.id in self.values:
                if self.values[e.id].private is not None:
                    raise ConstError(e, f"{e.id} holds private weights: a module-level constant computed from them "
                                     "would be public", "use private weights inside functions only")
                return as_python(self.values[e.id])
            raise ConstError(e, f"unknown name {e.id!r} in a constant expression", "module-level constants may only use earlier constants")
        if isinstance(e, LiteralData):  # the parser's fast path: the values, without a tree
            return _copy(e.values)
        if isinstance(e, A.ListLit):
            return [self.eval(x, env) for x in e.elts]
        if isinstance(e, A.UnaryOp):
            v = self.eval(e.operand, env)
            if e.op == "-":
                return -v
            if e.op == "+":
                return v
            if e.op == "~":
                if not isinstance(v, int):
                    raise ConstError(e, "cannot evaluate this constant: bad operand type for unary ~: 'list'")
                return ~v
            return int(not v)
        if isinstance(e, A.BinOp):
            a, b = self.eval(e.left, env), self.eval(e.right, env)
            try:
                if isinstance(a, int) and isinstance(b, int):
                    return int_binop(e.op, a, b)
                if e.op == "+":
                    return a + b
                if e.op == "*":
                    return a * b
                raise TypeError(f"unsupported operand types for {e.op}: lists")
            except (TypeError, ZeroDivisionError, ValueError, OverflowError) as err:
                raise ConstError(e, f"cannot evaluate this constant: {err}") from None
        if isinstance(e, A.Subscript):
            v, i = self.eval(e.value, env), self.eval(e.index, env)
            try:
                return v[i]
            except (TypeError, IndexError) as err:
                raise ConstError(e, f"cannot evaluate this constant: {err}") from None
        if isinstance(e, A.ListComp):
            out = []
            for item in self._iter(e.iter, env):
                inner = dict(env)
                inner[e.target] = item
                if e.cond is None or self.eval(e.cond, inner):
                    out.append(self.eval(e.elt, inner))
            return out
        if isinstance(e, A.Call) and e.receiver is None:
            args = [self.eval(a, env) for a in e.args] if e.func not in ("range", "load", "load_private") else None
            if e.func == "len":
                return len(args[0])
            if e.func in ("min", "max", "sum", "abs"):
                return {"min": min, "max": max, "sum": sum, "abs": abs}[e.func](*args)
            if e.func == "range":
                return list(self._iter(e, env))
            if e.func == "load":  # inside a larger expression, e.g. load("w.npz", "B")[0]
                return as_python(self.load(e))
            if e.func == "load_private":
                raise ConstError(e, "load_private() must be assigned to a name directly", 'write W1 = load_private("weights.npz", "W1")')
        if isinstance(e, A.Compare):
            left = self.eval(e.left, env)
            for op, comp in zip(e.ops, e.comparators):
                right = self.eval(comp, env)
                ok = {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right, "==": left == right, "!=": left != right}[op]
                if not ok:
                    return 0
                left = right
            return 1
        if isinstance(e, A.IfExp):
            return self.eval(e.body, env) if self.eval(e.test, env) else self.eval(e.orelse, env)
        raise ConstError(e, "unsupported in a constant expression", "module-level constants hold ints, lists, arithmetic and load()")

    def _iter(self, e: A.Expr, env):
        if isinstance(e, A.Call) and e.func == "range" and e.receiver is None:
            args = [self.eval(a, env) for a in e.args]
            return range(*args)
        v = self.eval(e, env)
        if not isinstance(v, list):
            raise ConstError(e, "a constant comprehension must iterate over range() or a list")
        return v


def _copy(values: list) -> list:
    """A copy of nested lists of ints (literal data is shared with its syntax tree)."""
    if any(isinstance(x, list) for x in values):
        return [_copy(x) if isinstance(x, list) else x for x in values]
    return list(values)


def constant_words(value: ConstValue) -> int:
    """How many data words :func:`layout_constant` gives this constant (without laying it out)."""
    if value.is_ragged:
        def count(v) -> int:
            if v and isinstance(v[0], list):
                return HEADER + len(v) + sum(count(x) for x in v)
            return HEADER + len(v)

        return count(value.value)
    shape = np.shape(value.value)
    if len(shape) == 1:
        return HEADER + shape[0]
    rows, cols = shape
    return HEADER + rows + HEADER * rows + rows * cols


def element_offset(value: ConstValue) -> int | None:
    """Where :func:`layout_constant` puts the first element of a list or matrix constant,
    relative to its base (None for ragged constants, whose rows are laid out one by one)."""
    if value.is_ragged:
        return None
    shape = np.shape(value.value)
    return HEADER if len(shape) == 1 else HEADER + shape[0] + HEADER * shape[0]


def layout_constant(value: ConstValue, base: int) -> tuple[np.ndarray, int]:
    """The data words of a constant placed at address ``base`` and the address of its header
    (ints are not placed: they become immediates)."""
    if value.is_ragged:
        words: list = []

        def place(v) -> int:
            """Lay out a nested list after the words so far; its header's address."""
            at = base + len(words)
            n = len(v)
            words.extend([n, n, at + HEADER])
            if v and isinstance(v[0], list):
                slots = len(words)
                words.extend([0] * n)
                for k, x in enumerate(v):
                    words[slots + k] = place(x)
            else:
                words.extend(int(x) for x in v)
            return at

        place(value.value)
        return np.array(words, dtype=object), base
    arr = np.asarray(value.value)
    if arr.ndim == 1:
        n = arr.shape[0]
        words = np.empty(HEADER + n, dtype=object)
        words[0], words[1], words[2] = n, n, base + HEADER
        words[HEADER:] = arr.astype(object)
        return words, base
    rows, cols = arr.shape
    # outer header, pointer array, inner headers, elements
    outer = base
    ptrs = base + HEADER
    inner = ptrs + rows
    elems = inner + HEADER * rows
    words = np.empty(HEADER + rows + HEADER * rows + rows * cols, dtype=object)
    words[0], words[1], words[2] = rows, rows, ptrs
    words[HEADER : HEADER + rows] = [inner + HEADER * r for r in range(rows)]
    for r in range(rows):
        h = HEADER + rows + HEADER * r
        words[h], words[h + 1], words[h + 2] = cols, cols, elems + r * cols
    words[HEADER + rows + HEADER * rows :] = arr.reshape(-1).astype(object)
    return words, outer
