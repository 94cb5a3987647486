"""The multi-table STARK: tables of different heights tied by a LogUp bus, one batched FRI.

The example system (its own little machine, nothing of the VM):

- ``squares`` (height n_s): each row holds x and y = x^2 and sends (x, y) on the SQUARE bus;
- ``table`` (height 8..): row i holds t = i (t0 = 0, t' = t + 1), s = t^2 and a multiplicity m,
  and receives (t, s) m times: a lookup table of the squares of 0..n_t - 1;
- ``fib`` (another height, no bus): a Fibonacci trace with its last value public.

Honest proofs verify for every mix of heights; every lie a forger can build (a row outside
its AIR, a bus that does not balance because a sent tuple is not in the table, a claimed sum
moved between tables, a table height or a public input that lies, tampered bytes) is
rejected.
"""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.errors import ProofFormatError, VerificationError
from zkvm.field import goldilocks as gl
from zkvm.fri.options import FriOptions
from zkvm.stark.air import AirBuilder
from zkvm.stark.debug import ConstraintViolation
from zkvm.stark.multi_proof import MultiProof
from zkvm.stark.multi_prover import BusImbalance, prove_tables
from zkvm.stark.multi_verifier import verify_tables, verify_tables_bytes
from zkvm.stark.prover import ProverError
from zkvm.stark.tables import BUS_CHALLENGES, Bus, BusInteractions, TableSystem

SQUARE = Bus("square", 1, 2)
FAST = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=False)
ZK = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=True)


def squares_air():
    b = AirBuilder("squares", ["x", "y"], num_challenges=BUS_CHALLENGES)
    b.transition("y is x squared", b.main("y") - b.main("x") * b.main("x"), cyclic=True)
    bus = BusInteractions(b)
    bus.send(SQUARE, [b.main("x"), b.main("y")])
    return b.build(bus.finish().build_matrix)


def table_air():
    b = AirBuilder("table", ["t", "s", "m"], num_challenges=BUS_CHALLENGES)
    b.boundary("t starts at 0", b.main("t"), "first")
    b.transition("t counts", b.next("t") - b.main("t") - 1)
    b.transition("s is t squared", b.main("s") - b.main("t") * b.main("t"), cyclic=True)
    bus = BusInteractions(b)
    bus.receive(SQUARE, [b.main("t"), b.main("s")], b.main("m"))
    return b.build(bus.finish().build_matrix)


def fib_air():
    b = AirBuilder("fib", ["a", "b"], public=["last"])
    b.boundary("a0", b.main("a") - 1, "first")
    b.boundary("b0", b.main("b") - 1, "first")
    b.transition("a'", b.next("a") - b.main("b"))
    b.transition("b'", b.next("b") - b.main("a") - b.main("b"))
    b.boundary("last", b.main("b") - b.public("last"), "last")
    return b.build()


SYSTEM = TableSystem("squares-demo", (squares_air(), table_air(), fib_air()))


def traces(n_squares: int, n_table: int, n_fib: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    xs = rng.integers(0, n_table, n_squares)
    squares = np.stack([xs, xs * xs], axis=1).astype(np.uint64)
    t = np.arange(n_table, dtype=np.uint64)
    m = np.bincount(xs, minlength=n_table).astype(np.uint64)
    table = np.stack([t, t * t, m], axis=1)
    a, b = [1], [1]
    for _ in range(n_fib - 1):
        a.append(b[-1])
        b.append((a[-2] + b[-1]) % gl.P)
    fib = np.stack([np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)], axis=1)
    return [squares, table, fib], [[], [], [b[-1]]]


@pytest.mark.parametrize("heights", [(64, 16, 256), (16, 64, 16), (32, 32, 32), (256, 8, 2), (8, 256, 1024)])
def test_honest_proofs_of_mixed_heights_verify(heights):
    trs, pubs = traces(*heights)
    proof = prove_tables(SYSTEM, trs, pubs, FAST)
    data = proof.to_bytes()
    verify_tables_bytes(data, SYSTEM, pubs, 0)
    assert [t.trace_length for t in MultiProof.from_bytes(data).tables] == list(heights)


