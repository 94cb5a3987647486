"""From checked module to Program: constants, specializations, the entry stub, linking.

The entry stub (pc 0) passes main's inputs (preloaded in the input region; list inputs get
list headers in the data region that point into it), calls main, copies the result into the
output region (checking that its length is the one compiled in), and halts.
"""

from __future__ import annotations

import numpy as np

from zkvm.compiler import prelude
from zkvm.compiler import ast as A
from zkvm.compiler.aliases import AliasAnalysis
from zkvm.compiler.bounds import declared_bounds
from zkvm.compiler.check import CheckedModule
from zkvm.compiler.codegen import FunctionCompiler
from zkvm.compiler.constants import (HEADER, ConstError, ConstEvaluator, ConstValue, constant_words, element_offset,
                                     layout_constant)
from zkvm.compiler.intervals import TOP
from zkvm.compiler.ir import Abs, CodegenError, Compiled, FrameEnd, FuncRef, Label, a_type
from zkvm.compiler.ranges import RangeAnalysis
from zkvm.compiler.types import INT, NONE, VType, from_annotation
from zkvm.errors import Diagnostic, InputError
from zkvm.isa import opcodes as op
from zkvm.isa.instruction import Instruction
from zkvm.isa.program import CONST_BASE, CONST_ROW, Layout, Program, private_words_space
from zkvm.source import Span

DATA_BASE = 1  # Layout.build puts the data region right after the reserved address 0
READ_ONLY_SPACE_MIN = 1 << 14
"""Read-only constants go to the data space (a table of their own) when there are at least this
many words of them; fewer stay in memory, where they cost CPU rows only if the program is
shorter than its memory (a data table, a word table and their masks cost a small program more
than the rows they save)."""
MAX_CONSTANT_VARIANTS = 8  # versions of one function compiled for constant int arguments
CONSTANT_OPERAND_OPS = ("//", "%", "<<", ">>", "**", "&", "|", "^")
HP_INDEX = 0  # data[0] is the heap pointer cell
MAX_RECURSION_DEPTH = 200
"""Recursive functions: at most this many calls of one cycle of functions (a function that
calls itself, or functions that call each other) are active at once; the next one stops the
run with CPython's RecursionError message. The stack holds that many frames of the cycle."""


def _type_key(t: VType) -> str:
    if not t.is_list:
        return t.kind
    return f"l{t.depth}:{t.length}:{t.inner}"


