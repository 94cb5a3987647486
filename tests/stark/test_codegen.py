"""The compiled constraint program agrees with the verifier's evaluator and the debugger."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.field import goldilocks as gl
from zkvm.field import ntt
from zkvm.field.ext2 import Ext2
from zkvm.stark import codegen, debug
from zkvm.stark import kernels as sk
from zkvm.stark.air import AirBuilder
from zkvm.stark.evaluate import evaluate_all
from zkvm.stark.examples import fibonacci_air, permutation_air, range_check_air, wide_air

P = gl.P


def _random_air(seed: int):
    """An AIR with random expressions mixing every node kind."""
    rng = np.random.default_rng(seed)
    b = AirBuilder(f"random-{seed}", main=["a", "b", "c"], aux=["s", "t"], num_challenges=2, public=["p", "q"])
    leaves = [b.main("a"), b.main("b"), b.main("c"), b.next("a"), b.next("c"), b.aux("s"), b.aux_next("t"),
              b.challenge(0), b.challenge(1), b.public("p"), b.public("q")]
    exprs = list(leaves)
    for _ in range(25):
        x = exprs[rng.integers(len(exprs))]
        y = exprs[rng.integers(len(exprs))]
        op = rng.integers(6)
        if op == 0:
            e = x + y
        elif op == 1:
            e = x - y
        elif op == 2:
            e = x * y
        elif op == 3:
            e = -x
        elif op == 4:
            e = x ** int(rng.integers(2, 4))
        else:
            e = x * int(rng.integers(0, 2**62)) + int(rng.integers(0, 2**62))
        if e.degree <= 4:
            exprs.append(e)
    picked = [e for e in exprs[len(leaves):] if e.degree >= 1][-8:]
    for i, e in enumerate(picked):
        if i % 3 == 2:
            b.boundary(f"c{i}", e if not _next(e) else b.main("a") * e.degree, "last" if i % 2 else 3)
        else:
            b.transition(f"c{i}", e)
    return b.build(build_aux=lambda *a: None)


def _next(e) -> bool:
    stack = [e]
    while stack:
        n = stack.pop()
        if n.kind in ("main", "aux") and n.offset:
            return True
        stack.extend(n.args)
    return False


@given(st.integers(0, 10**6))
def test_constraint_program_matches_python_evaluator(seed):
    """Random constraint DAGs mixing every node kind, base and extension, scalars and
    columns: the kernel's group sums equal the verifier's Python evaluation row by row."""
    air = _random_air(seed)
    if not air.constraints:
        return
    rng = np.random.default_rng(seed)
    n, d_eval = 8, 2
    m = n * d_eval
    main = rng.integers(0, P, (m, 3), dtype=np.uint64)
    aux = rng.integers(0, P, (m, 4), dtype=np.uint64)
    ch = rng.integers(0, P, (2, 2), dtype=np.uint64)
    pub = rng.integers(0, P, 2, dtype=np.uint64)
    alphas = rng.integers(0, P, (len(air.constraints), 2), dtype=np.uint64)
    program = codegen.compile_air(air)
    out = codegen.evaluate_groups(program, main, aux, n, d_eval, [tuple(map(int, c)) for c in ch], [int(v) for v in pub], alphas)
    nxt = sk.next_row_permutation(n)
    chs = [Ext2(int(a), int(b)) for a, b in ch]
    for s in range(m):
        r, u = divmod(s, n)
        ns = r * n + int(nxt[u])
        cur = [int(v) for v in main[s]]
        nx = [int(v) for v in main[ns]]
        ac = [Ext2(int(aux[s, 2 * j]), int(aux[s, 2 * j + 1])) for j in range(2)]
        an = [Ext2(int(aux[ns, 2 * j]), int(aux[ns, 2 * j + 1])) for j in range(2)]
        vals = evaluate_all([c.expr for c in air.constraints], cur, nx, ac, an, chs, [int(v) for v in pub])
        for g, spec in enumerate(program.groups):
            expect = Ext2(0)
            for k, (c, v) in enumerate(zip(air.constraints, vals)):
                if codegen.group_of(c) == spec:
                    expect = expect + Ext2(int(alphas[k, 0]), int(alphas[k, 1])) * v
            assert tuple(int(x) for x in out[g, s]) == expect.to_pair(), (seed, g, s)


def test_next_row_permutation_follows_the_domain():
    n = 16
    wbr = sk.bitrev_powers(n)
    nxt = sk.next_row_permutation(n)
    g = gl.root_of_unity(4)
    for u in range(n):
        assert int(wbr[nxt[u]]) == int(wbr[u]) * g % P


def test_debugger_finds_mutated_cell():
    from zkvm.stark.examples import fibonacci_trace

    air = fibonacci_air()
    trace, publics = fibonacci_trace(64)
    assert debug.check_constraints(air, trace, publics=publics) == []
    bad = trace.copy()
    bad[10, 0] = (int(bad[10, 0]) + 1) % P
    failures = debug.check_constraints(air, bad, publics=publics)
    assert failures, "mutation not detected"
    assert {f.row for f in failures} <= {9, 10}
    assert any(f.constraint.startswith("a' = a + b") for f in failures)
    with pytest.raises(debug.ConstraintViolation) as info:
        debug.assert_satisfied(air, bad, publics=publics, describe_row=lambda r: f"step {r}")
    assert "row 9" in str(info.value) and "step 9" in str(info.value)


@pytest.mark.parametrize("make", [fibonacci_air, permutation_air, lambda: range_check_air(4), lambda: wide_air(6)])
def test_air_digest_is_stable_and_sensitive(make):
    a, b = make(), make()
    assert a.digest() == b.digest()
    assert len(a.digest()) == 32


def test_air_digest_changes_with_any_constraint():
    base = fibonacci_air()
    bld = AirBuilder("fibonacci", main=["a", "b"], public=["a0", "b0", "result"])
    a, bb = bld.main("a"), bld.main("b")
    bld.transition("a' = a + b", bld.next("a") - (a + bb))
    bld.transition("b' = a' + b", bld.next("b") - (bld.next("a") + bb + 1))  # changed
    bld.boundary("first a", a - bld.public("a0"), "first")
    bld.boundary("first b", bb - bld.public("b0"), "first")
    bld.boundary("result", bb - bld.public("result"), "last")
    assert bld.build().digest() != base.digest()


def _random_point_values(air, rng):
    def ext():
        return Ext2(int(rng.integers(0, P, dtype=np.uint64)), int(rng.integers(0, P, dtype=np.uint64)))

    groups = ([ext() for _ in range(air.width)], [ext() for _ in range(air.width)],
              [ext() for _ in range(air.aux_width)], [ext() for _ in range(air.aux_width)],
              [ext() for _ in range(air.num_challenges)])
    publics = [int(v) for v in rng.integers(0, P, len(air.public_inputs), dtype=np.uint64)]
    pubcols = [ext() for _ in range(len(air.public_columns))]
    return groups, publics, pubcols


@given(st.integers(0, 10**6))
def test_point_evaluator_matches_python_evaluator(seed):
    """The verifier's flattened out-of-domain evaluator equals evaluate_all on random AIRs at
    random extension points (evaluate_all is itself checked against the prover's kernel)."""
    air = _random_air(seed)
    if not air.constraints:
        return
    rng = np.random.default_rng(seed)
    (cur, nx, ac, an, chs), publics, _ = _random_point_values(air, rng)
    flat = [v.to_pair() for group in (cur, nx, ac, an, chs) for v in group] + [(p, 0) for p in publics]
    expect = evaluate_all([c.expr for c in air.constraints], cur, nx, ac, an, chs, publics)
    assert air.point_evaluator()(flat) == [Ext2.lift(v).to_pair() for v in expect]


def test_point_evaluator_on_the_vm_air_with_public_columns():
    from zkvm.air.vm_air import vm_air_for

    air = vm_air_for(1 << 11)
    rng = np.random.default_rng(7)
    for _ in range(3):
        (cur, nx, ac, an, chs), publics, pubcols = _random_point_values(air, rng)
        flat = ([v.to_pair() for group in (cur, nx, ac, an, chs) for v in group] + [(p, 0) for p in publics]
                + [v.to_pair() for v in pubcols])
        expect = evaluate_all([c.expr for c in air.constraints], cur, nx, ac, an, chs, publics,
                              air.topological_nodes(), pubcols)
        assert air.point_evaluator()(flat) == [Ext2.lift(v).to_pair() for v in expect]