def test_zero_knowledge_proof_verifies():
    trs, pubs = traces(256, 128, 512)
    proof = prove_tables(SYSTEM, trs, pubs, ZK, zk_seed=bytes(32))
    verify_tables_bytes(proof.to_bytes(), SYSTEM, pubs, 0)


def test_a_sent_tuple_missing_from_the_table_is_caught():
    """A squares row (x, x^2) with x beyond the table: every row of every table satisfies its
    AIR, only the bus does not balance."""
    trs, pubs = traces(64, 16, 16)
    trs[0][5] = [20, 400]
    with pytest.raises(BusImbalance):
        prove_tables(SYSTEM, trs, pubs, FAST)
    proof = prove_tables(SYSTEM, trs, pubs, FAST, check=False)
    with pytest.raises(VerificationError, match="bus sums"):
        verify_tables(proof, SYSTEM, pubs, 0)


def test_a_wrong_multiplicity_is_caught():
    trs, pubs = traces(64, 16, 16)
    trs[1][3, 2] += 1
    proof = prove_tables(SYSTEM, trs, pubs, FAST, check=False)
    with pytest.raises(VerificationError):
        verify_tables(proof, SYSTEM, pubs, 0)


def test_a_row_outside_its_air_is_named_and_rejected():
    trs, pubs = traces(64, 16, 16)
    trs[0][7] = [3, 10]  # y != x^2 (and the table has no (3, 10): the bus breaks too)
    trs[1][3, 2] = 0
    with pytest.raises(ConstraintViolation, match="table 'squares'.*y is x squared.*row 7"):
        prove_tables(SYSTEM, trs, pubs, FAST, debug_check=True)
    proof = prove_tables(SYSTEM, trs, pubs, FAST, check=False)
    with pytest.raises(VerificationError):
        verify_tables(proof, SYSTEM, pubs, 0)


def test_a_consistent_lie_about_a_square_is_caught_by_its_table():
    """The forger claims t^2 + 1 as the square of t everywhere (in the table and in every
    squares row of that t, multiplicities adjusted): the bus balances, and the tables' own
    constraints are what catch it."""
    trs, pubs = traces(64, 16, 16)
    xs = trs[0][:, 0]
    i = int(np.flatnonzero(xs == xs[0])[0])
    t = int(xs[i])
    trs[0][i, 1] = t * t + 1
    trs[1][t, 1] = t * t + 1
    trs[0][:, 1][xs == t] = t * t + 1
    trs[1][t, 2] = int((xs == t).sum())
    with pytest.raises(ProverError):
        prove_tables(SYSTEM, trs, pubs, FAST)
    proof = prove_tables(SYSTEM, trs, pubs, FAST, check=False)
    with pytest.raises(VerificationError, match="table '(squares|table)'"):
        verify_tables(proof, SYSTEM, pubs, 0)


def test_claimed_sums_moved_between_tables_are_caught():
    """Shift value from one table's claimed sum to the other's: the total still cancels, but
    each table's running sum no longer matches its claim."""
    from dataclasses import replace

    trs, pubs = traces(64, 16, 16)
    proof = prove_tables(SYSTEM, trs, pubs, FAST)
    (a0, a1), = proof.tables[0].claimed_sums
    (b0, b1), = proof.tables[1].claimed_sums
    t0 = replace(proof.tables[0], claimed_sums=(((a0 + 5) % gl.P, a1),))
    t1 = replace(proof.tables[1], claimed_sums=(((b0 - 5) % gl.P, b1),))
    forged = replace(proof, tables=(t0, t1, proof.tables[2]))
    with pytest.raises(VerificationError):
        verify_tables(forged, SYSTEM, pubs, 0)


