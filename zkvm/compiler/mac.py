"""Dot products fused into one ``mac`` instruction (a mixin of codegen.FunctionCompiler).

``for i in range(N): acc += A[i] * B[i]`` (or ``acc = acc + ...``) and
``sum([A[i] * B[i] for i in range(N)])`` with a compile-time N become one multi-cycle ``mac``
when the analysis shows the accumulation exact (guards.py: otherwise the loop is compiled as
written, with overflow guards); the ``sum`` form is calls.py's ``sum_call``, which uses the
methods here. The list expressions are evaluated once, which Python does every turn: only where
that cannot be told apart. Nothing here reasons about values: whether the accumulation is exact
is the range analysis' answer (ranges.py, through guards.py).
"""

from __future__ import annotations

from zkvm.compiler import ast as A
from zkvm.compiler import guards
from zkvm.compiler.tree import mentions, walk_all
from zkvm.compiler.types import INT
from zkvm.isa import opcodes as op


class MacMixin:
    """Recognizing the dot-product pattern and emitting its ``mac``."""

    def mac_operands(self, e: A.Expr, index: str) -> tuple[A.Expr, A.Expr] | None:
        """e == A[i] * B[i] with A, B not depending on i: (A, B)."""
        if not (isinstance(e, A.BinOp) and e.op == "*"):
            return None
        left, right = e.left, e.right
        if not (isinstance(left, A.Subscript) and isinstance(right, A.Subscript)):
            return None
        if not (_is_name(left.index, index) and _is_name(right.index, index)):
            return None
        if mentions(left.value, index) or mentions(right.value, index):
            return None
        # the list expressions are evaluated once, where Python evaluates them every turn:
        # only when that cannot be told apart (no calls that could have effects)
        if any(isinstance(n, A.Call) and (n.receiver is not None or n.func in self.prog.functions)
               for x in (left.value, right.value) for n in walk_all(x)):
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
        if ops is None or mentions(ops[0], acc.id) or mentions(ops[1], acc.id):
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


def _is_name(e: A.Expr, name: str) -> bool:
    return isinstance(e, A.Name) and e.id == name
