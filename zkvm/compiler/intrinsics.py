"""Integer operations with CPython's semantics on the whole value range.

The VM's values are the integers in [-H, H], H = (p-1)/2 = 2^63 - 2^31 (docs/isa.md). ``+``,
``-``, ``*`` are single instructions that stop the machine when the exact result leaves that
range, ``lt`` compares any two values, and ``div``/``mod`` are Python's floor division and
modulo for divisors with 0 < |b| < 2^32. Everything else CPython does with ints is built here
from those instructions:

* ``//`` and ``%`` by a divisor with |b| >= 2^32: a constant divisor that is a product of two
  factors below 2^32 (every power of two up to 2^62) is two hardware divisions; any other one
  goes through the ``divmod_wide`` subroutine (a quotient estimate from the top 32 bits of the
  divisor, corrected at most twice). A divisor known only at run time is tested first and takes
  the hardware path when it can.
* ``<<`` and ``>>``: multiplication and floor division by a power of two (a table of 2^0 ..
  2^62 for computed shift counts); ``>>`` by 63 or more gives 0 or -1.
* ``&``, ``|``, ``^``: ``& (2^k - 1)`` is ``% 2^k`` and a few other constants are identities;
  the rest go through a subroutine per operator that walks the two operands four bits at a time
  (floor division by 16 gives two's complement digits, also of negative values) and looks each
  pair of digits up in a 256-word table of the operator.
* ``~a`` is ``-a - 1``; ``a ** k`` is square-and-multiply (unrolled for a constant exponent, a
  loop for a computed one, a table lookup for a power of two raised to a computed exponent).

Every result is CPython's exact result or the machine stops with an error naming the source
line: a result outside [-H, H] (the instruction that computes it overflows; no intermediate
value of these sequences is larger in magnitude than the final result, so no error is
spurious), a division by zero, a negative shift count, a negative exponent. Subroutines and
tables are included only in programs that use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkvm.compiler import ast as A
from zkvm.compiler import ir
from zkvm.isa import opcodes as op

if TYPE_CHECKING:  # pragma: no cover
    from zkvm.compiler.codegen import FunctionCompiler
    from zkvm.compiler.ir import Ins

H = op.VALUE_MAX  # the largest value: 2^63 - 2^31
DIV_LIMIT = op.DIV_MAX  # hardware div/mod: 0 < |divisor| < 2^32
SMALL_MIN, SMALL_MAX = op.CMP_MIN, op.CMP_MAX - 1  # lt32's operand range, inclusive
MAX_POW2 = 62  # 2^62 is the largest power of two in the value range
NIBBLE_OPS = {"&": "and", "|": "or", "^": "xor"}

Interval = tuple[int, int] | None


def overflow(what: str) -> str:
    """A trap reason: the result of ``what`` left the value range."""
    return f"integer overflow: the result of {what} is outside the value range [-(p-1)/2, (p-1)/2] (about +-9.2e18)"


NEGATIVE_SHIFT = "negative shift count"
NEGATIVE_EXPONENT = "negative exponent: a ** k with k < 0 is a float in Python (the DSL has only integers)"


def within(iv: Interval, lo: int, hi: int) -> bool:
    """Is every value of the interval in [lo, hi]?"""
    return iv is not None and lo <= iv[0] and iv[1] <= hi


def is_small(iv: Interval) -> bool:
    """Can lt32 compare values of this interval (both ends in [-2^31, 2^31))?"""
    return within(iv, SMALL_MIN, SMALL_MAX)


# --- tables ----------------------------------------------------------------------------------------
def pow2_table(fc: FunctionCompiler) -> int:
    """The address of the table 2^0, 2^1, ..., 2^62."""
    return fc.prog.table("pow2", [1 << k for k in range(MAX_POW2 + 1)])


def nibble_tables(fc: FunctionCompiler, o: str) -> tuple[int, int]:
    """The two 256-word tables of a bit operator: ``o`` on digits x, y in [0, 16) at
    16 x + y, and on signed digits x, y in [-8, 8) at 16 (x + 8) + (y + 8)."""
    f = {"&": lambda x, y: x & y, "|": lambda x, y: x | y, "^": lambda x, y: x ^ y}[o]
    name = NIBBLE_OPS[o]
    unsigned = fc.prog.table(f"{name}_u4", [f(x, y) for x in range(16) for y in range(16)])
    signed = fc.prog.table(f"{name}_s4", [f(x, y) for x in range(-8, 8) for y in range(-8, 8)])
    return unsigned, signed


# --- helpers -----------------------------------------------------------------------------------------
def movi(fc: FunctionCompiler, value: int) -> int:
    """A slot holding ``value``, only to be read (FunctionCompiler.const_slot)."""
    return fc.const_slot(value)


def less(fc: FunctionCompiler, c: int, a: int, b: int, small: bool = False) -> None:
    """c = a < b, with the one-row lt32 when both operands are known to fit it."""
    fc.emit(op.LT32 if small else op.LT, c=c, a=a, b=b)


def split_divisor(c: int) -> tuple[int, int] | None:
    """Two factors m, n in [2, 2^32) with m * n == c (c >= 2^32), or None if the search finds
    none (then the divisor goes through divmod_wide). Factors: trial division by the primes
    below 2^16; the cofactor left over is used whole."""
    factors: list[int] = []
    rest = c
    p = 2
    while p * p <= rest and p < 1 << 16:
        while rest % p == 0:
            factors.append(p)
            rest //= p
        p += 1 if p == 2 else 2
    if rest > 1:
        factors.append(rest)
    # the divisors of c made of these factors, smallest first; any m with c / 2^32 < m < 2^32
    divisors = {1}
    for f in factors:
        divisors |= {d * f for d in divisors if d * f < DIV_LIMIT}
    for m in sorted(divisors):
        if m >= 2 and c % m == 0 and c // m < DIV_LIMIT and c // m >= 2:
            return m, c // m
    return None


# --- // and % ----------------------------------------------------------------------------------------
def divide(fc: FunctionCompiler, o: str, a: int, b: int | None, r: int, node: A.Node,
           bc: int | None = None, b_iv: Interval = None) -> None:
    """r = a // b or a % b (o is "//" or "%"); ``bc`` is the divisor when it is a constant (then
    ``b`` is None), ``b_iv`` an interval known to hold it."""
    code = op.DIV if o == "//" else op.MOD
    if bc is not None:
        if abs(bc) < DIV_LIMIT:  # (0 included: the VM stops with "division by zero")
            t = movi(fc, bc)
            fc.emit(code, c=r, a=a, b=t)
            fc.release(t)
            return
        factors = split_divisor(abs(bc))
        if factors is not None:
            divide_by_factors(fc, o, a, r, bc, *factors)
            return
        t = movi(fc, bc)
        call_wide(fc, o, a, t, r)
        fc.release(t)
        return
    if within(b_iv, -(DIV_LIMIT - 1), DIV_LIMIT - 1):
        fc.emit(code, c=r, a=a, b=b)
        return
    # a divisor known only at run time: the hardware instruction when -2^32 < b < 2^32 (b = 0
    # included: it stops with "division by zero"), the subroutine out of line otherwise
    slow, resume = ir.Label("wide_divisor"), ir.Label("divided")
    c = fc.temp()
    if b_iv is None or b_iv[1] >= DIV_LIMIT:
        k = movi(fc, DIV_LIMIT)
        fc.emit(op.LT, c=c, a=b, b=k)
        fc.emit(op.BZ, a=c, imm=slow)
        fc.release(k)
    if b_iv is None or b_iv[0] <= -DIV_LIMIT:
        k = movi(fc, -DIV_LIMIT)
        fc.emit(op.LT, c=c, a=k, b=b)
        fc.emit(op.BZ, a=c, imm=slow)
        fc.release(k)
    fc.release(c)
    fc.emit(code, c=r, a=a, b=b)
    with fc.cold_block(slow):
        call_wide(fc, o, a, b, r)
        fc.emit(op.JMP, imm=resume)
    fc.label(resume)


def divide_by_factors(fc: FunctionCompiler, o: str, a: int, r: int, bc: int, m: int, n: int) -> None:
    """a // bc or a % bc for |bc| = m * n with m, n < 2^32: floor(floor(x / m) / n) = x // (m n)
    and x % (m n) = x % m + m * ((x // m) % n) for every integer x; a negative divisor through
    a // -c = (-a) // c and a % -c = -((-a) % c) (the value range is symmetric: -a fits)."""
    src = a
    if bc < 0:
        src = fc.temp()
        fc.emit(op.MULI, c=src, a=a, imm=-1)
    km, kn, q1 = movi(fc, m), movi(fc, n), fc.temp()
    fc.emit(op.DIV, c=q1, a=src, b=km)
    if o == "//":
        fc.emit(op.DIV, c=r, a=q1, b=kn)
    else:
        low = fc.temp()
        fc.emit(op.MOD, c=low, a=src, b=km)
        fc.emit(op.MOD, c=q1, a=q1, b=kn)
        fc.emit(op.MULI, c=q1, a=q1, imm=m)
        fc.emit(op.ADD, c=r, a=low, b=q1)
        if bc < 0:
            fc.emit(op.MULI, c=r, a=r, imm=-1)
        fc.release(low)
    fc.release(km, kn, q1)
    if src != a:
        fc.release(src)


def call_wide(fc: FunctionCompiler, o: str, a: int, b: int, r: int) -> None:
    """r = a // b or a % b through the divmod_wide subroutine (|b| >= 2^32)."""
    q, m = fc.call_routine("divmod_wide", build_divmod_wide, [a, b], 2)
    fc.copy(r, q if o == "//" else m)


def build_divmod_wide(fc: FunctionCompiler) -> None:
    """The subroutine divmod_wide(a, b) for |b| >= 2^32: a // b in slot 0 and a % b in slot 1.

    On magnitudes A = |a| < 2^63 and B = |b| in [2^32, 2^63): the quotient Q = A // B is below
    2^31. With p = 2^k for the smallest k >= 1 such that B < 2^(32 + k), Bt = B // p lies in
    [2^31, 2^32) and At = A // p. The estimate At // Bt is Q or Q + 1: A / p = Q B / p + R / p
    >= Q Bt gives At >= Q Bt; and At / Bt < (A / B) (1 + 1 / Bt) < A / B + 1 since A / B < 2^31
    <= Bt. So q0 = max(At // Bt - 1, 0) is Q - 1 or Q, A - q0 B is in [0, 2B) (q0 B <= A: no
    overflow), and one conditional subtraction finishes the division. Then Python's signs: a
    quotient of operands of different signs rounds down (-Q - 1 and B - R when the remainder R
    is not 0), the remainder takes the sign of b. About 65 cycles with the call."""
    a, b = 0, 1  # the parameters
    zero = movi(fc, 0)
    na, nb, A_, B_ = fc.temp(), fc.temp(), fc.temp(), fc.temp()
    fc.emit(op.LT, c=na, a=a, b=zero)
    fc.emit(op.LT, c=nb, a=b, b=zero)
    for neg, src, dst in ((na, a, A_), (nb, b, B_)):
        done = ir.Label("abs")
        fc.copy(dst, src)
        fc.emit(op.BZ, a=neg, imm=done)
        fc.emit(op.MULI, c=dst, a=src, imm=-1)
        fc.label(done)
    # p = 2^k, k in [1, 31] the smallest with B < 2^(32 + k): a binary search, unrolled
    p, f, t = fc.temp(), fc.temp(), fc.temp()
    found = ir.Label("scaled")

    def search(lo: int, hi: int) -> None:
        if lo == hi:
            fc.emit(op.MOVI, c=p, imm=1 << lo)
            fc.emit(op.JMP, imm=found)
            return
        mid = (lo + hi) // 2
        upper = ir.Label("upper")
        fc.emit(op.MOVI, c=t, imm=1 << (32 + mid))
        fc.emit(op.LT, c=f, a=B_, b=t)
        fc.emit(op.BZ, a=f, imm=upper)
        search(lo, mid)
        fc.label(upper)
        search(mid + 1, hi)

    search(1, 31)
    fc.label(found)
    bt, q, rem = fc.temp(), fc.temp(), fc.temp()
    fc.emit(op.DIV, c=bt, a=B_, b=p)
    fc.emit(op.DIV, c=q, a=A_, b=p)
    fc.emit(op.DIV, c=q, a=q, b=bt)
    estimated = ir.Label("estimated")
    fc.emit(op.BZ, a=q, imm=estimated)
    fc.emit(op.ADDI, c=q, a=q, imm=-1)
    fc.label(estimated)
    fc.emit(op.MUL, c=rem, a=q, b=B_)
    fc.emit(op.SUB, c=rem, a=A_, b=rem)
    correct, corrected = ir.Label("correct"), ir.Label("corrected")
    fc.emit(op.LT, c=f, a=rem, b=B_)
    fc.emit(op.BZ, a=f, imm=correct)  # rem >= B: q0 was Q - 1
    fc.emit(op.JMP, imm=corrected)
    fc.label(correct)
    fc.emit(op.SUB, c=rem, a=rem, b=B_)
    fc.emit(op.ADDI, c=q, a=q, imm=1)
    fc.label(corrected)
    # signs: same signs -> (Q, R); different -> (-Q, 0) or (-Q - 1, B - R); r takes b's sign
    same, negate, signed_r = ir.Label("same_signs"), ir.Label("negate_q"), ir.Label("sign_r")
    fc.emit(op.EQ, c=f, a=na, b=nb)
    fc.emit(op.BZ, a=f, imm=same)
    fc.emit(op.JMP, imm=signed_r)
    fc.label(same)  # (reached when the signs differ: f == 0)
    fc.emit(op.BZ, a=rem, imm=negate)
    fc.emit(op.ADDI, c=q, a=q, imm=1)
    fc.emit(op.SUB, c=rem, a=B_, b=rem)
    fc.label(negate)
    fc.emit(op.MULI, c=q, a=q, imm=-1)
    fc.label(signed_r)
    out = ir.Label("out")
    fc.emit(op.BZ, a=nb, imm=out)
    fc.emit(op.MULI, c=rem, a=rem, imm=-1)
    fc.label(out)
    fc.copy(a, q)
    fc.copy(b, rem)
    fc.release(zero, na, nb, A_, B_, p, f, t, bt, q, rem)


# --- shifts ------------------------------------------------------------------------------------------
def shift_right(fc: FunctionCompiler, a: int, k: int | None, r: int, node: A.Node,
                kc: int | None = None, k_iv: Interval = None) -> None:
    """r = a >> k: floor(a / 2^k); 0 or -1 once k >= 63 (|a| < 2^63); a negative k stops."""
    if kc is not None:
        if kc < 0:
            fc.emit(op.JMP, imm=fc.trap(node, NEGATIVE_SHIFT))
            fc.emit(op.MOVI, c=r, imm=0)
        elif kc == 0:
            fc.copy(r, a)
        elif kc <= 31:
            t = movi(fc, 1 << kc)
            fc.emit(op.DIV, c=r, a=a, b=t)
            fc.release(t)
        elif kc <= MAX_POW2:
            m, n, t = movi(fc, 1 << 31), movi(fc, 1 << (kc - 31)), fc.temp()
            fc.emit(op.DIV, c=t, a=a, b=m)
            fc.emit(op.DIV, c=r, a=t, b=n)
            fc.release(m, n, t)
        else:
            sign_of(fc, a, r)
        return
    table = pow2_table(fc)
    big, high, resume = ir.Label("shift_big"), ir.Label("shift_high"), ir.Label("shifted")
    if not within(k_iv, 0, MAX_POW2):
        c, lim = fc.temp(), movi(fc, MAX_POW2 + 1)
        fc.emit(op.LT, c=c, a=k, b=lim)
        fc.emit(op.BZ, a=c, imm=big)
        if k_iv is None or k_iv[0] < 0:
            fc.emit_reason(op.CHK, node, NEGATIVE_SHIFT, a=k, b=lim)  # (k < 63 here: fails iff k < 0)
        fc.release(c, lim)
    p = fc.temp()
    if not within(k_iv, 0, 31):
        c, lim = fc.temp(), movi(fc, 32)
        fc.emit(op.LT32, c=c, a=k, b=lim)  # k in [0, 63) here
        fc.emit(op.BZ, a=c, imm=high)
        fc.release(c, lim)
    fc.emit(op.LD, c=p, a=k, imm=table)
    fc.emit(op.DIV, c=r, a=a, b=p)
    if not within(k_iv, 0, 31):
        with fc.cold_block(high):  # 32 <= k <= 62: floor(floor(a / 2^31) / 2^(k - 31))
            t = fc.temp()
            fc.emit(op.LD, c=p, a=k, imm=table - 31)
            fc.emit(op.MOVI, c=t, imm=1 << 31)
            fc.emit(op.DIV, c=t, a=a, b=t)
            fc.emit(op.DIV, c=r, a=t, b=p)
            fc.release(t)
            fc.emit(op.JMP, imm=resume)
    if not within(k_iv, 0, MAX_POW2):
        with fc.cold_block(big):
            sign_of(fc, a, r)
            fc.emit(op.JMP, imm=resume)
    fc.label(resume)
    fc.release(p)


def sign_of(fc: FunctionCompiler, a: int, r: int) -> None:
    """r = -1 if a < 0 else 0 (a >> k for k >= 63)."""
    z, c = movi(fc, 0), fc.temp()
    fc.emit(op.LT, c=c, a=a, b=z)
    fc.emit(op.MULI, c=r, a=c, imm=-1)
    fc.release(z, c)


def shift_left(fc: FunctionCompiler, a: int, k: int | None, r: int, node: A.Node,
               kc: int | None = None, k_iv: Interval = None) -> None:
    """r = a << k = a * 2^k; stops when the result leaves the value range (any a != 0 once
    k >= 63) or when k < 0."""
    if kc is not None:
        if kc < 0:
            fc.emit(op.JMP, imm=fc.trap(node, NEGATIVE_SHIFT))
            fc.emit(op.MOVI, c=r, imm=0)
        elif kc <= MAX_POW2:
            fc.emit_reason(op.MULI, node, overflow("<<"), c=r, a=a, imm=1 << kc)
        else:
            fine = ir.Label("zero_shifted")
            fc.emit(op.BZ, a=a, imm=fine)
            fc.emit(op.JMP, imm=fc.trap(node, overflow("<<")))
            fc.label(fine)
            fc.emit(op.MOVI, c=r, imm=0)
        return
    table = pow2_table(fc)
    big, resume = ir.Label("shift_big"), ir.Label("shifted")
    p = fc.temp()
    if not within(k_iv, 0, MAX_POW2):
        lim, c = movi(fc, MAX_POW2 + 1), fc.temp()
        fc.emit(op.LT, c=c, a=k, b=lim)
        fc.emit(op.BZ, a=c, imm=big)
        if k_iv is None or k_iv[0] < 0:
            fc.emit_reason(op.CHK, node, NEGATIVE_SHIFT, a=k, b=lim)
        fc.release(lim, c)
    fc.emit(op.LD, c=p, a=k, imm=table)
    fc.emit_reason(op.MUL, node, overflow("<<"), c=r, a=a, b=p)
    if not within(k_iv, 0, MAX_POW2):
        with fc.cold_block(big):  # k >= 63: 0 << k is 0, anything else overflows
            zero = ir.Label("zero_shifted")
            fc.emit(op.BZ, a=a, imm=zero)
            fc.emit(op.JMP, imm=fc.trap(node, overflow("<<")))
            fc.label(zero)
            fc.emit(op.MOVI, c=r, imm=0)
            fc.emit(op.JMP, imm=resume)
    fc.label(resume)
    fc.release(p)


# --- bit operators -------------------------------------------------------------------------------
def invert(fc: FunctionCompiler, a: int, r: int, node: A.Node) -> None:
    """r = ~a = -a - 1 (overflows only for a = H)."""
    fc.emit(op.MULI, c=r, a=a, imm=-1)
    fc.emit_reason(op.ADDI, node, overflow("~"), c=r, a=r, imm=-1)


def low_mask_bits(c: int) -> int | None:
    """k if c == 2^k - 1 with 1 <= k <= 62, else None."""
    if c > 0 and (c + 1) & c == 0 and c.bit_length() <= MAX_POW2:
        return c.bit_length()
    return None


def bitwise(fc: FunctionCompiler, o: str, a: int, b: int | None, r: int, node: A.Node,
            bc: int | None = None) -> None:
    """r = a & b, a | b or a ^ b; ``bc`` is b when it is a constant (then ``b`` is None)."""
    if bc is not None:
        if special_mask(fc, o, a, r, node, bc):
            return
        b = movi(fc, bc)
        general_bitwise(fc, o, a, b, r, node)
        fc.release(b)
        return
    general_bitwise(fc, o, a, b, r, node)


def special_mask(fc: FunctionCompiler, o: str, a: int, r: int, node: A.Node, c: int) -> bool:
    """The constant operands that need no digit walk: 0, -1, & with 2^k - 1 (= % 2^k), and &
    with one bit 2^k (k < 31)."""
    if c == 0:
        if o == "&":
            fc.emit(op.MOVI, c=r, imm=0)
        else:
            fc.copy(r, a)
        return True
    if c == -1:
        if o == "&":
            fc.copy(r, a)
        elif o == "|":
            fc.emit(op.MOVI, c=r, imm=-1)
        else:
            invert(fc, a, r, node)
        return True
    k = low_mask_bits(c)
    if o == "&" and k is not None:
        if k <= 31:
            t = movi(fc, 1 << k)
            fc.emit(op.MOD, c=r, a=a, b=t)
            fc.release(t)
        else:
            divide_by_factors(fc, "%", a, r, 1 << k, 1 << 31, 1 << (k - 31))
        return True
    if o == "&" and c > 0 and c & (c - 1) == 0 and c.bit_length() <= 31:
        # one bit, c = 2^k: a & c = a % 2^(k+1) - a % 2^k (floor modulo: negative a too)
        m, low = fc.temp(), fc.temp()
        two, one = movi(fc, c << 1), movi(fc, c)
        fc.emit(op.MOD, c=m, a=a, b=two)
        fc.emit(op.MOD, c=low, a=m, b=one)
        fc.emit(op.SUB, c=r, a=m, b=low)
        fc.release(m, low, two, one)
        return True
    return False


def general_bitwise(fc: FunctionCompiler, o: str, a: int, b: int, r: int, node: A.Node) -> None:
    """Through the subroutine of the operator: it returns the result's low 60 bits and its
    top digit (signed, in [-8, 8)); r = low + top * 2^60, added as two halves so that only a
    result outside the value range overflows."""
    name = f"bit{NIBBLE_OPS[o]}"
    low, top = fc.call_routine(name, lambda f: build_bitwise(f, o), [a, b], 2)
    t = fc.temp()
    fc.emit(op.MULI, c=t, a=top, imm=1 << 59)
    fc.emit_reason(op.ADD, node, overflow(o), c=r, a=low, b=t)
    fc.emit_reason(op.ADD, node, overflow(o), c=r, a=r, b=t)
    fc.release(t)


def build_bitwise(fc: FunctionCompiler, o: str) -> None:
    """The subroutine bit<op>(a, b): slot 0 gets the low 60 bits of the result (15 digits of 4
    bits), slot 1 its top digit, signed. Floor division by 16 splits any integer, negative ones
    included, into two's complement digits: a = 16 (a // 16) + a % 16 with a % 16 in [0, 16),
    and after 15 steps a // 2^60 is the top digit in [-8, 8).

    The table index of a digit pair is 16 (a % 16) + b % 16. For the first two digits it is
    computed from the remainders; from the third on, |a| and |b| are below 2^55 and it is
    s - 16 s' with s = 16 a + b and s' = 16 (a // 16) + b // 16, one product fewer per operand.
    About 11 cycles a digit, 180 in all with the call."""
    unsigned, signed = nibble_tables(fc, o)
    c16 = movi(fc, 16)
    acc, na, nb, t = (fc.temp() for _ in range(4))
    # each operand's remaining high part alternates between its parameter slot and a temp
    xa, ya = 0, fc.temp()
    xb, yb = 1, fc.temp()
    spare = (ya, yb)

    def add_digit(i: int, index: int) -> None:
        """acc += table[index] * 16^i."""
        if i == 0:
            fc.emit(op.LD, c=acc, a=index, imm=unsigned)
            return
        fc.emit(op.LD, c=t, a=index, imm=unsigned)
        fc.emit(op.MULI, c=t, a=t, imm=16**i)
        fc.emit(op.ADD, c=acc, a=acc, b=t)

    for i in range(2):
        for x, q, n in ((xa, ya, na), (xb, yb, nb)):
            fc.emit(op.DIV, c=q, a=x, b=c16)
            fc.emit(op.MULI, c=t, a=q, imm=-16)
            fc.emit(op.ADD, c=n, a=x, b=t)
        fc.emit(op.MULI, c=na, a=na, imm=16)
        fc.emit(op.ADD, c=na, a=na, b=nb)
        add_digit(i, na)
        xa, ya, xb, yb = ya, xa, yb, xb
    cur, nxt = na, nb  # s = 16 a + b of the current high parts, and of the next ones
    fc.emit(op.MULI, c=cur, a=xa, imm=16)
    fc.emit(op.ADD, c=cur, a=cur, b=xb)
    for i in range(2, 15):
        fc.emit(op.DIV, c=ya, a=xa, b=c16)
        fc.emit(op.DIV, c=yb, a=xb, b=c16)
        fc.emit(op.MULI, c=t, a=ya, imm=16)
        fc.emit(op.ADD, c=nxt, a=t, b=yb)
        fc.emit(op.MULI, c=t, a=nxt, imm=-16)
        fc.emit(op.ADD, c=cur, a=cur, b=t)  # 16 (a % 16) + b % 16
        add_digit(i, cur)
        xa, ya, xb, yb = ya, xa, yb, xb
        cur, nxt = nxt, cur
    # the top digits a, b in [-8, 8): s = 16 a + b, at 16 (a + 8) + (b + 8) = s + 136 of the table
    fc.emit(op.LD, c=t, a=cur, imm=signed + 16 * 8 + 8)
    fc.copy(0, acc)
    fc.copy(1, t)
    fc.release(c16, acc, na, nb, t, *spare)


# --- ** ----------------------------------------------------------------------------------------------
def power(fc: FunctionCompiler, a: int, k: int | None, r: int, node: A.Node, kc: int | None = None,
          ac: int | None = None, k_iv: Interval = None) -> None:
    """r = a ** k for k >= 0 (a negative k stops). Square-and-multiply squares only while
    exponent bits remain, so every intermediate value is at most the result in magnitude."""
    if kc is not None:
        power_const(fc, a, kc, r, node)
        return
    if ac is not None and ac >= 2 and ac & (ac - 1) == 0:
        power_of_two(fc, ac.bit_length() - 1, k, r, node, k_iv)
        return
    e, res, s, bit, two = fc.temp(), fc.temp(), fc.temp(), fc.temp(), movi(fc, 2)
    fc.copy(e, k)
    if k_iv is None or k_iv[0] < 0:
        z = movi(fc, 0)
        fc.emit(op.LT, c=bit, a=e, b=z)
        ok = ir.Label("exponent_ok")
        fc.emit(op.BZ, a=bit, imm=ok)
        fc.emit(op.JMP, imm=fc.trap(node, NEGATIVE_EXPONENT))
        fc.label(ok)
        fc.release(z)
    fc.emit(op.MOVI, c=res, imm=1)
    fc.copy(s, a)
    top, skip, done = ir.Label("pow"), ir.Label("pow_skip"), ir.Label("pow_done")
    fc.label(top)
    fc.emit(op.BZ, a=e, imm=done)
    fc.emit(op.MOD, c=bit, a=e, b=two)
    fc.emit(op.DIV, c=e, a=e, b=two)
    fc.emit(op.BZ, a=bit, imm=skip)
    fc.emit_reason(op.MUL, node, overflow("**"), c=res, a=res, b=s)
    fc.label(skip)
    fc.emit(op.BZ, a=e, imm=done)
    fc.emit_reason(op.MUL, node, overflow("**"), c=s, a=s, b=s)
    fc.emit(op.JMP, imm=top)
    fc.label(done)
    fc.copy(r, res)
    fc.release(e, res, s, bit, two)


def power_const(fc: FunctionCompiler, base: int, k: int, r: int, node: A.Node) -> None:
    """r = base ** k for a constant k >= 0, unrolled: one mul per squaring and per set bit past
    the first (``x ** 2`` is one mul, ``x ** 10`` four); the last one writes r."""
    if k == 0:
        fc.emit(op.MOVI, c=r, imm=1)
        return
    if k == 1:
        fc.copy(r, base)
        return
    sq, acc = base, None  # slots holding base ** (2^i) and the product so far
    temps = []
    last: Ins | None = None
    while k:
        if k & 1:
            if acc is None:
                acc = sq
            else:
                t = fc.temp()
                temps.append(t)
                last = fc.emit_reason(op.MUL, node, overflow("**"), c=t, a=acc, b=sq)
                acc = t
        k >>= 1
        if k:
            t = fc.temp()
            temps.append(t)
            last = fc.emit_reason(op.MUL, node, overflow("**"), c=t, a=sq, b=sq)
            sq = t
    if last is not None and last.c == acc:
        last.c = r  # (the last instruction reads its operands before it writes r)
    else:
        fc.copy(r, acc)
    fc.release(*temps)


def power_of_two(fc: FunctionCompiler, j: int, k: int, r: int, node: A.Node, k_iv: Interval) -> None:
    """r = (2^j) ** k = 2^(j k) from the table: k in [0, 62 // j]; a larger k overflows, a
    negative one stops."""
    table = pow2_table(fc)
    limit = MAX_POW2 // j + 1
    idx = k
    if not within(k_iv, 0, limit - 1):
        lim, c = movi(fc, limit), fc.temp()
        fc.emit(op.LT, c=c, a=k, b=lim)
        fc.emit(op.BZ, a=c, imm=fc.trap(node, overflow("**")))
        if k_iv is None or k_iv[0] < 0:
            fc.emit_reason(op.CHK, node, NEGATIVE_EXPONENT, a=k, b=lim)
        fc.release(lim, c)
    if j != 1:
        idx = fc.temp()
        fc.emit(op.MULI, c=idx, a=k, imm=j)
    fc.emit(op.LD, c=r, a=idx, imm=table)
    if idx != k:
        fc.release(idx)
