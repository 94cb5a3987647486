"""Code generation for calls (a mixin of codegen.FunctionCompiler): the builtins (``len``,
``abs``, ``min``, ``max``, ``sum``, ``print``, ``append``) and calls of the program's functions,
which are specialized for their argument types and for constant arguments used as divisors,
shift counts, exponents or masks (the specializations themselves are link.py's).

A call writes its arguments past the caller's frame (``FrameEnd`` operands, resolved once the
frame size is known) and uses the convention of docs/isa.md. Nothing here knows where the
functions end up: a call's target is a ``FuncRef`` that link.py resolves.
"""

from __future__ import annotations

from zkvm.compiler import ast as A
from zkvm.compiler import guards
from zkvm.compiler import intrinsics as intr
from zkvm.compiler.ir import CodegenError, FrameEnd, FuncRef, Label, a_type
from zkvm.compiler.tree import walk_all
from zkvm.compiler.types import VType, from_annotation
from zkvm.isa import opcodes as op


class CallsMixin:
    """Builtins and calls of user functions."""

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
        if e.receiver is not None and e.func == A.SET_LENGTH:
            lst, n = self.expr(e.receiver), self.expr(e.args[0])
            self.emit(op.ST, a=lst, b=n, imm=0)
            self.release(lst, n)
            r = self.dest_or_temp(dest)
            self.emit(op.MOVI, c=r, imm=0)
            return r
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
        if any(self.type_of(a).is_list for a in e.args) and len(e.args) > 1 or \
                len(e.args) == 1 and self.type_of(e.args[0]).is_list and self.type_of(e.args[0]).depth >= 2:
            return self.min_max_lists(e, dest)
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

    def min_max_lists(self, e: A.Call, dest: int | None) -> int:
        """min/max of several lists, or of the rows of a list of lists: compared as Python
        compares lists (lexicographically); the first of equal candidates wins, as in Python."""
        if len(e.args) == 1:
            rows = self.type_of(e.args[0])
            types, row_t = None, rows.element()
        else:
            types = [self.type_of(a) for a in e.args]
            for a, t in zip(e.args, types):
                if not t.is_list:
                    raise CodegenError(a.span, f"type error: {e.func}() of a list and {a_type(t)}",
                                       "Python raises TypeError: compare values of one type")
            row_t = types[0]
        r = self.temp()
        c = self.temp()

        def better(cand: int, cand_t) -> None:
            """r = cand if cand beats r (strictly)."""
            keep = Label("mm_keep")
            o, (xt, x), (yt, y) = "<", (cand_t, cand), (row_t, r)
            if e.func == "max":
                (xt, x), (yt, y) = (yt, y), (xt, x)
            if self.compare_values(o, xt, x, yt, y, c, e):  # (never negated for <)
                self.negate_bool(c)
            self.emit(op.BZ, a=c, imm=keep)
            self.copy(r, cand)
            self.label(keep)

        if types is not None:
            vals = [self.expr(a) for a in e.args]
            self.copy(r, vals[0])
            for v, t in zip(vals[1:], types[1:]):
                better(v, t)
            self.release(*vals)
        else:
            lst = self.expr(e.args[0])
            n, i, p, v = (self.temp() for _ in range(4))
            self.emit(op.LD, c=n, a=lst, imm=0)
            self.emit(op.BZ, a=n, imm=self.trap(e, f"{e.func}() of an empty list"))
            self.emit(op.LD, c=p, a=lst, imm=2)
            self.emit(op.LD, c=r, a=p, imm=0)
            self.emit(op.MOVI, c=i, imm=1)
            top, end = Label("mm"), Label("mm_end")
            self.label(top)
            self.emit(op.LT32, c=v, a=i, b=n)
            self.emit(op.BZ, a=v, imm=end)
            self.emit(op.ADD, c=v, a=p, b=i)
            self.emit(op.LD, c=v, a=v, imm=0)
            better(v, row_t)
            self.emit(op.ADDI, c=i, a=i, imm=1)
            self.emit(op.JMP, imm=top)
            self.label(end)
            self.release(lst, n, i, p, v)
        self.release(c)
        if dest is not None:
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
        compiled = self.prog.specialize(callee, arg_types, e.span, self.int_constants(callee, e.args), self.site)
        self.callees.add(compiled.key)
        vals = [self.expr(a) for a in e.args]
        for k, v in enumerate(vals):
            self.emit(op.ADDI, c=FrameEnd(3 + k), a=v, imm=0)
        self.release(*vals)
        self.pass_depth(callee, len(callee.params))
        self.emit(op.CALL, b=FrameEnd(2), c=FrameEnd(1), imm=FuncRef(compiled.key))
        r = self.dest_or_temp(dest)
        self.emit(op.ADDI, c=r, a=FrameEnd(0), imm=0)
        return r

    def pass_depth(self, callee: A.FunctionDef, k: int) -> None:
        """A recursive callee's extra argument (after its ``k`` arguments): its depth, one more
        than the caller's inside their cycle of functions, 0 when the cycle is entered."""
        if not self.prog.recursive_cycle(callee.name):
            return
        if callee.name in self.cycle:
            self.emit(op.ADDI, c=FrameEnd(3 + k), a=self.depth_slot, imm=1)
        else:
            self.emit(op.MOVI, c=FrameEnd(3 + k), imm=0)

    def int_constants(self, callee: A.FunctionDef, args) -> dict[str, int]:
        """The int arguments of a call that are compile-time constants (literals, constants and
        arithmetic on them) passed to parameters the callee uses as a divisor, a shift count,
        an exponent or a bit mask (see ProgramCompiler.constant_params): the callee is compiled
        for those values, so that ``x // shift`` is one division instead of a run-time test of
        the divisor."""
        wanted = self.prog.constant_params(callee)
        out = {}
        for p, a in zip(callee.params, args):
            if p.name in wanted and not any(isinstance(n, A.Call) for n in walk_all(a)):
                v = self.const_value(a)
                if v is not None:
                    out[p.name] = v
        return out
