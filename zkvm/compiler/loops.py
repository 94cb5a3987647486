"""Code generation for ``for`` loops (a mixin of codegen.FunctionCompiler).

A loop over ``range(...)`` evaluates its arguments once, in Python's order, and is rotated
(tested on entry, then at the bottom); a loop over a list whose length cannot change while it
runs walks a pointer over its buffer. Two optimizations keep the turns short without changing
what a program computes: the element pointers of lists that cannot move during the loop are
loaded once before it (hoisting), and the appends of a loop body to a list that nothing else
reads during the loop get their room reserved once, so that each append is a store and an
increment (reservations, written back after the loop). ``for`` loops that are dot products
are mac.py's.

The methods use the core's state and emission (codegen.py) and evaluate expressions through
expressions.py; they know nothing of the layout (link.py).
"""

from __future__ import annotations

from zkvm.compiler import ast as A
from zkvm.compiler import intrinsics as intr
from zkvm.compiler.aliases import fresh_lists
from zkvm.compiler.intervals import H as H_VALUE
from zkvm.compiler.ir import MAX_LENGTH, CodegenError, Label, LoopCtx, Var, a_type
from zkvm.compiler.unroll import unrolled
from zkvm.compiler.tree import breaks, is_range_call, root_name, walk_all
from zkvm.compiler.types import INT, VType
from zkvm.isa import opcodes as op
from zkvm.source import Span


class LoopsMixin:
    """``for`` statements, hoisted pointers and reserved appends."""

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
            if abs(const_step) == 1:
                self.unroll(top, self.static_range_length(call))
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
        return any(isinstance(n, A.Name) and n.id in self.vars for n in walk_all(e))

    def hoist_pointers(self, body, assigned: set[str]) -> list[tuple[str, int]]:
        """Lists whose element buffer cannot move while the loop runs get their buffer pointer
        loaded once, before the loop: the list variable is not reassigned in the body, the body
        calls no user function (which might grow it), and every list the body appends to is a
        fresh local that cannot be the same list."""
        if any(isinstance(n, A.Call) and n.receiver is None and n.func in self.prog.functions for r in body for n in walk_all(r)):
            return []
        grown = set()
        for r in body:
            for n in walk_all(r):
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
            for n in walk_all(r):
                if isinstance(n, A.Subscript) and isinstance(n.value, A.Name):
                    used.append(n.value.id)
                elif isinstance(n, A.For) and is_range_call(n.iter) and len(n.body) == 1:
                    used.extend(x.id for x in walk_all(n.body[0]) if isinstance(x, A.Name))  # mac operands
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
            self.for_list_body(target, iterable, body, node, lst, var, comp_list, lt.length)
        finally:
            _restore(self.bounded, target, saved[0])
            _restore(self.ranges, target, saved[1])

    def for_list_body(self, target: str, iterable: A.Expr, body, node, lst: int, var: Var, comp_list: int | None,
                      length: int | None = None) -> None:
        """``length``: the list's length when the type analysis knows it (then a short body
        is unrolled, see unroll.py)."""
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
            self.unroll(top, length)
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
                           for x in parts for n in walk_all(x))
        root = root_name(iterable)
        fresh = self.fresh_lists()
        for r in node.body:
            for n in walk_all(r):
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
        if breaks(body) or any(isinstance(n, A.Return) for r in body for n in walk_all(r)):
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
        mentioned = {n.id for r in body for n in walk_all(r) if isinstance(n, A.Name) and id(n) not in receivers}
        fresh = self.fresh_lists()
        calls = any(isinstance(n, A.Call) and n.receiver is None and n.func in self.prog.functions
                    for r in body for n in walk_all(r))
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

    def unroll(self, top: Label, trips: int | None) -> None:
        """Unroll the loop just emitted (from ``top`` to the end of the code) when its trip
        count is known and its body is short, calls nothing and jumps only forward within
        itself or to traps (unroll.py)."""
        if trips is None or self.placed is not None:
            return
        start = top.pos
        for block, placed in self.cold:  # a jump from out-of-line code back into the loop
            inside = {id(lab) for lab in placed}
            for ins in block:
                for v in (ins.a, ins.b, ins.c, ins.imm):
                    if isinstance(v, Label) and id(v) not in inside and v.pos is not None and v.pos >= start:
                        return
        new = unrolled(self.code[start:], top, trips, {id(lab) for lab, _ in self.traps})
        if new is None:
            return
        before, loop = new
        del self.code[start:]
        self.code.extend(before)
        top.pos = len(self.code)
        self.code.extend(loop)

    def append_reserved(self, q: int, value: int) -> None:
        self.emit(op.ST, a=q, b=value, imm=0)
        self.emit(op.ADDI, c=q, a=q, imm=1)


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


def _assigned_names(nodes) -> set[str]:
    """Names a loop body may assign: assignment targets, augmented targets, loop targets."""
    out: set[str] = set()
    for root in nodes:
        for n in walk_all(root):
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
