"""Semantic checks: the subset's rules, names, arities and the call graph.

Every problem becomes a :class:`~zkvm.errors.Diagnostic` (file:line:col, the construct, what to
write instead); all of a file's problems are reported together. That includes what is inside
a rejected construct (the parts a :class:`~zkvm.compiler.transform.Rejected` node keeps: the
bounds of a slice, the body of a generator or lambda, the body of a loop with an ``else``),
names that are not defined (with the right advice for a function used as a value, a Python
builtin the DSL does not provide, a parameter called as a function), ``range`` used as a value
and constant negative exponents, so that fixing a file takes one round.
"""

from __future__ import annotations

import builtins
import difflib
from dataclasses import dataclass, field

from zkvm.compiler import ast as A
from zkvm.compiler.definite import check_function, local_names
from zkvm.compiler.prelude import PRELUDE_PATH
from zkvm.compiler.transform import LiteralData, Rejected, RejectedStmt
from zkvm.errors import Diagnostic
from zkvm.field.goldilocks import HALF_P

LIST_METHODS = {"append": "append(v)", "extend": "extend(ys)", "insert": "insert(i, v)", "pop": "pop() or pop(i)",
                "remove": "remove(v)", "clear": "clear()", "index": "index(v)", "count": "count(v)",
                "sort": "sort(key=..., reverse=...)", "reverse": "reverse()", "copy": "copy()"}
BUILTINS = {"len": (1, 1), "range": (1, 3), "min": (1, None), "max": (1, None), "abs": (1, 1), "sum": (1, 1), "print": (0, None)}
LANG_HELPERS = {"load", "load_private", "field_arithmetic"}
AUG_OPS = {"+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^"}
STMT_NAMES = {"ExprStmt": "expression", "AugAssign": "augmented assignment", "AnnAssign": "annotated assignment"}
BIN_OPS = {"+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^"}
BUILTIN_LIST = ", ".join(sorted(BUILTINS))
# Identical diagnostics (a list of 85k floats) beyond this many are counted, not listed.
MAX_SAME = 10

