"""Code generation: the checked syntax tree -> instructions of the zkvm ISA.

Frames: a function's parameters are frame slots 0..k-1, then its locals and temporaries. A
call writes the arguments past the caller's frame and uses the convention of docs/isa.md
(return value at the callee's fp - 3). Frame sizes are known only once a function is compiled,
so offsets past the frame end are placeholders resolved afterwards.

Functions are compiled once per combination of argument list lengths known at compile time
(they are specialized, like templates): lengths then flow from main's inputs and the
constants into helper functions, which is what lets a dot product written as a loop become one
``mac`` instruction.

Lists are heap objects (docs/dsl.md): a header ``[length, capacity, pointer]`` and an element
buffer; ``append`` doubles the buffer when full, so aliasing survives growth. Indexing is
bounds-checked (one ``chk`` instruction); a failed assert or a failed output-length check
jumps to a trap (an instruction that cannot execute). The debug entry of a trap, of a ``chk``
and of an instruction whose overflow means a Python operator's result left the value range
carries the source line and the reason, so the VM's error names them.

Integers have CPython's semantics on the whole value range (docs/dsl.md, *Integer semantics*):
comparisons use ``lt`` (two rows), or the one-row ``lt32`` where the operands are known to fit
it (see ``interval``); the other operators are in :mod:`zkvm.compiler.intrinsics`. Rarely taken
paths (a divisor of 2^32 or more, a shift by 32 or more) are emitted out of line, after the
function's code, so that the common path does not jump over them.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from zkvm.compiler import ast as A
from zkvm.compiler import guards
from zkvm.compiler import intrinsics as intr
from zkvm.compiler.intervals import H as H_VALUE
from zkvm.compiler.intervals import Interval
from zkvm.compiler.aliases import fresh_lists
from zkvm.compiler.constants import HEADER, int_binop
from zkvm.compiler.types import INT, LIST1, LIST2, NONE, VType, from_annotation, unify
from zkvm.errors import Diagnostic
from zkvm.isa import opcodes as op
from zkvm.source import Span

TRAP_SEPARATOR = "|"
INT_OPS = ("+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^")
MAX_LENGTH = 1 << 28  # no list is longer: its elements fill memory words, whose addresses the AIR bounds by 2^28


NONE_HELP = ("Python raises TypeError here. None is what a function without a return value (or a bare "
             "'return') gives: return an int, or use a sentinel int such as -1")
LIST_HELP = "index the list, or use len(), sum(), min() or max()"


def a_type(t: VType) -> str:
    """A type for messages: None, an int, a list[int], ..."""
    if t.kind == "none":
        return "None"
    if t.kind == "int":
        return "an int"
    return "a " + t.describe()


class CodegenError(Exception):
    def __init__(self, span: Span, message: str, help: str = "") -> None:
        super().__init__(message)
        self.diag = Diagnostic(span, message, help)


# --- operands that are resolved after compilation ---------------------------------------------
@dataclass(frozen=True)
class FrameEnd:
    """An offset relative to the end of the current function's frame."""

    k: int


@dataclass(frozen=True)
class Abs:
    """An absolute address or value fixed by the final layout ("out", "hp", ...)."""

    what: str
    k: int = 0


class Label:
    def __init__(self, name: str = "") -> None:
        self.name = name
        self.pos: int | None = None


@dataclass
class FuncRef:
    key: str


@dataclass
class Ins:
    op: int
    a: object = 0
    b: object = 0
    c: object = 0
    imm: object = 0
    loc: str = ""


@dataclass
class Var:
    slot: int
    type: VType


@dataclass
class Compiled:
    key: str
    code: list[Ins]
    frame_size: int
    returns: VType
    callees: set[str] = field(default_factory=set)


@dataclass
class LoopCtx:
    brk: Label
    cont: Label


