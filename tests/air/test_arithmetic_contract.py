"""Issue 17, item 3: a valid proof of a compiled program implies CPython's result.

In the AIR, + - * and mac are field operations: a forger's trace can wrap around p where our VM
would stop. The compiler makes every such operation exact, by the interval analysis (bounded
inputs) or by an overflow guard (docs/dsl.md, *What a proof attests*). These tests forge whole
runs with tests/forge.py: with the exact contract they are rejected, and the same forgeries
against a program that opted into field arithmetic verify (so the attacks are real, and the
statement saying "field" matters).
"""

from __future__ import annotations

import pytest

import zkvm
from tests import forge as F
from zkvm.errors import ExecutionError, VerificationError
from zkvm.field.goldilocks import P
from zkvm.isa import opcodes as op


def _sqrt_mod_p(a: int) -> int:
    """A square root of a modulo p (Tonelli-Shanks; p - 1 = 2^32 (2^32 - 1))."""
    q, s = P - 1, 0
    while q % 2 == 0:
        q, s = q // 2, s + 1
    z = next(z for z in range(2, 100) if pow(z, (P - 1) // 2, P) == P - 1)
    m, c, t, r = s, pow(z, q, P), pow(a, q, P), pow(a, (q + 1) // 2, P)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2, i = t2 * t2 % P, i + 1
        b = pow(c, 1 << (m - i - 1), P)
        m, c, t, r = i, b * b % P, t * b * b % P, r * b % P
    return r


ROOT2 = _sqrt_mod_p(2)
SQUARE_IS_TWO = '''
def main(x: int) -> int:
    assert x * x == 2, "no integer squares to 2"
    return 1
'''


def _skip_guards(program):
    """A hook that makes every overflow guard say "no overflow": each guard ends with
    ``lt c, ...; bz c, ok; jmp trap``, and the forger writes c = 0 with a witness for it."""
    code = program.code
    guard_pcs = {pc for pc in range(len(code) - 2)
                 if code[pc].op == op.LT and code[pc + 1].op == op.BZ and code[pc + 2].op == op.JMP
                 and "overflow" in (program.debug[code[pc + 2].imm] if code[pc + 2].imm < len(program.debug) else "")}

    def hook(cycle, o, rows):
        if o == op.LT and rows[0]["pc"] in guard_pcs and rows[0]["c_val"] == 1:
            first, second = F.lt_witness(rows[0]["a_val"], rows[0]["b_val"], c=0)
            rows[0].update(first)
            rows[1].update(second)
    return hook, guard_pcs


def test_the_square_root_of_two_is_not_an_integer():
    assert ROOT2 * ROOT2 % P == 2
    program = zkvm.compile(SQUARE_IS_TWO)
    assert program.signature["arithmetic"] == "exact"
    with pytest.raises(ExecutionError):
        zkvm.run(program, [F.signed(ROOT2)])  # the VM refuses: x * x overflows
    hook, guards = _skip_guards(program)
    assert guards, "the compiler did not guard x * x"
    forged = F.forge(program, [F.signed(ROOT2)], hook)
    assert forged.outputs == [1]  # the lie: "some integer squares to 2"
    assert F.violations(program, forged)
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged))


def test_the_same_forgery_verifies_under_field_arithmetic():
    """Opting into field arithmetic removes the guard: the forged run is then a valid proof
    (of a statement about arithmetic modulo p, which the program's signature says)."""
    program = zkvm.compile("from zkvm.lang import field_arithmetic\n" + SQUARE_IS_TWO)
    assert program.signature["arithmetic"] == "field"
    forged = F.forge(program, [F.signed(ROOT2)])
    assert forged.outputs == [1]
    assert F.violations(program, forged) == []
    claim = F.verify_forged(program, F.prove_forged(program, forged))
    assert claim.output_values == (1,) and claim.arithmetic == "field"


def test_the_statement_says_which_contract_the_proof_carries(tmp_path):
    """The contract is part of the program (its hash): the verifier reports it, and a program
    that says "exact" is a different statement from the same code saying "field"."""
    exact = zkvm.compile(DOT.format(bounds=BOUNDS), {"x": [1, 2, 3, 4]})
    field = zkvm.compile("from zkvm.lang import field_arithmetic\n" + DOT.format(bounds=BOUNDS), {"x": [1, 2, 3, 4]})
    assert exact.hash() != field.hash()
    for program, contract in ((exact, "exact"), (field, "field")):
        result = zkvm.prove(program, [1, 2, 3, 4])
        claim = zkvm.verify(result.proof, program)
        assert claim.arithmetic == contract and claim.output == 17
    # through the command line
    import json
    import subprocess
    import sys

    src = tmp_path / "dot.py"
    src.write_text(DOT.format(bounds=BOUNDS))
    (tmp_path / "in.json").write_text(json.dumps({"x": [1, 2, 3, 4]}))
    run = subprocess.run([sys.executable, "-m", "zkvm", "run", str(src), "--input", str(tmp_path / "in.json"), "--prove"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    out = subprocess.run([sys.executable, "-m", "zkvm", "verify", str(tmp_path / "dot.proof"), "--program", str(src), "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)["arithmetic"] == "exact"


DOT = '''
W = [3, -1, 4, 1]


def main(x: list[int]) -> int:
{bounds}    acc = 0
    for i in range(len(W)):
        acc += W[i] * x[i]
    return acc
'''
BOUNDS = "    for v in x:\n        assert -1000 <= v <= 1000\n"


def test_a_bounded_dot_product_is_one_mac_and_cannot_be_driven_past_p():
    """With declared bounds the dot product is one mac and no guard; a forger who wants the
    mac to wrap needs an input outside the bounds, which the prologue's chk refuses."""
    program = zkvm.compile(DOT.format(bounds=BOUNDS), {"x": [1, 2, 3, 4]})
    assert sum(ins.op == op.MAC for ins in program.code) == 1
    assert zkvm.run(program, [1, 2, 3, 4]).outputs == [3 - 2 + 12 + 4]
    big = (P - 1) // 6  # 3 * big + ... wraps around p
    inputs = [big, 0, 0, 0]
    with pytest.raises(ExecutionError):
        zkvm.run(program, inputs)

    def fake_chk(cycle, o, rows):
        if o == op.CHK:
            rows[0].update(F.chk_witness(0, 1))  # limbs of a passing check, for the wrong value
    forged = F.forge(program, inputs, fake_chk)
    assert forged.outputs == [F.signed(3 * big)]
    assert F.violations(program, forged)
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged))


def test_an_unbounded_dot_product_is_guarded_and_the_guards_hold():
    program = zkvm.compile(DOT.format(bounds=""), {"x": [1, 2, 3, 4]})
    assert sum(ins.op == op.MAC for ins in program.code) == 0  # a guarded loop instead
    assert zkvm.run(program, [1, 2, 3, 4]).outputs == [3 - 2 + 12 + 4]
    H = (P - 1) // 2
    assert zkvm.run(program, [H // 3, 0, 0, 0]).outputs == [3 * (H // 3)]
    with pytest.raises(ExecutionError, match="overflow"):
        zkvm.run(program, [H // 3 + 1, 0, 0, 0])
    hook, guards = _skip_guards(program)
    assert guards
    forged = F.forge(program, [H // 3 + 1, 0, 0, 0], hook)
    assert F.violations(program, forged)
    with pytest.raises(VerificationError):
        F.verify_forged(program, F.prove_forged(program, forged))