# What to write instead of the Python builtins the DSL does not provide.
_NO_STRINGS = "there are no strings: print the integers themselves, print(x, y)"
_NO_CLASSES = "classes are not supported: use functions and lists"
_NO_INTROSPECTION = "a variable keeps one type, known when the program is compiled, so there is nothing to test"
BUILTIN_ADVICE = {
    "int": "values are ints already: write x for int(x) (and // for division)",
    "float": "floats are not supported: use scaled integers (multiply by a power of two or 1000, divide with //); "
             "for float('inf') as a starting best, start from None (best = None) or from the first element",
    "complex": "floats are not supported: use scaled integers",
    "bool": "write x != 0 for an int and len(xs) > 0 for a list (comparisons give booleans, the ints 1 and 0)",
    "round": "ints need no rounding; (a + b // 2) // b divides a by b (b > 0) rounding to the nearest, halves up",
    "pow": "write a ** b (and (a ** b) % m for a modulus)",
    "divmod": "write a // b and a % b",
    "sorted": "sort a copy with a loop (insertion sort), or keep the best k elements in a loop",
    "reversed": "walk backwards by index: for i in range(len(xs) - 1, -1, -1), then xs[i]",
    "zip": "index the lists together: for i in range(min(len(a), len(b))), then a[i] and b[i]",
    "enumerate": "loop over the indexes: for i in range(len(xs)), then xs[i]",
    "any": "count the true elements: sum([1 for v in xs if v]) > 0, or a loop with a flag",
    "all": "count the false elements: sum([1 for v in xs if not v]) == 0, or a loop with a flag",
    "list": "copy a list with [v for v in xs]; [i for i in range(n)] makes the list of a range",
    "tuple": "tuples are not supported: use a list",
    "dict": "dicts are not supported: use lists indexed by integers",
    "set": "sets are not supported: use a list",
    "frozenset": "sets are not supported: use a list",
    "map": "use a comprehension: [f(v) for v in xs]",
    "filter": "use a comprehension: [v for v in xs if cond(v)]",
    "iter": "loop with for, or index the list",
    "next": "loop with for, or index the list",
    "isinstance": _NO_INTROSPECTION + "; for a tree whose leaves and nodes differ, give every node one shape: a table "
                  "NODES = [(feature, threshold, left, right), ...] with leaves marked (feature -1, value as threshold), "
                  "walked by index",
    "issubclass": _NO_INTROSPECTION,
    "type": _NO_INTROSPECTION,
    "callable": _NO_INTROSPECTION,
    "str": _NO_STRINGS,
    "repr": _NO_STRINGS,
    "format": _NO_STRINGS,
    "chr": _NO_STRINGS,
    "ord": _NO_STRINGS,
    "ascii": _NO_STRINGS,
    "bin": _NO_STRINGS,
    "hex": _NO_STRINGS,
    "oct": _NO_STRINGS,
    "bytes": _NO_STRINGS,
    "bytearray": _NO_STRINGS,
    "open": "there are no files: inputs are main's parameters, and weights are loaded with load() at module level",
    "input": "there is no input stream: inputs are main's parameters (from the input file)",
    "hash": "values have no hash in the DSL",
    "id": "values have no identity in the DSL",
    "getattr": "there are no attributes: use lists and indexes",
    "setattr": "there are no attributes: use lists and indexes",
    "hasattr": "there are no attributes: use lists and indexes",
    "delattr": "there are no attributes: use lists and indexes",
    "vars": "there are no namespaces at run time",
    "dir": "there are no namespaces at run time",
    "globals": "there are no namespaces at run time",
    "locals": "there are no namespaces at run time",
    "super": _NO_CLASSES,
    "object": _NO_CLASSES,
    "property": _NO_CLASSES,
    "staticmethod": _NO_CLASSES,
    "classmethod": _NO_CLASSES,
    "exit": 'to stop, use assert: assert False, "reason"',
    "quit": 'to stop, use assert: assert False, "reason"',
    "eval": "code cannot be built at run time",
    "exec": "code cannot be built at run time",
    "compile": "code cannot be built at run time",
    "__import__": "there are no libraries in the VM",
    "breakpoint": "debug the program under CPython (it runs there unchanged)",
    "help": "see docs/dsl.md",
    "memoryview": "use lists of ints",
    "slice": "slices are not supported: index elements or build the list with a comprehension",
}
PYTHON_BUILTINS = {n for n in dir(builtins) if not n.startswith("_") or n == "__import__"}


@dataclass
class CheckedModule:
    path: str
    constants: list[A.Assign | A.AnnAssign] = field(default_factory=list)
    functions: dict[str, A.FunctionDef] = field(default_factory=dict)
    imported: set[str] = field(default_factory=set)
    calls: dict[str, set[str]] = field(default_factory=dict)  # the call graph
    order: list[str] = field(default_factory=list)  # callees before callers
    # reads of a for loop's target after the loop, which need a run-time check that the loop
    # ran: function name -> {(line, col): variable}
    unbound_checks: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)


@dataclass
class _Scope:
    """The names a function (or the module level) can read, and what its calls may name."""

    fn: A.FunctionDef | None
    values: set[str]  # names that hold values here: parameters, locals, constants
    params: set[str] = field(default_factory=set)
    nested: set[str] = field(default_factory=set)  # nested defs (reported where they are defined)


