"""Attacks like a forger's: whole consistent lying traces, and every other solution of every
constraint that pins a value.

Two levels:

* Instruction level: for each limb-checked instruction (lt, div, mod, lt32, chk) and operand
  pairs at the extremes of the value range, the honest witness satisfies the instruction's
  constraints, and every *other* witness a forger can build for another result (the other
  field solutions of the same identities: the result shifted by +-1, +-2^31, +-2^32,
  +-(2^32 - 1), by the lattice steps k = delta / b (mod p), the extremes of the quotient's
  limbs, the other carry, the other sign, the alias u + p of a shifted operand) breaks one of
  them or leaves a limb outside [0, 2^16). The oracle is the AIR's own constraint expressions,
  evaluated in one batch over thousands of candidate row pairs, plus the range of every limb.
  This is the counting argument of docs/air.md, checked.
* Run level (tests/forge.py): a program run in which one row lies and everything after it is
  consistent with the lie (later reads see the lied value, the tables balance), proved with
  every prover check off; the verifier must reject it, and the debugger names what breaks.
"""

from __future__ import annotations

import numpy as np
import pytest

import zkvm
from tests import forge as F
from zkvm.air import layout as L
from zkvm.air.vm_air import vm_air
from zkvm.errors import VerificationError
from zkvm.field.goldilocks import P
from zkvm.isa import opcodes as op
from zkvm.isa.asm import assemble
from zkvm.stark.debug import evaluate_expressions
from zkvm.vm.run import run

H = F.H
TWO31, TWO32, TWO63 = 1 << 31, 1 << 32, 1 << 63

EXTREME_VALUES = [0, 1, -1, 2, -2, TWO31 - 1, -TWO31, TWO31, TWO32 - 1, TWO32, -TWO32, 1 << 62, -(1 << 62),
                  H, -H, H - 1, -H + 1, 3037000499, 12345678901234, -98765432109876]
EXTREME_DIVISORS = [1, -1, 2, -2, 3, -3, 7, 1 << 16, TWO31 - 1, TWO31, -TWO31, TWO32 - 1, -(TWO32 - 1), 1000003]
PREFIXES = {"lt": ("lt ",), "div": ("div ", "mod "), "mod": ("div ", "mod "), "lt32": ("lt32 ",), "chk": ("chk ",)}
FLAG = {"lt": "f_lt", "div": "f_div", "mod": "f_mod", "lt32": "f_lt32", "chk": "f_chk"}


def accepted(opname: str, cases: list[tuple[int, int, dict, dict | None]]) -> np.ndarray:
    """For each candidate (A, B, first row, continuation row or None): does it satisfy every
    constraint of the instruction, with every limb in [0, 2^16)? Evaluated in one batch: the
    candidates' row pairs stacked in one matrix."""
    air = vm_air(1)
    exprs = [c.expr for c in air.constraints if c.name.startswith(PREFIXES[opname])]
    assert exprs
    main = np.zeros((2 * len(cases), L.WIDTH), dtype=np.uint64)
    limbs_ok = np.ones(len(cases), dtype=bool)
    for i, (A, B, first, second) in enumerate(cases):
        r = 2 * i
        main[r, L.COL[FLAG[opname]]] = 1
        main[r, L.COL["a_val"]] = A % P
        main[r, L.COL["b_old"]] = main[r, L.COL["b_val"]] = B % P
        for name, v in first.items():
            main[r, L.COL[name]] = v % P
        if second is not None:
            main[r + 1, L.COL["f_wide"]] = 1
            for name, v in second.items():
                main[r + 1, L.COL[name]] = v % P
        used = [main[r, L.COL[x]] for x in L.OP_LIMBS]
        if second is not None:
            used += [main[r + 1, L.COL[x]] for x in L.WIDE_LIMBS]
        limbs_ok[i] = all(int(v) < L.RANGE_SIZE for v in used)
    values = evaluate_expressions(exprs, main, None, [], [0])
    holds = np.ones(len(cases), dtype=bool)
    for v in values:
        at_first = v[0::2]
        holds &= (at_first[:, 0] == 0) & (at_first[:, 1] == 0)
    return holds & limbs_ok


