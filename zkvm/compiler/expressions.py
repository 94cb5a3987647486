"""Code generation for expressions and conditions (a mixin of codegen.FunctionCompiler).

Conditions branch without materializing a boolean where they can (short-circuit ``and``/``or``,
``not``, a single comparison). Integers have CPython's semantics on the whole value range
(docs/dsl.md, *Integer semantics*): comparisons use ``lt`` (two rows), or the one-row ``lt32``
where the operands are known to fit it (see ``interval``); ``+``, ``-``, ``*`` get an overflow
guard where the analysis cannot show them exact (guards.py); the other operators are in
:mod:`zkvm.compiler.intrinsics`. Constant expressions are folded (``const_value``), and
``interval`` bounds the values of int expressions for those choices.

Lists, calls and comprehensions are lists.py's and calls.py's; the methods here know nothing
of the layout (link.py).
"""

from __future__ import annotations

from zkvm.compiler import ast as A
from zkvm.compiler import guards
from zkvm.compiler import intrinsics as intr
from zkvm.compiler.constants import int_binop
from zkvm.compiler.intervals import Interval
from zkvm.compiler.ir import MAX_LENGTH, CodegenError, Label
from zkvm.compiler.tree import mentions, walk_all
from zkvm.isa import opcodes as op

INT_OPS = ("+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^")


class ExpressionsMixin:
    """Conditions, constants, intervals, expressions, arithmetic and comparisons."""

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
        if isinstance(e, A.Call) and e.func in ("min", "max") and e.receiver is None and len(e.args) > 1:
            vals = [self.const_value(a) for a in e.args]  # min(len(a), len(b)): zip's length
            if any(v is None for v in vals):
                return None
            return min(vals) if e.func == "min" else max(vals)
        if isinstance(e, A.Call) and e.func == "len" and e.receiver is None and len(e.args) == 1:
            if getattr(self, "lengths", None) is None:
                return None  # asked while the length analysis itself runs
            if any(isinstance(n, A.Name) and (n.span.line, n.span.col) in self.unbound_reads for n in walk_all(e.args[0])):
                return None  # the read must happen: the variable may be unassigned (definite.py)
            if not _reads_only(e.args[0]) and not self._reads_in_range(e.args[0]):
                return None  # len([10 // a]): the elements are evaluated (and may stop the run) first
            return self.type_of(e.args[0]).length
        return None

    def _reads_in_range(self, e) -> bool:
        """Indexes into a name that cannot fail: each index a name or constant whose interval
        lies inside the (known) length of what it indexes (``w[j]`` in a loop over
        ``range(len(w))``), so that ``len(w[j])`` may be known without reading ``w[j]``."""
        while isinstance(e, A.Subscript):
            if not isinstance(e.index, (A.Name, A.IntLit)):
                return False
            n = self.type_of(e.value).length
            iv = self.interval(e.index)
            inside = iv is not None and n is not None and (0 <= iv[0] and iv[1] < n or -n <= iv[0] and iv[1] < 0)
            if not (inside or self.index_in_bounds(e.value, e.index)):
                return False
            e = e.value
        return isinstance(e, A.Name)

    def static_range_length(self, call: A.Call) -> int | None:
        vals = [self.const_value(a) for a in call.args]
        if any(v is None for v in vals):
            return None
        return len(range(*vals))

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

    def index_interval(self, index: A.Expr) -> tuple[int, int] | None:
        """Bounds of a list index: ``interval``'s, narrowed by what the range analysis saw of
        this index in every context (ranges.py; both are sound, so their meet is). An index
        shown non-negative is compiled as before negative indexes existed (lists.py)."""
        local = self.interval(index)
        ranges = self.prog.ranges
        seen = ranges.index(self.fn.name, index) if ranges is not None else None
        if seen is None:
            return local
        if local is None:
            return seen.lo, seen.hi
        lo, hi = max(local[0], seen.lo), min(local[1], seen.hi)
        return (lo, hi) if lo <= hi else local

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
                v.slot == dest and any(mentions(x, name) for x in e.values[1:]) for name, v in self.vars.items())
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
            vt = self.type_of(e.value)
            if vt.is_tuple:
                return self.tuple_part(e, vt, dest)
            lst = self.expr(e.value)
            idx, addr = self.subscript_address(lst, e)
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
            v.slot == dest and any(mentions(x, name) for x in e.comparators[1:]) for name, v in self.vars.items())
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
        if self.type_of(xe).is_list or self.type_of(ye).is_list:
            return self.compare_lists(o, xe, x, ye, y, r)
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


def _reads_only(e) -> bool:
    """A list expression whose evaluation cannot fail or have effects: a name, or constant
    indexes into one (len() of it may be known without evaluating it)."""
    while isinstance(e, A.Subscript):
        if not isinstance(e.index, A.IntLit):
            return False
        e = e.value
    return isinstance(e, A.Name)
