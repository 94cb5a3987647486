"""Semantic checks: the subset's rules, names, arities and the call graph.

Every problem becomes a :class:`~zkvm.errors.Diagnostic` (file:line:col, the construct, what to
write instead); all of a file's problems are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkvm.compiler import ast as A
from zkvm.compiler.definite import check_function
from zkvm.compiler.transform import LiteralData
from zkvm.errors import Diagnostic
from zkvm.field.goldilocks import HALF_P

BUILTINS = {"len": (1, 1), "range": (1, 3), "min": (1, None), "max": (1, None), "abs": (1, 1), "sum": (1, 1), "print": (0, None)}
LANG_HELPERS = {"load", "field_arithmetic"}
AUG_OPS = {"+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^"}
STMT_NAMES = {"ExprStmt": "expression", "AugAssign": "augmented assignment", "AnnAssign": "annotated assignment"}
BIN_OPS = {"+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^"}


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


class Checker:
    def __init__(self, path: str) -> None:
        self.path = path
        self.diags: list[Diagnostic] = []

    def error(self, node_or_span, message: str, help: str = "") -> None:
        span = node_or_span.span if isinstance(node_or_span, A.Node) else node_or_span
        self.diags.append(Diagnostic(span, message, help))

    # --- module --------------------------------------------------------------------------
    def check(self, module: A.Module) -> CheckedModule:
        out = CheckedModule(self.path)
        constant_names: set[str] = set()
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
                if stmt.name in out.functions or stmt.name in constant_names:
                    self.error(stmt, f"{stmt.name!r} is defined twice", "give each function and constant its own name")
                out.functions[stmt.name] = stmt
            elif isinstance(stmt, (A.Assign, A.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, A.Assign) else (stmt.target,)
                if len(targets) != 1 or not isinstance(targets[0], A.Name):
                    self.error(stmt, "unsupported module-level assignment", "module level holds constants: NAME = value")
                    continue
                if isinstance(stmt, A.AnnAssign) and stmt.value is None:
                    self.error(stmt, "a module-level annotation needs a value", "write NAME: type = value")
                    continue
                constant_names.add(targets[0].id)
                out.constants.append(stmt)
                self.expr(stmt.value if isinstance(stmt, A.Assign) else stmt.value, module_level=True)
            elif isinstance(stmt, A.Pass):
                continue
            elif isinstance(stmt, A.UnsupportedStmt):
                self.error(stmt, f"unsupported: {stmt.construct}", stmt.help)
            else:
                kind = type(stmt).__name__
                self.error(stmt, f"unsupported at module level: {STMT_NAMES.get(kind, kind.lower())} statement",
                           "module level holds imports, constants and function definitions; put code in main()")
        int_constants = {}
        for stmt in out.constants:
            target = stmt.targets[0] if isinstance(stmt, A.Assign) else stmt.target
            if _is_const_int(stmt.value):
                v = stmt.value
                int_constants[target.id] = v.value if isinstance(v, A.IntLit) else -v.operand.value if v.op == "-" else v.operand.value
        self.int_constants = int_constants
        for name, fn in out.functions.items():
            self.function(fn, out, constant_names)
        if "main" not in out.functions:
            self.error(module.span if module.body else A.Pass(module.span), "no main() function", "define def main(...) -> ...: the entry point")
        self.call_graph(out)
        return out

    # --- functions ---------------------------------------------------------------------
    def function(self, fn: A.FunctionDef, out: CheckedModule, constants: set[str]) -> None:
        names = set()
        for p in fn.params:
            if p.name == "*":
                self.error(p, "unsupported: *args / **kwargs", "list every parameter by name")
            elif p.name.endswith("="):
                self.error(p, "unsupported: default parameter value", "pass every argument explicitly")
            elif p.name in names:
                self.error(p, f"parameter {p.name!r} repeated")
            elif p.annotation is None:
                self.error(p, f"parameter {p.name!r} of {fn.name}() needs a type annotation",
                           "annotate it: int, bool, list[int] or list[list[int]]")
            names.add(p.name)
        out.calls[fn.name] = set()
        before = len(self.diags)
        self.body(fn.body, fn, out, loop_depth=0)
        if len(self.diags) == before:  # (after an unsupported construct its findings would be noise)
            diags, checks = check_function(fn, constants, getattr(self, "int_constants", {}))
            self.diags.extend(diags)
            out.unbound_checks[fn.name] = checks

    def body(self, stmts, fn, out, loop_depth) -> None:
        for s in stmts:
            self.stmt(s, fn, out, loop_depth)

    def stmt(self, s, fn, out, loop_depth) -> None:
        if isinstance(s, A.FunctionDef):
            self.error(s, "unsupported: nested function (closure)", "define every function at module level")
        elif isinstance(s, A.UnsupportedStmt):
            self.error(s, f"unsupported: {s.construct}", s.help)
        elif isinstance(s, A.ImportFrom):
            self.error(s, "unsupported: import inside a function", "import at module level")
        elif isinstance(s, A.Assign):
            for t in s.targets:
                self.target(t, fn, out)
            unpacking = any(isinstance(t, A.Unsupported) and t.construct == "unpacking" for t in s.targets)
            if not (unpacking and isinstance(s.value, A.Unsupported) and s.value.construct == "tuple"):
                self.expr(s.value, fn=fn, out=out)  # (a, b = 1, 2 is one problem, reported once)
        elif isinstance(s, A.AnnAssign):
            self.target(s.target, fn, out)
            if s.value is not None:
                self.expr(s.value, fn=fn, out=out)
        elif isinstance(s, A.AugAssign):
            if s.op not in AUG_OPS:
                self.error(s, f"unsupported: augmented assignment {s.op}=", "use one of += -= *= //= %= **= <<= >>= &= |= ^=")
            self.target(s.target, fn, out)
            self.expr(s.value, fn=fn, out=out)
        elif isinstance(s, A.ExprStmt):
            self.expr(s.value, fn=fn, out=out)
        elif isinstance(s, A.Return):
            if s.value is not None:
                self.expr(s.value, fn=fn, out=out)
        elif isinstance(s, A.If):
            self.expr(s.test, fn=fn, out=out)
            self.body(s.body, fn, out, loop_depth)
            self.body(s.orelse, fn, out, loop_depth)
        elif isinstance(s, A.While):
            self.expr(s.test, fn=fn, out=out)
            self.body(s.body, fn, out, loop_depth + 1)
        elif isinstance(s, A.For):
            self.expr(s.iter, fn=fn, out=out)
            self.body(s.body, fn, out, loop_depth + 1)
        elif isinstance(s, (A.Break, A.Continue)):
            if loop_depth == 0:
                self.error(s, f"{type(s).__name__.lower()} outside a loop")
        elif isinstance(s, A.Assert):
            self.expr(s.test, fn=fn, out=out)
            if s.msg is not None and not (isinstance(s.msg, A.Unsupported) and s.msg.construct == "string"):
                self.expr(s.msg, fn=fn, out=out)
        elif isinstance(s, A.Pass):
            pass
        else:  # pragma: no cover - exhaustive
            self.error(s, f"unsupported statement {type(s).__name__}")

    def target(self, t, fn, out) -> None:
        if isinstance(t, A.Name):
            return
        if isinstance(t, A.Subscript):
            self.expr(t, fn=fn, out=out)
            return
        if isinstance(t, A.Unsupported):
            self.error(t, f"unsupported: {t.construct}", t.help)
            return
        self.error(t, "unsupported assignment target", "assign to a name or to an indexed list element")

    # --- expressions -------------------------------------------------------------------------
    def expr(self, e, fn=None, out=None, module_level=False) -> None:
        if e is None:
            return
        if isinstance(e, A.Unsupported):
            self.error(e, f"unsupported: {e.construct}", e.help)
            return
        if isinstance(e, A.BinOp):
            if e.op not in BIN_OPS:
                self.error(e, f"unsupported operator {e.op}")
            self.expr(e.left, fn, out, module_level)
            self.expr(e.right, fn, out, module_level)
        elif isinstance(e, A.UnaryOp):
            self.expr(e.operand, fn, out, module_level)
        elif isinstance(e, A.BoolOp):
            for v in e.values:
                self.expr(v, fn, out, module_level)
        elif isinstance(e, A.Compare):
            self.expr(e.left, fn, out, module_level)
            for c in e.comparators:
                self.expr(c, fn, out, module_level)
        elif isinstance(e, A.IfExp):
            for x in (e.test, e.body, e.orelse):
                self.expr(x, fn, out, module_level)
        elif isinstance(e, A.Subscript):
            if isinstance(e.index, A.IntLit) and e.index.value < 0:
                self.error(e.index, f"unsupported: negative index {e.index.value}",
                           "count from the start: xs[len(xs) - 1] is the last element")
            self.expr(e.value, fn, out, module_level)
            self.expr(e.index, fn, out, module_level)
        elif isinstance(e, LiteralData) and _within_range(e.values):
            pass  # literal data (the parser's fast path): its values are all there is to check
        elif isinstance(e, A.ListLit):
            for x in e.elts:
                self.expr(x, fn, out, module_level)
        elif isinstance(e, A.ListComp):
            self.expr(e.iter, fn, out, module_level)
            self.expr(e.elt, fn, out, module_level)
            self.expr(e.cond, fn, out, module_level)
        elif isinstance(e, A.Call):
            self.call(e, fn, out, module_level)
        elif isinstance(e, A.IntLit):
            if not -HALF_P <= e.value <= HALF_P:
                self.error(e, "integer literal out of range",
                           "values are field elements: literals must lie within ±(p-1)/2 (about ±9.2e18)")
        elif isinstance(e, (A.BoolLit, A.NoneLit, A.Name)):
            pass

    def call(self, e: A.Call, fn, out, module_level) -> None:
        for a in e.args:
            if e.func == "load" and e.receiver is None and isinstance(a, A.Unsupported) and a.construct == "string":
                continue  # load("file.npz", "name") takes string literals
            self.expr(a, fn, out, module_level)
        if e.receiver is not None:
            self.expr(e.receiver, fn, out, module_level)
            if e.func != "append":
                self.error(e, f"unsupported method .{e.func}()", "lists support .append(x); use len(), indexing and loops")
            elif len(e.args) != 1:
                self.error(e, "append takes exactly one argument")
            return
        if e.func == "load":
            if not module_level:
                self.error(e, "load() is only allowed at module level", "load constants into module-level names")
            elif len(e.args) != 2:
                self.error(e, "load() takes a file name and an array name", 'write load("weights.npz", "W1")')
            return
        if e.func in BUILTINS:
            lo, hi = BUILTINS[e.func]
            if len(e.args) < lo or (hi is not None and len(e.args) > hi):
                self.error(e, f"{e.func}() takes {lo if lo == hi else f'{lo} to {hi}' if hi else f'at least {lo}'} argument(s), got {len(e.args)}")
            return
        if module_level:
            self.error(e, f"unsupported call {e.func}() at module level", "module-level constants may only use load(), len(), range() and arithmetic")
            return
        if out is not None and fn is not None:
            out.calls.setdefault(fn.name, set()).add(e.func)
            self._pending.append((e, fn.name))

    _pending: list = []

    def call_graph(self, out: CheckedModule) -> None:
        for e, caller in self._pending:
            if e.func not in out.functions:
                self.error(e, f"unknown function {e.func}()", "define it at module level (builtins: " + ", ".join(sorted(BUILTINS)) + ")")
            else:
                callee = out.functions[e.func]
                params = [p for p in callee.params]
                if len(e.args) != len(params):
                    self.error(e, f"{e.func}() takes {len(params)} argument(s), got {len(e.args)}")
        # recursion: cycles in the call graph
        state: dict[str, int] = {}
        order: list[str] = []
        reported = set()

        def visit(f: str, stack: list[str]) -> None:
            state[f] = 1
            for g in sorted(out.calls.get(f, ())):
                if g not in out.functions:
                    continue
                if state.get(g) == 1:
                    cycle = stack[stack.index(g):] + [g] if g in stack else [f, g]
                    if g not in reported:
                        reported.add(g)
                        site = next((e for e, c in self._pending if c == f and e.func == g), None)
                        what = "recursion" if len(cycle) <= 2 else "mutual recursion"
                        self.error(site or out.functions[g], f"unsupported: {what} ({' -> '.join(cycle)})",
                                   "rewrite the recursion as a loop")
                elif state.get(g) is None:
                    visit(g, stack + [g])
            state[f] = 2
            order.append(f)

        for f in sorted(out.functions):
            if state.get(f) is None:
                visit(f, [f])
        out.order = order


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
    c._pending = []
    checked = c.check(module)
    return checked, c.diags