def _claimed(first: dict) -> int:
    return F.signed(first["c_val"])


# --- div and mod -------------------------------------------------------------------------------

def _div_alternatives(A: int, B: int, is_mod: bool):
    """Every witness a forger can solve from div's identities for a result other than the
    true one (see the module docstring), as (first, second) row pairs."""
    sb = F.signed(B)
    s = int(sb < 0)
    b1 = abs(sb)
    a1 = F.signed((1 - 2 * s) * A)
    q = a1 // b1
    shifts = {1, -1, 2, -2, TWO31, -TWO31, TWO32, -TWO32, TWO32 - 1, -(TWO32 - 1), TWO32 + 1, -(TWO32 + 1)}
    for delta in (1, -1, 2, -2, b1 - 1, -(b1 - 1), b1 + 1):  # (q' - q) b' = delta (mod p), |delta| small
        shifts.add(F.signed(delta * pow(b1, P - 2, P)))
    quotients = {q + k for k in shifts} | {-TWO63, TWO63 - 1, 0, -1, (q + P), (q - P)}
    for q2 in sorted(quotients):
        if q2 == q or not -TWO63 <= q2 < TWO63:
            continue
        for gamma in (0, 1):
            yield F.div_witness(A, B, is_mod, q=q2, gamma=gamma)
    yield F.div_witness(A, B, is_mod, gamma=1 - (1 if ((a1 + H) % P) & 0xFFFF_FFFF < TWO31 else 0))
    yield F.div_witness(A, B, is_mod, sign=1 - s)
    u = (F.signed((1 - 2 * s) * A) + H) % P
    if u + P < 1 << 64:  # the alias of the shifted dividend: the integer s(a') + p
        alias_q = (F.signed((1 - 2 * s) * A) + P) // b1
        for q2 in (alias_q, alias_q + 1, q):
            for gamma in (0, 1):
                yield F.div_witness(A, B, is_mod, q=q2, u=u + P, gamma=gamma)