def test_a_lying_height_or_public_input_is_rejected():
    from dataclasses import replace

    trs, pubs = traces(64, 16, 16)
    proof = prove_tables(SYSTEM, trs, pubs, FAST)
    with pytest.raises(VerificationError):
        verify_tables(proof, SYSTEM, [[], [], [pubs[2][0] + 1]], 0)
    with pytest.raises(VerificationError):
        verify_tables(proof, SYSTEM, pubs, 0, heights=[64, 32, 16])
    lying = replace(proof, tables=(proof.tables[0], replace(proof.tables[1], trace_length=32), proof.tables[2]))
    with pytest.raises((VerificationError, ProofFormatError)):
        verify_tables_bytes(lying.to_bytes(), SYSTEM, pubs, 0)


def test_a_proof_for_another_system_or_statement_is_rejected():
    trs, pubs = traces(64, 16, 16)
    proof = prove_tables(SYSTEM, trs, pubs, FAST, statement=b"model A")
    verify_tables(proof, SYSTEM, pubs, 0, statement=b"model A")
    with pytest.raises(VerificationError):
        verify_tables(proof, SYSTEM, pubs, 0, statement=b"model B")
    other = TableSystem("other", (squares_air(), table_air(), fib_air()), shared_challenges=BUS_CHALLENGES)
    with pytest.raises(VerificationError):
        verify_tables(proof, other, pubs, 0)


def test_every_flipped_byte_is_rejected_with_our_errors():
    trs, pubs = traces(16, 8, 16)
    data = bytearray(prove_tables(SYSTEM, trs, pubs, FAST).to_bytes())
    rng = np.random.default_rng(3)
    for pos in rng.choice(len(data), 120, replace=False):
        bad = bytearray(data)
        bad[pos] ^= 1 << int(rng.integers(8))
        with pytest.raises((VerificationError, ProofFormatError)):
            verify_tables_bytes(bytes(bad), SYSTEM, pubs, 0)
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        with pytest.raises(ProofFormatError):
            verify_tables_bytes(bytes(data[:cut]), SYSTEM, pubs, 0)
    with pytest.raises(ProofFormatError):
        verify_tables_bytes(bytes(data) + b"\0", SYSTEM, pubs, 0)


def test_a_table_claiming_another_bus_sum_than_its_rows_is_caught():
    """A forger's aux builder for the squares table: the honest columns, but a claimed sum
    that makes the buses balance although a sent tuple is not in the table."""
    from dataclasses import replace

    trs, pubs = traces(64, 16, 16)
    trs[0][5] = [20, 400]
    honest = SYSTEM.tables[0].build_aux

    def forged_aux(main, challenges, publics, pubcols):
        matrix, _ = honest(main, challenges, publics, pubcols)
        table_sum = SYSTEM.tables[1].build_aux(trs[1], challenges, [], None)[1][0]
        return matrix, [((-table_sum[0]) % gl.P, (-table_sum[1]) % gl.P)]

    forger = TableSystem(SYSTEM.name, (replace(SYSTEM.tables[0], build_aux=forged_aux), *SYSTEM.tables[1:]))
    assert forger.digest() == SYSTEM.digest()
    with pytest.raises(ProverError):
        prove_tables(forger, [t.copy() for t in trs], pubs, FAST)
    proof = prove_tables(forger, trs, pubs, FAST, check=False)
    with pytest.raises(VerificationError, match="table 'squares'"):
        verify_tables(proof, SYSTEM, pubs, 0)