class Checker:
    def __init__(self, path: str) -> None:
        self.path = path
        self.diags: list[Diagnostic] = []
        self._same: dict[str, list] = {}  # message -> [diagnostics shown, how many not shown]
        self._pending: list[tuple[A.Call, _Scope, bool]] = []  # calls of functions, checked at the end
        self._iterables: set[int] = set()  # range() calls in the place of a loop's iterable
        self._bound: list[set[str]] = []  # comprehension and lambda variables in scope
        self.constant_names: set[str] = set()
        self.module_names: set[str] = set()  # assigned by rejected module-level statements, imported
        self.int_constants: dict[str, int] = {}
        self._function_names: set[str] = set()

    def error(self, node_or_span, message: str, help: str = "") -> None:
        span = node_or_span.span if isinstance(node_or_span, A.Node) else node_or_span
        seen = self._same.setdefault(message, [None, 0])
        if seen[1] >= MAX_SAME:
            seen[1] += 1
            return
        seen[1] += 1
        seen[0] = Diagnostic(span, message, help)
        self.diags.append(seen[0])

    def _note_suppressed(self) -> None:
        for last, count in self._same.values():
            if count > MAX_SAME:
                last.help += f" ({count - MAX_SAME} more in this file are not listed)"

    # --- module --------------------------------------------------------------------------
    def check(self, module: A.Module) -> CheckedModule:
        out = CheckedModule(self.path)
        functions: list[A.FunctionDef] = []
        for stmt in module.body:
            if isinstance(stmt, A.FunctionDef):
                functions.append(stmt)
            elif isinstance(stmt, RejectedStmt):  # a decorated or async def is still checked
                functions.extend(s for s in stmt.body if isinstance(s, A.FunctionDef))
                self.module_names.update(stmt.assigns)
            elif isinstance(stmt, (A.Assign, A.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, A.Assign) else (stmt.target,)
                if len(targets) == 1 and isinstance(targets[0], A.Name):
                    self.constant_names.add(targets[0].id)
                for t in targets:
                    if isinstance(t, Rejected):
                        self.module_names.update(t.assigns)
            elif isinstance(stmt, A.ImportFrom) and stmt.module != "zkvm.lang":
                self.module_names.update(n.split(" as ")[-1] for n in stmt.names)
            elif isinstance(stmt, A.UnsupportedStmt) or not isinstance(stmt, (A.ImportFrom, A.Pass)):
                # code at module level: the names it assigns exist, whatever else is wrong
                self.module_names |= local_names(A.FunctionDef(stmt.span, "", (), None, (stmt,)))
        function_names = {f.name for f in functions}
        self._function_names = function_names
        module_scope = _Scope(None, self.constant_names | self.module_names)
        for stmt in module.body:
            if isinstance(stmt, A.ImportFrom):
                if stmt.module != "zkvm.lang":
                    self.error(stmt, f"unsupported: import from {stmt.module}",
                               "only 'from zkvm.lang import ...' is supported; the VM has no other libraries")
                    continue
                for name in stmt.names:
                    if " as " in name:
                        self.error(stmt, "unsupported: import ... as ...", "import the helper under its own name")
                    elif name not in LANG_HELPERS:
                        self.error(stmt, f"unknown zkvm.lang helper {name!r}", f"available: {', '.join(sorted(LANG_HELPERS))}")
                    else:
                        out.imported.add(name)
            elif isinstance(stmt, A.FunctionDef):
                self._define(stmt, out)
            elif isinstance(stmt, (A.Assign, A.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, A.Assign) else (stmt.target,)
                if len(targets) != 1 or not isinstance(targets[0], A.Name):
                    self.error(stmt, "unsupported module-level assignment", "module level holds constants: NAME = value")
                    if isinstance(stmt.value, Rejected) and stmt.value.construct == "tuple":
                        self.parts(stmt.value, module_scope, out, True)  # (A, B = 1, 2 is one problem)
                    elif stmt.value is not None:
                        self.expr(stmt.value, module_scope, module_level=True)
                    continue
                if isinstance(stmt, A.AnnAssign) and stmt.value is None:
                    self.error(stmt, "a module-level annotation needs a value", "write NAME: type = value")
                    continue
                if targets[0].id in function_names:
                    self.error(stmt, f"{targets[0].id!r} is defined twice", "give each function and constant its own name")
                out.constants.append(stmt)
                self.expr(stmt.value, module_scope, module_level=True)
            elif isinstance(stmt, A.Pass):
                continue
            elif isinstance(stmt, A.UnsupportedStmt):
                self.error(stmt, f"unsupported: {stmt.construct}", stmt.help)
                if isinstance(stmt, RejectedStmt):
                    for s in stmt.body:
                        if isinstance(s, A.FunctionDef):
                            self._define(s, out)
            else:
                kind = type(stmt).__name__
                self.error(stmt, f"unsupported at module level: {STMT_NAMES.get(kind, kind.lower())} statement",
                           "module level holds imports, constants and function definitions; put code in main()")
        for stmt in out.constants:
            target = stmt.targets[0] if isinstance(stmt, A.Assign) else stmt.target
            if _is_const_int(stmt.value):
                v = stmt.value
                self.int_constants[target.id] = v.value if isinstance(v, A.IntLit) else -v.operand.value if v.op == "-" else v.operand.value
        for fn in out.functions.values():
            self.function(fn, out)
        if "main" not in out.functions:
            self.error(module.span if module.body else A.Pass(module.span), "no main() function", "define def main(...) -> ...: the entry point")
        self.call_graph(out)
        self._note_suppressed()
        return out

    def _define(self, fn: A.FunctionDef, out: CheckedModule) -> None:
        if fn.name in out.functions or fn.name in self.constant_names:
            self.error(fn, f"{fn.name!r} is defined twice", "give each function and constant its own name")
        out.functions[fn.name] = fn

    # --- functions ---------------------------------------------------------------------
    def function(self, fn: A.FunctionDef, out: CheckedModule) -> None:
        names = set()
        for p in fn.params:
            if p.name == "*":
                self.error(p, "unsupported: *args / **kwargs", "list every parameter by name")
            elif p.name.endswith("="):
                self.error(p, "unsupported: default parameter value", "pass every argument explicitly")
            elif p.name in names:
                self.error(p, f"parameter {p.name!r} repeated")
            elif p.annotation is None and fn.name == "main":
                self.error(p, f"parameter {p.name!r} of main() needs a type annotation",
                           "annotate it: int, bool, list[int] or list[list[int]] (the input file's values must match it)")
            names.add(p.name.rstrip("="))
        out.calls[fn.name] = set()
        scope = self.scope_of(fn)
        self.body(fn.body, scope, out, loop_depth=0)
        if not _hides_names(fn.body):  # (an unsupported construct that assigns names makes its findings noise)
            diags, checks = check_function(fn, self.constant_names, self.int_constants)
            for d in diags:
                self.error(d.span, d.message, d.help)
            out.unbound_checks[fn.name] = checks

    def scope_of(self, fn: A.FunctionDef, outer: _Scope | None = None) -> _Scope:
        """The names a function can read: its parameters, the names it assigns anywhere
        (rejected constructs included), the module's constants, and its enclosing function's."""
        params = {p.name.rstrip("=") for p in fn.params if p.name != "*"}
        values = params | _assigned(fn.body) | _assigned_by_rejected(fn.body)
        values |= outer.values if outer is not None else self.constant_names | self.module_names
        nested = {s.name for s in _walk_stmts(fn.body) if isinstance(s, A.FunctionDef)}
        return _Scope(fn, values, params, nested)

    def body(self, stmts, scope: _Scope, out, loop_depth) -> None:
        for s in stmts:
            self.stmt(s, scope, out, loop_depth)

    def stmt(self, s, scope: _Scope, out, loop_depth) -> None:
        if isinstance(s, A.FunctionDef):
            self.error(s, "unsupported: nested function (closure)", "define every function at module level")
            self.body(s.body, self.scope_of(s, scope), out, 0)  # its body is checked all the same
        elif isinstance(s, A.UnsupportedStmt):
            self.error(s, f"unsupported: {s.construct}", s.help)
            if isinstance(s, RejectedStmt):
                for p in s.parts:
                    self.expr(p, scope, out, iterable=True)
                inner = loop_depth + 1 if _is_loop(s) else loop_depth
                self.body(s.body, scope, out, inner)
        elif isinstance(s, A.ImportFrom):
            self.error(s, "unsupported: import inside a function", "import at module level")
        elif isinstance(s, A.Assign):
            for t in s.targets:
                self.target(t, scope, out)
            unpacking = any(_is_unpacking(t) for t in s.targets)
            if unpacking and isinstance(s.value, Rejected) and s.value.construct == "tuple":
                self.parts(s.value, scope, out, False)  # (a, b = 1, 2 is one problem, reported once)
            else:
                self.expr(s.value, scope, out)
        elif isinstance(s, A.AnnAssign):
            self.target(s.target, scope, out)
            if s.value is not None:
                self.expr(s.value, scope, out)
        elif isinstance(s, A.AugAssign):
            if s.op not in AUG_OPS:
                self.error(s, f"unsupported: augmented assignment {s.op}=", "use one of += -= *= //= %= **= <<= >>= &= |= ^=")
            self.target(s.target, scope, out)
            self.expr(s.value, scope, out)
            if s.op == "**":
                self.negative_exponent(s.value, scope)
        elif isinstance(s, A.ExprStmt):
            self.expr(s.value, scope, out)
        elif isinstance(s, A.Return):
            if s.value is not None:
                self.expr(s.value, scope, out)
        elif isinstance(s, A.If):
            self.expr(s.test, scope, out)
            self.body(s.body, scope, out, loop_depth)
            self.body(s.orelse, scope, out, loop_depth)
        elif isinstance(s, A.While):
            self.expr(s.test, scope, out)
            self.body(s.body, scope, out, loop_depth + 1)
        elif isinstance(s, A.For):
            self.expr(s.iter, scope, out, iterable=True)
            self.body(s.body, scope, out, loop_depth + 1)
        elif isinstance(s, (A.Break, A.Continue)):
            if loop_depth == 0:
                self.error(s, f"{type(s).__name__.lower()} outside a loop")
        elif isinstance(s, A.Assert):
            self.expr(s.test, scope, out)
            if s.msg is not None and not (isinstance(s.msg, A.Unsupported) and s.msg.construct == "string"):
                self.expr(s.msg, scope, out)
        elif isinstance(s, A.Pass):
            pass
        else:  # pragma: no cover - exhaustive
            self.error(s, f"unsupported statement {type(s).__name__}")

    def target(self, t, scope: _Scope, out) -> None:
        if isinstance(t, A.Name):
            return
        if isinstance(t, A.Subscript):
            self.expr(t, scope, out)
            return
        if isinstance(t, A.Unsupported):
            self.error(t, f"unsupported: {t.construct}", t.help)
            if isinstance(t, Rejected):
                self.parts(t, scope, out, False)
            return
        self.error(t, "unsupported assignment target", "assign to a name or to an indexed list element")

    # --- expressions -------------------------------------------------------------------------
    def expr(self, e, scope: _Scope, out=None, module_level=False, iterable=False) -> None:
        if e is None:
            return
        if isinstance(e, A.Unsupported):
            self.error(e, f"unsupported: {e.construct}", e.help)
            if isinstance(e, Rejected):
                self.parts(e, scope, out, module_level)
            return
        if isinstance(e, A.BinOp):
            if e.op not in BIN_OPS:
                self.error(e, f"unsupported operator {e.op}")
            self.expr(e.left, scope, out, module_level)
            self.expr(e.right, scope, out, module_level)
            if e.op == "**" and not module_level:
                self.negative_exponent(e.right, scope)
        elif isinstance(e, A.UnaryOp):
            self.expr(e.operand, scope, out, module_level)
        elif isinstance(e, A.BoolOp):
            for v in e.values:
                self.expr(v, scope, out, module_level)
        elif isinstance(e, A.Compare):
            self.expr(e.left, scope, out, module_level)
            for c in e.comparators:
                self.expr(c, scope, out, module_level)
        elif isinstance(e, A.IfExp):
            for x in (e.test, e.body, e.orelse):
                self.expr(x, scope, out, module_level)
        elif isinstance(e, A.Subscript):
            self.expr(e.value, scope, out, module_level)
            self.expr(e.index, scope, out, module_level)
        elif isinstance(e, LiteralData) and _within_range(e.values):
            pass  # literal data (the parser's fast path): its values are all there is to check
        elif isinstance(e, A.ListLit):
            for x in e.elts:
                self.expr(x, scope, out, module_level)
        elif isinstance(e, A.ListComp):
            self.expr(e.iter, scope, out, module_level, iterable=True)
            self._bound.append({e.target})
            self.expr(e.elt, scope, out, module_level)
            self.expr(e.cond, scope, out, module_level)
            self._bound.pop()
        elif isinstance(e, A.Call):
            if iterable and e.func == "range" and e.receiver is None:
                self._iterables.add(id(e))
            self.call(e, scope, out, module_level)
        elif isinstance(e, A.IntLit):
            if not -HALF_P <= e.value <= HALF_P:
                self.error(e, "integer literal out of range",
                           "values are field elements: literals must lie within ±(p-1)/2 (about ±9.2e18)")
        elif isinstance(e, A.Name):
            self.name(e, scope, module_level)
        elif isinstance(e, (A.BoolLit, A.NoneLit)):
            pass

    def parts(self, e: Rejected, scope: _Scope, out, module_level) -> None:
        """What a rejected construct holds, checked as if it stood alone (its own variables
        bound): a problem inside a rejected slice or generator is found in the same run."""
        self._bound.append(set(e.scoped))
        if e.call is not None:
            self.call(e.call, scope, out, module_level, arity=False)
        for p in e.parts:
            self.expr(p, scope, out, module_level, iterable=True)
        self._bound.pop()

    def name(self, e: A.Name, scope: _Scope, module_level: bool) -> None:
        n = e.id
        if n in scope.values or any(n in b for b in self._bound):
            return
        functions = self._function_names
        if n in functions:
            self.error(e, f"the function {n}() used as a value",
                       f"functions are not values in the DSL: call {n}(...) where its result is needed "
                       "(to choose between functions, use if/else)")
        elif n in BUILTINS or n in LANG_HELPERS:
            self.error(e, f"the builtin {n}() used as a value", f"call it where its result is needed: {n}(...)")
        elif n in PYTHON_BUILTINS:
            self.error(e, f"{n} is a Python builtin that the DSL does not provide",
                       BUILTIN_ADVICE.get(n, f"the DSL's builtins are {BUILTIN_LIST}"))
        elif module_level:
            self.error(e, f"unknown name {n!r} in a constant expression",
                       "module-level constants may only use other constants" + _did_you_mean(n, scope.values))
        else:
            self.error(e, f"unknown name {n!r}",
                       "assign it before use, or define a module-level constant" + _did_you_mean(n, scope.values | functions))

    def negative_exponent(self, e, scope: _Scope) -> None:
        """``x ** -1`` (a float in Python), the exponent a literal or a named constant."""
        v = None
        if isinstance(e, A.IntLit):
            v = e.value
        elif isinstance(e, A.UnaryOp) and e.op == "-" and isinstance(e.operand, A.Name):
            c = self._int_constant(e.operand, scope)
            v = -c if c is not None else None
        elif isinstance(e, A.Name):
            v = self._int_constant(e, scope)
        if v is not None and v < 0:
            self.error(e, f"unsupported: ** with the negative exponent {v} (Python gives a float)",
                       "use a non-negative exponent; for scaled integers divide with //")

    def _int_constant(self, e: A.Name, scope: _Scope) -> int | None:
        if scope.fn is not None and (e.id in scope.params or e.id in _assigned(scope.fn.body)):
            return None  # a local variable
        return self.int_constants.get(e.id)

    def call(self, e: A.Call, scope: _Scope, out, module_level, arity: bool = True) -> None:
        # a Python builtin the DSL lacks (sorted, zip, ...) is reported; its range() arguments are not
        iterables = e.receiver is None and e.func not in BUILTINS and e.func in PYTHON_BUILTINS
        for a in e.args:
            if e.func in ("load", "load_private") and e.receiver is None and isinstance(a, A.Unsupported) \
                    and a.construct == "string":
                continue  # load("file.npz", "name") takes string literals
            self.expr(a, scope, out, module_level, iterable=iterables)
        if e.receiver is not None:
            self.expr(e.receiver, scope, out, module_level)
            if e.func == A.SET_LENGTH and e.span.file == PRELUDE_PATH:
                return
            if e.func != "append":
                known = e.func in LIST_METHODS
                self.error(e, f"{'wrong arguments for' if known else 'unsupported method'} .{e.func}()",
                           "lists support " + ", ".join(f"xs.{m}" for m in LIST_METHODS.values()) + "; "
                           "use len(), indexing and loops for the rest")
            elif arity and len(e.args) != 1:
                self.error(e, "append takes exactly one argument")
            return
        if e.func in ("load", "load_private"):
            if not module_level:
                self.error(e, f"{e.func}() is only allowed at module level", "load constants into module-level names")
            elif arity and len(e.args) != 2:
                self.error(e, f"{e.func}() takes a file name and an array name", f'write {e.func}("weights.npz", "W1")')
            return
        if e.func in BUILTINS:
            lo, hi = BUILTINS[e.func]
            if arity and (len(e.args) < lo or (hi is not None and len(e.args) > hi)):
                help = "add the start value afterwards: sum(xs) + start" if e.func == "sum" and len(e.args) == 2 else ""
                self.error(e, f"{e.func}() takes {lo if lo == hi else f'{lo} to {hi}' if hi else f'at least {lo}'} "
                              f"argument(s), got {len(e.args)}", help)
            elif e.func == "range" and not module_level and id(e) not in self._iterables:
                self.error(e, "range() can only be used in a for loop or a comprehension",
                           "build a list with [i for i in range(...)]")
            return
        if module_level:
            if e.func not in self.module_names:
                self.error(e, f"unsupported call {e.func}() at module level",
                           "module-level constants are computed with load(), len(), min(), max(), sum(), abs(), "
                           "range() in comprehensions and arithmetic; call functions from main()")
            return
        if out is not None and scope.fn is not None:
            if scope.fn.name in out.calls:
                out.calls[scope.fn.name].add(e.func)
            self._pending.append((e, scope, arity))

    def call_graph(self, out: CheckedModule) -> None:
        for e, scope, arity in self._pending:
            if e.func in out.functions:
                callee = out.functions[e.func]
                # (parameters with a default value or a star are reported where they are declared)
                required = sum(1 for p in callee.params if p.name != "*" and p.default is None)
                most = None if any(p.name == "*" for p in callee.params) else len(callee.params)
                if arity and (len(e.args) < required or (most is not None and len(e.args) > most)):
                    takes = most if most == required else f"{required} to {most}" if most is not None else f"at least {required}"
                    self.error(e, f"{e.func}() takes {takes} argument(s), got {len(e.args)}")
            else:
                self.unknown_function(e, scope)
        # callees before callers (recursion, a cycle of calls, is compiled by link.py)
        state: dict[str, int] = {}
        order: list[str] = []

        def visit(f: str, stack: list[str]) -> None:
            state[f] = 1
            for g in sorted(out.calls.get(f, ())):
                if g in out.functions and state.get(g) is None:
                    visit(g, stack + [g])
            state[f] = 2
            order.append(f)

        for f in sorted(out.functions):
            if state.get(f) is None:
                visit(f, [f])
        out.order = order

    def unknown_function(self, e: A.Call, scope: _Scope) -> None:
        """A call of a name that is no function of the file: say what the name is."""
        n, fn = e.func, scope.fn
        if n in scope.nested or n in self.module_names or n in _assigned_by_rejected(fn.body if fn else ()):
            return  # a nested def, an import or a class: reported where it is defined
        if n in scope.params:
            self.error(e, f"{n!r} is a parameter of {fn.name}(), not a function: calling a function passed as an "
                          "argument is not supported",
                       "call a module-level function by name (to choose between functions, pass a flag and use if/else)")
        elif n in scope.values - self.constant_names:
            self.error(e, f"{n!r} is a variable of {fn.name}(), not a function: calling a function held in a variable "
                          "is not supported", "call a module-level function by name")
        elif n in self.constant_names:
            self.error(e, f"{n!r} is a constant, not a function", "index it or use its value; functions are defined with def")
        elif n in LANG_HELPERS:
            self.error(e, f"{n} is not called: importing it is all it takes",
                       "keep 'from zkvm.lang import field_arithmetic' at module level")
        elif n in PYTHON_BUILTINS:
            self.error(e, f"{n}() is a Python builtin that the DSL does not provide",
                       BUILTIN_ADVICE.get(n, f"the DSL's builtins are {BUILTIN_LIST}"))
        else:
            self.error(e, f"unknown function {n}()",
                       "no function of this name is defined in the file: define it with def at module level"
                       + _did_you_mean(n, self._function_names | set(BUILTINS)) + f" (the builtins are {BUILTIN_LIST})")


def _did_you_mean(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def _walk_stmts(stmts):
    """Every statement of a body, nested blocks and rejected statements' bodies included."""
    for s in stmts:
        yield s
        if isinstance(s, (A.If, A.While, A.For)):
            yield from _walk_stmts(s.body)
            yield from _walk_stmts(getattr(s, "orelse", ()))
        elif isinstance(s, RejectedStmt):
            yield from _walk_stmts(s.body)


def _assigned(stmts) -> set[str]:
    """The names a body assigns (as definite.local_names, also inside rejected statements and
    the names of nested defs)."""
    out: set[str] = set()
    for s in _walk_stmts(stmts):
        if isinstance(s, A.Assign):
            out.update(t.id for t in s.targets if isinstance(t, A.Name))
        elif isinstance(s, (A.AugAssign, A.AnnAssign)) and isinstance(s.target, A.Name):
            out.add(s.target.id)
        elif isinstance(s, A.For):
            out.add(s.target)
        elif isinstance(s, A.FunctionDef):
            out.add(s.name)
    return out


def _rejected_nodes(stmts):
    """The Rejected expressions and RejectedStmt statements of a body (not inside nested defs)."""
    for s in _walk_stmts(stmts):
        if isinstance(s, RejectedStmt):
            yield s
        if isinstance(s, A.FunctionDef):
            continue
        for n in A.walk(tuple(getattr(s, f) for f in s.__dataclass_fields__ if f not in ("body", "orelse"))
                        if not isinstance(s, RejectedStmt) else s.parts):
            if isinstance(n, Rejected):
                yield n


def _assigned_by_rejected(stmts) -> set[str]:
    """Names assigned by rejected constructs (unpacking targets, a walrus, ``as`` names,
    imports, classes): Python would bind them, so reading them is no unknown name."""
    return {n for r in _rejected_nodes(stmts) for n in r.assigns}


def _hides_names(stmts) -> bool:
    """Whether a body holds a rejected construct that binds names or hides statements, which
    would make the definite-assignment analysis report reads Python would allow."""
    for s in _walk_stmts(stmts):
        if isinstance(s, (RejectedStmt, A.UnsupportedStmt, A.FunctionDef)):
            return True
    return any(isinstance(r, Rejected) and (r.assigns or r.scoped) for r in _rejected_nodes(stmts))


def _is_loop(s: RejectedStmt) -> bool:
    """A rejected for loop (with an unpacking target) whose body is checked as a loop body."""
    return s.construct == "unpacking" or "for loop's target" in s.construct


def _is_unpacking(t) -> bool:
    return isinstance(t, Rejected) and (t.construct == "unpacking" or "starred unpacking" in t.construct)


def _within_range(values: list) -> bool:
    """Whether every int of nested lists lies in the value range [-(p-1)/2, (p-1)/2]."""
    flat = [x for x in values if not isinstance(x, list)]
    if flat and not (-HALF_P <= min(flat) and max(flat) <= HALF_P):
        return False
    return all(_within_range(x) for x in values if isinstance(x, list)) if len(flat) < len(values) else True


def _is_const_int(e) -> bool:
    return isinstance(e, A.IntLit) or (isinstance(e, A.UnaryOp) and e.op in "+-" and isinstance(e.operand, A.IntLit))


def check(module: A.Module, path: str) -> tuple[CheckedModule, list[Diagnostic]]:
    c = Checker(path)
    checked = c.check(module)
    return checked, c.diags