class ProgramCompiler:
    def __init__(self, checked: CheckedModule, source_path: str, input_shapes: dict[str, list[int]] | None,
                 private_shapes: dict | None = None) -> None:
        self.checked = checked
        self.private_shapes = private_shapes
        self.path = source_path
        self.functions = checked.functions
        self.input_shapes = input_shapes
        self.constants: dict[str, ConstValue] = {}
        self.const_address: dict[str, int] = {}
        self.compiled: dict[str, Compiled] = {}
        self.in_progress: set[str] = set()
        self.diags: list[Diagnostic] = []
        self._grows: dict[str, set[int]] | None = None
        self._aliases: AliasAnalysis | None = None
        self.data_words: list[np.ndarray] = [np.array([0], dtype=object)]  # the heap pointer cell
        self.const_words: list[np.ndarray] = []  # read-only constants, from const_base
        self.const_base = CONST_BASE  # after the private region (place_constants)
        self.private: list[dict] = []  # the private arrays: file, name, shape, offset from CONST_BASE
        self.private_words = 0
        self.use_const_space = False  # (decided by place_constants)
        self.tables: dict[str, int] = {}  # constant tables of the integer routines: name -> address
        # the arithmetic contract (docs/dsl.md): "exact" unless the program imports
        # zkvm.lang.field_arithmetic; with it, operations the interval analysis cannot show
        # exact get overflow guards (zkvm/compiler/guards.py)
        self.exact_arithmetic = "field_arithmetic" not in checked.imported
        self.ranges: RangeAnalysis | None = None
        self._constant_params: dict[str, set[str]] = {}
        self.constant_variants: dict[str, set[str]] = {}  # function -> its constant-argument versions
        self.max_recursion_depth = MAX_RECURSION_DEPTH
        self._cycles: dict[str, frozenset[str]] | None = None
        self.guesses: dict[str, VType] = {}  # specializations in progress: their assumed return type
        self.guessed: set[str] = set()  # ... whose assumed type a recursive call has used

    # --- constants -----------------------------------------------------------------------
    def place_constants(self) -> None:
        ev = ConstEvaluator(self.path, self.checked.imported, self.private_shapes)
        for stmt in self.checked.constants:
            target = stmt.targets[0] if isinstance(stmt, A.Assign) else stmt.target
            value = stmt.value
            try:
                c = ev.define(target.id, value)
            except ConstError as e:
                self.diags.append(e.diag)
                continue
            self.constants[target.id] = c
        # a constant no code can change lives in the read-only data space (the data table:
        # no memory rows, no CPU rows); one the program may change, in memory
        written = self.aliases.written_constants
        read_only = sum(constant_words(c) for name, c in self.constants.items() if not c.is_int and name not in written)
        self.use_const_space = read_only >= READ_ONLY_SPACE_MIN or any(c.private for c in self.constants.values())
        self.place_private(written)
        for name, c in self.constants.items():
            if c.is_int or c.private:
                continue
            if name in written or not self.use_const_space:
                words, addr = layout_constant(c, DATA_BASE + self.data_size())
                self.data_words.append(words)
            else:
                # rows start on a data-table row (8 words), so that a dot product with a row of
                # a multiple of 8 elements runs as a single-row mac (zkvm/vm/kernels.py)
                offset = element_offset(c)
                if offset is not None:
                    pad = -(self.const_size() + offset) % CONST_ROW
                    if pad:
                        self.const_words.append(np.zeros(pad, dtype=object))
                words, addr = layout_constant(c, self.const_base + self.const_size())
                self.const_words.append(words)
            self.const_address[name] = addr

    def place_private(self, written: set[str]) -> None:
        """Private weights (load_private): their elements in the private region at CONST_BASE
        (each array on a data-table row, so a row of a multiple of 8 weights runs as a single-row
        mac), their list headers among the public constants, which start after the region."""
        spans = {}
        for name, c in self.constants.items():
            if not c.private:
                continue
            if name in written:
                self.diags.append(Diagnostic(self._constant_span(name), f"{name} holds private weights, which are read-only",
                                             "copy them into a new list before changing it"))
                continue
            self.private_words += -self.private_words % CONST_ROW
            shape = list(np.shape(c.value))
            spans[name] = self.private_words
            self.private.append({"file": c.private[0], "name": c.private[1], "shape": shape, "offset": self.private_words})
            self.private_words += int(np.prod(shape))
        self.const_base = CONST_BASE + private_words_space(self.private_words)
        for name, offset in spans.items():
            shape = np.shape(self.constants[name].value)
            at = self.const_base + self.const_size()
            elems = CONST_BASE + offset
            if len(shape) == 1:
                words = [shape[0], shape[0], elems]
            else:
                rows, cols = shape
                words = [rows, rows, at + HEADER] + [at + HEADER + rows + HEADER * r for r in range(rows)]
                for r in range(rows):
                    words += [cols, cols, elems + r * cols]
            self.const_words.append(np.array(words, dtype=object))
            self.const_address[name] = at

    def _constant_span(self, name: str):
        for stmt in self.checked.constants:
            target = stmt.targets[0] if isinstance(stmt, A.Assign) else stmt.target
            if isinstance(target, A.Name) and target.id == name:
                return stmt.span
        return self.checked.constants[0].span

    @property
    def aliases(self) -> AliasAnalysis:
        """Which names' lists another name may grow (computed once, after the constants)."""
        if self._aliases is None:
            self._aliases = AliasAnalysis(self.functions, self.constants)
        return self._aliases

    def data_size(self) -> int:
        return sum(len(w) for w in self.data_words)

    def const_size(self) -> int:
        return sum(len(w) for w in self.const_words)

    def table(self, name: str, values: list[int]) -> int:
        """The address of a constant table (powers of two, the digit tables of the bit
        operators), placed in the data region the first time a program uses it."""
        if name not in self.tables:
            if self.use_const_space:
                self.tables[name] = self.const_base + self.const_size()
                self.const_words.append(np.array(values, dtype=object))
            else:
                self.tables[name] = DATA_BASE + self.data_size()
                self.data_words.append(np.array(values, dtype=object))
        return self.tables[name]

    def routine(self, name: str, build, params: int) -> str:
        """The key of a shared subroutine of the integer operations (intrinsics.py), compiled
        the first time a program uses it: ``build`` emits its body into a function of
        ``params`` int parameters, whose slots also carry its results back."""
        key = f"<{name}>"
        if key not in self.compiled:
            span = self.functions["main"].span
            names = [f"p{k}" for k in range(params)]
            fn = A.FunctionDef(span, key, tuple(A.Param(span, n, A.Name(span, "int")) for n in names), None, ())
            fc = FunctionCompiler(self, fn, key, [INT] * params)
            fc.at(fn)
            build(fc)
            fc.emit(op.RET, a=-1, b=-2)
            fc.emit_traps()
            self.compiled[key] = Compiled(key, fc.code, fc.high, INT, fc.callees)
        return key

    # --- recursion -----------------------------------------------------------------------------
    def recursive_cycle(self, name: str) -> frozenset[str]:
        """The functions that ``name`` belongs to a cycle of calls with (itself included), or
        the empty set for a function that is not recursive: from the calls written in the
        program (a function passed as a value and called through a parameter is not seen)."""
        if self._cycles is None:
            self._cycles = _cycles(self.functions)
        return self._cycles.get(name, frozenset())

    def _recursive_call(self, fn: A.FunctionDef, key: str) -> Compiled:
        """A call of a specialization that is being compiled (recursion): what the caller
        needs of it, its key and the return type assumed while it is compiled."""
        if key not in self.guesses:
            raise CodegenError(fn.span, f"recursion through {fn.name}() by a function passed as a value is not supported",
                               "call the function by its name")
        self.guessed.add(key)
        return Compiled(key, [], 0, self.guesses[key], set())

    def _compile_recursive(self, fn: A.FunctionDef, key: str, arg_types, known, site) -> Compiled:
        """Compile a recursive function, whose own calls need its return type before it is
        known: assume the annotated type, or else int, a list, a list of lists, None in turn,
        until the function compiles and returns what was assumed (the code compiled under a
        wrong assumption, and the functions compiled with it, are dropped)."""
        declared = from_annotation(fn.returns) if fn.returns is not None else None
        guesses = [declared.unknown_lengths()] if declared is not None else [INT, VType("list", 1), VType("list", 2), NONE]
        first_error = None
        for guess in guesses:
            before = set(self.compiled)
            self.guesses[key] = guess
            self.guessed.discard(key)
            try:
                compiled = FunctionCompiler(self, fn, key, arg_types, known, site).compile()
            except CodegenError as err:
                first_error = first_error or err
                compiled = None
            used = key in self.guessed
            del self.guesses[key]
            if compiled is not None and (not used or _fits(compiled.returns, guess)):
                return compiled
            for k in set(self.compiled) - before:
                del self.compiled[k]
            if not used and first_error is not None:
                break  # an error that no assumption caused
        if first_error is not None:
            raise first_error
        raise CodegenError(fn.span, f"cannot tell the return type of the recursive function {fn.name}()",
                           "annotate it (-> int, -> list[int], ...)")

    # --- specialization ----------------------------------------------------------------
    def specialize(self, fn: A.FunctionDef, arg_types: list[VType], span: Span, known: dict[str, int] | None = None,
                   site: Span | None = None) -> Compiled:
        """The compiled function for these argument types (list lengths) and constant int
        arguments (see FunctionCompiler.int_constants), compiled on first use. A function gets
        at most MAX_CONSTANT_VARIANTS versions for different constant arguments; further
        calls pass them at run time. A builtin of prelude.py is compiled for each call site
        (``site``: the caller's own site if it is one, else the call), so that its errors, at
        compile time and at run time, name the program's line."""
        if prelude.is_prelude(fn.name):
            site = site or span
            try:
                return self._specialize(fn, arg_types, span, known, site)
            except CodegenError as err:
                if err.diag.span.file != prelude.PRELUDE_PATH:
                    raise
                raise CodegenError(site, f"{prelude.user_name(fn.name)}: {err.diag.message}", err.diag.help) from None
        return self._specialize(fn, arg_types, span, known, None)

    def _specialize(self, fn: A.FunctionDef, arg_types: list[VType], span: Span, known: dict[str, int] | None,
                    site: Span | None) -> Compiled:
        arg_types = [_as_declared(p, t) for p, t in zip(fn.params, arg_types)] + list(arg_types[len(fn.params):])
        if self.recursive_cycle(fn.name):
            known = None  # (a recursive call with n - 1 would make a version per value)
            if any(k.startswith(fn.name + "(") for k in self.guesses):
                # a recursive call: lists of any length, so that the versions do not multiply
                arg_types = [t.unknown_lengths() for t in arg_types]
        key = f"{fn.name}({','.join(_type_key(t) for t in arg_types)})"
        if site is not None:
            key += f"@{site.line}:{site.col}"
        if known:
            variants = self.constant_variants.setdefault(fn.name, set())
            tag = ",".join(f"{k}={v}" for k, v in sorted(known.items()))
            if tag in variants or len(variants) < MAX_CONSTANT_VARIANTS:
                variants.add(tag)
                key += "[" + tag + "]"
            else:
                known = None
        if key in self.compiled:
            return self.compiled[key]
        if key in self.in_progress:
            return self._recursive_call(fn, key)
        self.in_progress.add(key)
        for p, t in zip(fn.params, arg_types):
            if p.annotation is None:
                continue  # typed by its call sites: one specialization per combination of types
            declared = from_annotation(p.annotation)
            if declared is None:
                raise CodegenError(p.annotation.span, f"unsupported parameter type for {p.name!r}", "use int, bool, list[int] or list[list[int]]")
        if self.recursive_cycle(fn.name):
            compiled = self._compile_recursive(fn, key, arg_types, known, site)
        else:
            compiled = FunctionCompiler(self, fn, key, arg_types, known, site).compile()
        if fn.name in prelude.SAME_ELEMENTS and arg_types and arg_types[0].is_list and arg_types[0].depth == 0 \
                and compiled.returns.is_list:
            compiled.returns = VType("list", 0)  # sorted([]) + rows: no element type to clash with
        if fn.returns is not None:
            declared = from_annotation(fn.returns)
            if declared is None:
                raise CodegenError(fn.returns.span, f"unsupported return type of {fn.name}()", "use int, bool, list[int], list[list[int]] or None")
            actual = compiled.returns
            if actual.kind != "none" and (declared.kind != actual.kind or (declared.is_list and actual.depth not in (0, declared.depth))):
                raise CodegenError(fn.returns.span, f"{fn.name}() is annotated to return {declared.describe()} but returns {actual.describe()}")
        self.in_progress.discard(key)
        self.compiled[key] = compiled
        return compiled

    def constant_params(self, fn: A.FunctionDef) -> set[str]:
        """The int parameters of ``fn`` worth compiling for a constant argument: used as the
        right operand of //, %, <<, >>, **, &, |, ^ (where a constant saves run-time tests or
        a subroutine) and never rebound in the body (no assignment, loop or comprehension
        variable of that name)."""
        if fn.name not in self._constant_params:
            ints = {p.name for p in fn.params if p.annotation is None or from_annotation(p.annotation) == INT}
            used, rebound = set(), set()
            for node in _walk(fn.body):
                right = None
                if isinstance(node, A.BinOp) and node.op in CONSTANT_OPERAND_OPS:
                    right = node.right
                elif isinstance(node, A.AugAssign) and node.op in CONSTANT_OPERAND_OPS:
                    right = node.value
                if isinstance(right, A.Name):
                    used.add(right.id)
                if isinstance(node, (A.Assign, A.AnnAssign, A.AugAssign)):
                    targets = node.targets if isinstance(node, A.Assign) else (node.target,)
                    rebound.update(t.id for t in targets if isinstance(t, A.Name))
                elif isinstance(node, (A.For, A.ListComp)):
                    rebound.add(node.target)
            self._constant_params[fn.name] = (ints & used) - rebound
        return self._constant_params[fn.name]

    @property
    def shrinks_lists(self) -> bool:
        """Does the program remove elements from a list anywhere (so lengths may decrease)?"""
        return any(name in self.functions for name in prelude.SHRINKERS)

    def grows_params(self, name: str) -> set[int]:
        """Indices of a function's parameters whose list it may grow (append) or shrink,
        transitively."""
        if self._grows is None:
            self._grows = {f: set() for f in self.functions}
            changed = True
            while changed:
                changed = False
                for fname, fn in self.functions.items():
                    params = [p.name for p in fn.params]
                    found = set()
                    for node in _walk(fn.body):
                        if isinstance(node, A.Call):
                            if node.receiver is not None and node.func in ("append", A.SET_LENGTH):
                                root = _root(node.receiver)
                                if root in params:
                                    found.add(params.index(root))
                            elif node.func in self._grows:
                                for k in self._grows[node.func]:
                                    if k < len(node.args):
                                        root = _root(node.args[k])
                                        if root in params:
                                            found.add(params.index(root))
                        if isinstance(node, A.AugAssign) and isinstance(node.target, A.Name) and node.target.id in params:
                            found.add(params.index(node.target.id))
                    if found - self._grows[fname]:
                        self._grows[fname] |= found
                        changed = True
        return self._grows.get(name, set())

    def range_analysis(self, types: list[VType], sig: list[dict]) -> RangeAnalysis:
        """Intervals for the whole program, from the bounds main's prologue declares for its
        list inputs (bounds.declared_bounds) and the constants."""
        main = self.functions["main"]
        bounds = declared_bounds(main, self.constants)
        ra = RangeAnalysis(self.functions, self.constants)
        params = {}
        for p, t, s in zip(main.params, types, sig):
            if t.is_list:
                params[p.name] = ra.input_list(p.name, t.depth, bounds.get(p.name, TOP), s["shape"])
            else:
                params[p.name] = TOP
        return ra.run(params)

    # --- main's inputs ---------------------------------------------------------------------
    def main_params(self) -> tuple[list[VType], list[dict], int]:
        main = self.functions["main"]
        shapes = self.input_shapes or {}
        types, sig, offset = [], [], 0
        for p in main.params:
            declared = from_annotation(p.annotation) if p.annotation is not None else None
            if p.annotation is not None and declared is None:
                bare = isinstance(p.annotation, A.Name) and p.annotation.id in ("list", "tuple", "List", "Tuple", "Sequence")
                raise CodegenError(p.annotation.span, f"unsupported type for main's parameter {p.name!r}",
                                   "a bare list does not say how deep the input is: write list[int] or list[list[int]]"
                                   if bare else "use int, list[int] or list[list[int]]")
            shape = shapes.get(p.name)
            if declared is None:
                if shape is None:
                    raise CodegenError(p.span, f"main's parameter {p.name!r} needs a type annotation")
                declared = INT if not shape else VType("list", len(shape))
            if declared.is_list:
                if shape is None:
                    raise CodegenError(p.span, f"main's list parameter {p.name!r} needs a shape",
                                       "pass an input file (zkvm run/compile --input FILE) that fixes its length")
                if len(shape) != declared.depth:
                    raise InputError(p.name, f"expected a {declared.describe()}, got a value of {len(shape)} dimension(s)")
                ragged = len(shape) > 1 and isinstance(shape[1], list)
                t = VType("list", declared.depth, shape[0], shape[1] if len(shape) > 1 and not ragged else None)
                size = sum(shape[1]) if ragged else int(np.prod(shape)) if shape else 0
            else:
                if shape not in (None, []):
                    raise InputError(p.name, f"expected an int, got a list of shape {shape}")
                t = INT
                size = 1
            types.append(t)
            sig.append({"name": p.name, "type": declared.describe(), "shape": list(shape or []), "offset": offset, "size": size})
            offset += size
        return types, sig, offset

    # --- whole program --------------------------------------------------------------------
    def build(self) -> Program:
        self.place_constants()
        if self.diags:
            raise _diag_error(self.diags)
        types, sig, in_size = self.main_params()
        if self.exact_arithmetic:
            self.ranges = self.range_analysis(types, sig)
        # list headers for main's list inputs live in the data region (filled once the
        # input region's address is known)
        header_slots: list[tuple[dict, int]] = []
        for t, s in zip(types, sig):
            if t.is_list:
                words = HEADER if t.depth == 1 else HEADER + t.length + HEADER * t.length
                addr = DATA_BASE + self.data_size()
                self.data_words.append(np.zeros(words, dtype=object))
                header_slots.append((s, addr))
        main = self.specialize(self.functions["main"], types, self.functions["main"].span)
        out_type = main.returns
        adapter = None
        if out_type.parts is not None:
            # a tuple holding lists of lists: main's result goes through a function that lays it
            # out as rows (see output_rows); the signature says how to read them back
            adapter = self.specialize(output_rows(out_type, self.functions["main"].span), [out_type],
                                      self.functions["main"].span)
            parts = [("int" if not p.is_list else "list" if p.depth == 1 else "table") for p in out_type.parts]
            out_type = adapter.returns
        if out_type.is_list and out_type.depth > 2:
            fn = self.functions["main"]
            raise CodegenError(fn.returns.span if fn.returns is not None else fn.span,
                               f"unsupported: main() returns {a_type(out_type)}, nested three deep",
                               "an output is an int, a list, a list of lists or a tuple of ints and lists: "
                               "return the parts (return m[0], m[1]) or flatten them")
        if out_type.is_list:
            out_size = 1  # the output cell points to a record built by the entry stub
            output_sig = {"type": out_type.describe(), "record": True, "depth": out_type.depth}
            if out_type.boxed:
                output_sig["boxed"] = sorted(out_type.boxed)
            if adapter is not None:
                output_sig["parts"] = parts
        elif out_type.kind == "none":
            out_size = 0
            output_sig = {"type": "none", "shape": []}
        else:
            out_size = 1
            output_sig = {"type": "int", "shape": []}
        entry = self.entry_code(types, sig, header_slots, out_type, adapter)
        need = max(self.stack_need(main.key), self.stack_need(adapter.key) if adapter is not None else 0)
        stack_size = entry.frame_size + 3 + need + 4
        data_size = self.data_size()
        layout = Layout.build(data_size, 0, in_size, out_size, stack_size, self.const_size())
        data = np.concatenate(self.data_words) if self.data_words else np.zeros(0, dtype=object)
        consts = np.concatenate(self.const_words) if self.const_words else np.zeros(0, dtype=object)
        data[HP_INDEX] = layout.heap_base
        for s, addr in header_slots:
            base = addr - DATA_BASE
            first = layout.in_base + s["offset"]
            shape = s["shape"]
            if len(shape) == 1:
                data[base : base + 3] = [shape[0], shape[0], first]
            else:
                rows, cols = shape
                lens = cols if isinstance(cols, list) else [cols] * rows  # (rows of different lengths)
                ptrs = addr + HEADER
                inner = ptrs + rows
                data[base : base + 3] = [rows, rows, ptrs]
                at = first
                for r in range(rows):
                    data[base + HEADER + r] = inner + HEADER * r
                    h = base + HEADER + rows + HEADER * r
                    data[h : h + 3] = [lens[r], lens[r], at]
                    at += lens[r]
        code, debug = self.link([entry] + [c for k, c in self.compiled.items()], layout)
        signature = {
            "params": [{"name": s["name"], "type": s["type"], "shape": s["shape"]} for s in sig],
            "output": output_sig,
            "arithmetic": "exact" if self.exact_arithmetic else "field",
        }
        if self.private:
            from zkvm.isa.program import PRIVATE_BITS

            signature["private"] = {"words": self.private_words, "bits": PRIVATE_BITS, "arrays": self.private}
        return Program(tuple(code), _int_tuple(data), layout, signature, tuple(debug), _int_tuple(consts))

    def stack_need(self, root: str) -> int:
        """The words of stack the calls from ``root`` (a compiled function) can occupy: the
        deepest chain of frames (each frame and the three words of its call), where a cycle of
        functions that call each other counts MAX_RECURSION_DEPTH frames of its largest one
        (their calls stop there, see FunctionCompiler.check_depth)."""
        graph = {k: {c for c in u.callees if c in self.compiled} for k, u in self.compiled.items()}
        comp = _components(graph)
        need: dict[int, int] = {}

        def of(cid: int) -> int:
            if cid not in need:
                keys = [k for k, c in comp.items() if c == cid]
                cyclic = len(keys) > 1 or keys[0] in graph[keys[0]]
                frames = max(self.compiled[k].frame_size + 3 for k in keys) * (self.max_recursion_depth if cyclic else 1)
                below = {comp[c] for k in keys for c in graph[k]} - {cid}
                need[cid] = frames + max((of(b) for b in below), default=0)
            return need[cid]

        return of(comp[root])

    def entry_code(self, types, sig, header_slots, out_type: VType, adapter: Compiled | None = None) -> Compiled:
        fn = A.FunctionDef(self.functions["main"].span, "<entry>", (), None, ())
        fc = FunctionCompiler(self, fn, "<entry>", [])
        fc.at(self.functions["main"])
        headers = {s["name"]: addr for s, addr in header_slots}
        for k, (t, s) in enumerate(zip(types, sig)):
            if t.is_list:
                fc.emit(op.MOVI, c=FrameEnd(3 + k), imm=headers[s["name"]])
            else:
                fc.emit(op.LDA, c=FrameEnd(3 + k), imm=Abs("in", s["offset"]))
        main_key = self.compiled_key("main")
        fc.pass_depth(self.functions["main"], len(self.functions["main"].params))
        fc.emit(op.CALL, b=FrameEnd(2), c=FrameEnd(1), imm=FuncRef(main_key))
        result = fc.temp()
        fc.emit(op.ADDI, c=result, a=FrameEnd(0), imm=0)
        callees = {main_key}
        if adapter is not None:
            fc.emit(op.ADDI, c=FrameEnd(3), a=result, imm=0)
            fc.emit(op.CALL, b=FrameEnd(2), c=FrameEnd(1), imm=FuncRef(adapter.key))
            fc.emit(op.ADDI, c=result, a=FrameEnd(0), imm=0)
            callees.add(adapter.key)
        if out_type.is_list:
            self.output_record(fc, result, out_type.depth)
        elif out_type.kind != "none":
            fc.emit(op.STA, a=result, imm=Abs("out", 0))
        fc.emit(op.HALT)
        fc.emit_traps()
        return Compiled("<entry>", fc.code, fc.high, NONE, callees)

    def output_record(self, fc: FunctionCompiler, result: int, depth: int) -> None:
        """Copy the returned list into a record [n, values...] (or [rows, len_0, .., values...])
        at the start of the heap, and point the output cell at it.

        The record's address is part of the public statement, so it must not depend on the
        private input: the record is first built at the heap pointer (it may gather rows from
        anywhere in the heap), then moved down to the heap's base (a forward copy: the base is
        at or below the record), which nothing reads after main has returned."""
        n, rec, dst, src, words = fc.temp(), fc.temp(), fc.temp(), fc.temp(), fc.temp()
        fc.emit(op.LD, c=n, a=result, imm=0)
        if depth == 1:
            fc.emit(op.ADDI, c=words, a=n, imm=1)
            fc.alloc(None, words, rec)
            fc.emit(op.ST, a=rec, b=n, imm=0)
            fc.emit(op.ADDI, c=dst, a=rec, imm=1)
            fc.emit(op.LD, c=src, a=result, imm=2)
            fc.copy_words(src, dst, n)
        else:
            # [rows, len_0 .. len_{rows-1}, values of row 0, row 1, ...] (rows may differ)
            rows_ptr, i, c, row, ln, lens_at = (fc.temp() for _ in range(6))
            fc.emit(op.LD, c=rows_ptr, a=result, imm=2)
            fc.emit(op.ADDI, c=words, a=n, imm=1)  # header words
            top, end = Label("sizes"), Label("sizes_end")
            fc.emit(op.MOVI, c=i, imm=0)
            fc.label(top)
            fc.emit(op.LT32, c=c, a=i, b=n)
            fc.emit(op.BZ, a=c, imm=end)
            fc.emit(op.ADD, c=row, a=rows_ptr, b=i)
            fc.emit(op.LD, c=row, a=row, imm=0)
            fc.emit(op.LD, c=ln, a=row, imm=0)
            fc.emit(op.ADD, c=words, a=words, b=ln)
            fc.emit(op.ADDI, c=i, a=i, imm=1)
            fc.emit(op.JMP, imm=top)
            fc.label(end)
            fc.alloc(None, words, rec)
            fc.emit(op.ST, a=rec, b=n, imm=0)
            fc.emit(op.ADDI, c=lens_at, a=rec, imm=1)
            fc.emit(op.ADD, c=dst, a=lens_at, b=n)
            top2, end2 = Label("rows"), Label("rows_end")
            fc.emit(op.MOVI, c=i, imm=0)
            fc.label(top2)
            fc.emit(op.LT32, c=c, a=i, b=n)
            fc.emit(op.BZ, a=c, imm=end2)
            fc.emit(op.ADD, c=row, a=rows_ptr, b=i)
            fc.emit(op.LD, c=row, a=row, imm=0)
            fc.emit(op.LD, c=ln, a=row, imm=0)
            fc.emit(op.ST, a=lens_at, b=ln, imm=0)
            fc.emit(op.ADDI, c=lens_at, a=lens_at, imm=1)
            fc.emit(op.LD, c=src, a=row, imm=2)
            fc.copy_words(src, dst, ln)
            fc.emit(op.ADD, c=dst, a=dst, b=ln)
            fc.emit(op.ADDI, c=i, a=i, imm=1)
            fc.emit(op.JMP, imm=top2)
            fc.label(end2)
        base = fc.temp()
        fc.emit(op.MOVI, c=base, imm=Abs("heap", 0))
        fc.copy_words(rec, base, words)
        fc.emit(op.STA, a=base, imm=Abs("out", 0))

    def compiled_key(self, name: str) -> str:
        return next(k for k in self.compiled if k.startswith(name + "("))

    def link(self, units: list[Compiled], layout: Layout) -> tuple[list[Instruction], list[str]]:
        base: dict[str, int] = {}
        pc = 0
        for u in units:
            base[u.key] = pc
            pc += len(u.code)
        # label positions are relative to their unit
        code: list[Instruction] = []
        debug: list[str] = []
        for u in units:
            start = base[u.key]
            for ins in u.code:
                fields = []
                for v in (ins.a, ins.b, ins.c, ins.imm):
                    fields.append(self.resolve(v, u, start, base, layout))
                a, b, c, imm = fields
                code.append(Instruction(ins.op, a, b, c, imm))
                debug.append(ins.loc)
        return code, debug

    def resolve(self, v, unit: Compiled, start: int, base: dict[str, int], layout: Layout) -> int:
        if isinstance(v, int):
            return v
        if isinstance(v, FrameEnd):
            return unit.frame_size + v.k
        if isinstance(v, Label):
            assert v.pos is not None, f"unplaced label {v.name}"
            return start + v.pos
        if isinstance(v, FuncRef):
            return base[v.key]
        if isinstance(v, Abs):
            if v.what == "hp":
                return DATA_BASE + HP_INDEX
            if v.what == "out":
                return layout.out_base + v.k
            if v.what == "in":
                return layout.in_base + v.k
            if v.what == "heap":
                return layout.heap_base + v.k
        raise AssertionError(f"unresolved operand {v!r}")


