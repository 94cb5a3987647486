"""Code generation: the checked syntax tree -> instructions of the zkvm ISA.

Frames: a function's parameters are frame slots 0..k-1, then its locals and temporaries. A
call writes the arguments past the caller's frame and uses the convention of docs/isa.md
(return value at the callee's fp - 3). Frame sizes are known only once a function is compiled,
so offsets past the frame end are placeholders resolved afterwards.

Functions are compiled once per combination of argument list lengths known at compile time
(they are specialized, like templates): lengths then flow from main's inputs and the
constants into helper functions, which is what lets a dot product written as a loop become one
``mac`` instruction.

A failed assert or a failed output-length check jumps to a trap (an instruction that cannot
execute). The debug entry of a trap, of a ``chk`` (an index's bounds check, lists.py) and of an
instruction whose overflow means a Python operator's result left the value range carries the
source line and the reason, so the VM's error names them.

Integers have CPython's semantics on the whole value range (docs/dsl.md, *Integer semantics*;
expressions.py and :mod:`zkvm.compiler.intrinsics`). Rarely taken paths (a divisor of 2^32 or
more, a shift by 32 or more) are emitted out of line, after the function's code, so that the
common path does not jump over them.

This module holds the core of :class:`FunctionCompiler`: frame slots and temporaries, emission
(labels, traps, out-of-line blocks, shared subroutines), the function body and its prologue,
the statements other than ``for`` loops, and the static type checks. The rest of the class is
assembled from mixins, one concern each:

* ``loops.py``: ``for`` loops over ranges and lists (hoisted pointers, reserved appends);
* ``mac.py``: dot products fused into one ``mac`` instruction;
* ``expressions.py``: expressions, conditions, comparisons, constants and intervals;
* ``lists.py``: allocation, indexing, growth, concatenation and comprehensions of lists;
* ``calls.py``: builtins and calls of the program's functions;

and ``lengths.py`` infers the types and list lengths of a function's variables. What they emit
(instructions, labels, ...) is in ``ir.py``, the questions about the syntax tree they share in
``tree.py``. Laying out and linking the compiled functions is link.py's: nothing here knows
the final addresses.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from zkvm.compiler import ast as A
from zkvm.compiler import guards
from zkvm.compiler.calls import CallsMixin
from zkvm.compiler.expressions import ExpressionsMixin
from zkvm.compiler.ir import NONE_HELP, CodegenError, Compiled, FrameEnd, FuncRef, Ins, Label, LoopCtx, Var, a_type
from zkvm.compiler.lengths import CountedAppends, LengthAnalysis
from zkvm.compiler.lists import ListsMixin
from zkvm.compiler.loops import LoopsMixin
from zkvm.compiler.mac import MacMixin
from zkvm.compiler.tree import breaks, walk_all
from zkvm.compiler.types import NONE, VType, from_annotation, unify
from zkvm.isa import opcodes as op

if TYPE_CHECKING:
    from zkvm.compiler.link import ProgramCompiler
    from zkvm.source import Span

TRAP_SEPARATOR = "|"
LIST_HELP = "index the list, or use len(), sum(), min() or max()"


class FunctionCompiler(LoopsMixin, MacMixin, ExpressionsMixin, ListsMixin, CallsMixin):
    """Compiles one specialization of one function."""

    def __init__(self, program: ProgramCompiler, fn: A.FunctionDef, key: str, param_types: list[VType],
                 known: dict[str, int] | None = None, site: Span | None = None) -> None:
        self.prog = program
        self.fn = fn
        self.key = key
        self.code: list[Ins] = []
        self.vars: dict[str, Var] = {}
        self.comp_targets: list[str] = []  # comprehension variables in scope (innermost last)
        self.next_slot = 0
        self.high = 0
        self.free: list[int] = []
        self.loops: list[LoopCtx] = []
        self.returns: VType | None = from_annotation(fn.returns) if fn.returns is not None else None
        self.declared_return = self.returns
        self.return_seen: VType | None = None
        self.callees: set[str] = set()
        self.traps: list[tuple[Label, str]] = []
        self.cold: list[tuple[list[Ins], list[Label]]] = []  # out-of-line blocks (see cold_block)
        self.placed: list[Label] | None = None  # labels placed in the cold block being emitted
        self.loc = ""
        # a builtin of prelude.py is compiled for each call site, and its errors name that site
        self.site: Span | None = site
        # int parameters whose value this specialization was compiled for (see int_constants)
        self.known: dict[str, int] = dict(known or {})
        # int loop variables with known bounds while their loop body runs: name -> (lo, hi)
        self.ranges: dict[str, tuple[int, int]] = {}
        # constants that operations inside loops read from a slot set once per call (const_slot)
        self.const_slots: dict[int, int] = {}
        self.hoist_constants = False  # only compile() emits the prologue that sets them
        # loop variables of running range loops that stay in [0, stop): name -> (stop, names
        # the loop body assigns); indexing with them needs no bounds check
        self.bounded: dict[str, tuple[A.Expr, set[str]]] = {}
        # list variables whose element pointer is loaded once before a loop: name -> slot
        self.hoisted: dict[str, int] = {}
        # lists whose appends in the running loop have reserved room: name -> write pointer slot
        self.reserved: dict = {}
        self._fresh: set[str] | None = None
        self._bindings: dict[str, int] | None = None  # see bound_once
        for p, t in zip(fn.params, param_types):
            self.vars[p.name] = Var(self.alloc_var(), t)
        # a recursive function takes one more argument, after its parameters: its depth among
        # the active calls of its cycle of functions (link.py, MAX_RECURSION_DEPTH)
        recursive = getattr(program, "recursive_cycle", None)
        self.cycle: frozenset[str] = recursive(fn.name) if recursive is not None else frozenset()
        self.depth_slot: int | None = self.alloc_var() if self.cycle else None
        self.param_names = [p.name for p in fn.params]
        self.lengths = LengthAnalysis(self, param_types).run()
        # reads of a loop variable after a loop that may not have run (see definite.py): each
        # such variable gets a flag slot, set by its assignments and tested by those reads
        checked = getattr(program, "checked", None)
        self.unbound_reads: dict[tuple[int, int], str] = (checked.unbound_checks.get(fn.name, {}) if checked else {})
        self.flags: dict[str, int] = {}

    # --- slots ---------------------------------------------------------------------------
    def alloc_var(self) -> int:
        s = self.next_slot
        self.next_slot += 1
        self.high = max(self.high, self.next_slot)
        return s

    def temp(self) -> int:
        if self.free:
            return self.free.pop()
        return self.alloc_var()

    def release(self, *slots: int) -> None:
        for s in slots:
            if isinstance(s, int) and s >= 0 and not self.is_var_slot(s) and s not in self.free \
                    and s not in self.const_slots.values():
                self.free.append(s)

    def const_slot(self, value: int) -> int:
        """A slot holding ``value``, to be read (never written) by the caller, which may release
        it. Inside a loop it is a slot of its own set once by the function's prologue, so a
        turn of the loop does not spend a movi on it; elsewhere a temp set here."""
        if self.loops and self.hoist_constants:
            s = self.const_slots.get(value)
            if s is None:
                s = self.const_slots[value] = self.alloc_var()
            return s
        t = self.temp()
        self.emit(op.MOVI, c=t, imm=value)
        return t

    def is_var_slot(self, s: int) -> bool:
        return any(v.slot == s for v in self.vars.values())

    # --- emission ---------------------------------------------------------------------------
    def emit(self, opcode: int, a=0, b=0, c=0, imm=0) -> Ins:
        ins = Ins(opcode, a, b, c, imm, self.loc)
        self.code.append(ins)
        return ins

    def emit_reason(self, opcode: int, node: A.Node, reason: str, a=0, b=0, c=0, imm=0) -> Ins:
        """An instruction whose only possible fault (a failed chk, an overflow) means ``reason``
        at this line: its debug entry carries the reason, as a trap's does. An arithmetic one
        gets an overflow guard first when the program's operation at ``node`` is not known to
        be exact (guards.py)."""
        if opcode in guards.ARITHMETIC and guards.needed(self, node):
            guards.guard(self, opcode, node, reason, a, b, imm)
        ins = Ins(opcode, a, b, c, imm, f"{node.span.file}:{node.span.line}{TRAP_SEPARATOR}{reason}")
        self.code.append(ins)
        return ins

    def label(self, lab: Label) -> None:
        lab.pos = len(self.code)
        if self.placed is not None:
            self.placed.append(lab)

    @contextmanager
    def cold_block(self, start: Label):
        """Emit a rarely taken path out of line: the code emitted inside the ``with`` goes after
        the function's code (it must end with a jump), starting at ``start``. It is generated
        here, with the slots of this point of the function, and only moved."""
        saved_code, saved_placed = self.code, self.placed
        self.code, self.placed = [], []
        self.label(start)
        try:
            yield
        finally:
            block, placed = self.code, self.placed
            self.code, self.placed = saved_code, saved_placed
            self.cold.append((block, placed))

    def emit_cold(self) -> None:
        """Append the out-of-line blocks, moving their labels with them."""
        for block, placed in self.cold:
            base = len(self.code)
            for lab in placed:
                lab.pos += base
            self.code.extend(block)
        self.cold = []

    def call_routine(self, name: str, build, args: list[int], results: int) -> list:
        """Call the shared subroutine ``name`` (built once per program by ``build``) with int
        arguments; it leaves its results in its parameter slots, returned here as operands to
        read right after the call."""
        key = self.prog.routine(name, build, len(args))
        self.callees.add(key)
        for k, v in enumerate(args):
            self.emit(op.ADDI, c=FrameEnd(3 + k), a=v, imm=0)
        self.emit(op.CALL, b=FrameEnd(2), c=FrameEnd(1), imm=FuncRef(key))
        return [FrameEnd(3 + k) for k in range(results)]

    def at(self, node: A.Node) -> None:
        span = self.site or node.span
        self.loc = f"{span.file}:{span.line}"

    def trap(self, node: A.Node, reason: str) -> Label:
        """A label whose code stops the machine with an error naming this line."""
        lab = Label("trap")
        span = self.site or node.span
        self.traps.append((lab, f"{span.file}:{span.line}{TRAP_SEPARATOR}{reason}"))
        return lab

    # --- function body -------------------------------------------------------------------
    def compile(self) -> Compiled:
        self.at(self.fn)
        self.hoist_constants = True
        if self.depth_slot is not None:
            self.check_depth()
        for name in sorted(set(self.unbound_reads.values())):
            self.flags[name] = self.alloc_var()
            self.emit(op.MOVI, c=self.flags[name], imm=0)
        for s in self.fn.body:
            self.stmt(s)
        if _falls_through(self.fn.body):
            # Python returns None there: a function that returns a value must not reach its end
            valued = self.return_seen if self.return_seen is not None and self.return_seen.kind != "none" else None
            if valued is not None:
                last = self.fn.body[-1] if self.fn.body else self.fn
                raise CodegenError(last.span,
                                   f"{self.fn.name}() can reach the end of its body without a return statement, "
                                   f"and then returns None instead of {a_type(valued)}",
                                   "end the function with a return statement (Python returns None when it falls off the end)")
        # falling off the end returns None (0); the inferred type carries lengths. A function
        # without a valued return statement returns None whatever its annotation says (using
        # its result as a number is then a compile-time type error, as in Python at run time)
        self.returns = self.return_seen or NONE
        d = self.declared_return
        if self.returns.is_list and self.returns.depth == 0 and d is not None and d.is_list:
            self.returns = VType("list", d.depth, self.returns.length)  # return []: the annotation's type
        self.emit_return_default()
        self.emit_traps()
        self.emit_prologue()
        return Compiled(self.key, self.code, self.high, self.returns, self.callees)

    def check_depth(self) -> None:
        """Stop, as CPython raises RecursionError, when this call would make more than
        MAX_RECURSION_DEPTH calls of the function's cycle active (its depth counts from 0): the
        stack reserved for the cycle (link.py) holds that many frames, so recursion never
        overwrites the heap."""
        limit = self.temp()
        self.emit(op.MOVI, c=limit, imm=self.prog.max_recursion_depth)
        self.emit_reason(op.CHK, self.fn, f"RecursionError: maximum recursion depth exceeded ({self.fn.name}() and the "
                         f"functions it calls recursively have {self.prog.max_recursion_depth} calls active)",
                         a=self.depth_slot, b=limit)
        self.release(limit)

    def emit_prologue(self) -> None:
        """Put the movi instructions of the constant slots (const_slot) at the function's start,
        moving every label of the code after them."""
        if not self.const_slots:
            return
        loc = f"{self.fn.span.file}:{self.fn.span.line}"
        prologue = [Ins(op.MOVI, 0, 0, s, v, loc) for v, s in self.const_slots.items()]
        moved: set[int] = set()
        for ins in self.code:
            for v in (ins.a, ins.b, ins.c, ins.imm):
                if isinstance(v, Label) and id(v) not in moved:
                    moved.add(id(v))
                    v.pos += len(prologue)
        self.code[:0] = prologue

    def emit_traps(self) -> None:
        """The out-of-line blocks, then each trap: an instruction that cannot execute (a
        division by zero), whose debug entry names the source line and the reason."""
        self.emit_cold()
        for lab, reason in self.traps:
            self.label(lab)
            t = self.temp()
            self.code.append(Ins(op.MOVI, 0, 0, t, 0, reason))
            self.code.append(Ins(op.DIV, t, t, t, 0, reason))
        self.traps = []

    def emit_return_default(self) -> None:
        self.emit(op.MOVI, c=-3, imm=0)
        self.emit(op.RET, a=-1, b=-2)

    # --- statements -----------------------------------------------------------------------
    def stmt(self, s: A.Stmt) -> None:
        self.at(s)
        if isinstance(s, A.Assign):
            if len(s.targets) == 1 and isinstance(s.targets[0], A.Name):
                self.assign_name(s.targets[0], s.value)
                return
            value = self.expr(s.value)
            vt = self.type_of(s.value)
            for t in s.targets:
                self.store_target(t, value, vt, s.value)
            self.release(value)
        elif isinstance(s, A.AnnAssign):
            if s.value is None:
                return
            if isinstance(s.target, A.Name):
                self.assign_name(s.target, s.value)
            else:
                v = self.expr(s.value)
                self.store_target(s.target, v, self.type_of(s.value), s.value)
                self.release(v)
        elif isinstance(s, A.AugAssign):
            self.aug_assign(s)
        elif isinstance(s, A.ExprStmt):
            if isinstance(s.value, A.Call) and s.value.receiver is not None and s.value.func == "append":
                self.append_call(s.value)  # its None result is not needed
            else:
                r = self.expr(s.value, discard=True)
                self.release(r)
        elif isinstance(s, A.Return):
            self.ret(s)
        elif isinstance(s, A.If):
            self.if_stmt(s)
        elif isinstance(s, A.While):
            self.while_stmt(s)
        elif isinstance(s, A.For):
            self.for_stmt(s)
        elif isinstance(s, A.Break):
            self.emit(op.JMP, imm=self.loops[-1].brk)
        elif isinstance(s, A.Continue):
            self.emit(op.JMP, imm=self.loops[-1].cont)
        elif isinstance(s, A.Assert):
            reason = "assertion failed" + (f": {s.msg.text}" if isinstance(s.msg, A.Unsupported) and s.msg.text else "")
            if not self.assert_range(s, reason):
                c = self.expr(s.test)
                self.emit(op.BZ, a=c, imm=self.trap(s, reason))
                self.release(c)
        elif isinstance(s, A.Pass):
            pass
        else:  # pragma: no cover - the checker rejects the rest
            raise CodegenError(s.span, f"unsupported statement {type(s).__name__}")

    def assert_range(self, s: A.Assert, reason: str) -> bool:
        """``assert lo <= x <= hi`` (< or <= on either side, constant ends less than 2^32
        apart): one chk of x - lo against the width, 1 or 2 cycles in a loop (the width is a
        constant slot set once per call), 2 or 3 elsewhere (the usual way to declare
        an input's bounds). x - lo is computed modulo p without a guard: it lies in
        [0, width) exactly when x does lie in [lo, hi], whatever x is, so the check is exact;
        the instruction carries the assert's reason, which its overflow would also mean."""
        t = s.test
        if not (isinstance(t, A.Compare) and len(t.ops) == 2 and all(o in ("<", "<=") for o in t.ops)):
            return False
        lo, hi = self.const_value(t.left), self.const_value(t.comparators[1])
        x = t.comparators[0]
        if lo is None or hi is None or self.type_of(x).kind != "int" or self.const_value(x) is not None:
            return False
        lo += t.ops[0] == "<"
        hi -= t.ops[1] == "<"
        width = hi - lo + 1
        if not 0 < width <= (1 << 32):
            return False
        v = self.expr(x)
        w = self.const_slot(width)  # (inside a loop: set once per call, not every turn)
        where = f"{s.span.file}:{s.span.line}{TRAP_SEPARATOR}{reason}"
        if lo:
            shifted = self.temp()
            self.code.append(Ins(op.ADDI, v, 0, shifted, -lo, where))
            self.code.append(Ins(op.CHK, shifted, w, 0, 0, where))
            self.release(shifted)
        else:
            self.code.append(Ins(op.CHK, v, w, 0, 0, where))
        self.release(v, w)
        return True

    def mark_assigned(self, name: str) -> None:
        if name in self.flags:
            self.emit(op.MOVI, c=self.flags[name], imm=1)

    def check_assigned(self, e: A.Name) -> None:
        """Stop with Python's error if this read of a loop variable comes after a loop that did not run."""
        name = self.unbound_reads.get((e.span.line, e.span.col))
        if name is not None and name in self.flags:
            self.emit(op.BZ, a=self.flags[name], imm=self.trap(
                e, f"local variable {name!r} is not assigned (the loop that assigns it did not run)"))

    def var_for(self, name: A.Name, vt: VType) -> Var:
        v = self.vars.get(name.id)
        declared = self.lengths.types.get(name.id)
        if v is None:
            t = declared or vt
            v = self.vars[name.id] = Var(self.alloc_var(), t)
            return v
        if v.type.kind != vt.kind:
            raise CodegenError(name.span, f"{name.id!r} holds {a_type(v.type)} and cannot be assigned {a_type(vt)}",
                               "use a different variable for values of another type" + (
                                   " (a variable that may be None cannot be used as a number)" if "none" in (v.type.kind, vt.kind) else ""))
        return v

    def assign_name(self, target: A.Name, value: A.Expr) -> None:
        vt = self.type_of(value)
        if target.id in self.prog.constants and target.id not in self.vars and target.id not in self.lengths.types:
            pass  # a local shadowing a constant: Python makes it local to the function
        v = self.var_for(target, vt)
        bounds = self.interval(value) if vt.kind == "int" and self.bound_once(target.id) else None
        self.expr(value, dest=v.slot)
        self.mark_assigned(target.id)
        if bounds is not None:
            # the name's only binding: every value it ever holds is one this statement stored,
            # whose bounds hold where it was computed (base = (r + dr) * 8 + c in a loop over
            # r, dr and c lies in [0, 61]; indexing with base + 2 then needs no bounds check)
            self.ranges[target.id] = bounds

    def bound_once(self, name: str) -> bool:
        """Is ``name`` bound by exactly one plain assignment statement of this function (no
        other assignment, augmented assignment, loop or comprehension variable of that name,
        and not a parameter)?"""
        if self._bindings is None:
            counts: dict[str, int] = {p: 2 for p in self.param_names}
            for st in self.fn.body:
                for n in walk_all(st):
                    names: list[str] = []
                    if isinstance(n, A.Assign):
                        names = [t.id for t in n.targets if isinstance(t, A.Name)]
                    elif isinstance(n, (A.AugAssign, A.AnnAssign)) and isinstance(n.target, A.Name):
                        names = [n.target.id]
                    elif isinstance(n, (A.For, A.ListComp)):
                        names = [n.target, n.target]
                    for x in names:
                        counts[x] = counts.get(x, 0) + 1
            self._bindings = counts
        return self._bindings.get(name, 0) == 1

    def check_subscript(self, e: A.Subscript, stored: A.Expr | None = None) -> None:
        lt = self.need_list(e.value, "indexing")
        self.need_int(e.index, "a list index")
        if stored is not None:
            if lt.is_tuple:
                raise CodegenError(e.span, "type error: a tuple does not support item assignment (Python raises TypeError)",
                                   "build a new tuple: t = (v, t[1])")
            self.element_fits(lt, stored, "storing")

    def tuple_position(self, e: A.Subscript, t: VType) -> int:
        """The position a constant index reads in a tuple mixing ints and lists (negative ones
        count from the end, as in Python; out of range is Python's IndexError, found here)."""
        k = self.const_value(e.index)
        if k is None:
            raise CodegenError(e.index.span, f"unsupported: a computed index into a tuple that mixes ints and lists ({t.describe()})",
                               "its positions have different types: index it with a constant (t[0], t[-1]) or unpack it (score, path = t)")
        if not -t.length <= k < t.length:
            raise CodegenError(e.index.span, f"tuple index {k} out of range for a tuple of {t.length} (Python raises IndexError)")
        return k % t.length

    def store_target(self, t: A.Expr, value: int, vt: VType, value_expr: A.Expr | None = None) -> None:
        if isinstance(t, A.Name):
            v = self.var_for(t, vt)
            self.copy(v.slot, value)
            self.mark_assigned(t.id)
        elif isinstance(t, A.Subscript):
            self.check_subscript(t, value_expr)
            lst = self.expr(t.value)
            idx, addr = self.subscript_address(lst, t)
            self.emit(op.ST, a=addr, b=value, imm=0)
            self.release(lst, idx, addr)
        else:
            raise CodegenError(t.span, "unsupported assignment target")

    def aug_assign(self, s: A.AugAssign) -> None:
        binop = A.BinOp(s.span, s.op, s.target if not isinstance(s.target, A.Subscript) else s.target, s.value)
        if isinstance(s.target, A.Name):
            if s.target.id not in self.vars:
                raise CodegenError(s.target.span, f"{s.target.id!r} is used before it is assigned")
            tt = self.vars[s.target.id].type
            if tt.is_list:
                if s.op != "+":
                    raise CodegenError(s.span, f"unsupported: {s.op}= on a list", "use += to extend a list, or a loop")
                self.extend_in_place(s.target, s.value)
                return
            self.expr(binop, dest=self.vars[s.target.id].slot)
        elif isinstance(s.target, A.Subscript):
            self.check_subscript(s.target)
            if self.type_of(s.target).is_list:
                raise CodegenError(s.span, f"unsupported: {s.op}= on a row of a list of lists",
                                   "append to the row (m[i].append(v)) or assign a new row (m[i] = m[i] + [v])")
            self.need_int(s.value, f"'{s.op}='")
            called = any(isinstance(n, A.Call) and n.receiver is None and n.func in self.prog.functions
                         for n in walk_all(s.value))
            lst = self.expr(s.target.value)
            # xs[-1] += f(xs): Python stores at the index counted from the end of the list as
            # it is after the call (which may have grown it), so a call keeps the raw index
            raw = self.expr(s.target.index) if called and not self.from_start(s.target) \
                and self.const_value(s.target.index) is None else None
            idx, addr = self.subscript_address(lst, s.target, raw)  # (idx: counted from the start)
            cur = self.temp()
            self.emit(op.LD, c=cur, a=addr, imm=0)
            rc = self.const_value(s.value)
            if s.op == "**" and rc is not None and rc < 0:
                raise CodegenError(s.value.span, f"unsupported: ** with the negative exponent {rc} (Python gives a float)",
                                   "use a non-negative exponent; for scaled integers divide with //")
            rhs = self.expr(s.value) if rc is None else None
            if called and self.from_start(s.target):
                # W[0] -= f(W): the call may have grown the list and moved its elements (Python
                # stores into the same list object, at the same index: it cannot have shrunk)
                self.emit(op.LD, c=addr, a=lst, imm=2)
                self.emit(op.ADD, c=addr, a=addr, b=idx)
            elif called:
                self.release(idx, addr)
                idx, addr = self.subscript_address(lst, s.target, raw)  # counted from the new end
                self.release(raw)
            self.int_op(s.op, cur, rhs, cur, s, rc, None, s.value)
            self.emit(op.ST, a=addr, b=cur, imm=0)
            self.release(lst, idx, addr, cur)
            if rhs is not None:
                self.release(rhs)
        else:
            raise CodegenError(s.target.span, "unsupported augmented assignment target")

    def ret(self, s: A.Return) -> None:
        if s.value is None:
            self.emit(op.MOVI, c=-3, imm=0)
            vt = NONE
        else:
            vt = self.type_of(s.value)
            if vt.is_list and vt.length is None and isinstance(s.value, A.Name):
                vt = CountedAppends(self, s.value.id, s).length_type(vt) or vt
            self.expr(s.value, dest=-3)
        merged = unify(self.return_seen, vt) if self.return_seen is not None else vt
        if merged is None:
            raise CodegenError(s.span, f"{self.fn.name}() returns values of different types", "return one type from every return statement")
        self.return_seen = merged
        self.emit(op.RET, a=-1, b=-2)

    def if_stmt(self, s: A.If) -> None:
        else_l, end_l = Label("else"), Label("endif")
        self.branch_false(s.test, else_l)
        for x in s.body:
            self.stmt(x)
        if s.orelse:
            self.emit(op.JMP, imm=end_l)
        self.label(else_l)
        for x in s.orelse:
            self.stmt(x)
        self.label(end_l)

    def while_stmt(self, s: A.While) -> None:
        top, end = Label("while"), Label("endwhile")
        self.label(top)
        self.at(s)
        self.branch_false(s.test, end)
        self.loops.append(LoopCtx(end, top))
        for x in s.body:
            self.stmt(x)
        self.loops.pop()
        self.at(s)
        self.emit(op.JMP, imm=top)
        self.label(end)

    # --- static types ------------------------------------------------------------------------
    def need_int(self, e: A.Expr, what: str) -> None:
        """Reject (at compile time) a None or a list where Python needs a number."""
        t = self.type_of(e)
        if t.kind == "none":
            raise CodegenError(e.span, f"type error: {what} needs an int, got None", NONE_HELP)
        if t.is_list:
            raise CodegenError(e.span, f"type error: {what} needs an int, got {a_type(t)}", LIST_HELP)

    def need_list(self, e: A.Expr, what: str, depths=(0, 1, 2, 3)) -> VType:
        """Reject a value that is not a list (of one of the given depths) where one is needed."""
        t = self.type_of(e)
        if t.kind == "none":
            raise CodegenError(e.span, f"type error: {what} needs a list, got None", NONE_HELP)
        if not t.is_list:
            raise CodegenError(e.span, f"type error: {what} needs a list, got {a_type(t)}",
                               "only lists can be indexed, measured or iterated")
        if t.depth not in depths:
            if 2 in depths or t.depth < 2:  # pragma: no cover - depths are 0..3
                raise CodegenError(e.span, f"type error: {what} needs a list, got {a_type(t)}")
            fname = what.rstrip("()")
            raise CodegenError(e.span, f"unsupported: {what} of a list of lists",
                               f"Python would {'add' if fname == 'sum' else 'compare'} the rows as lists: apply it "
                               f"to each row, for example [{fname}(row) for row in m]")
        return t

    def element_fits(self, lst: VType, value: A.Expr, what: str) -> None:
        """A value stored into (or appended to) a list must have the list's element type."""
        vt = self.type_of(value)
        if vt.kind == "none":
            raise CodegenError(value.span, f"type error: {what} None into a list", NONE_HELP + "; lists hold ints or lists of ints")
        if vt.is_list and vt.depth == 3:
            raise CodegenError(value.span, f"unsupported: {what} {a_type(vt)} into a list",
                               "lists nest at most three deep")
        if lst.depth == 0:
            return
        if lst.depth == 3 and vt.is_list and vt.depth in (0, 2):
            if vt.depth == 2 and lst.item is not None and unify(lst.item.unknown_lengths(), vt.unknown_lengths()) is None:
                raise CodegenError(value.span, f"type error: {what} {a_type(vt)} into a {lst.describe()}",
                                   "a list holds elements of one type (tuples of the same shape)")
            return
        want_list = lst.depth >= 2
        if vt.is_list and vt.depth == 2 or lst.depth == 3:
            raise CodegenError(value.span, f"type error: {what} {a_type(vt)} into a {lst.describe()}",
                               "a list holds elements of one type")
        if vt.is_list != want_list:
            if what == "putting":
                raise CodegenError(value.span, "unsupported: a list that mixes ints and lists",
                                   "a list holds elements of one type: all ints, or all lists of ints")
            raise CodegenError(value.span, f"type error: {what} {a_type(vt)} into a {lst.describe()}, whose elements are "
                               f"{'lists' if want_list else 'ints'}",
                               "a list holds elements of one type: all ints, or all lists of ints")

    def same_kind(self, values, what: str) -> None:
        """The operands of a value-producing and/or or conditional expression must share a type."""
        ts = [self.type_of(v) for v in values]
        for v, t in zip(values[1:], ts[1:]):
            if unify(ts[0], t) is None:
                raise CodegenError(v.span, f"unsupported: {what} mixes {a_type(ts[0])} and {a_type(t)}",
                                   "give every operand the same type (use 0 or [] instead of None)")

    def type_of(self, e: A.Expr) -> VType:
        return self.lengths.expr_type(e, self.vars_types())

    def vars_types(self) -> dict[str, VType]:
        out = dict(self.lengths.types)
        for k, v in self.vars.items():
            if k not in out or k in self.comp_targets:
                out[k] = v.type  # a comprehension's variable is its own, whatever the function's is
        return out


def _falls_through(stmts) -> bool:
    """Can execution reach the end of this statement list (conservatively: True unless a
    statement certainly returns or stops: a return, an if whose branches both do, a ``while
    True`` loop without a break, or ``assert False`` (what ``raise`` becomes))?"""
    for st in stmts:
        if isinstance(st, A.Return):
            return False
        if isinstance(st, A.If) and st.orelse and not _falls_through(st.body) and not _falls_through(st.orelse):
            return False
        if isinstance(st, A.While) and _truthy_constant(st.test) and not breaks(st.body):
            return False
        if isinstance(st, A.Assert) and isinstance(st.test, (A.BoolLit, A.IntLit)) and not _truthy_constant(st.test):
            return False  # assert False (and raise): the run stops here
    return True


def _truthy_constant(e) -> bool:
    return (isinstance(e, A.BoolLit) and e.value) or (isinstance(e, A.IntLit) and e.value != 0)