@pytest.mark.parametrize("opname", ["div", "mod"])
def test_div_mod_admit_exactly_python_result(opname):
    is_mod = opname == "mod"
    honest, forged, results = [], [], []
    for a in EXTREME_VALUES:
        for b in EXTREME_DIVISORS:
            A, B = a % P, b % P
            first, second = F.div_witness(A, B, is_mod)
            honest.append((A, B, first, second))
            results.append(a % b if is_mod else a // b)
            for alt in _div_alternatives(A, B, is_mod):
                if _claimed(alt[0]) == results[-1]:
                    continue  # the same result (e.g. mod's remainder for another quotient): not a lie
                forged.append((A, B, *alt))
    ok = accepted(opname, honest)
    assert ok.all(), [(F.signed(h[0]), F.signed(h[1])) for h, good in zip(honest, ok) if not good][:5]
    assert [_claimed(h[2]) for h in honest] == results
    assert len(forged) > 5000
    bad = accepted(opname, forged)
    assert not bad.any(), [(F.signed(c[0]), F.signed(c[1]), _claimed(c[2])) for c, b in zip(forged, bad) if b][:5]


def test_div_refuses_zero_and_wide_divisors_whatever_the_witness():
    """No witness at all for b = 0 or |b| >= 2^32: the divisor's limbs cannot hold it."""
    cases = []
    for b in (0, TWO32, -TWO32, TWO32 + 5, 1 << 40, H, -H):
        for a in (0, 1, -1, H, -H, 1 << 40):
            for s in (0, 1):
                for q in (0, 1, -1, a // b if b else 0):
                    cases.append((a % P, b % P, *F.div_witness(a % P, b % P, False, q=q, sign=s, gamma=0)))
                    cases.append((a % P, b % P, *F.div_witness(a % P, b % P, False, q=q, sign=s, gamma=1)))
    assert not accepted("div", cases).any()


# --- lt ----------------------------------------------------------------------------------------

def test_lt_admits_exactly_the_true_order():
    honest, forged = [], []
    for a in EXTREME_VALUES:
        for b in EXTREME_VALUES:
            A, B = a % P, b % P
            first, second = F.lt_witness(A, B)
            assert first["c_val"] == int(a < b)
            honest.append((A, B, first, second))
            ua, ub = (A + H) % P, (B + H) % P
            alias_a = [ua] + ([ua + P] if ua + P < 1 << 64 else [])
            alias_b = [ub] + ([ub + P] if ub + P < 1 << 64 else [])
            for xa in alias_a:
                for xb in alias_b:
                    for c in (0, 1):
                        if c == int(a < b) and (xa, xb) == (ua, ub):
                            continue
                        w = F.lt_witness(A, B, c=c, ua=xa, ub=xb)
                        forged.append((A, B, *w))
                        # and the other borrow
                        w2 = (dict(w[0], cnt=1 - w[0]["cnt"]), w[1])
                        forged.append((A, B, *w2))
    assert accepted("lt", honest).all()
    assert len(forged) > 700
    bad = accepted("lt", forged)
    assert not bad.any(), [(F.signed(c[0]), F.signed(c[1]), c[2]["c_val"]) for c, x in zip(forged, bad) if x][:5]


# --- lt32 and chk ------------------------------------------------------------------------------

def test_lt32_admits_only_in_range_operands_and_the_true_order():
    honest, forged = [], []
    for a in EXTREME_VALUES:
        for b in EXTREME_VALUES:
            A, B = a % P, b % P
            in_range = -TWO31 <= a < TWO31 and -TWO31 <= b < TWO31
            for c in (0, 1):
                w = F.lt32_witness(A, B, c)
                case = (A, B, w, None)
                (honest if in_range and c == int(a < b) else forged).append(case)
    assert accepted("lt32", honest).all()
    assert not accepted("lt32", forged).any()


def test_chk_admits_exactly_the_vm_condition():
    cases, expect = [], []
    values = EXTREME_VALUES + [5, 6, 1 << 22, (1 << 22) - 1]
    for a in values:
        for b in values:
            cases.append((a % P, b % P, F.chk_witness(a % P, b % P), None))
            expect.append(0 <= a < TWO32 and 0 <= b - a - 1 < TWO32)
    assert list(accepted("chk", cases)) == expect


# --- whole forged runs, proved and verified ----------------------------------------------------

def _program(body: str, inputs: int = 2, outputs: int = 1) -> "zkvm.Program":
    return assemble(f".inputs {inputs}\n.outputs {outputs}\n.stack 16\n lda 0, @in+0\n lda 1, @in+1\n{body}\n halt\n")


def _lie(opcode: int, change, nth: int = 0):
    """A hook that rewrites the nth row pair of ``opcode`` with change(rows)."""
    seen = [0]

    def hook(cycle, o, rows):
        if o == opcode:
            if seen[0] == nth:
                change(rows)
            seen[0] += 1
    return hook


def _assert_rejected(program, inputs, hook, honest_outputs):
    forged = F.forge(program, inputs, hook)
    assert forged.outputs != honest_outputs, "the lie did not change the output: not an attack"
    assert F.violations(program, forged), "the forged trace satisfies every constraint"
    proof = F.prove_forged(program, forged)
    with pytest.raises(VerificationError):
        F.verify_forged(program, proof)
    return forged


DIV_PROGRAM = _program(" div 2, 0, 1\n sta 2, @out+0")
MOD_PROGRAM = _program(" mod 2, 0, 1\n sta 2, @out+0")
LT_PROGRAM = _program(" lt 2, 0, 1\n sta 2, @out+0")


def _set(rows, pair):
    rows[0].update(pair[0])
    rows[1].update(pair[1])


@pytest.mark.parametrize("a, b, lie", [
    (H, TWO32 - 1, "q+1"),              # the largest dividend and divisor
    (-H, 1, "q-1"),                     # the smallest dividend, quotient -H
    (-H, 7, "lattice"),                 # q + delta / b (mod p): the other field solution
    ((P - 1) // 2 - 5, -(TWO32 - 1), "sign"),
    (-(1 << 62) + 3, TWO31, "q=-2^63"),
])
def test_forged_division_is_rejected(a, b, lie):
    A, B = a % P, b % P
    honest = run(DIV_PROGRAM, [a, b]).outputs
    assert honest == [a // b]
    q = a // b
    choice = {"q+1": dict(q=q + 1), "q-1": dict(q=q - 1), "q=-2^63": dict(q=-TWO63),
              "lattice": dict(q=q + F.signed(pow(abs(b), P - 2, P))), "sign": dict(sign=0, q=a // abs(b))}[lie]
    _assert_rejected(DIV_PROGRAM, [a, b], _lie(op.DIV, lambda rows: _set(rows, F.div_witness(A, B, False, **choice))), honest)


def test_forged_remainder_is_rejected():
    a, b = -H, TWO32 - 1
    honest = run(MOD_PROGRAM, [a, b]).outputs
    A, B = a % P, b % P
    _assert_rejected(MOD_PROGRAM, [a, b], _lie(op.MOD, lambda rows: _set(rows, F.div_witness(A, B, True, q=a // b - 1))), honest)


def test_forged_dividend_alias_is_rejected():
    """The alias u + p of a shifted dividend (the most negative values have one): the
    canonical check catches it."""
    a, b = -H + 5, 3
    A, B = a % P, b % P
    u = (A + H) % P
    assert u + P < 1 << 64
    honest = run(DIV_PROGRAM, [a, b]).outputs
    forged = _assert_rejected(DIV_PROGRAM, [a, b], _lie(op.DIV, lambda rows: _set(
        rows, F.div_witness(A, B, False, q=(a + P) // b, u=u + P))), honest)
    assert any("canonical" in f.constraint for f in F.violations(DIV_PROGRAM, forged))


@pytest.mark.parametrize("a, b", [(H, -H), (-H, H), (0, 1), (H - 1, H), (-TWO32, TWO31)])
def test_forged_comparison_is_rejected(a, b):
    A, B = a % P, b % P
    honest = run(LT_PROGRAM, [a, b]).outputs
    _assert_rejected(LT_PROGRAM, [a, b], _lie(op.LT, lambda rows: _set(rows, F.lt_witness(A, B, c=1 - int(a < b)))), honest)


def test_forged_comparison_through_an_alias_is_rejected():
    a, b = -H + 3, 5  # u_A has the alias u_A + p > u_B: "a > b"
    A, B = a % P, b % P
    ua = (A + H) % P
    honest = run(LT_PROGRAM, [a, b]).outputs
    forged = _assert_rejected(LT_PROGRAM, [a, b], _lie(op.LT, lambda rows: _set(rows, F.lt_witness(A, B, c=0, ua=ua + P))), honest)
    assert any("canonical" in f.constraint for f in F.violations(LT_PROGRAM, forged))


def test_forged_narrow_comparison_and_bounds_check_are_rejected():
    p32 = _program(" lt32 2, 0, 1\n sta 2, @out+0")
    honest = run(p32, [5, -7]).outputs
    _assert_rejected(p32, [5, -7], _lie(op.LT32, lambda rows: rows[0].update(F.lt32_witness(5, (-7) % P, 1))), honest)
    # chk passing on an index out of range: the run continues and stores 1
    pchk = _program(" chk 0, 1\n movi 2, 1\n sta 2, @out+0")
    with pytest.raises(zkvm.errors.ExecutionError):
        run(pchk, [9, 9])
    forged = F.forge(pchk, [9, 9])  # the writer does not stop: the chk row's limbs are forged
    assert forged.outputs == [1]
    assert F.violations(pchk, forged)
    with pytest.raises(VerificationError):
        F.verify_forged(pchk, F.prove_forged(pchk, forged))


@pytest.mark.parametrize("opname, delta", [("add", 1), ("sub", -1), ("mul", 2), ("eq", 1)])
def test_forged_arithmetic_result_is_rejected(opname, delta):
    prog = _program(f" {opname} 2, 0, 1\n sta 2, @out+0")
    honest = run(prog, [6, 7]).outputs
    code = op.BY_NAME[opname].code
    _assert_rejected(prog, [6, 7], _lie(code, lambda rows: rows[0].update(c_val=(rows[0]["c_val"] + delta) % P)), honest)


def test_forged_mac_step_is_rejected():
    prog = assemble(".data 3, 4, 5, 6\n.inputs 2\n.outputs 1\n.stack 16\n movi 0, @data+0\n movi 1, @data+2\n"
                    " movi 2, 0\n mac 2, 0, 1, 2\n sta 2, @out+0\n halt\n")
    honest = run(prog, [0, 0]).outputs
    _assert_rejected(prog, [0, 0], _lie(op.MAC, lambda rows: rows[0].update(c_val=rows[0]["c_val"] + 1), nth=2), honest)


def test_reading_a_value_written_later_is_rejected():
    """A read that returns the value a later instruction writes: its previous-access time is
    in the future, so the time difference is negative and no limbs can hold it."""
    prog = _program(" movi 3, 0\n add 4, 3, 3\n movi 3, 21\n sta 4, @out+0")
    honest = run(prog, [0, 0]).outputs

    def hook(cycle, o, rows):
        if o == op.ADD:
            r = rows[0]
            write_time = 3 * (r["clk"] + 1) + 3  # the next row's slot C access (movi 3, 21)
            r["a_val"] = 21
            r["a_tp"] = write_time
            r["m_a_lo"], r["m_a_hi"] = F.limbs16(3 * r["clk"] + 1 - write_time - 1)
            r["c_val"] = 21
    _assert_rejected(prog, [0, 0], hook, honest)


def test_the_issue_program_cannot_prove_a_nonzero_result():
    """Issue 17's program: q * d + r - x is 0 for every input under CPython. The divisor 2^32 is
    no longer a hardware divisor; with the largest one, 2^32 - 1, a forger's other quotient at
    x = (p - 1) / 2 fails."""
    src = """
.inputs 1
.outputs 1
.stack 16
    lda 0, @in+0
    movi 1, 4294967295
    div 2, 0, 1
    mod 3, 0, 1
    mul 4, 2, 1
    add 4, 4, 3
    sub 4, 4, 0
    sta 4, @out+0
    halt
"""
    prog = assemble(src)
    x = H
    assert run(prog, [x]).outputs == [0]
    X, D = x % P, TWO32 - 1
    for q2 in (-TWO31, -TWO63, x // D - 1, x // D + 1):
        with pytest.raises(VerificationError):
            forged = F.forge(prog, [x], _lie(op.DIV, lambda rows: _set(rows, F.div_witness(X, D, False, q=q2))))
            F.verify_forged(prog, F.prove_forged(prog, forged))


# --- the writer is the VM ----------------------------------------------------------------------

KITCHEN = """
.data 2, 3, 5, 7, 11
.inputs 2
.outputs 4
.stack 32
    lda 0, @in+0
    lda 1, @in+1
    lt 2, 0, 1
    lt32 3, 2, 2
    div 4, 0, 1
    mod 5, 0, 1
    movi 6, 3
    chk 6, 6
"""


@pytest.mark.parametrize("inputs", [[17, 5], [-40, 1 << 20], [-H, -1], [H, TWO32 - 1], [-(1 << 62), -TWO31]])
def test_writer_reproduces_the_vm_trace(inputs):
    """The harness writes exactly the trace the Numba VM writes (so a forged trace differs from
    an honest one only where the test lies)."""
    src = KITCHEN.replace("    chk 6, 6\n", "    movi 7, 9\n    chk 6, 7\n") + """
    movi 8, @data+0
    movi 9, @data+1
    movi 10, 0
    mac 10, 8, 9, 4
    call 21, 20, double
    sta 4, @out+0
    sta 5, @out+1
    sta 2, @out+2
    sta 10, @out+3
    halt
double:
    add -3, 0, 0
    ret -1, -2
"""
    prog = assemble(src)
    honest = run(prog, inputs)
    forged = F.forge(prog, inputs)
    assert forged.outputs == honest.outputs
    assert np.array_equal(forged.trace, honest.trace)
