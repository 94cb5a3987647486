"""Integers with CPython's semantics on the whole value range, operator by operator.

Every operator of the DSL (``+ - * // % ** << >> & | ^ ~ < <= > >= == != abs min max`` and
unary ``-``/``+``/``not``) is compiled into small programs and run on the VM against CPython,
over the value range [-H, H] (H = (p-1)/2 = 2^63 - 2^31) with a bias to its boundaries: 0, +-1,
+-2^31, +-2^32, +-2^62, near +-H, the square root of H, shift counts around 31/32/62/63,
divisors that are primes above 2^32. Operands are ``main``'s parameters (run-time values),
compile-time constants on either side (a different code path: division by a constant,
shifts by a constant, masks), augmented assignments to names and to list elements, and
values whose bounds the compiler knows (loop variables: lt32, shifts without run-time tests).

The oracle is CPython: where its result is an int in [-H, H] the VM must give exactly that;
where CPython raises (ZeroDivisionError, ValueError for a negative shift count) or its result
leaves [-H, H] (or is a float: a negative exponent), the VM must stop with an ExecutionError
naming the source line of the operation.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.compiler import compile_source, flatten_inputs
from zkvm.errors import ExecutionError
from zkvm.isa.program import shaped_output
from zkvm.vm.run import run

H = (2**64 - 2**32) // 2
ROOT = 3037000499  # floor(sqrt(H)): ROOT * ROOT fits, (ROOT + 1) ** 2 does not
FILE = "ops.py"

_MAGNITUDES = [
    0, 1, 2, 3, 7, 16, 31, 32, 62, 63, 64, 255, 65536, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1,
    ROOT, ROOT + 1, 10**18, 2**61 - 1, 2**62, 2**62 + 1, H - 1, H,
    4294967311 * 3,  # 3 times a prime above 2^32: no split into two factors below 2^32
]
VALUES = sorted({s * m for m in _MAGNITUDES for s in (1, -1)})
"""Boundary operands (both signs)."""
SAMPLE = sorted({s * m for m in (0, 1, 2, 31, 32, 63, 2**31, 2**32, 2**32 + 1, ROOT + 1, 2**62, H) for s in (1, -1)})
"""Fewer of them, for the tests that compile a program per constant."""

BINARY = ["+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^", "<", "<=", ">", ">=", "==", "!=", "min", "max"]
ARITHMETIC = ["+", "-", "*", "//", "%", "**", "<<", ">>", "&", "|", "^"]  # also as augmented assignments
COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}


def cpython(op: str, a: int, b: int) -> int | None:
    """CPython's result of ``a op b`` as an int, or None where CPython raises, gives a float or
    gives an int outside [-H, H] (there the VM must stop)."""
    if op == "**" and abs(a) >= 2 and b > 64:
        return None  # (far outside the range: not worth computing)
    if op == "<<" and a != 0 and b > 64:
        return None
    try:
        if op in ("min", "max"):
            r = min(a, b) if op == "min" else max(a, b)
        else:
            r = eval(f"a {op} b", {}, {"a": a, "b": b})
    except (ZeroDivisionError, ValueError):
        return None
    if not isinstance(r, (int, bool)):
        return None  # a float: 2 ** -1
    return int(r) if -H <= r <= H else None


def expression(op: str, left: str, right: str) -> str:
    return f"{op}({left}, {right})" if op in ("min", "max") else f"{left} {op} {right}"


@functools.cache
def compiled(source: str):
    return compile_source(source, FILE)


def outcome(program, inputs: list[int]):
    """("ok", outputs) or ("error", message)."""
    try:
        return "ok", run(program, inputs, record=False).outputs
    except ExecutionError as e:
        return "error", str(e)


def check(program, inputs: list[int], want: int | None, line: int, what: str) -> None:
    kind, got = outcome(program, inputs)
    if want is None:
        assert kind == "error", f"{what}: CPython fails or leaves the value range, the VM gave {got}"
        assert f"{FILE}:{line}:" in got, f"{what}: the error does not name line {line}: {got}"
    else:
        assert kind == "ok", f"{what}: CPython gives {want}, the VM stopped: {got}"
        assert got == [want], f"{what}: CPython gives {want}, the VM {got[0]}"


# --- run-time operands ---------------------------------------------------------------------------
def runtime_program(op: str):
    return compiled(f"def main(a: int, b: int) -> int:\n    return {expression(op, 'a', 'b')}\n")


@pytest.mark.parametrize("op", BINARY)
def test_operator_on_boundary_values(op):
    """Every pair of boundary values, both run-time operands."""
    program = runtime_program(op)
    for a in VALUES:
        for b in VALUES:
            check(program, [a, b], cpython(op, a, b), 2, f"{a} {op} {b}")


def _around(v: int) -> st.SearchStrategy[int]:
    return st.integers(max(-H, v - 3), min(H, v + 3))


full_range = st.one_of(
    st.sampled_from(VALUES),
    st.sampled_from(VALUES).flatmap(_around),
    st.integers(-H, H),
    st.integers(-(2**34), 2**34),
    st.integers(-70, 70),
)
"""Operands over the whole value range, biased to its boundaries and to small values."""


@given(st.sampled_from(BINARY), full_range, full_range)
def test_operator_on_random_values(op, a, b):
    check(runtime_program(op), [a, b], cpython(op, a, b), 2, f"{a} {op} {b}")


@pytest.mark.parametrize("op", ["-", "+", "~", "abs", "not"])
def test_unary_operator(op):
    e = "abs(a)" if op == "abs" else f"not a" if op == "not" else f"{op}a"
    program = compiled(f"def main(a: int) -> int:\n    return {e}\n")
    for a in VALUES + [0, 1, -1]:
        r = eval(e, {}, {"a": a})
        check(program, [a], int(r) if -H <= r <= H else None, 2, f"{e} for a = {a}")


# --- constant operands ---------------------------------------------------------------------------
CONSTANTS = sorted({0, 1, -1, 2, -2, 3, 7, -7, 16, 31, 32, 33, 62, 63, 64, 255, -256, 65535, 2**31 - 1, 2**31, -(2**31),
                    2**32 - 1, 2**32, -(2**32), 2**32 + 1, 2**40 * 3 + 1, -(10**18), 2**61 - 1, 2**62, -(2**62), 2**62 - 1,
                    4294967311 * 3, -(4294967311 * 5), H, -H, H - 1})
"""Constant operands: divisors of every kind (small, powers of two up to 2^62, products of two
factors below 2^32, multiples of a prime above 2^32), shift counts, masks 2^k - 1."""


def constant_program(op: str, side: str):
    """main(a, k) evaluates a op C_k (or C_k op a) with the k-th constant; the operation of
    constant k is on line 3 + 2k."""
    lines = ["def main(a: int, k: int) -> int:"]
    for k, c in enumerate(CONSTANTS):
        if op == "**" and side == "right" and c < 0:
            e = "0"  # a compile error (see test_rejected.py), not a run-time one
        elif side == "right":
            e = expression(op, "a", f"({c})")
        else:
            e = expression(op, f"({c})", "a")
        lines += [f"    if k == {k}:", f"        return {e}"]
    lines.append("    return 0")
    return compiled("\n".join(lines) + "\n")


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("op", BINARY)
def test_operator_with_a_constant_operand(op, side):
    program = constant_program(op, side)
    for k, c in enumerate(CONSTANTS):
        if op == "**" and side == "right" and c < 0:
            continue  # a compile error (see test_rejected.py), not a run-time one
        for a in SAMPLE:
            x, y = (a, c) if side == "right" else (c, a)
            check(program, [a, k], cpython(op, x, y), 3 + 2 * k, f"{x} {op} {y}")


@pytest.mark.parametrize("op", ARITHMETIC)
def test_augmented_assignment(op):
    """x op= c for a name and for a list element (the element's value is loaded into a temp),
    with a run-time and a constant right operand."""
    program = compiled(
        "def main(a: int, b: int) -> list[int]:\n"
        "    x = a\n"
        f"    x {op}= b\n"
        "    xs = [a]\n"
        f"    xs[0] {op}= b\n"
        "    y = a\n"
        f"    y {op}= 33\n"
        "    return [x, xs[0], y]\n")
    for a in SAMPLE:
        for b in VALUES[::2]:
            want = [cpython(op, a, b), cpython(op, a, b), cpython(op, a, 33)]
            kind, got = outcome(program, [a, b])
            if None in want:
                line = 3 + 2 * want.index(None)
                assert kind == "error" and f"{FILE}:{line}:" in got, (a, op, b, got)
            else:
                assert (kind, shaped_output(program, got)) == ("ok", want), (a, op, b, got)


# --- operands whose bounds the compiler knows ----------------------------------------------------
BOUNDED = '''def main(a: int, n: int, lo: int) -> list[int]:
    out = []
    for k in range(lo, n):
        out.append(a >> k)
        out.append(a // (k + 1) if k != -1 else 0)
        out.append(2 ** k if k < 63 else 0)
        out.append(k < a)
        out.append(min(k, 5) <= max(k, -5))
        out.append(abs(k) > 3)
    for k in range(0, 63, 7):
        out.append((a & 255) << k if k < 50 else a >> k)
    return out
'''


@pytest.mark.parametrize("lo,n", [(0, 70), (-3, 2), (60, 64)])
@pytest.mark.parametrize("a", [0, 1, -1, 12345, -(2**40) - 7, H, -H, 2**31, -(2**31) - 1])
def test_bounded_operands(a, lo, n):
    """Loop variables with known bounds: shifts and powers without run-time tests, lt32 for
    the compares (a negative shift count still stops)."""
    program = compiled(BOUNDED)
    namespace: dict = {}
    exec(BOUNDED, namespace)
    try:
        want = ("ok", [int(v) for v in namespace["main"](a, n, lo)])
    except ValueError:
        want = ("error", "negative shift count")
    kind, got = outcome(program, [a, n, lo])
    if want[0] == "error":
        assert kind == "error" and f"{FILE}:4: negative shift count" in got
    else:
        assert (kind, shaped_output(program, got)) == want


# --- constants evaluated at compile time ------------------------------------------------------------
CONSTANT_MODULE = '''FRAC_BITS = 16
ONE = 2 ** FRAC_BITS
MASK = ONE - 1
HALF = ONE >> 1
SIGNS = [-1 >> 3, ~7, 6 & -4, 5 | -16, -9 ^ 12, (1 << 62) - 1 + (1 << 61), -(2 ** 63 - 2 ** 31)]
Q31 = 1 << 31


def requantize(x: int, m: int) -> int:
    return (x * m + (1 << 30)) >> 31


def main(x: int) -> list[int]:
    return [ONE, MASK, HALF, x & MASK, x >> FRAC_BITS, requantize(x, Q31 // 3), 2 ** FRAC_BITS] + SIGNS
'''


@pytest.mark.parametrize("x", [0, 1, -1, 70000, -70000, 2**31 - 1, -(2**31)])
def test_constants_with_bit_operators_and_named_exponents(x):
    namespace: dict = {}
    exec(CONSTANT_MODULE, namespace)
    program = compiled(CONSTANT_MODULE)
    assert shaped_output(program, run(program, [x], record=False).outputs) == namespace["main"](x)


@pytest.mark.parametrize("text,words", [
    ("X = 1 << -1", "negative shift count"),
    ("X = 2 ** -1", "negative exponent"),
    ("X = 7 // 0", "division"),
    ("X = 2 ** 63", "outside the field's signed range"),
    ("X = 1 << 100000", "far outside the value range"),
    ("X = ~[1]", "bad operand type"),
])
def test_constant_errors(text, words):
    from zkvm.errors import CompileError

    with pytest.raises(CompileError, match=words):
        compile_source(f"{text}\n\n\ndef main(x: int) -> int:\n    return x\n", FILE)


# --- functions compiled for constant arguments ------------------------------------------------------
SPECIALIZED = '''def scale(v: list[int], shift: int) -> list[int]:
    return [max(a, 0) // shift + (a >> shift) % 3 + 2 ** shift for a in v]


def main(v: list[int], s: int) -> list[list[int]]:
    out = [scale(v, 4), scale(v, 40)]
    for k in range(1, 10):
        out.append(scale(v, k))
    out.append(scale(v, s))
    for c in [1, 2, 3, 5, 6, 7, 9, 11, 13]:
        out.append(scale(v, c))
    out.append(scale(v, 2))
    out.append(scale(v, 62))
    return out
'''


@pytest.mark.parametrize("s", [1, 33, 62, 0])
def test_functions_compiled_for_constant_arguments(s):
    """scale() gets versions for the constants 4, 40, 62, 2 (at most eight in all) and one
    that takes shift at run time; all of them agree with CPython, and shift = 0 stops (a
    division by zero) in the version that gets it at run time."""
    from zkvm.compiler import input_shapes_of, main_parameters

    inputs = {"v": [5, -6, 2**40 + 3, -(2**50)], "s": s}
    program = compile_source(SPECIALIZED, FILE, input_shapes_of(main_parameters(SPECIALIZED, FILE), inputs))
    namespace: dict = {}
    exec(SPECIALIZED, namespace)
    kind, got = outcome(program, flatten_inputs(program, inputs))
    if s == 0:
        assert kind == "error" and f"{FILE}:2: division by zero" in got
        return
    assert kind == "ok" and shaped_output(program, got) == namespace["main"](**inputs)