def test_the_phase_trees_bind_every_tables_rows():
    """One mixed-height tree per phase (zkvm/crypto/mixed_merkle.py): a forger who changes a
    short table's opened row, moves a row between tables of one height, or changes a node of a
    phase's path is caught; a proof in the older one-tree-per-table format is refused by name."""
    from dataclasses import replace

    from zkvm.stark.proof import Opening

    trs, pubs = traces(64, 16, 64)
    proof = prove_tables(SYSTEM, trs, pubs, FAST)
    verify_tables(proof, SYSTEM, pubs, 0)
    short = proof.tables[1]
    rows = list(short.main_opening.rows)
    rows[0] = (rows[0][0], rows[0][1], (rows[0][2] + 1) % gl.P)  # the multiplicity column
    lying = replace(proof, tables=(proof.tables[0], replace(short, main_opening=Opening(tuple(rows), ())),
                                   proof.tables[2]))
    with pytest.raises(VerificationError):
        verify_tables(lying, SYSTEM, pubs, 0)
    first, third = proof.tables[0], proof.tables[2]  # both 64 rows: their rows swapped (widths equal)
    swapped = replace(proof, tables=(replace(first, main_opening=third.main_opening), short,
                                     replace(third, main_opening=first.main_opening)))
    with pytest.raises(VerificationError):
        verify_tables(swapped, SYSTEM, pubs, 0)
    for phase in range(3):
        nodes = list(proof.nodes[phase])
        if not nodes:
            continue
        nodes[len(nodes) // 2] = bytes(32)
        bad = replace(proof, nodes=tuple(tuple(nodes) if k == phase else proof.nodes[k] for k in range(3)))
        with pytest.raises(VerificationError):
            verify_tables(bad, SYSTEM, pubs, 0)
    old = bytearray(proof.to_bytes())
    old[8:10] = (1).to_bytes(2, "little")
    with pytest.raises(ProofFormatError, match="older zkvm"):
        verify_tables_bytes(bytes(old), SYSTEM, pubs, 0)


def test_non_canonical_opened_values_are_refused():
    """An in-memory proof whose opened row holds v + p (equal to v modulo p, so every
    arithmetic check would pass) is refused where the rows are hashed; so is a FRI leaf."""
    from dataclasses import replace

    from zkvm.fri.proof import FriLayerProof
    from zkvm.stark.proof import Opening

    trs, pubs = traces(64, 16, 64)
    proof = prove_tables(SYSTEM, trs, pubs, FAST)
    for t in range(3):
        tp = proof.tables[t]
        for field in ("main_opening", "composition_opening"):
            opening = getattr(tp, field)
            rows = [list(r) for r in opening.rows]
            rows[0][0] += gl.P  # below 2^64 or not: either way not a canonical element
            tables = list(proof.tables)
            tables[t] = replace(tp, **{field: Opening(tuple(map(tuple, rows)), opening.nodes)})
            with pytest.raises(VerificationError, match="field elements"):
                verify_tables(replace(proof, tables=tuple(tables)), SYSTEM, pubs, 0)
    layer = proof.fri.layers[0]
    leaves = [list(leaf) for leaf in layer.leaves]
    leaves[0][0] += gl.P
    fri = replace(proof.fri, layers=(FriLayerProof(tuple(map(tuple, leaves)), layer.nodes),) + proof.fri.layers[1:])
    with pytest.raises(VerificationError, match="field elements"):
        verify_tables(replace(proof, fri=fri), SYSTEM, pubs, 0)


def test_tables_worked_on_two_at_a_time_give_the_same_proof(monkeypatch):
    """Small proofs work on two tables at once (multi_prover.CONCURRENT_TABLES_ROWS): the proof
    is byte for byte the one made a table at a time, and a failing table is still named."""
    import zkvm.stark.multi_prover as mp

    trs, pubs = traces(256, 128, 512)
    monkeypatch.setattr(mp, "_usable_cpus", lambda: 2)
    together = prove_tables(SYSTEM, trs, pubs, ZK, zk_seed=bytes(32)).to_bytes()
    monkeypatch.setattr(mp, "CONCURRENT_TABLES_ROWS", 0)
    alone = prove_tables(SYSTEM, trs, pubs, ZK, zk_seed=bytes(32)).to_bytes()
    assert together == alone
    verify_tables_bytes(together, SYSTEM, pubs, 0)
    monkeypatch.setattr(mp, "CONCURRENT_TABLES_ROWS", 1 << 20)
    bad = [t.copy() for t in trs]
    bad[1][3, 1] = (int(bad[1][3, 1]) + 1) % gl.P  # a table row t, t^2 that is not a square
    with pytest.raises(ConstraintViolation, match="table"):
        prove_tables(SYSTEM, bad, pubs, FAST, debug_check=True)