def _walk(stmts):
    return A.walk(tuple(stmts))


def output_rows(t: VType, span: Span) -> A.FunctionDef:
    """The function that lays out a tuple holding lists of lists (``return matrix, n``) as a
    list of rows, in core form: an int as the row [x], a list as one row, a list of lists as
    the row [number of rows] followed by its rows. shaped_output reads it back with the
    signature's ``parts``."""
    t_name, out = A.Name(span, "t"), A.Name(span, "out")
    body: list[A.Stmt] = [A.Assign(span, (out,), A.ListLit(span, ()))]

    def append(v: A.Expr) -> A.Stmt:
        return A.ExprStmt(span, A.Call(span, "append", (v,), receiver=A.Name(span, "out")))

    for k, p in enumerate(t.parts):
        part = A.Subscript(span, A.Name(span, "t"), A.IntLit(span, k))
        if not p.is_list:
            body.append(append(A.ListLit(span, (part,))))
        elif p.depth == 1:
            body.append(append(part))
        else:
            body.append(append(A.ListLit(span, (A.Call(span, "len", (part,)),))))
            body.append(A.For(span, f"row.{k}", span, part, (append(A.Name(span, f"row.{k}")),)))
    body.append(A.Return(span, out))
    return A.FunctionDef(span, "<output>", (A.Param(span, t_name.id, None),), None, tuple(body))


