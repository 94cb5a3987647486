"""Overflow guards: the run-time checks that make a proven ``+``, ``-`` or ``*`` exact.

The AIR proves ``add``, ``sub``, ``mul`` (and their immediate forms and ``mac``) as field
operations. Our VM stops an honest run whose exact result leaves the value range [-H, H], but a
forger's trace need not come from our VM. So that a valid proof implies CPython's result
(issue 17, item 3), every such instruction the compiler emits for a program's arithmetic is
either shown exact by the interval analysis (zkvm/compiler/ranges.py: the common case once
``main`` declares bounds for its inputs) or preceded by a guard: a few instructions that
compare the operands (with ``lt`` and ``div``, which the AIR proves exactly on the whole value
range) and stop the machine, naming the line, unless the exact result is in range. The guard's
own arithmetic is exact by construction (each subtraction or division it computes stays in the
range on the branch where it runs), so a forger cannot get past a guard with operands whose
exact result would leave the range, and the guarded instruction then computes the integer
result.

Guards use what the analysis knows about the operands to skip tests (a non-negative operand
needs no test of the low end) and are exact: they stop exactly the runs our VM stops, never
an honest run CPython completes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkvm.compiler.intervals import H, TOP, Interval
from zkvm.compiler.ir import Label
from zkvm.isa import opcodes as op

if TYPE_CHECKING:  # pragma: no cover
    from zkvm.compiler import ast as A
    from zkvm.compiler.codegen import FunctionCompiler

ARITHMETIC = frozenset({op.ADD, op.SUB, op.MUL, op.ADDI, op.MULI})
SMALL = (1 << 32) - 1  # the largest divisor of the div instruction


def record_op(node: "A.Node") -> str:
    """The operator the analysis records an operation under (see ranges.RangeAnalysis.record)."""
    from zkvm.compiler import ast as A

    if isinstance(node, A.Call) and node.func == "sum":
        return "sum"
    return getattr(node, "op", "")


def needed(fc: "FunctionCompiler", node: "A.Node") -> bool:
    """Does an arithmetic instruction emitted for ``node`` need a guard?"""
    prog = fc.prog
    if not prog.exact_arithmetic:
        return False
    ranges = prog.ranges
    return ranges is None or not ranges.exact(fc.fn.name, node, record_op(node))


def operand_intervals(fc: "FunctionCompiler", node: "A.Node") -> tuple[Interval, Interval]:
    rec = fc.prog.ranges.record(fc.fn.name, node, record_op(node)) if fc.prog.ranges is not None else None
    return (rec.left, rec.right) if rec is not None else (TOP, TOP)


def guard(fc: "FunctionCompiler", opcode: int, node: "A.Node", reason: str, a, b=0, imm: int = 0,
          a_iv: Interval = TOP, b_iv: Interval = TOP) -> None:
    """Stop the run (reason, at node's line) unless ``opcode a, b/imm`` has an exact result in
    the value range. ``a_iv``, ``b_iv``: what is known of the operands."""
    trap = fc.trap(node, reason)
    if opcode == op.ADDI:
        _add_constant(fc, a, imm, trap, a_iv)
    elif opcode == op.MULI:
        _mul_constant(fc, a, imm, trap, a_iv)
    elif opcode == op.ADD:
        _add(fc, a, b, trap, a_iv, b_iv)
    elif opcode == op.SUB:
        nb = fc.temp()
        fc.emit(op.MULI, c=nb, a=b, imm=-1)  # -b is exact: the value range is symmetric
        _add(fc, a, nb, trap, a_iv, Interval(-b_iv.hi, -b_iv.lo))
        fc.release(nb)
    elif opcode == op.MUL:
        _mul(fc, a, b, trap, a_iv, b_iv)
    else:  # pragma: no cover - callers pass arithmetic opcodes only
        raise AssertionError(opcode)


def _stop_if(fc: "FunctionCompiler", flag: int, trap) -> None:
    """Jump to the trap when the flag is 1 (the common path falls through on 0)."""
    ok = Label("guard_ok")
    fc.emit(op.BZ, a=flag, imm=ok)
    fc.emit(op.JMP, imm=trap)
    fc.label(ok)


def _less(fc: "FunctionCompiler", flag: int, x: int, y: int) -> None:
    fc.emit(op.LT, c=flag, a=x, b=y)


def _beyond_constant(fc, x: int, limit: int, trap, x_iv: Interval, above: bool) -> None:
    """Stop when x > limit (``above``) or x < limit (limit in the value range); nothing when
    the interval already rules it out."""
    if (x_iv.hi <= limit) if above else (x_iv.lo >= limit):
        return
    t, c = fc.const_slot(limit), fc.temp()  # (constants in loops are set once per call)
    _less(fc, c, t, x) if above else _less(fc, c, x, t)
    _stop_if(fc, c, trap)
    fc.release(t, c)


def _add_constant(fc, a: int, k: int, trap, a_iv: Interval) -> None:
    if k > 0:
        _beyond_constant(fc, a, H - k, trap, a_iv, above=True)
    elif k < 0:
        _beyond_constant(fc, a, -H - k, trap, a_iv, above=False)


def _mul_constant(fc, a: int, k: int, trap, a_iv: Interval) -> None:
    if k in (0, 1, -1):
        return
    limit = H // abs(k)
    _beyond_constant(fc, a, limit, trap, a_iv, above=True)
    _beyond_constant(fc, a, -limit, trap, a_iv, above=False)


def _add(fc, a: int, b: int, trap, a_iv: Interval, b_iv: Interval) -> None:
    """a + b > H only when b > 0 and a > H - b; a + b < -H only when b < 0 and a < -H - b.
    Each test runs on the branch where b has that sign, so H - b and -H - b are exact. The
    operand whose sign is known plays b (fewer branches)."""
    if a_iv.lo + b_iv.lo >= -H and a_iv.hi + b_iv.hi <= H:
        return
    if not (b_iv.lo >= 0 or b_iv.hi <= 0) and (a_iv.lo >= 0 or a_iv.hi <= 0):
        a, b, a_iv, b_iv = b, a, b_iv, a_iv
    t, c = fc.temp(), fc.temp()
    zero = fc.const_slot(0) if b_iv.lo < 0 < b_iv.hi else None
    if a_iv.hi + b_iv.hi > H and b_iv.hi > 0:
        skip = Label("guard_add_high")
        if b_iv.lo < 0:  # only where b > 0
            _less(fc, c, zero, b)
            fc.emit(op.BZ, a=c, imm=skip)
        high = fc.const_slot(H)
        fc.emit(op.SUB, c=t, a=high, b=b)
        fc.release(high)
        _less(fc, c, t, a)
        _stop_if(fc, c, trap)
        fc.label(skip)
    if a_iv.lo + b_iv.lo < -H and b_iv.lo < 0:
        skip = Label("guard_add_low")
        if b_iv.hi > 0:  # only where b < 0
            _less(fc, c, b, zero)
            fc.emit(op.BZ, a=c, imm=skip)
        low = fc.const_slot(-H)
        fc.emit(op.SUB, c=t, a=low, b=b)
        fc.release(low)
        _less(fc, c, a, t)
        _stop_if(fc, c, trap)
        fc.label(skip)
    fc.release(t, c)
    if zero is not None:
        fc.release(zero)


def _magnitude(fc, x: int, x_iv: Interval) -> int:
    """A slot holding |x| (exact: the value range is symmetric)."""
    m = fc.temp()
    if x_iv.lo >= 0:
        fc.emit(op.ADDI, c=m, a=x, imm=0)
    elif x_iv.hi <= 0:
        fc.emit(op.MULI, c=m, a=x, imm=-1)
    else:
        c, zero = fc.temp(), fc.const_slot(0)
        _less(fc, c, x, zero)
        fc.emit(op.MULI, c=c, a=c, imm=-2)
        fc.emit(op.ADDI, c=c, a=c, imm=1)  # 1 - 2 [x < 0]
        fc.emit(op.MUL, c=m, a=x, b=c)
        fc.release(c, zero)
    return m


def _at_most_quotient(fc, n: int, m: int, trap) -> None:
    """Stop unless n <= H // m, for 0 < m < 2^32 (so the division is one instruction)."""
    lim, c, high = fc.temp(), fc.temp(), fc.const_slot(H)
    fc.emit(op.DIV, c=lim, a=high, b=m)
    fc.release(high)
    _less(fc, c, lim, n)
    _stop_if(fc, c, trap)
    fc.release(lim, c)


def _mul(fc, a: int, b: int, trap, a_iv: Interval, b_iv: Interval) -> None:
    """|a b| <= H, that is |a| <= H // |b| for b != 0: with |b| < 2^32 one division gives the
    bound; when both magnitudes may reach 2^32, the smaller one must be below 2^32 (else the
    product is at least 2^64) and then divides."""
    if a_iv.magnitude * b_iv.magnitude <= H:
        return
    if b_iv.magnitude > SMALL and a_iv.magnitude <= SMALL:
        a, b, a_iv, b_iv = b, a, b_iv, a_iv
    done = Label("guard_mul")
    n = _magnitude(fc, a, a_iv)
    m = _magnitude(fc, b, b_iv)
    fc.emit(op.BZ, a=m, imm=done)  # b = 0: the product is 0
    if b_iv.magnitude <= SMALL:
        _at_most_quotient(fc, n, m, trap)
    else:
        small, c, t = Label("guard_mul_small"), fc.temp(), fc.const_slot(SMALL)
        _less(fc, c, t, m)  # |b| >= 2^32?
        fc.emit(op.BZ, a=c, imm=small)
        fc.emit(op.BZ, a=n, imm=done)  # a = 0
        _less(fc, c, t, n)  # both at least 2^32: the product is at least 2^64
        _stop_if(fc, c, trap)
        _at_most_quotient(fc, m, n, trap)
        fc.emit(op.JMP, imm=done)
        fc.label(small)
        _at_most_quotient(fc, n, m, trap)
        fc.release(c, t)
    fc.label(done)
    fc.release(n, m)