class FunctionCompiler:
    """Compiles one specialization of one function."""

    def __init__(self, program: "ProgramCompiler", fn: A.FunctionDef, key: str, param_types: list[VType],
                 known: dict[str, int] | None = None) -> None:
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
        for p, t in zip(fn.params, param_types):
            self.vars[p.name] = Var(self.alloc_var(), t)
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
        self.loc = f"{node.span.file}:{node.span.line}"

    def trap(self, node: A.Node, reason: str) -> Label:
        """A label whose code stops the machine with an error naming this line."""
        lab = Label("trap")
        self.traps.append((lab, f"{node.span.file}:{node.span.line}{TRAP_SEPARATOR}{reason}"))
        return lab

    # --- function body -------------------------------------------------------------------
    def compile(self) -> Compiled:
        self.at(self.fn)
        self.hoist_constants = True
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
        apart): one chk of x - lo against the width, 2 or 3 cycles (the usual way to declare
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
        w = self.temp()
        self.emit(op.MOVI, c=w, imm=width)
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
        self.expr(value, dest=v.slot)
        self.mark_assigned(target.id)

    def check_subscript(self, e: A.Subscript, stored: A.Expr | None = None) -> None:
        lt = self.need_list(e.value, "indexing")
        self.need_int(e.index, "a list index")
        if stored is not None:
            self.element_fits(lt, stored, "storing")

    def store_target(self, t: A.Expr, value: int, vt: VType, value_expr: A.Expr | None = None) -> None:
        if isinstance(t, A.Name):
            v = self.var_for(t, vt)
            self.copy(v.slot, value)
            self.mark_assigned(t.id)
        elif isinstance(t, A.Subscript):
            self.check_subscript(t, value_expr)
            lst = self.expr(t.value)
            idx = self.expr(t.index)
            addr = self.element_address(lst, idx, t, self.index_in_bounds(t.value, t.index))
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
            lst = self.expr(s.target.value)
            idx = self.expr(s.target.index)
            addr = self.element_address(lst, idx, s.target, self.index_in_bounds(s.target.value, s.target.index))
            cur = self.temp()
            self.emit(op.LD, c=cur, a=addr, imm=0)
            rc = self.const_value(s.value)
            if s.op == "**" and rc is not None and rc < 0:
                raise CodegenError(s.value.span, f"unsupported: ** with the negative exponent {rc} (Python gives a float)",
                                   "use a non-negative exponent; for scaled integers divide with //")
            rhs = self.expr(s.value) if rc is None else None
            if any(isinstance(n, A.Call) and n.receiver is None and n.func in self.prog.functions for n in _walk_all(s.value)):
                # W[0] -= f(W): the call may have grown the list and moved its elements (Python
                # stores into the same list object, at the same index: it cannot have shrunk)
                self.emit(op.LD, c=addr, a=lst, imm=2)
                self.emit(op.ADD, c=addr, a=addr, b=idx)
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

    def for_stmt(self, s: A.For) -> None:
        if self.try_mac_loop(s):
            return
        if isinstance(s.iter, A.Call) and s.iter.func == "range" and s.iter.receiver is None:
            self.for_range(s.target, s.target_span, s.iter, lambda: [self.stmt(x) for x in s.body], s)
        else:
            self.for_list(s.target, s.target_span, s.iter, lambda: [self.stmt(x) for x in s.body], s)

    def loop_var(self, name: str, span: Span, vt: VType) -> Var:
        v = self.vars.get(name)
        if v is None:
            v = self.vars[name] = Var(self.alloc_var(), self.lengths.types.get(name) or vt)
        elif v.type.kind != vt.kind:
            raise CodegenError(span, f"{name!r} holds a {v.type.describe()}; the loop gives it a {vt.describe()}")
        return v

    def for_range(self, target: str, tspan: Span, call: A.Call, body, node, args: list[int] | None = None,
                  comp_list: int | None = None) -> None:
        """A loop over range(...). ``args``: the range arguments when the caller evaluated them
        already (a comprehension, in the enclosing scope); ``comp_list``: the list a
        comprehension appends to (its capacity is reserved once, see reserve())."""
        const_step = self.const_value(call.args[2]) if len(call.args) == 3 else 1
        if const_step == 0:
            raise CodegenError(call.span, "range() step must not be zero")
        scanned = node.body if isinstance(node, A.For) else (node.elt, node.cond)
        assigned = _assigned_names(scanned)
        var = self.loop_var(target, tspan, INT)
        # the loop variable can be the counter itself when the body never assigns it and no
        # code reads it after the loop (Python leaves it at the last value, not at stop)
        own_counter = target not in assigned and (not isinstance(node, A.For) or self.dead_after_loop(target, node))
        i = var.slot if own_counter else self.temp()
        lim = self.temp()
        step = len(call.args) == 3
        stp = self.temp() if step and const_step is None else None
        # range arguments are evaluated once and in order, like Python's (stop and step go
        # straight to their slots; start last, since the counter may be the variable itself)
        start_const = self.const_value(call.args[0]) if len(call.args) >= 2 else 0
        if args is None:
            for a in call.args:
                self.need_int(a, "range()")
            # a constant argument is not evaluated at run time unless it reads a variable
            # (len(row) of a row whose length is known: the read may find row unassigned)
            start_slot = None
            if len(call.args) >= 2 and (start_const is None or self.reads_locals(call.args[0])):
                start_slot = self.expr(call.args[0])
            self.expr(call.args[-1] if len(call.args) == 1 else call.args[1], dest=lim)
            if stp is not None:
                self.expr(call.args[2], dest=stp)
            elif step and self.reads_locals(call.args[2]):
                self.release(self.expr(call.args[2]))
        else:
            start_slot = args[0] if len(args) >= 2 else None
            self.copy(lim, args[-1] if len(args) == 1 else args[1])
            if stp is not None:
                self.copy(stp, args[2])
        if stp is not None:  # a runtime step of 0 is an error in Python too
            self.emit(op.BZ, a=stp, imm=self.trap(call, "range() step must not be zero"))
        if start_slot is None:
            self.emit(op.MOVI, c=i, imm=start_const or 0)
        else:
            self.copy(i, start_slot)
        if args is not None:
            self.release(*args)
        elif start_slot is not None:
            self.release(start_slot)
        top, cont, end = Label("for"), Label("next"), Label("endfor")
        new_hoists = self.hoist_pointers(scanned, assigned) if isinstance(node, A.For) else []
        stop_expr = call.args[0] if len(call.args) == 1 else call.args[1]
        stop_const = self.const_value(stop_expr)
        # the values the counter takes lie between start and stop, moved by at most a step:
        # the loop's compares can be one-row lt32s when those are known to be small
        span = _hull((0, 0) if len(call.args) == 1 else self.interval(call.args[0]), self.interval(stop_expr))
        step_iv = (const_step, const_step) if const_step is not None else self.interval(call.args[2])
        reach = max(abs(step_iv[0]), abs(step_iv[1])) + 1 if step_iv is not None else None
        small = span is not None and reach is not None and intr.is_small((span[0] - reach, span[1] + reach))
        cmp_op = op.LT32 if small else op.LT
        reserved = []
        if const_step is not None:
            # rotated: test once on entry, then test at the bottom (3 cycles a turn with the
            # increment). Unit steps count up to the limit with eq; other constant steps
            # compare against a limit moved by one so that bz jumps back while not done.
            if not (start_const is not None and stop_const is not None and len(range(start_const, stop_const, const_step)) > 0):
                cond = self.temp()
                if const_step > 0:
                    self.emit(cmp_op, c=cond, a=i, b=lim)
                else:
                    self.emit(cmp_op, c=cond, a=lim, b=i)
                self.emit(op.BZ, a=cond, imm=end)
                self.release(cond)
            # the number of turns: lim - i for steps of +-1 (at least 1 here), a constant for
            # other steps (only when the range is constant)
            static_trips = self.static_range_length(call) if abs(const_step) != 1 else None
            countable = abs(const_step) == 1 or static_trips is not None
            plans = self.plan_reservations(node.body, assigned) if isinstance(node, A.For) and countable else []
            if plans or comp_list is not None:
                assert countable
                trips = self.temp()
                if static_trips is not None:
                    self.emit(op.MOVI, c=trips, imm=static_trips)
                elif const_step == 1:
                    self.emit(op.SUB, c=trips, a=lim, b=i)
                else:
                    self.emit(op.SUB, c=trips, a=i, b=lim)
                reserved = self.reserve(plans, trips, comp_list, span is not None and span[1] - span[0] <= MAX_LENGTH)
                self.release(trips)
            if abs(const_step) != 1:
                self.emit(op.ADDI, c=lim, a=lim, imm=-1 if const_step > 0 else 1)
            self.load_hoisted(new_hoists)
            self.label(top)
        else:
            assert comp_list is None
            # runtime step: the direction once (step > 0), then one compare a turn: i < lim
            # going up, lim < i going down
            pos = self.temp()
            z = self.const_slot(0)
            self.emit(cmp_op, c=pos, a=z, b=stp)
            self.release(z)
            self.load_hoisted(new_hoists)
            self.label(top)
            cond, down, tested = self.temp(), Label("range_down"), Label("range_tested")
            self.emit(op.BZ, a=pos, imm=down)
            self.emit(cmp_op, c=cond, a=i, b=lim)
            self.emit(op.JMP, imm=tested)
            self.label(down)
            self.emit(cmp_op, c=cond, a=lim, b=i)
            self.label(tested)
            self.emit(op.BZ, a=cond, imm=end)
            self.release(cond)
        if not own_counter:
            self.copy(var.slot, i)
        if isinstance(node, A.For):
            self.mark_assigned(target)
        bounded = target not in assigned and start_const is not None and start_const >= 0 \
            and const_step is not None and const_step > 0
        saved = self.bounded.get(target)
        if bounded:
            self.bounded[target] = (call.args[0] if len(call.args) == 1 else call.args[1], assigned)
        else:
            self.bounded.pop(target, None)
        saved_range = self.ranges.pop(target, None)
        if target not in assigned and span is not None:
            self.ranges[target] = span
        self.loops.append(LoopCtx(end, cont))
        body()
        self.loops.pop()
        if saved is not None:
            self.bounded[target] = saved
        else:
            self.bounded.pop(target, None)
        _restore(self.ranges, target, saved_range)
        self.at(node)
        self.label(cont)
        if const_step is not None:
            stop_iv = self.interval(stop_expr)
            if abs(const_step) == 1 or (stop_iv is not None and -H_VALUE <= stop_iv[0] + const_step and stop_iv[1] + const_step <= H_VALUE):
                self.emit(op.ADDI, c=i, a=i, imm=const_step)  # i < stop (or > stop) before: exact
            else:
                # the counter may step past the value range (a forger would wrap it around
                # p and run more turns): an overflow stops the run, guarded in the proof
                self.emit_reason(op.ADDI, call, intr.overflow("range()"), c=i, a=i, imm=const_step)
            c2 = self.temp()
            if abs(const_step) == 1:
                self.emit(op.EQ, c=c2, a=i, b=lim)
            elif const_step > 0:
                self.emit(cmp_op, c=c2, a=lim, b=i)  # done when i > stop - 1
            else:
                self.emit(cmp_op, c=c2, a=i, b=lim)  # done when i < stop + 1
            self.emit(op.BZ, a=c2, imm=top)
            self.release(c2)
            self.write_back(reserved)
        else:
            self.emit_reason(op.ADD, call, intr.overflow("range()"), c=i, a=i, b=stp)
            self.emit(op.JMP, imm=top)
        self.label(end)
        if const_step is None:
            self.write_back(reserved)
        self.release(lim, stp)
        if const_step is None:
            self.release(pos)
        if not own_counter:
            self.release(i)
        for name, slot in new_hoists:
            del self.hoisted[name]
            self.release(slot)

    def reads_locals(self, e: A.Expr) -> bool:
        return any(isinstance(n, A.Name) and n.id in self.vars for n in _walk_all(e))

    def hoist_pointers(self, body, assigned: set[str]) -> list[tuple[str, int]]:
        """Lists whose element buffer cannot move while the loop runs get their buffer pointer
        loaded once, before the loop: the list variable is not reassigned in the body, the body
        calls no user function (which might grow it), and every list the body appends to is a
        fresh local that cannot be the same list."""
        if any(isinstance(n, A.Call) and n.receiver is None and n.func in self.prog.functions for r in body for n in _walk_all(r)):
            return []
        grown = set()
        for r in body:
            for n in _walk_all(r):
                if isinstance(n, A.Call) and n.receiver is not None:
                    if not isinstance(n.receiver, A.Name) or n.receiver.id not in self.fresh_lists():
                        return []
                    grown.add(n.receiver.id)
                elif isinstance(n, A.AugAssign) and isinstance(n.target, A.Name) and self.type_of(n.target).is_list:
                    # ys += [v] grows ys in place, and with it every alias of ys
                    if n.target.id not in self.fresh_lists():
                        return []
                    grown.add(n.target.id)
        used = []
        for r in body:
            for n in _walk_all(r):
                if isinstance(n, A.Subscript) and isinstance(n.value, A.Name):
                    used.append(n.value.id)
                elif isinstance(n, A.For) and _is_range(n.iter) and len(n.body) == 1:
                    used.extend(x.id for x in _walk_all(n.body[0]) if isinstance(x, A.Name))  # mac operands
        out = []
        for name in dict.fromkeys(used):
            v = self.vars.get(name)
            if v is None or not v.type.is_list or name in assigned or name in grown or name in self.hoisted \
                    or name in self.flags:
                continue
            slot = self.temp()
            self.hoisted[name] = slot
            out.append((name, slot))
        return out

    def load_hoisted(self, hoists: list[tuple[str, int]]) -> None:
        for name, slot in hoists:
            self.emit(op.LD, c=slot, a=self.vars[name].slot, imm=2)

    def fresh_lists(self) -> set[str]:
        """Local list variables that can never share their list with another variable
        (aliases.fresh_lists)."""
        if self._fresh is None:
            self._fresh = fresh_lists(self.fn, self.prog.functions)
        return self._fresh

    def dead_after_loop(self, name: str, loop: A.For) -> bool:
        """True if no read of ``name`` can see the value ``loop`` leaves in it: every read is
        in the body of a ``for name in ...`` loop (which assigns it first) that is ``loop``
        itself or does not contain ``loop`` (a loop inside another one over the same name
        leaves its value to the rest of the outer body)."""
        return _loop_value_unread(self.fn.body, name, loop)

    def for_list(self, target: str, tspan: Span, iterable: A.Expr, body, node, lst: int | None = None,
                 lt: VType | None = None, comp_list: int | None = None) -> None:
        """A loop over a list's elements. ``lst``/``lt``: the list when the caller evaluated it
        already (a comprehension); ``comp_list``: the comprehension's new list, when the
        iteration is stable (see stable_iteration) and its capacity can be reserved."""
        if lst is None:
            lt = self.type_of(iterable)
            if not lt.is_list:
                raise CodegenError(iterable.span, f"type error: cannot iterate over {a_type(lt)}", "loop over range(...) or a list")
            lst = self.temp()
            self.expr(iterable, dest=lst)
        if lt.depth == 0:
            self.must_be_empty(lst, iterable)  # (the body cannot run: it is not compiled)
            self.release(lst)
            return
        var = self.loop_var(target, tspan, lt.element())
        # the name is an element now, whatever an enclosing loop over a range said about it
        saved = self.bounded.pop(target, None), self.ranges.pop(target, None)
        try:
            self.for_list_body(target, iterable, body, node, lst, var, comp_list)
        finally:
            _restore(self.bounded, target, saved[0])
            _restore(self.ranges, target, saved[1])

    def for_list_body(self, target: str, iterable: A.Expr, body, node, lst: int, var: Var, comp_list: int | None) -> None:
        top, cont, end = Label("for"), Label("next"), Label("endfor")
        if self.stable_iteration(iterable, node):
            # the list cannot grow while the loop runs: walk a pointer over its buffer, with
            # the test at the bottom (4 cycles a turn besides the body)
            n, p, e = self.temp(), self.temp(), self.temp()
            self.emit(op.LD, c=n, a=lst, imm=0)
            self.emit(op.BZ, a=n, imm=end)
            self.emit(op.LD, c=p, a=lst, imm=2)
            self.emit(op.ADD, c=e, a=p, b=n)
            hoists, plans = [], []
            if isinstance(node, A.For):
                assigned = _assigned_names(node.body) | {target}  # (a row variable changes every turn)
                plans = self.plan_reservations(node.body, assigned)
                hoists = self.hoist_pointers(node.body, assigned)
            reserved = self.reserve(plans, n, comp_list, True)
            self.release(n)
            self.load_hoisted(hoists)
            self.label(top)
            self.emit(op.LD, c=var.slot, a=p, imm=0)
            if isinstance(node, A.For):
                self.mark_assigned(target)
            self.loops.append(LoopCtx(end, cont))
            body()
            self.loops.pop()
            self.at(node)
            self.label(cont)
            c = self.temp()
            self.emit(op.ADDI, c=p, a=p, imm=1)
            self.emit(op.EQ, c=c, a=p, b=e)
            self.emit(op.BZ, a=c, imm=top)
            self.release(c)
            self.write_back(reserved)
            self.label(end)
            self.release(lst, p, e)
            for name, slot in hoists:
                del self.hoisted[name]
                self.release(slot)
            return
        assert comp_list is None
        i = self.temp()
        self.emit(op.MOVI, c=i, imm=0)
        self.label(top)
        n = self.temp()
        cond = self.temp()
        self.emit(op.LD, c=n, a=lst, imm=0)  # re-read: the body may append
        self.emit(op.LT32, c=cond, a=i, b=n)  # (an index and a length)
        self.emit(op.BZ, a=cond, imm=end)
        ptr = self.temp()
        self.emit(op.LD, c=ptr, a=lst, imm=2)
        self.emit(op.ADD, c=ptr, a=ptr, b=i)
        self.emit(op.LD, c=var.slot, a=ptr, imm=0)
        if isinstance(node, A.For):
            self.mark_assigned(target)
        self.release(n, cond, ptr)
        self.loops.append(LoopCtx(end, cont))
        body()
        self.loops.pop()
        self.at(node)
        self.label(cont)
        self.emit(op.ADDI, c=i, a=i, imm=1)
        self.emit(op.JMP, imm=top)
        self.label(end)
        self.release(lst, i)

    def stable_iteration(self, iterable: A.Expr, node) -> bool:
        """Can the iterated list not grow while the loop runs (so that its length and buffer
        can be read once)? A comprehension: its element and condition call no function and
        append nothing. A for statement: its body calls no user function, and every list it
        grows (append, +=) is a fresh local other than the iterated one."""
        if isinstance(node, A.ListComp):
            parts = [x for x in (node.elt, node.cond) if x is not None]
            return not any(isinstance(n, A.Call) and (n.receiver is not None or n.func in self.prog.functions)
                           for x in parts for n in _walk_all(x))
        root = _root_name(iterable)
        fresh = self.fresh_lists()
        for r in node.body:
            for n in _walk_all(r):
                if isinstance(n, A.Call):
                    if n.receiver is None:
                        if n.func in self.prog.functions:
                            return False
                    elif not (isinstance(n.receiver, A.Name) and n.receiver.id in fresh and n.receiver.id != root):
                        return False
                elif isinstance(n, A.AugAssign) and isinstance(n.target, A.Name) and self.type_of(n.target).is_list:
                    return False
        return True

    # --- appends with reserved capacity ----------------------------------------------------------
    def plan_reservations(self, body, assigned: set[str]) -> list[tuple[str, int, int]]:
        """Lists a loop body appends to that can have room for all of its appends made once,
        before the loop, so that each append is a store and an increment: (name, slot, appends
        per turn). The list is not reassigned in the loop and not otherwise used there: its
        appends are statements of the body (possibly under if/else, not in an inner loop);
        either it is a fresh local (no other name can see it) or the body calls no function
        and reads no name that may share it (aliases.py), so that nothing reads its length
        before it is written back after the loop. The body has no break and no return, so that
        the loop runs all of its turns: the room reserved is at most what the turns use when
        the appends are unconditional, and never more than one word per turn and append."""
        if _breaks(body) or any(isinstance(n, A.Return) for r in body for n in _walk_all(r)):
            return []
        counts: dict[str, int] = {}
        receivers: set[int] = set()

        def direct(stmts) -> None:
            for st in stmts:
                if isinstance(st, A.ExprStmt) and isinstance(st.value, A.Call) and st.value.receiver is not None \
                        and st.value.func == "append" and isinstance(st.value.receiver, A.Name):
                    counts[st.value.receiver.id] = counts.get(st.value.receiver.id, 0) + 1
                    receivers.add(id(st.value.receiver))
                elif isinstance(st, A.If):
                    direct(st.body)
                    direct(st.orelse)

        direct(body)
        if not counts:
            return []
        mentioned = {n.id for r in body for n in _walk_all(r) if isinstance(n, A.Name) and id(n) not in receivers}
        fresh = self.fresh_lists()
        calls = any(isinstance(n, A.Call) and n.receiver is None and n.func in self.prog.functions
                    for r in body for n in _walk_all(r))
        out = []
        for name, k in counts.items():
            v = self.vars.get(name)
            if name in mentioned or name in assigned or v is None or not v.type.is_list \
                    or name in self.reserved or name in self.flags:
                continue
            if name not in fresh and (calls or self.may_alias(name, mentioned)):
                continue  # another name for the list could see its length before the write-back
            out.append((name, v.slot, k))
        return out

    def may_alias(self, name: str, others) -> bool:
        """May one of the names ``others`` (read in this function) refer to ``name``'s list, or
        to a list holding it (aliases.py)?"""
        aliases = getattr(self.prog, "aliases", None)
        if aliases is None:
            return True
        return aliases.shares_any(self.fn.name, name, others)

    def reserve(self, plans, trips: int, comp_list: int | None = None, small: bool = False) -> list:
        """Make room for ``trips`` turns of appends (see plan_reservations) and register a
        write pointer per list; write_back() stores the lengths after the loop. A
        comprehension's new list (an empty header) gets a buffer of exactly ``trips`` words."""
        active = []
        if comp_list is not None:
            buf, q = self.temp(), self.temp()
            self.alloc(None, trips, buf)
            self.emit(op.ST, a=comp_list, b=trips, imm=1)
            self.emit(op.ST, a=comp_list, b=buf, imm=2)
            self.copy(q, buf)
            key = ("comp", comp_list)
            self.reserved[key] = q
            active.append((key, comp_list, buf, q))
        for name, lst, k in plans:
            n, cap, need, c = self.temp(), self.temp(), self.temp(), self.temp()
            ok = Label("reserved")
            self.emit(op.LD, c=n, a=lst, imm=0)
            self.emit(op.LD, c=cap, a=lst, imm=1)
            if k == 1:
                self.emit(op.ADD, c=need, a=n, b=trips)
            else:
                self.emit(op.MULI, c=need, a=trips, imm=k)
                self.emit(op.ADD, c=need, a=need, b=n)
            intr.less(self, c, cap, need, small and k == 1)  # (then need <= 2 MAX_LENGTH: see for_range)
            self.emit(op.BZ, a=c, imm=ok)
            newbuf, old = self.temp(), self.temp()
            self.alloc(None, need, newbuf)
            self.emit(op.LD, c=old, a=lst, imm=2)
            self.copy_words(old, newbuf, n)
            self.emit(op.ST, a=lst, b=need, imm=1)
            self.emit(op.ST, a=lst, b=newbuf, imm=2)
            self.release(newbuf, old)
            self.label(ok)
            p, q = self.temp(), self.temp()
            self.emit(op.LD, c=p, a=lst, imm=2)
            self.emit(op.ADD, c=q, a=p, b=n)
            self.release(n, cap, need, c)
            self.reserved[name] = q
            active.append((name, lst, p, q))
        return active

    def write_back(self, active) -> None:
        for key, lst, p, q in active:
            t = self.temp()
            self.emit(op.SUB, c=t, a=q, b=p)
            self.emit(op.ST, a=lst, b=t, imm=0)
            self.release(t, p, q)
            del self.reserved[key]

    def append_reserved(self, q: int, value: int) -> None:
        self.emit(op.ST, a=q, b=value, imm=0)
        self.emit(op.ADDI, c=q, a=q, imm=1)

    # --- mac fusion -----------------------------------------------------------------------
    def mac_operands(self, e: A.Expr, index: str) -> tuple[A.Expr, A.Expr] | None:
        """e == A[i] * B[i] with A, B not depending on i: (A, B)."""
        if not (isinstance(e, A.BinOp) and e.op == "*"):
            return None
        left, right = e.left, e.right
        if not (isinstance(left, A.Subscript) and isinstance(right, A.Subscript)):
            return None
        if not (_is_name(left.index, index) and _is_name(right.index, index)):
            return None
        if _mentions(left.value, index) or _mentions(right.value, index):
            return None
        # the list expressions are evaluated once, where Python evaluates them every turn:
        # only when that cannot be told apart (no calls that could have effects)
        if any(isinstance(n, A.Call) and (n.receiver is not None or n.func in self.prog.functions)
               for x in (left.value, right.value) for n in _walk_all(x)):
            return None
        return left.value, right.value

    def try_mac_loop(self, s: A.For) -> bool:
        """for i in range(N): acc += A[i] * B[i]   ->   one mac instruction."""
        if len(s.body) != 1 or not (isinstance(s.iter, A.Call) and s.iter.func == "range" and s.iter.receiver is None):
            return False
        n = self.static_range_length(s.iter)
        if not n:  # (a loop that never runs: compiled as one, its body never evaluated)
            return False
        body = s.body[0]
        acc, value = None, None
        if isinstance(body, A.AugAssign) and body.op == "+" and isinstance(body.target, A.Name):
            acc, value = body.target, body.value
        elif isinstance(body, A.Assign) and len(body.targets) == 1 and isinstance(body.targets[0], A.Name):
            t = body.targets[0]
            if isinstance(body.value, A.BinOp) and body.value.op == "+" and _is_name(body.value.left, t.id):
                acc, value = t, body.value.right
        if acc is None or acc.id == s.target or acc.id not in self.vars or self.vars[acc.id].type != INT:
            return False
        ops = self.mac_operands(value, s.target)
        if ops is None or _mentions(ops[0], acc.id) or _mentions(ops[1], acc.id):
            return False
        update = body if isinstance(body, A.AugAssign) else body.value
        if guards.needed(self, update) or guards.needed(self, value):
            return False  # not known to stay in range: a loop with overflow guards instead
        self.at(s)
        self.check_assigned(acc)
        self.emit_mac(self.vars[acc.id].slot, ops[0], ops[1], n, s)
        if n > 0 and not self.dead_after_loop(s.target, s):
            var = self.loop_var(s.target, s.target_span, INT)
            self.emit(op.MOVI, c=var.slot, imm=n - 1)  # Python leaves the last index bound
            self.mark_assigned(s.target)
        return True

    def static_range_length(self, call: A.Call) -> int | None:
        vals = [self.const_value(a) for a in call.args]
        if any(v is None for v in vals):
            return None
        return len(range(*vals))

    def emit_mac(self, acc_slot: int, a: A.Expr, b: A.Expr, n: int, node: A.Node) -> None:
        la, lb = self.expr(a), self.expr(b)
        for lst, e in ((la, a), (lb, b)):
            known = self.type_of(e).length
            if known is None or known < n:
                # Python would raise IndexError inside the loop: check once up front
                ln = self.temp()
                last = self.temp()
                self.emit(op.LD, c=ln, a=lst, imm=0)
                self.emit(op.MOVI, c=last, imm=n - 1)
                self.emit_reason(op.CHK, node, "list index out of range", a=last, b=ln)
                self.release(ln, last)
        ptrs, temps = [], []
        for lst, e in ((la, a), (lb, b)):
            ptr = self.hoisted.get(e.id) if isinstance(e, A.Name) else None
            if ptr is None:
                ptr = self.temp()
                temps.append(ptr)
                self.emit(op.LD, c=ptr, a=lst, imm=2)
            ptrs.append(ptr)
        self.emit(op.MAC, c=acc_slot, a=ptrs[0], b=ptrs[1], imm=n)
        self.release(la, lb, *temps)

    # --- conditions ---------------------------------------------------------------------
    def branch_false(self, test: A.Expr, target: Label) -> None:
        """Jump to target when test is falsy (short-circuiting and/or/not)."""
        if isinstance(test, A.BoolOp) and test.op == "and":
            for v in test.values:
                self.branch_false(v, target)
            return
        if isinstance(test, A.BoolOp) and test.op == "or":
            ok = Label("or_true")
            for v in test.values[:-1]:
                self.branch_true(v, ok)
            self.branch_false(test.values[-1], target)
            self.label(ok)
            return
        if isinstance(test, A.UnaryOp) and test.op == "not":
            self.branch_true(test.operand, target)
            return
        if isinstance(test, A.Compare) and len(test.ops) == 1:
            # one comparison: branch on its result, or on its negation without computing it
            x, y = self.cmp_operand(test.left), self.cmp_operand(test.comparators[0])
            self.check_comparable(test, test.left, test.comparators[0])
            c = self.temp()
            negated = self.compare_pair(test.ops[0], test.left, x, test.comparators[0], y, c)
            self.release(*(v for v in (x, y) if v is not None))
            if negated:
                taken = Label("cmp_true")
                self.emit(op.BZ, a=c, imm=taken)
                self.emit(op.JMP, imm=target)
                self.label(taken)
            else:
                self.emit(op.BZ, a=c, imm=target)
            self.release(c)
            return
        c = self.truth(test)
        self.emit(op.BZ, a=c, imm=target)
        self.release(c)

    def branch_true(self, test: A.Expr, target: Label) -> None:
        skip = Label("skip")
        self.branch_false(test, skip)
        self.emit(op.JMP, imm=target)
        self.label(skip)

    def truth(self, e: A.Expr) -> int:
        """A slot that is zero iff e is falsy (lists: their length)."""
        t = self.type_of(e)
        r = self.expr(e)
        if t.is_list:
            n = self.temp()
            self.emit(op.LD, c=n, a=r, imm=0)
            self.release(r)
            return n
        return r

    # --- expressions ----------------------------------------------------------------------
    def const_value(self, e: A.Expr) -> int | None:
        """The value of an int expression known at compile time, else None (also when computing
        it would fail or leave the value range: then the run-time code stops with the error)."""
        v = self._const_value(e)
        return v if v is None or -intr.H <= v <= intr.H else None

    def _const_value(self, e: A.Expr) -> int | None:
        if isinstance(e, A.IntLit):
            return e.value
        if isinstance(e, A.BoolLit):
            return int(e.value)
        if isinstance(e, A.Name) and e.id in self.known:
            return self.known[e.id]
        if isinstance(e, A.Name) and e.id not in self.vars and e.id in self.prog.constants:
            c = self.prog.constants[e.id]
            return c.value if c.is_int else None
        if isinstance(e, A.UnaryOp) and e.op in ("-", "+", "~"):
            v = self.const_value(e.operand)
            if v is None:
                return None
            return -v if e.op == "-" else v if e.op == "+" else ~v
        if isinstance(e, A.BinOp) and e.op in INT_OPS:
            a, b = self.const_value(e.left), self.const_value(e.right)
            if a is None or b is None:
                return None
            try:
                return int_binop(e.op, a, b)
            except (ZeroDivisionError, ValueError, OverflowError):
                return None  # the run-time code raises the error where Python does
        if isinstance(e, A.Call) and e.func == "len" and e.receiver is None and len(e.args) == 1:
            if getattr(self, "lengths", None) is None:
                return None  # asked while the length analysis itself runs
            if any(isinstance(n, A.Name) and (n.span.line, n.span.col) in self.unbound_reads for n in _walk_all(e.args[0])):
                return None  # the read must happen: the variable may be unassigned (definite.py)
            return self.type_of(e.args[0]).length
        return None

    def interval(self, e: A.Expr | None) -> tuple[int, int] | None:
        """Bounds [lo, hi] that every value of the int expression ``e`` lies in, when they can
        be told at compile time (None otherwise). They decide where the one-row lt32 can
        replace lt, and which run-time tests an operation can skip; lt32 on values outside its
        range stops the machine, so a wrong bound could stop an honest run but never change a
        result. Sources: constants, lengths (a list is never longer than the memory), the
        variable of a running range loop that its body does not assign, and arithmetic on
        those."""
        if e is None:
            return None
        c = self.const_value(e)
        if c is not None:
            return c, c
        if isinstance(e, A.Name):
            return self.ranges.get(e.id)
        if isinstance(e, A.Compare) or (isinstance(e, A.UnaryOp) and e.op == "not"):
            return 0, 1
        if isinstance(e, A.Call) and e.receiver is None:
            if e.func == "len":
                return 0, MAX_LENGTH
            if e.func == "abs" and len(e.args) == 1:
                iv = self.interval(e.args[0])
                if iv is None:
                    return None
                lo, hi = iv
                return (lo, hi) if lo >= 0 else (-hi, -lo) if hi <= 0 else (0, max(-lo, hi))
            if e.func in ("min", "max") and len(e.args) > 1:
                ivs = [self.interval(a) for a in e.args]
                if any(iv is None for iv in ivs):
                    return None
                pick = min if e.func == "min" else max
                return pick(iv[0] for iv in ivs), pick(iv[1] for iv in ivs)
            return None
        if isinstance(e, A.UnaryOp):
            iv = self.interval(e.operand)
            if iv is None:
                return None
            return (-iv[1], -iv[0]) if e.op == "-" else (-iv[1] - 1, -iv[0] - 1) if e.op == "~" else iv
        if isinstance(e, (A.IfExp, A.BoolOp)):
            parts = (e.body, e.orelse) if isinstance(e, A.IfExp) else e.values
            if any(self.type_of(x).kind != "int" for x in parts):
                return None
            ivs = [self.interval(x) for x in parts]
            if any(iv is None for iv in ivs):
                return None
            return min(iv[0] for iv in ivs), max(iv[1] for iv in ivs)
        if isinstance(e, A.BinOp):
            return _binop_interval(e.op, self.interval(e.left), self.interval(e.right), self.const_value(e.right))
        return None

    def copy(self, dst: int, src: int) -> None:
        if dst != src:
            self.emit(op.ADDI, c=dst, a=src, imm=0)

    def expr(self, e: A.Expr, dest: int | None = None, discard: bool = False) -> int:
        """Evaluate e into a slot (dest if given, else a temp or a variable's own slot)."""
        out = self._expr(e, dest)
        if dest is not None and out != dest:
            self.copy(dest, out)
            self.release(out)
            return dest
        return out

    def dest_or_temp(self, dest: int | None) -> int:
        return dest if dest is not None else self.temp()

    def _expr(self, e: A.Expr, dest: int | None) -> int:
        cv = self.const_value(e) if not isinstance(e, A.Call) else None
        if cv is not None:
            r = self.dest_or_temp(dest)
            self.emit(op.MOVI, c=r, imm=cv)
            return r
        if isinstance(e, A.NoneLit):
            r = self.dest_or_temp(dest)
            self.emit(op.MOVI, c=r, imm=0)
            return r
        if isinstance(e, A.Name):
            if e.id in self.vars:
                self.check_assigned(e)
                return self.vars[e.id].slot
            if e.id in self.prog.constants:
                r = self.dest_or_temp(dest)
                self.emit(op.MOVI, c=r, imm=self.prog.const_address[e.id])
                return r
            raise CodegenError(e.span, f"unknown name {e.id!r}", "assign it before use, or define a module-level constant")
        if isinstance(e, A.BinOp):
            return self.binop(e, dest)
        if isinstance(e, A.UnaryOp):
            if e.op in ("+", "-", "~"):
                self.need_int(e.operand, f"unary '{e.op}'")
            x = self.expr(e.operand)
            r = self.dest_or_temp(dest)
            if e.op == "-":
                self.emit(op.MULI, c=r, a=x, imm=-1)  # (the value range is symmetric: no overflow)
            elif e.op == "~":
                intr.invert(self, x, r, e)
            elif e.op == "+":
                self.copy(r, x)
            else:
                z = self.truth_slot(e.operand, x)
                zero = self.temp()
                self.emit(op.MOVI, c=zero, imm=0)
                self.emit(op.EQ, c=r, a=z, b=zero)
                self.release(zero, z)
            self.release(x)
            return r
        if isinstance(e, A.Compare):
            return self.compare(e, dest)
        if isinstance(e, A.BoolOp):
            self.same_kind(e.values, f"'{e.op}'")
            clobbered = dest is not None and any(
                v.slot == dest and any(_mentions(x, name) for x in e.values[1:]) for name, v in self.vars.items())
            r = self.temp() if dest is None or clobbered else dest
            end = Label("boolop")
            for k, v in enumerate(e.values):
                self.expr(v, dest=r)
                if k < len(e.values) - 1:
                    if e.op == "and":
                        self.emit(op.BZ, a=r, imm=end)
                    else:
                        nxt = Label("or_next")
                        self.emit(op.BZ, a=r, imm=nxt)
                        self.emit(op.JMP, imm=end)
                        self.label(nxt)
            self.label(end)
            return r
        if isinstance(e, A.IfExp):
            self.same_kind((e.body, e.orelse), "a conditional expression")
            r = self.dest_or_temp(dest)
            other, end = Label("ifexp_else"), Label("ifexp_end")
            self.branch_false(e.test, other)
            self.expr(e.body, dest=r)
            self.emit(op.JMP, imm=end)
            self.label(other)
            self.expr(e.orelse, dest=r)
            self.label(end)
            return r
        if isinstance(e, A.Subscript):
            self.check_subscript(e)
            lst = self.expr(e.value)
            idx = self.expr(e.index)
            addr = self.element_address(lst, idx, e, self.index_in_bounds(e.value, e.index))
            r = self.dest_or_temp(dest)
            self.emit(op.LD, c=r, a=addr, imm=0)
            self.release(lst, idx, addr)
            return r
        if isinstance(e, A.ListLit):
            return self.list_literal(e, dest)
        if isinstance(e, A.ListComp):
            return self.list_comp(e, dest)
        if isinstance(e, A.Call):
            return self.call(e, dest)
        raise CodegenError(e.span, f"unsupported expression {type(e).__name__}")

    def truth_slot(self, e: A.Expr, value: int) -> int:
        if self.type_of(e).is_list:
            n = self.temp()
            self.emit(op.LD, c=n, a=value, imm=0)
            return n
        return value

    def binop(self, e: A.BinOp, dest: int | None) -> int:
        lt, rt = self.type_of(e.left), self.type_of(e.right)
        if lt.is_list or rt.is_list:
            return self.list_binop(e, lt, rt, dest)
        self.need_int(e.left, f"'{e.op}'")
        self.need_int(e.right, f"'{e.op}'")
        rc = self.const_value(e.right)
        if e.op == "**" and rc is not None and rc < 0:
            raise CodegenError(e.right.span, f"unsupported: ** with the negative exponent {rc} (Python gives a float)",
                               "use a non-negative exponent; for scaled integers divide with //")
        a = self.expr(e.left)
        r = self.dest_or_temp(dest)
        b = self.expr(e.right) if rc is None else None
        self.int_op(e.op, a, b, r, e, rc, e.left, e.right)
        self.release(a)
        if b is not None:
            self.release(b)
        return r

    def int_op(self, o: str, a: int, b: int | None, r: int, node: A.Node, bc: int | None = None,
               left: A.Expr | None = None, right: A.Expr | None = None) -> None:
        """r = a o b on ints, with CPython's semantics (intrinsics.py). ``bc`` is the right
        operand when it is a compile-time constant (then ``b`` is None); the operand
        expressions, when there are any, give intervals that let some run-time tests go."""
        if o in ("+", "-", "*"):
            if bc is not None:
                opcode, imm = (op.MULI, bc) if o == "*" else (op.ADDI, bc if o == "+" else -bc)
            else:
                opcode, imm = {"+": op.ADD, "-": op.SUB, "*": op.MUL}[o], 0
            if guards.needed(self, node):
                a_iv, b_iv = guards.operand_intervals(self, node)
                if o == "-" and bc is not None:
                    b_iv = Interval(-b_iv.hi, -b_iv.lo)
                guards.guard(self, opcode, node, intr.overflow(o), a, b, imm, a_iv, b_iv)
            self.emit(opcode, c=r, a=a, b=b or 0, imm=imm)
        elif o in ("//", "%"):
            intr.divide(self, o, a, b, r, node, bc, self.interval(right))
        elif o == "<<":
            intr.shift_left(self, a, b, r, node, bc, self.interval(right))
        elif o == ">>":
            intr.shift_right(self, a, b, r, node, bc, self.interval(right))
        elif o in ("&", "|", "^"):
            intr.bitwise(self, o, a, b, r, node, bc)
        elif o == "**":
            intr.power(self, a, b, r, node, bc, self.const_value(left) if left is not None else None, self.interval(right))
        else:
            raise CodegenError(node.span, f"unsupported operator {o}")

    def compare(self, e: A.Compare, dest: int | None) -> int:
        # a = 1 <= a < 5: the chain's result is written before its later operands are read
        clobbered = dest is not None and len(e.ops) > 1 and any(
            v.slot == dest and any(_mentions(x, name) for x in e.comparators[1:]) for name, v in self.vars.items())
        if clobbered:
            r = self.compare(e, None)
            self.copy(dest, r)
            self.release(r)
            return dest
        r = self.dest_or_temp(dest)
        end = Label("cmp_end")
        left = self.cmp_operand(e.left)
        for k, (o, comp) in enumerate(zip(e.ops, e.comparators)):
            right = self.cmp_operand(comp)
            lexpr = e.left if k == 0 else e.comparators[k - 1]
            self.check_comparable(e, lexpr, comp)
            if self.compare_pair(o, lexpr, left, comp, right, r):
                self.negate_bool(r)
            if k < len(e.ops) - 1:
                self.emit(op.BZ, a=r, imm=end)
            if left is not None:
                self.release(left)
            left = right
        if left is not None:
            self.release(left)
        self.label(end)
        return r

    def cmp_operand(self, e: A.Expr) -> int | None:
        """A comparison operand's slot, or None for a constant (put in a slot, possibly moved
        by one, only where it is needed: see compare_pair)."""
        return None if self.const_value(e) is not None else self.expr(e)

    def check_comparable(self, e: A.Compare, left: A.Expr, right: A.Expr) -> None:
        if self.type_of(right).is_list or self.type_of(e.left).is_list:
            raise CodegenError(e.span, "comparing lists is not supported", "compare their elements")
        for side in (left, right):
            if self.type_of(side).kind == "none":
                raise CodegenError(side.span, "unsupported: comparing None",
                                   "None is what a function without a return value gives; compare ints "
                                   "(use a sentinel such as -1 for 'no value')")

    def negate_bool(self, r: int) -> None:
        """r = 1 - r."""
        self.emit(op.MULI, c=r, a=r, imm=-1)
        self.emit(op.ADDI, c=r, a=r, imm=1)

    def compare_pair(self, o: str, xe: A.Expr, x: int | None, ye: A.Expr, y: int | None, r: int) -> bool:
        """r = (x o y), or its negation when this returns True (the caller negates, or branches
        the other way). ``x``/``y`` are None for constants. Uses lt32 when both operands are
        known to fit it; ``a <= c`` with a constant c is ``a < c + 1`` (one compare, no
        negation)."""
        xc = self.const_value(xe) if x is None else None
        yc = self.const_value(ye) if y is None else None
        temps: list[int] = []

        def slot(s: int | None, c: int | None) -> int:
            if s is not None:
                return s
            t = self.const_slot(c)
            temps.append(t)
            return t

        def less(a: int | None, ac: int | None, ae: A.Expr | None, b: int | None, bc: int | None, be: A.Expr | None) -> None:
            ia = (ac, ac) if ac is not None else self.interval(ae)
            ib = (bc, bc) if bc is not None else self.interval(be)
            intr.less(self, r, slot(a, ac), slot(b, bc), intr.is_small(ia) and intr.is_small(ib))

        negated = False
        if o in ("==", "!="):
            self.emit(op.EQ, c=r, a=slot(x, xc), b=slot(y, yc))
            negated = o == "!="
        elif o == "<":
            less(x, xc, xe, y, yc, ye)
        elif o == ">":
            less(y, yc, ye, x, xc, xe)
        elif o == "<=":
            if yc is not None and yc < intr.H:
                less(x, xc, xe, None, yc + 1, None)
            elif xc is not None and xc > -intr.H:
                less(None, xc - 1, None, y, yc, ye)
            else:
                less(y, yc, ye, x, xc, xe)
                negated = True
        elif o == ">=":
            if yc is not None and yc > -intr.H:
                less(None, yc - 1, None, x, xc, xe)
            elif xc is not None and xc < intr.H:
                less(y, yc, ye, None, xc + 1, None)
            else:
                less(x, xc, xe, y, yc, ye)
                negated = True
        else:
            raise CodegenError(xe.span, f"unsupported comparison {o}")
        self.release(*temps)
        return negated

    # --- lists ---------------------------------------------------------------------------
    def alloc(self, words: int | None, words_slot: int | None, r: int) -> None:
        """r = address of a fresh block (bump allocation from the heap pointer cell)."""
        hp = Abs("hp")
        self.emit(op.LDA, c=r, imm=hp)
        t = self.temp()
        if words_slot is None:
            self.emit(op.ADDI, c=t, a=r, imm=words)
        else:
            self.emit(op.ADD, c=t, a=r, b=words_slot)
        self.emit(op.STA, a=t, imm=hp)
        self.release(t)

    def new_list(self, length_slot: int, cap_slot: int, r: int) -> int:
        """r = a new list header with the given length and capacity; returns the buffer slot."""
        self.alloc(HEADER, None, r)
        buf = self.temp()
        self.alloc(None, cap_slot, buf)
        self.emit(op.ST, a=r, b=length_slot, imm=0)
        self.emit(op.ST, a=r, b=cap_slot, imm=1)
        self.emit(op.ST, a=r, b=buf, imm=2)
        return buf

    def list_literal(self, e: A.ListLit, dest: int | None) -> int:
        if e.elts:
            first = self.type_of(e.elts[0])
            self.element_fits(VType("list", 0), e.elts[0], "putting")
            for x in e.elts[1:]:
                self.element_fits(VType("list", 2 if first.is_list else 1), x, "putting")
        vals = [self.expr(x) for x in e.elts]
        r = self.dest_or_temp(dest)
        n = self.temp()
        cap = self.temp()
        self.emit(op.MOVI, c=n, imm=len(vals))
        self.emit(op.MOVI, c=cap, imm=max(1, len(vals)))
        buf = self.new_list(n, cap, r)
        for k, v in enumerate(vals):
            self.emit(op.ST, a=buf, b=v, imm=k)
        self.release(n, cap, buf, *vals)
        return r

    def element_address(self, lst: int, idx: int, node: A.Node, in_bounds: bool = False) -> int:
        """Address of lst[idx], after checking 0 <= idx < len(lst) (unless known in bounds)."""
        if in_bounds:
            addr = self.temp()
            ptr = self.hoisted.get(node.value.id) if isinstance(node, A.Subscript) and isinstance(node.value, A.Name) else None
            if ptr is not None:
                self.emit(op.ADD, c=addr, a=ptr, b=idx)
            else:
                self.emit(op.LD, c=addr, a=lst, imm=2)
                self.emit(op.ADD, c=addr, a=addr, b=idx)
            return addr
        n = self.temp()
        self.emit(op.LD, c=n, a=lst, imm=0)
        # chk stops unless 0 <= idx < n (lengths are far below chk's 2^32 limits)
        self.emit_reason(op.CHK, node, "list index out of range", a=idx, b=n)
        addr = n
        self.emit(op.LD, c=addr, a=lst, imm=2)
        self.emit(op.ADD, c=addr, a=addr, b=idx)
        return addr

    def append(self, lst: int, value: int) -> None:
        n, cap, t = self.temp(), self.temp(), self.temp()
        grown = Label("append_room")
        self.emit(op.LD, c=n, a=lst, imm=0)
        self.emit(op.LD, c=cap, a=lst, imm=1)
        self.emit(op.EQ, c=t, a=n, b=cap)
        self.emit(op.BZ, a=t, imm=grown)
        # full: double the buffer (at least 4), copy, swing the pointer
        newcap, newbuf, old = self.temp(), self.temp(), self.temp()
        self.emit(op.MULI, c=newcap, a=cap, imm=2)
        self.emit(op.ADDI, c=newcap, a=newcap, imm=4)
        self.alloc(None, newcap, newbuf)
        self.emit(op.LD, c=old, a=lst, imm=2)
        self.copy_words(old, newbuf, n)
        self.emit(op.ST, a=lst, b=newcap, imm=1)
        self.emit(op.ST, a=lst, b=newbuf, imm=2)
        self.release(newcap, newbuf, old)
        self.label(grown)
        self.emit(op.LD, c=t, a=lst, imm=2)
        self.emit(op.ADD, c=t, a=t, b=n)
        self.emit(op.ST, a=t, b=value, imm=0)
        self.emit(op.ADDI, c=n, a=n, imm=1)
        self.emit(op.ST, a=lst, b=n, imm=0)
        self.release(n, cap, t)

    def index_in_bounds(self, lst: A.Expr, index: A.Expr) -> bool:
        """True when ``lst[index]`` cannot be out of range: the index is the variable of a
        running ``for j in range(stop)`` loop (start >= 0, positive step, j never assigned in
        the body) and either the list's known length is at least ``stop``, or ``stop`` is
        ``len(xs)`` and the list is ``xs`` itself, not reassigned in the loop (lists never
        shrink, so every index below the length read at the loop's start stays valid)."""
        if not isinstance(index, A.Name) or index.id not in self.bounded:
            return False
        stop, assigned = self.bounded[index.id]
        n = self.const_value(stop)
        known = self.type_of(lst).length if self.type_of(lst).is_list else None
        if n is not None and known is not None and n <= known:
            return True
        return (isinstance(stop, A.Call) and stop.func == "len" and stop.receiver is None and len(stop.args) == 1
                and isinstance(stop.args[0], A.Name) and isinstance(lst, A.Name)
                and stop.args[0].id == lst.id and lst.id not in assigned)

    def copy_words(self, src: int, dst: int, count: int) -> None:
        """mem[dst + k] = mem[src + k] for k < count (slots hold addresses and the count)."""
        i, c, v, a = self.temp(), self.temp(), self.temp(), self.temp()
        top, end = Label("copy"), Label("copy_end")
        self.emit(op.MOVI, c=i, imm=0)
        self.label(top)
        self.emit(op.LT32, c=c, a=i, b=count)  # (every count is a length, or a sum of lengths)
        self.emit(op.BZ, a=c, imm=end)
        self.emit(op.ADD, c=a, a=src, b=i)
        self.emit(op.LD, c=v, a=a, imm=0)
        self.emit(op.ADD, c=a, a=dst, b=i)
        self.emit(op.ST, a=a, b=v, imm=0)
        self.emit(op.ADDI, c=i, a=i, imm=1)
        self.emit(op.JMP, imm=top)
        self.label(end)
        self.release(i, c, v, a)

    def list_binop(self, e: A.BinOp, lt: VType, rt: VType, dest: int | None) -> int:
        if e.op == "+" and lt.is_list and rt.is_list:
            if lt.depth and rt.depth and lt.depth != rt.depth:
                raise CodegenError(e.span, f"type error: concatenating {a_type(lt)} and {a_type(rt)}",
                                   "a list holds elements of one type: all ints, or all lists of ints")
            a, b = self.expr(e.left), self.expr(e.right)
            la, lb, n = self.temp(), self.temp(), self.temp()
            self.emit(op.LD, c=la, a=a, imm=0)
            self.emit(op.LD, c=lb, a=b, imm=0)
            self.emit(op.ADD, c=n, a=la, b=lb)
            # xs = xs + ys: build into a temp, the operands are read after the allocation
            r = self.temp() if dest in (a, b) else self.dest_or_temp(dest)
            cap = self.temp()
            self.emit(op.ADDI, c=cap, a=n, imm=1)
            buf = self.new_list(n, cap, r)
            pa, pb = self.temp(), self.temp()
            self.emit(op.LD, c=pa, a=a, imm=2)
            self.emit(op.LD, c=pb, a=b, imm=2)
            self.copy_words(pa, buf, la)
            self.emit(op.ADD, c=buf, a=buf, b=la)
            self.copy_words(pb, buf, lb)
            self.release(a, b, la, lb, n, cap, buf, pa, pb)
            if dest is not None and r != dest:
                self.copy(dest, r)
                self.release(r)
                return dest
            return r
        if e.op == "*" and (lt.is_list != rt.is_list):
            lst_e, k_e = (e.left, e.right) if lt.is_list else (e.right, e.left)
            self.need_int(k_e, "repeating a list with '*'")
            src = self.expr(lst_e)
            k = self.temp()
            self.expr(k_e, dest=k)
            ls, n = self.temp(), self.temp()
            self.emit(op.LD, c=ls, a=src, imm=0)
            zero = self.temp()
            neg = self.temp()
            self.emit(op.MOVI, c=zero, imm=0)
            self.emit(op.LT, c=neg, a=k, b=zero)  # Python: a negative count gives []
            keep = Label("repeat_count")
            self.emit(op.BZ, a=neg, imm=keep)
            self.emit(op.MOVI, c=k, imm=0)
            self.label(keep)
            self.release(zero, neg)
            # the new length: exact (a guard under the exact contract), or a forged run could
            # wrap a huge count around p into a short list
            self.emit_reason(op.MUL, e, intr.overflow("list repetition"), c=n, a=ls, b=k)
            r = self.temp() if dest == src else self.dest_or_temp(dest)  # xs = xs * 3
            cap = self.temp()
            self.emit(op.ADDI, c=cap, a=n, imm=1)
            buf = self.new_list(n, cap, r)
            ps = self.temp()
            self.emit(op.LD, c=ps, a=src, imm=2)
            # repeat the source block k times
            j, c = self.temp(), self.temp()
            top, end = Label("repeat"), Label("repeat_end")
            self.emit(op.MOVI, c=j, imm=0)
            self.label(top)
            self.emit(op.LT, c=c, a=j, b=k)
            self.emit(op.BZ, a=c, imm=end)
            self.copy_words(ps, buf, ls)
            self.emit(op.ADD, c=buf, a=buf, b=ls)
            self.emit(op.ADDI, c=j, a=j, imm=1)
            self.emit(op.JMP, imm=top)
            self.label(end)
            self.release(src, k, ls, n, cap, buf, ps, j, c)
            if dest is not None and r != dest:
                self.copy(dest, r)
                self.release(r)
                return dest
            return r
        raise CodegenError(e.span, f"type error: unsupported operator {e.op} between {a_type(lt)} and {a_type(rt)}",
                           NONE_HELP if "none" in (lt.kind, rt.kind) else "lists support + (concatenation) and * by an int (repetition)")

    def extend_in_place(self, target: A.Name, value: A.Expr) -> None:
        self.check_assigned(target)
        vt = self.need_list(value, "+= on a list")
        tt = self.vars[target.id].type
        if vt.depth and tt.depth and vt.depth != tt.depth:
            raise CodegenError(value.span, f"type error: extending {a_type(tt)} with {a_type(vt)}",
                               "a list holds elements of one type: all ints, or all lists of ints")
        lst = self.vars[target.id].slot
        other = self.expr(value)
        n, p, i, c, v = self.temp(), self.temp(), self.temp(), self.temp(), self.temp()
        self.emit(op.LD, c=n, a=other, imm=0)
        top, end = Label("extend"), Label("extend_end")
        self.emit(op.MOVI, c=i, imm=0)
        self.label(top)
        self.emit(op.LT32, c=c, a=i, b=n)
        self.emit(op.BZ, a=c, imm=end)
        self.emit(op.LD, c=p, a=other, imm=2)
        self.emit(op.ADD, c=p, a=p, b=i)
        self.emit(op.LD, c=v, a=p, imm=0)
        self.append(lst, v)
        self.emit(op.ADDI, c=i, a=i, imm=1)
        self.emit(op.JMP, imm=top)
        self.label(end)
        self.release(other, n, p, i, c, v)

    def list_comp(self, e: A.ListComp, dest: int | None) -> int:
        if dest is not None and self.is_var_slot(dest):
            # xs = [f(a) for a in xs]: the old list is read while the new one is built
            r = self.list_comp(e, None)
            self.copy(dest, r)
            self.release(r)
            return dest
        r = self.dest_or_temp(dest)
        if not _is_range(e.iter) and self.type_of(e.iter).depth == 0:
            src = self.expr(e.iter)
            self.must_be_empty(src, e.iter)
            self.release(src)
            return self.list_literal(A.ListLit(e.span, ()), r)
        # the iterable is evaluated in the enclosing scope, before the comprehension's variable
        # exists: in [r for r in range(len(r))] the r of len(r) is the function's own
        is_range = isinstance(e.iter, A.Call) and e.iter.func == "range" and e.iter.receiver is None
        if is_range:
            for a in e.iter.args:
                self.need_int(a, "range()")
            range_args = [self.expr(a) for a in e.iter.args]
            iter_type = INT
        else:
            iter_type = self.type_of(e.iter)
            if not iter_type.is_list:
                raise CodegenError(e.iter.span, f"type error: cannot iterate over {a_type(iter_type)}", "loop over range(...) or a list")
            src = self.temp()
            self.expr(e.iter, dest=src)
        if is_range:
            reservable = len(e.iter.args) < 3 or self.const_value(e.iter.args[2]) in (1, -1) \
                or (self.const_value(e.iter.args[2]) is not None and self.static_range_length(e.iter) is not None)
        else:
            reservable = self.stable_iteration(e.iter, e)
        if reservable:
            # an empty header: the loop gives it a buffer of one word per turn once it knows
            # the number of turns, and each element is then a store and an increment
            zero = self.temp()
            self.alloc(HEADER, None, r)
            self.emit(op.MOVI, c=zero, imm=0)
            for k in range(HEADER):
                self.emit(op.ST, a=r, b=zero, imm=k)
            self.release(zero)
        else:
            zero, cap = self.temp(), self.temp()
            known = self.type_of(e).length
            self.emit(op.MOVI, c=zero, imm=0)
            self.emit(op.MOVI, c=cap, imm=max(4, known or 0))
            buf = self.new_list(zero, cap, r)
            self.release(zero, cap, buf)
        comp_list = r if reservable else None
        key = ("comp", r)
        saved = self.vars.get(e.target)
        elem_t = iter_type.element() if iter_type.is_list else INT
        tmp_var = Var(self.alloc_var(), elem_t)
        self.vars[e.target] = tmp_var  # the comprehension variable is local to it
        self.comp_targets.append(e.target)

        self.element_fits(VType("list", 0), e.elt, "putting")

        def add(v: int) -> None:
            q = self.reserved.get(key) if reservable else None
            if q is not None:
                self.append_reserved(q, v)
            else:
                self.append(r, v)

        def body():
            if e.cond is not None:
                skip = Label("comp_skip")
                self.branch_false(e.cond, skip)
                v = self.expr(e.elt)
                add(v)
                self.release(v)
                self.label(skip)
            else:
                v = self.expr(e.elt)
                add(v)
                self.release(v)

        if is_range:
            self.vars[e.target] = tmp_var
            self.for_range(e.target, e.span, e.iter, body, e, args=range_args, comp_list=comp_list)
        else:
            self.for_list(e.target, e.span, e.iter, body, e, lst=src, lt=iter_type, comp_list=comp_list)
        self.comp_targets.pop()
        if saved is None:
            del self.vars[e.target]
        else:
            self.vars[e.target] = saved
        return r

    def must_be_empty(self, lst: int, node: A.Expr) -> None:
        """A list nothing is ever stored in has no element type (``g = []`` and no append): it is
        empty, and a loop over it never runs. Should it hold elements after all (through an
        alias the type analysis did not follow), execution stops instead of skipping them."""
        n, zero = self.temp(), self.temp()
        self.emit(op.LD, c=n, a=lst, imm=0)
        self.emit(op.MOVI, c=zero, imm=0)
        self.emit(op.EQ, c=n, a=n, b=zero)
        self.emit(op.BZ, a=n, imm=self.trap(node, "iterating over a list whose element type the compiler "
                                                "could not infer (it expected the list to stay empty); append to it directly"))
        self.release(n, zero)


    # --- calls -------------------------------------------------------------------------------
    def append_call(self, e: A.Call) -> None:
        lt = self.need_list(e.receiver, "append()")
        self.element_fits(lt, e.args[0], "appending")
        q = self.reserved.get(e.receiver.id) if isinstance(e.receiver, A.Name) else None
        if q is not None:
            v = self.expr(e.args[0])
            self.append_reserved(q, v)
            self.release(v)
            return
        lst = self.expr(e.receiver)
        v = self.expr(e.args[0])
        self.append(lst, v)
        self.release(lst, v)

    def call(self, e: A.Call, dest: int | None) -> int:
        if e.receiver is not None:  # xs.append(v)
            self.append_call(e)
            r = self.dest_or_temp(dest)
            self.emit(op.MOVI, c=r, imm=0)
            return r
        f = e.func
        if f == "print":
            # nothing is printed, but the arguments are evaluated as Python does: their calls
            # run and their errors (an index out of range, an unassigned variable) stop execution
            for a in e.args:
                self.release(self.expr(a))
            r = self.dest_or_temp(dest)
            self.emit(op.MOVI, c=r, imm=0)
            return r
        if f == "len":
            self.need_list(e.args[0], "len()")
            lst = self.expr(e.args[0])
            r = self.dest_or_temp(dest)
            self.emit(op.LD, c=r, a=lst, imm=0)
            self.release(lst)
            return r
        if f == "abs":
            self.need_int(e.args[0], "abs()")
            x = self.expr(e.args[0])
            r = self.dest_or_temp(dest)
            neg = self.temp()
            done = Label("abs")
            self.copy(r, x)
            zero = self.const_slot(0)
            intr.less(self, neg, x, zero, intr.is_small(self.interval(e.args[0])))
            self.emit(op.BZ, a=neg, imm=done)
            self.emit(op.MULI, c=r, a=x, imm=-1)
            self.label(done)
            self.release(x, zero, neg)
            return r
        if f in ("min", "max"):
            return self.min_max(e, dest)
        if f == "sum":
            return self.sum_call(e, dest)
        if f == "range":
            raise CodegenError(e.span, "range() can only be used in a for loop or a comprehension", "build a list with [i for i in range(...)]")
        return self.user_call(e, dest)

    def min_max(self, e: A.Call, dest: int | None) -> int:
        r = self.dest_or_temp(dest)
        small = len(e.args) > 1 and all(intr.is_small(self.interval(a)) for a in e.args)

        def better(c: int, cand: int, cur: int) -> None:
            """c = cand should replace cur."""
            if e.func == "min":
                intr.less(self, c, cand, cur, small)
            else:
                intr.less(self, c, cur, cand, small)

        if len(e.args) == 1:
            t = self.type_of(e.args[0])
            if not t.is_list:
                raise CodegenError(e.span, f"type error: {e.func}() of one argument needs a list, got {a_type(t)}",
                                   f"{e.func}(a, b, ...) takes several ints")
            self.need_list(e.args[0], f"{e.func}()", depths=(0, 1))
            lst = self.expr(e.args[0])
            n, i, p, v, c = (self.temp() for _ in range(5))
            self.emit(op.LD, c=n, a=lst, imm=0)
            self.emit(op.BZ, a=n, imm=self.trap(e, f"{e.func}() of an empty list"))
            self.emit(op.LD, c=p, a=lst, imm=2)
            self.emit(op.LD, c=r, a=p, imm=0)
            self.emit(op.MOVI, c=i, imm=1)
            top, end, keep = Label("mm"), Label("mm_end"), Label("mm_keep")
            self.label(top)
            self.emit(op.LT32, c=c, a=i, b=n)
            self.emit(op.BZ, a=c, imm=end)
            self.emit(op.ADD, c=v, a=p, b=i)
            self.emit(op.LD, c=v, a=v, imm=0)
            better(c, v, r)
            self.emit(op.BZ, a=c, imm=keep)
            self.copy(r, v)
            self.label(keep)
            self.emit(op.ADDI, c=i, a=i, imm=1)
            self.emit(op.JMP, imm=top)
            self.label(end)
            self.release(lst, n, i, p, v, c)
            return r
        for a in e.args:
            self.need_int(a, f"{e.func}() of several arguments")
        zeros = [k for k, a in enumerate(e.args) if self.const_value(a) == 0]
        if len(e.args) == 2 and len(zeros) == 1:
            # max(x, 0) (ReLU) = x * (0 < x), min(x, 0) = x * (x < 0): no branch, no overflow
            other = e.args[1 - zeros[0]]
            x, c, zero = self.expr(other), self.temp(), self.const_slot(0)
            small = intr.is_small(self.interval(other))
            if e.func == "max":
                intr.less(self, c, zero, x, small)
            else:
                intr.less(self, c, x, zero, small)
            self.emit(op.MUL, c=r, a=x, b=c)
            self.release(x, c, zero)
            return r
        vals = []
        for a in e.args:
            cv = self.const_value(a)
            vals.append(self.const_slot(cv) if cv is not None else self.expr(a))
        if r in vals[1:]:
            r = self.temp()  # b = min(3, b): b is read after the first write to its own slot
        self.copy(r, vals[0])
        c = self.temp()
        for v in vals[1:]:
            keep = Label("mm_keep")
            better(c, v, r)
            self.emit(op.BZ, a=c, imm=keep)
            self.copy(r, v)
            self.label(keep)
        self.release(c, *vals)
        if dest is not None and r != dest:
            self.copy(dest, r)
            self.release(r)
            return dest
        return r

    def sum_call(self, e: A.Call, dest: int | None) -> int:
        arg = e.args[0]
        r = self.dest_or_temp(dest)
        if isinstance(arg, A.ListComp) and arg.cond is None and isinstance(arg.iter, A.Call) and arg.iter.func == "range":
            n = self.static_range_length(arg.iter)
            ops = self.mac_operands(arg.elt, arg.target)
            if ops is not None and (guards.needed(self, e) or guards.needed(self, arg.elt)):
                ops = None  # not known to stay in range: the loop below, with overflow guards
            if n and ops is not None:  # (an empty range: Python evaluates no operand)
                acc = self.temp()
                self.emit(op.MOVI, c=acc, imm=0)
                self.emit_mac(acc, ops[0], ops[1], n, e)
                self.copy(r, acc)
                self.release(acc)
                return r
        self.need_list(arg, "sum()", depths=(0, 1))
        lst = self.expr(arg)
        n, i, p, v, c = (self.temp() for _ in range(5))
        acc = self.temp()
        self.emit(op.MOVI, c=acc, imm=0)
        self.emit(op.LD, c=n, a=lst, imm=0)
        self.emit(op.LD, c=p, a=lst, imm=2)
        self.emit(op.MOVI, c=i, imm=0)
        top, end = Label("sum"), Label("sum_end")
        self.label(top)
        self.emit(op.LT32, c=c, a=i, b=n)
        self.emit(op.BZ, a=c, imm=end)
        self.emit(op.ADD, c=v, a=p, b=i)
        self.emit(op.LD, c=v, a=v, imm=0)
        self.emit_reason(op.ADD, e, intr.overflow("sum()"), c=acc, a=acc, b=v)
        self.emit(op.ADDI, c=i, a=i, imm=1)
        self.emit(op.JMP, imm=top)
        self.label(end)
        self.copy(r, acc)
        self.release(lst, n, i, p, v, c, acc)
        return r

    def user_call(self, e: A.Call, dest: int | None) -> int:
        callee = self.prog.functions.get(e.func)
        if callee is None:
            raise CodegenError(e.span, f"unknown function {e.func}()")
        arg_types = []
        for a, p in zip(e.args, callee.params):
            t = self.type_of(a)
            declared = from_annotation(p.annotation)
            if declared is not None and t.is_list and t.depth == 0 and declared.is_list:
                t = VType("list", declared.depth, t.length)  # an empty list [] fits any list type
            if declared is not None and (declared.kind != t.kind or (t.is_list and declared.depth != t.depth)) and t.kind != "none":
                raise CodegenError(a.span, f"{e.func}() expects {declared.describe()} for {p.name!r}, got {t.describe()}")
            arg_types.append(t)
        compiled = self.prog.specialize(callee, arg_types, e.span, self.int_constants(callee, e.args))
        self.callees.add(compiled.key)
        vals = [self.expr(a) for a in e.args]
        for k, v in enumerate(vals):
            self.emit(op.ADDI, c=FrameEnd(3 + k), a=v, imm=0)
        self.release(*vals)
        self.emit(op.CALL, b=FrameEnd(2), c=FrameEnd(1), imm=FuncRef(compiled.key))
        r = self.dest_or_temp(dest)
        self.emit(op.ADDI, c=r, a=FrameEnd(0), imm=0)
        return r

    def int_constants(self, callee: A.FunctionDef, args) -> dict[str, int]:
        """The int arguments of a call that are compile-time constants (literals, constants and
        arithmetic on them) passed to parameters the callee uses as a divisor, a shift count,
        an exponent or a bit mask (see ProgramCompiler.constant_params): the callee is compiled
        for those values, so that ``x // shift`` is one division instead of a run-time test of
        the divisor."""
        wanted = self.prog.constant_params(callee)
        out = {}
        for p, a in zip(callee.params, args):
            if p.name in wanted and not any(isinstance(n, A.Call) for n in _walk_all(a)):
                v = self.const_value(a)
                if v is not None:
                    out[p.name] = v
        return out

    # --- static types ------------------------------------------------------------------------
    def need_int(self, e: A.Expr, what: str) -> None:
        """Reject (at compile time) a None or a list where Python needs a number."""
        t = self.type_of(e)
        if t.kind == "none":
            raise CodegenError(e.span, f"type error: {what} needs an int, got None", NONE_HELP)
        if t.is_list:
            raise CodegenError(e.span, f"type error: {what} needs an int, got {a_type(t)}", LIST_HELP)

    def need_list(self, e: A.Expr, what: str, depths=(0, 1, 2)) -> VType:
        """Reject a value that is not a list (of one of the given depths) where one is needed."""
        t = self.type_of(e)
        if t.kind == "none":
            raise CodegenError(e.span, f"type error: {what} needs a list, got None", NONE_HELP)
        if not t.is_list:
            raise CodegenError(e.span, f"type error: {what} needs a list, got {a_type(t)}",
                               "only lists can be indexed, measured or iterated")
        if t.depth not in depths:
            if 2 in depths or t.depth != 2:  # pragma: no cover - depths are 0..2
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
        if vt.is_list and vt.depth == 2:
            raise CodegenError(value.span, f"unsupported: {what} a list of lists into a list",
                               "lists nest at most two deep: list[list[int]]")
        if lst.depth == 0:
            return
        want_list = lst.depth == 2
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


def _hull(a, b):
    """The smallest interval holding both (None if either is unknown)."""
    if a is None or b is None:
        return None
    return min(a[0], b[0]), max(a[1], b[1])


def _restore(d: dict, key, value) -> None:
    """Put back a saved entry (or its absence)."""
    if value is None:
        d.pop(key, None)
    else:
        d[key] = value


def _binop_interval(o: str, a, b, bc: int | None):
    """Bounds of ``a o b`` from bounds of its operands (None: unknown); ``bc`` is the right
    operand when it is a constant."""
    if o in ("%", "&") and bc is not None and bc > 0:
        if o == "%" and a is not None and 0 <= a[0] and a[1] < bc:
            return a
        return 0, bc - 1 if o == "%" else bc  # (x & c for c >= 0 is in [0, c], whatever x)
    if o == "%" and bc is not None and bc < 0:
        return bc + 1, 0
    if a is None or b is None:
        return None
    if o in ("+", "-", "*"):
        if o == "+":
            return a[0] + b[0], a[1] + b[1]
        if o == "-":
            return a[0] - b[1], a[1] - b[0]
        ends = [x * y for x in a for y in b]
        return min(ends), max(ends)
    if o == "//" and bc is not None and bc != 0:
        ends = (a[0] // bc, a[1] // bc)
        return min(ends), max(ends)
    if o == ">>" and bc is not None and 0 <= bc:
        return a[0] >> min(bc, 64), a[1] >> min(bc, 64)
    return None


def _falls_through(stmts) -> bool:
    """Can execution reach the end of this statement list (conservatively: True unless a
    statement certainly returns: a return, an if whose branches both return, or a
    ``while True`` loop without a break)?"""
    for st in stmts:
        if isinstance(st, A.Return):
            return False
        if isinstance(st, A.If) and st.orelse and not _falls_through(st.body) and not _falls_through(st.orelse):
            return False
        if isinstance(st, A.While) and _truthy_constant(st.test) and not _breaks(st.body):
            return False
    return True


def _truthy_constant(e) -> bool:
    return (isinstance(e, A.BoolLit) and e.value) or (isinstance(e, A.IntLit) and e.value != 0)


def _breaks(stmts) -> bool:
    """Does a break of this loop (not of a nested loop) occur in these statements?"""
    for st in stmts:
        if isinstance(st, A.Break):
            return True
        if isinstance(st, A.If) and (_breaks(st.body) or _breaks(st.orelse)):
            return True
    return False


def _is_name(e: A.Expr, name: str) -> bool:
    return isinstance(e, A.Name) and e.id == name


def _mentions(e, name: str) -> bool:
    if isinstance(e, A.Name):
        return e.id == name
    if isinstance(e, A.Node):
        for f in e.__dataclass_fields__:
            v = getattr(e, f)
            if isinstance(v, A.Node) and _mentions(v, name):
                return True
            if isinstance(v, tuple) and any(isinstance(x, A.Node) and _mentions(x, name) for x in v):
                return True
    return False


class _Pending(Exception):
    """A call's argument whose type the analysis has not inferred yet."""


class LengthAnalysis:
    """Flow-insensitive types and list lengths of a function's variables.

    A variable's length is known when every assignment to it gives the same known length and
    its list is never grown (no append on it or on an alias, never passed to a function that
    may grow it); computed by iterating to a fixed point."""

    def __init__(self, fc: FunctionCompiler, param_types: list[VType]) -> None:
        self.fc = fc
        self.params = dict(zip((p.name for p in fc.fn.params), param_types))
        self.running = False
        self.guessed = False
        self.types: dict[str, VType] = {}
        self.assigns: dict[str, list[tuple[str, A.Expr]]] = {}
        self.grown: set[str] = set()
        self.aliases: list[tuple[str, str]] = []
        self.appended: dict[str, list[tuple[int, A.Expr | None]]] = {}
        self.depth_hints: dict[str, set[int]] = {}  # list depths of parameters a name is passed as

    def run(self) -> "LengthAnalysis":
        for s in self.fc.fn.body:
            self.collect(s)
        grown = set(self.grown)
        changed = True
        while changed:
            changed = False
            for a, b in self.aliases:
                if (a in grown) != (b in grown):
                    grown |= {a, b}
                    changed = True
        # lists that another name may grow (aliases.py): no compile-time lengths either
        aliases = getattr(self.fc.prog, "aliases", None)
        if aliases is not None:
            grown |= aliases.unstable_names(self.fc.fn.name)
        self.grown = grown
        self.types = {k: (v if k not in grown or not v.is_list else v.unknown_lengths()) for k, v in self.params.items()}
        base = dict(self.types)
        self.running = True
        for _ in range(len(self.assigns) + 6):
            new = dict(self.types)
            for name, items in self.assigns.items():
                # a parameter that is reassigned keeps a length only if every assignment agrees
                t = base.get(name)
                ok = True
                for kind, e in items:
                    try:
                        # source order: earlier assignments of this round are already visible
                        self.guessed = False
                        et = self.expr_type(e, new)
                    except _Pending:
                        continue  # decided in a later round, once the argument's type is known
                    if self.guessed:
                        continue  # it reads a name not inferred yet: decided in a later round
                    if kind == "elem":
                        et = et.element() if et.is_list else INT
                    u = unify(t, et) if t is not None else et
                    if u is None:
                        ok = False
                        break
                    t = u
                    if name not in new or new[name] != t and name not in self.types:
                        new[name] = t  # later items may refer to the name itself (xs = xs + ys)
                for levels, arg in self.appended.get(name, ()):
                    # xs.append(v) makes xs a list of v's type (xs[i].append(v): one level deeper)
                    try:
                        self.guessed = False
                        et = self.expr_type(arg, new) if arg is not None else INT
                    except _Pending:
                        continue
                    if self.guessed:
                        continue  # (g.append(zs) before zs is inferred: a later round)
                    depth = (max(et.depth, 1) if et.is_list else 0) + 1 + levels  # ([] appended: a row)
                    u = unify(t, VType("list", min(depth, 2))) if t is not None else VType("list", min(depth, 2))
                    if u is not None:
                        t = u
                for depth in self.depth_hints.get(name, ()):
                    if t is not None and t.is_list and t.depth == 0:
                        t = VType("list", depth, t.length)  # [] passed as a list[...] parameter
                if ok and t is not None:
                    if name in grown and t.is_list:
                        t = t.unknown_lengths()
                    new[name] = t
            if new == self.types:
                break
            self.types = new
        self.running = False
        return self

    def collect(self, s) -> None:
        if isinstance(s, (A.Assign, A.AnnAssign)):
            targets = s.targets if isinstance(s, A.Assign) else (s.target,)
            value = s.value
            if value is None:
                return
            for t in targets:
                if isinstance(t, A.Name):
                    self.assigns.setdefault(t.id, []).append(("value", value))
                    if isinstance(value, A.Name):
                        self.aliases.append((t.id, value.id))
                else:
                    self.scan(t)
            self.scan(value)
        elif isinstance(s, A.AugAssign):
            if isinstance(s.target, A.Name):
                self.grown.add(s.target.id)  # xs += [...] grows a list; ints are unaffected
                self.assigns.setdefault(s.target.id, []).append(("value", A.BinOp(s.span, s.op, s.target, s.value)))
            else:
                self.scan(s.target)
            self.scan(s.value)
        elif isinstance(s, A.For):
            self.assigns.setdefault(s.target, []).append(("elem", s.iter) if not _is_range(s.iter) else ("value", A.IntLit(s.span, 0)))
            if not _is_range(s.iter):
                self.row_used(s.iter)
            self.scan(s.iter)
            for x in s.body:
                self.collect(x)
        elif isinstance(s, (A.If, A.While)):
            self.scan(s.test)
            for x in s.body:
                self.collect(x)
            for x in getattr(s, "orelse", ()):
                self.collect(x)
        elif isinstance(s, (A.ExprStmt, A.Return, A.Assert)):
            v = s.value if not isinstance(s, A.Assert) else s.test
            if v is not None:
                self.scan(v)

    def row_used(self, e) -> None:
        """``e`` is used where a list is needed: if it is ``xs[i]``, xs holds lists (a hint
        for a list that is never given elements, such as ``g = []``, whose rows are used)."""
        if isinstance(e, A.Subscript) and isinstance(e.value, A.Name):
            self.depth_hints.setdefault(e.value.id, set()).add(2)

    def scan(self, e) -> None:
        if isinstance(e, A.Subscript):
            self.row_used(e.value)
        elif isinstance(e, A.ListComp) and not _is_range(e.iter):
            self.row_used(e.iter)
        elif isinstance(e, A.Call) and e.receiver is None and e.func in ("len", "sum", "min", "max") and len(e.args) == 1:
            self.row_used(e.args[0])
        if isinstance(e, A.Call):
            if e.receiver is not None and e.func == "append":
                root = _root_name(e.receiver)
                if root is not None:
                    self.grown.add(root)
                    levels = 0
                    r = e.receiver
                    while isinstance(r, A.Subscript):
                        levels += 1
                        r = r.value
                    self.appended.setdefault(root, []).append((levels, e.args[0] if e.args else None))
            elif e.func in self.fc.prog.functions:
                for a, p in zip(e.args, self.fc.prog.functions[e.func].params):
                    declared = from_annotation(p.annotation)
                    if isinstance(a, A.Name) and declared is not None and declared.is_list:
                        self.depth_hints.setdefault(a.id, set()).add(declared.depth)
                grows = self.fc.prog.grows_params(e.func)
                for k, a in enumerate(e.args):
                    if k in grows:
                        root = _root_name(a)
                        if root is not None:
                            self.grown.add(root)
        if isinstance(e, A.Node):
            for f in e.__dataclass_fields__:
                v = getattr(e, f)
                if isinstance(v, A.Node):
                    self.scan(v)
                elif isinstance(v, tuple):
                    for x in v:
                        if isinstance(x, A.Node):
                            self.scan(x)

    def expr_type(self, e: A.Expr, env: dict[str, VType]) -> VType:
        prog = self.fc.prog
        if isinstance(e, (A.IntLit, A.BoolLit, A.Compare)):
            return INT
        if isinstance(e, A.NoneLit):
            return NONE
        if isinstance(e, A.Name):
            if e.id in env:
                return env[e.id]
            if e.id in self.fc.vars:
                return self.fc.vars[e.id].type
            if self.running and e.id in self.assigns and e.id not in prog.constants:
                self.guessed = True  # a local whose type is not inferred yet: int is a guess
            if e.id in prog.constants:
                c = prog.constants[e.id]
                if c.is_int:
                    return INT
                shape = c.shape
                aliases = getattr(prog, "aliases", None)
                if aliases is not None and e.id in aliases.unstable_constants:
                    return VType("list", len(shape))  # a constant list the program grows
                if len(shape) == 1:
                    return VType("list", 1, shape[0])
                return VType("list", 2, shape[0], shape[1])
            return INT
        if isinstance(e, A.UnaryOp):
            return INT
        if isinstance(e, A.BoolOp):
            ts = [self.expr_type(v, env) for v in e.values]
            out = ts[0]
            for t in ts[1:]:
                out = unify(out, t) or INT
            return out
        if isinstance(e, A.IfExp):
            return unify(self.expr_type(e.body, env), self.expr_type(e.orelse, env)) or INT
        if isinstance(e, A.BinOp):
            lt, rt = self.expr_type(e.left, env), self.expr_type(e.right, env)
            if e.op == "+" and lt.is_list and rt.is_list:
                n = lt.length + rt.length if lt.length is not None and rt.length is not None else None
                return VType("list", max(lt.depth, rt.depth), n, lt.inner if lt.inner == rt.inner else None)
            if e.op == "*" and (lt.is_list or rt.is_list):
                lst, other = (lt, e.right) if lt.is_list else (rt, e.left)
                k = self.fc.const_value(other)
                n = lst.length * max(0, k) if lst.length is not None and k is not None else None
                return VType("list", lst.depth, n, lst.inner)
            return INT
        if isinstance(e, A.Subscript):
            t = self.expr_type(e.value, env)
            return t.element() if t.is_list else INT
        if isinstance(e, A.ListLit):
            if not e.elts:
                return VType("list", 0, 0)
            ts = [self.expr_type(x, env) for x in e.elts]
            if ts[0].is_list:
                inner = ts[0].length if all(t.length == ts[0].length for t in ts) else None
                return VType("list", 2, len(ts), inner)
            return VType("list", 1, len(ts))
        if isinstance(e, A.ListComp):
            inner_env = dict(env)
            if _is_range(e.iter):
                inner_env[e.target] = INT
                n = self.fc.static_range_length(e.iter) if e.cond is None else None
            else:
                it = self.expr_type(e.iter, env)
                inner_env[e.target] = it.element() if it.is_list else INT
                n = it.length if e.cond is None else None
            et = self.expr_type(e.elt, inner_env)
            if et.is_list:
                return VType("list", 2, n, et.length)
            return VType("list", 1, n)
        if isinstance(e, A.Call):
            if e.receiver is not None:
                return NONE
            if e.func in ("len", "abs", "sum", "print"):
                return INT
            if e.func in ("min", "max"):
                return INT
            if e.func in prog.functions:
                outer, self.guessed = self.guessed, False
                arg_types = [self.expr_type(a, env) for a in e.args]
                if self.guessed and self.running:
                    # an argument's type is not known yet (xs + ys, ys not inferred yet):
                    # specializing now would guess, so decide in a later round
                    raise _Pending(e.func)
                self.guessed = outer
                try:
                    compiled = prog.specialize(prog.functions[e.func], arg_types, e.span,
                                               self.fc.int_constants(prog.functions[e.func], e.args))
                except CodegenError:
                    raise
                return compiled.returns
            return INT
        return INT


class CountedAppends:
    """The length of a list built by appends in counted loops, at a return statement.

    Recognizes the idiom ``out = []`` then ``out.append(...)`` as a direct statement of a nest
    of ``for`` loops with compile-time trip counts (no if, while, break or continue around it),
    all before the ``return out`` at the top level of the function; the list must not be
    aliased, extended otherwise, or passed to a function that may grow it. The entry stub also
    checks the length at run time, so a wrong inference cannot produce a wrong output."""

    def __init__(self, fc: FunctionCompiler, name: str, ret: A.Return) -> None:
        self.fc = fc
        self.name = name
        self.ret = ret

    def length_type(self, vt: VType) -> VType | None:
        body = self.fc.fn.body
        if self.ret not in body:
            return None
        r_idx = body.index(self.ret)
        init_idx, init_expr = None, None
        for k, st in enumerate(body):
            for node in _walk_all(st):
                if isinstance(node, (A.Assign, A.AnnAssign)):
                    targets = node.targets if isinstance(node, A.Assign) else (node.target,)
                    if any(isinstance(t, A.Name) and t.id == self.name for t in targets):
                        if init_idx is not None or node is not st:
                            return None
                        init_idx, init_expr = k, node.value
                    if isinstance(node.value, A.Name) and node.value.id == self.name:
                        return None  # aliased
                if isinstance(node, A.AugAssign) and isinstance(node.target, A.Name) and node.target.id == self.name:
                    return None
                if isinstance(node, A.Call) and node.receiver is None and node.func in self.fc.prog.functions:
                    for a in node.args:
                        if _root_name(a) == self.name:
                            return None
        if init_idx is None or init_expr is None:
            return None
        start = self.fc.type_of(init_expr)
        if not start.is_list or start.length is None:
            return None
        total = start.length
        inner = start.inner
        for k, st in enumerate(body):
            count = self.count(st, 1, k < r_idx and k > init_idx)
            if count is None:
                return None
            total += count[0]
            if count[1] is not None:
                if inner is not None and start.length and inner != count[1]:
                    return None
                inner = count[1]
        return VType("list", vt.depth, total, inner if vt.depth == 2 else None)

    def count(self, st, trips: int, allowed: bool):
        """(appends to the list made by st, row length of what they append); None if the
        appends are not countable."""
        if isinstance(st, A.ExprStmt) and isinstance(st.value, A.Call) and st.value.receiver is not None \
                and _root_name(st.value.receiver) == self.name:
            if not (allowed and isinstance(st.value.receiver, A.Name)):
                return None
            t = self.fc.type_of(st.value.args[0])
            return trips, (t.length if t.is_list else None)
        if isinstance(st, A.For):
            inner = self.appends_inside(st)
            if not inner:
                return 0, None
            if any(isinstance(n, (A.Break, A.Continue)) for n in _walk_all(st)):
                return None
            if _is_range(st.iter):
                n = self.fc.static_range_length(st.iter)
            else:
                n = self.fc.type_of(st.iter).length
            if n is None:
                return None
            total, row = 0, None
            for x in st.body:
                c = self.count(x, trips * n, allowed)
                if c is None:
                    return None
                total += c[0]
                row = c[1] if c[1] is not None else row
            return total, row
        if self.appends_inside(st):
            return None  # an append under if/while: not countable
        return 0, None

    def appends_inside(self, st) -> bool:
        return any(isinstance(n, A.Call) and n.receiver is not None and _root_name(n.receiver) == self.name for n in _walk_all(st))


def _assigned_names(nodes) -> set[str]:
    """Names a loop body may assign: assignment targets, augmented targets, loop targets."""
    out: set[str] = set()
    for root in nodes:
        for n in _walk_all(root):
            if isinstance(n, A.Assign):
                out.update(t.id for t in n.targets if isinstance(t, A.Name))
            elif isinstance(n, (A.AugAssign, A.AnnAssign)) and isinstance(n.target, A.Name):
                out.add(n.target.id)
            elif isinstance(n, A.For):
                out.add(n.target)
    return out


def _loop_value_unread(body, name: str, loop) -> bool:
    """See FunctionCompiler.dead_after_loop."""
    around: set[int] = set()  # the for-name loops whose bodies contain ``loop``

    def find(nodes, stack) -> bool:
        for n in nodes:
            if n is loop:
                around.update(id(x) for x in stack)
                return True
            if isinstance(n, A.Node):
                inner = stack + [n] if isinstance(n, A.For) and n.target == name else stack
                if isinstance(n, A.For):
                    if find(n.body, inner):
                        return True
                elif find(list(_children(n)), stack):
                    return True
        return False

    find(body, [])

    def reads_ok(nodes, innermost) -> bool:
        for n in nodes:
            if isinstance(n, A.Name) and n.id == name:
                if innermost is None or (innermost is not loop and id(innermost) in around):
                    return False
            elif isinstance(n, A.For) and n.target == name:
                if not reads_ok((n.iter,), innermost) or not reads_ok(n.body, n):
                    return False
            elif isinstance(n, A.ListComp) and n.target == name:
                if not reads_ok((n.iter,), innermost):  # (its element reads its own variable)
                    return False
            elif isinstance(n, A.Node) and not reads_ok(list(_children(n)), innermost):
                return False
        return True

    return reads_ok(body, None)


def _children(n):
    for f in n.__dataclass_fields__:
        v = getattr(n, f)
        if isinstance(v, A.Node):
            yield v
        elif isinstance(v, tuple):
            yield from (x for x in v if isinstance(x, A.Node))


def _walk_all_stmts(stmts):
    for st in stmts:
        yield from _walk_all(st)


def _walk_all(n):
    return A.walk(n)


def _is_range(e) -> bool:
    return isinstance(e, A.Call) and e.func == "range" and e.receiver is None


def _root_name(e) -> str | None:
    while isinstance(e, A.Subscript):
        e = e.value
    return e.id if isinstance(e, A.Name) else None