def _fits(actual: VType, guess: VType) -> bool:
    """Does a recursive function's return type agree with the type its own calls assumed?"""
    if actual.kind != guess.kind:
        return False
    return not actual.is_list or actual.depth in (0, guess.depth)


def _cycles(functions: dict[str, A.FunctionDef]) -> dict[str, frozenset[str]]:
    """Each function that is part of a cycle of calls -> the functions of its cycle."""
    graph = {name: {n.func for n in _walk(fn.body) if isinstance(n, A.Call) and n.receiver is None and n.func in functions}
             for name, fn in functions.items()}
    comp = _components(graph)
    out = {}
    for name, cid in comp.items():
        members = frozenset(k for k, c in comp.items() if c == cid)
        if len(members) > 1 or name in graph[name]:
            out[name] = members
    return out


def _components(graph: dict[str, set[str]]) -> dict[str, int]:
    """Strongly connected components (Tarjan, iterative): node -> component number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                cid = len(set(comp.values()))
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = cid
                    if w == node:
                        break
    return comp


def _root(e):
    while isinstance(e, A.Subscript):
        e = e.value
    return e.id if isinstance(e, A.Name) else None


def _diag_error(diags):
    from zkvm.errors import CompileError

    return CompileError(diags)


def _as_declared(param: A.Param, t: VType) -> VType:
    """An empty list literal ([], of no element type yet) passed to a list parameter takes the
    parameter's annotated depth, so that the callee can use its elements as the annotation says."""
    if t.is_list and t.depth == 0 and param.annotation is not None:
        declared = from_annotation(param.annotation)
        if declared is not None and declared.is_list:
            return VType("list", declared.depth, t.length, None)
    return t


def _int_tuple(values) -> tuple[int, ...]:
    """The data words as Python ints: through an int64 array when they fit (a million constants
    in 30 ms instead of 200 ms element by element), else one by one."""
    try:
        return tuple(np.asarray(values, dtype=np.int64).tolist())
    except (OverflowError, TypeError, ValueError):
        return tuple(int(v) for v in values)
