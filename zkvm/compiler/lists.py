"""Code generation for lists (a mixin of codegen.FunctionCompiler).

Lists are heap objects (docs/dsl.md): a header ``[length, capacity, pointer]`` and an element
buffer, allocated by bumping the heap pointer; ``append`` doubles the buffer when full, so
aliasing survives growth. Indexing is bounds-checked (one ``chk`` instruction) unless the index
is known to be in bounds. Also here: list literals, ``+`` and ``*`` on lists, ``+=``, and list
comprehensions (whose loops are loops.py's).

The heap pointer's address is an ``Abs`` the linker fixes; nothing here knows the layout.
"""

from __future__ import annotations

from zkvm.compiler import ast as A
from zkvm.compiler import intrinsics as intr
from zkvm.compiler.constants import HEADER
from zkvm.compiler.lengths import mixed_tuple
from zkvm.compiler.ir import NONE_HELP, Abs, CodegenError, Label, Var, a_type
from zkvm.compiler.tree import is_range_call
from zkvm.compiler.types import INT, VType
from zkvm.isa import opcodes as op


class ListsMixin:
    """Allocation, indexing, growth and building of lists."""

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

    def tuple_part(self, e: A.Subscript, vt: VType, dest: int | None) -> int:
        """t[k] of a tuple mixing ints and lists: the row at k, unboxed if k holds an int."""
        k = self.tuple_position(e, vt)
        t = self.expr(e.value)
        r = self.dest_or_temp(dest)
        self.emit(op.LD, c=r, a=t, imm=2)
        self.emit(op.LD, c=r, a=r, imm=k)
        for _ in range(vt.levels(k)):  # (each box: the header's buffer, its one element)
            self.emit(op.LD, c=r, a=r, imm=2)
            self.emit(op.LD, c=r, a=r, imm=0)
        self.release(t)
        return r

    def list_literal(self, e: A.ListLit, dest: int | None) -> int:
        tt = self.type_of(e) if isinstance(e, A.TupleLit) else None
        if tt is not None and tt.is_tuple:  # a tuple mixing ints and lists: each int in a one-element row
            boxes = []
            for k, x in enumerate(e.elts):
                for _ in range(tt.levels(k)):
                    x = A.ListLit(x.span, (x,))
                boxes.append(x)
            e = A.TupleLit(e.span, tuple(boxes))
        if e.elts:
            try:
                first = self.type_of(e.elts[0])
                self.element_fits(VType("list", 0), e.elts[0], "putting")
                whole = self.type_of(e)
                for x in e.elts[1:]:
                    self.element_fits(whole if whole.depth == 3 else VType("list", 2 if first.is_list else 1), x, "putting")
            except CodegenError as err:
                if not isinstance(e, A.TupleLit):
                    raise
                raise CodegenError(e.span, *mixed_tuple([self.type_of(x) for x in e.elts])) from err
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

    def from_start(self, e: A.Subscript) -> bool:
        """Is the index of ``e`` known never to count from the end (never negative)?"""
        c = self.const_value(e.index)
        if c is not None:
            return c >= 0
        if self.index_in_bounds(e.value, e.index):
            return True
        iv = self.index_interval(e.index)
        return iv is not None and iv[0] >= 0

    def subscript_address(self, lst: int, e: A.Subscript, raw: int | None = None) -> tuple[int, int]:
        """Evaluate the index of ``e`` (whose list is in slot ``lst``): (a slot holding the index
        counted from the start, the element's address), bounds-checked. As in Python, an index
        -len(xs) <= i < 0 counts from the end. An index known to be non-negative (a loop
        variable, most computed indexes: ``index_interval``) costs nothing for that; a constant
        -k is len(xs) - k, folded when the length is known; any other index is moved by the
        length when it is negative, without a branch (3 or 4 cycles). ``raw``: the index,
        already evaluated into this slot (kept)."""
        c = self.const_value(e.index)
        if c is not None and c < 0:
            known = self.type_of(e.value).length
            if known is not None and known + c >= 0:
                idx = self.const_slot(known + c)
                return idx, self.element_address(lst, idx, e, in_bounds=True)
            n, idx = self.temp(), self.temp()
            self.emit(op.LD, c=n, a=lst, imm=0)
            self.emit(op.ADDI, c=idx, a=n, imm=c)  # (exact: n is a length, c >= -H)
            return idx, self.element_address(lst, idx, e, length=n)
        idx = self.expr(e.index) if raw is None else raw
        if self.index_in_bounds(e.value, e.index):
            return idx, self.element_address(lst, idx, e, in_bounds=True)
        iv = self.index_interval(e.index)
        if iv is not None and iv[0] >= 0:
            lt = self.type_of(e.value)
            known = lt.length if lt.is_list else None
            # an index whose bounds lie below the list's compile-time length (in a program that
            # never shrinks a list) needs no check: img[base + 2] with base in [0, 61], 64 pixels
            inside = known is not None and iv[1] < known and not self.prog.shrinks_lists
            return idx, self.element_address(lst, idx, e, in_bounds=inside)
        n, start = self.temp(), self.temp()
        self.emit(op.LD, c=n, a=lst, imm=0)
        if iv is not None and iv[1] < 0:
            self.emit(op.ADD, c=start, a=idx, b=n)  # always from the end (exact: idx < 0 <= n)
        else:
            # start = idx + n * (idx < 0): exact, the product is 0 or n and the sum lies in [idx, n)
            zero = self.const_slot(0)
            intr.less(self, start, idx, zero, intr.is_small(iv))
            self.emit(op.MUL, c=start, a=start, b=n)
            self.emit(op.ADD, c=start, a=start, b=idx)
            self.release(zero)
        if raw is None:
            self.release(idx)
        return start, self.element_address(lst, start, e, length=n)

    def element_address(self, lst: int, idx: int, node: A.Node, in_bounds: bool = False, length: int | None = None) -> int:
        """Address of lst[idx], after checking 0 <= idx < len(lst) (unless known in bounds).
        ``length``: a slot that already holds len(lst) (released here)."""
        if in_bounds:
            addr = self.temp()
            ptr = self.hoisted.get(node.value.id) if isinstance(node, A.Subscript) and isinstance(node.value, A.Name) else None
            if ptr is not None:
                self.emit(op.ADD, c=addr, a=ptr, b=idx)
            else:
                self.emit(op.LD, c=addr, a=lst, imm=2)
                self.emit(op.ADD, c=addr, a=addr, b=idx)
            return addr
        n = length if length is not None else self.temp()
        if length is None:
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
        ``len(xs)`` and the list is ``xs`` itself, not reassigned in the loop, and the program
        never shrinks a list (pop, remove, del, clear): then every index below the length read
        at the loop's start stays valid."""
        if not isinstance(index, A.Name) or index.id not in self.bounded:
            return False
        stop, assigned = self.bounded[index.id]
        n = self.const_value(stop)
        known = self.type_of(lst).length if self.type_of(lst).is_list else None
        if n is not None and known is not None and n <= known:
            return True
        return (not self.prog.shrinks_lists
                and isinstance(stop, A.Call) and stop.func == "len" and stop.receiver is None and len(stop.args) == 1
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
        if not is_range_call(e.iter) and self.type_of(e.iter).depth == 0:
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

    # --- comparisons --------------------------------------------------------------------------
    def compare_lists(self, o: str, xe: A.Expr, x: int | None, ye: A.Expr, y: int | None, r: int) -> bool:
        """r = (x o y) where a list is compared (its negation when this returns True), with
        CPython's semantics: lists are equal when they have the same length and equal elements,
        and ordered by their first differing element, or else by length (``[1, 2] < [1, 2, 3]``),
        rows of a list of lists compared the same way. A shared routine gives the three-way
        result (-1, 0, 1); one ``eq`` turns it into the operator's. A list is never equal to an
        int (``==`` is False, as in Python); ordering them is a type error, as in Python."""
        return self.compare_values(o, self.type_of(xe), x, self.type_of(ye), y, r, xe)

    def compare_values(self, o: str, xt: VType, x: int | None, yt: VType, y: int | None, r: int, node: A.Node) -> bool:
        """compare_lists for values of types ``xt`` and ``yt`` (at least one a list)."""
        if xt.is_list != yt.is_list or (xt.depth and yt.depth and xt.depth != yt.depth):
            if o not in ("==", "!="):
                raise CodegenError(node.span, f"type error: '{o}' between {a_type(xt)} and {a_type(yt)}",
                                   "Python raises TypeError: compare values of one type")
            if xt.is_list and yt.is_list:  # list[int] against list[list[int]]: equal only when both are empty
                self.both_empty(x, y, r)
            else:
                self.emit(op.MOVI, c=r, imm=0)
            return o == "!="
        if xt.is_tuple and yt.is_tuple and (xt.boxed, xt.parts) != (yt.boxed, yt.parts):
            raise CodegenError(node.span, f"type error: '{o}' between {a_type(xt)} and {a_type(yt)}",
                               "Python compares an int with a list there (TypeError): compare tuples of one shape")
        name, build = ("listcmp3", build_compare_tables) if 3 in (xt.depth, yt.depth) else \
            ("listcmp2", build_compare_rows) if 2 in (xt.depth, yt.depth) else ("listcmp1", build_compare_ints)
        (three_way,) = self.call_routine(name, build, [x, y], 1)
        want = {"==": 0, "!=": 0, "<": -1, ">=": -1, ">": 1, "<=": 1}[o]
        k = self.const_slot(want)
        self.emit(op.EQ, c=r, a=three_way, b=k)
        self.release(k)
        return o in ("!=", ">=", "<=")

    def both_empty(self, x: int, y: int, r: int) -> None:
        """r = (len(x) == 0 and len(y) == 0), for lengths (never negative): their sum is 0."""
        a, b = self.temp(), self.temp()
        self.emit(op.LD, c=a, a=x, imm=0)
        self.emit(op.LD, c=b, a=y, imm=0)
        self.emit(op.ADD, c=a, a=a, b=b)
        zero = self.const_slot(0)
        self.emit(op.EQ, c=r, a=a, b=zero)
        self.release(a, b, zero)

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


# --- the comparison routines (ProgramCompiler.routine) -------------------------------------------
def _compare_lengths(fc, la: int, lb: int, out: int) -> None:
    """out = sign(la - lb) for two lengths (lt32: lengths are far below 2^31)."""
    c = fc.temp()
    fc.emit(op.LT32, c=c, a=lb, b=la)
    fc.emit(op.LT32, c=out, a=la, b=lb)
    fc.emit(op.SUB, c=out, a=c, b=out)
    fc.release(c)


def _compare_elements(fc, differ) -> None:
    """The loop shared by both routines: p0, p1 are list headers; for each index i below both
    lengths, ``differ(fc, x, y, done)`` gets the two elements' slots and leaves its three-way
    result in p0 and jumps to ``done`` when they differ; after the loop, p0 = sign of the
    length difference."""
    la, lb, n, pa, pb, i, c, x, y = (fc.temp() for _ in range(9))
    top, tail, done = Label("cmp_list"), Label("cmp_list_tail"), Label("cmp_list_done")
    fc.emit(op.LD, c=la, a=0, imm=0)
    fc.emit(op.LD, c=lb, a=1, imm=0)
    fc.emit(op.LD, c=pa, a=0, imm=2)
    fc.emit(op.LD, c=pb, a=1, imm=2)
    fc.emit(op.LT32, c=c, a=la, b=lb)  # n = min(la, lb) = lb + (la - lb) (la < lb)
    fc.emit(op.SUB, c=n, a=la, b=lb)
    fc.emit(op.MUL, c=n, a=n, b=c)
    fc.emit(op.ADD, c=n, a=n, b=lb)
    fc.emit(op.MOVI, c=i, imm=0)
    fc.label(top)
    fc.emit(op.LT32, c=c, a=i, b=n)
    fc.emit(op.BZ, a=c, imm=tail)
    fc.emit(op.ADD, c=x, a=pa, b=i)
    fc.emit(op.LD, c=x, a=x, imm=0)
    fc.emit(op.ADD, c=y, a=pb, b=i)
    fc.emit(op.LD, c=y, a=y, imm=0)
    differ(fc, x, y, done)
    fc.emit(op.ADDI, c=i, a=i, imm=1)
    fc.emit(op.JMP, imm=top)
    fc.label(tail)
    _compare_lengths(fc, la, lb, 0)
    fc.label(done)


def _ints_differ(fc, x: int, y: int, done: Label) -> None:
    """Two ints: equal ones go on (two cycles); else, out of line, p0 = 1 - 2 (x < y) (lt:
    any two ints)."""
    c = fc.temp()
    differ = Label("cmp_differ")
    fc.emit(op.EQ, c=c, a=x, b=y)
    fc.emit(op.BZ, a=c, imm=differ)
    with fc.cold_block(differ):
        fc.emit(op.LT, c=c, a=x, b=y)
        fc.emit(op.MULI, c=0, a=c, imm=-2)
        fc.emit(op.ADDI, c=0, a=0, imm=1)
        fc.emit(op.JMP, imm=done)
    fc.release(c)


def build_compare_ints(fc) -> None:
    """<listcmp1>(a, b): the three-way comparison of two lists of ints, in p0."""
    _compare_elements(fc, _ints_differ)


def _lists_differ(routine: str, build):
    """Two lists compared by the routine ``routine`` (built by ``build``): a non-zero result
    is the enclosing lists' result."""
    def differ(fc, x: int, y: int, done: Label) -> None:
        (r,) = fc.call_routine(routine, build, [x, y], 1)
        fc.emit(op.ADDI, c=0, a=r, imm=0)
        fc.emit(op.BZ, a=0, imm=(after := Label("cmp_next")))
        fc.emit(op.JMP, imm=done)
        fc.label(after)

    return differ


def build_compare_rows(fc) -> None:
    """<listcmp2>(a, b): the three-way comparison of two lists of lists of ints, in p0."""
    _compare_elements(fc, _lists_differ("listcmp1", build_compare_ints))


def build_compare_tables(fc) -> None:
    """<listcmp3>(a, b): the three-way comparison of two lists nested three deep (lists of
    tuples mixing ints and lists: boxed ints compare as their one-element rows do), in p0."""
    _compare_elements(fc, _lists_differ("listcmp2", build_compare_rows))
