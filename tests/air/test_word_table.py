"""The word table (zkvm/air/word_table.py): the CPU's reads of single constant words, answered
from the data table's aligned k-word rows, next to the dot table reading whole rows.

Oracle: the weight matrix itself (the word at data address a is the flattened weights' a-th)."""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.air.buses import CONST_READ
from zkvm.air.dot_table import data_table_air, frozen_standin_air, mac_source_standin_air, dot_table_air, layer_traces
from zkvm.air.word_table import word_columns, word_table_air
from zkvm.errors import VerificationError
from zkvm.field import arrays as fa
from zkvm.field import goldilocks as gl
from zkvm.fri.options import FriOptions
from zkvm.stark.air import AirBuilder
from zkvm.stark.debug import ConstraintViolation
from zkvm.stark.multi_prover import prove_tables
from zkvm.stark.multi_verifier import verify_tables
from zkvm.stark.prover import ProverError
from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions, TableSystem

K = 4
FAST = FriOptions(blowup=8, num_queries=12, grinding_bits=0, min_security_bits=0, zk=False)
SOURCE, DOT, DATA, FROZEN, READER, WORDS = range(6)
COL = {c: i for i, c in enumerate(word_columns(K))}


def reader_air():
    """Stands in for the CPU: reads (address, value) of constants, on its rows marked on."""
    b = AirBuilder("reader", ["on", "addr", "value"], num_challenges=BUS_CHALLENGES)
    bus = BusInteractions(b)
    bus.send(CONST_READ, [b.main("addr"), b.main("value")], b.main("on"))
    return b.build(bus.finish().build_matrix)


SYSTEM = TableSystem("words-demo", (mac_source_standin_air(), dot_table_air(K), data_table_air(K),
                                    frozen_standin_air(), reader_air(), word_table_air(K)))


def case(reads):
    """Traces for one dense layer whose weights the CPU also reads at data addresses ``reads``
    (each read once; the same word may be read several times)."""
    rng = np.random.default_rng(9)
    w, b, x = rng.integers(-128, 128, (3, 4 * K)), rng.integers(-9, 9, 3), rng.integers(0, 256, 4 * K)
    traces, _, public, _, pubs = layer_traces([(w, b, x)], K)
    flat = w.ravel()
    reader = np.zeros((16, 3), dtype=np.int64)
    words = np.zeros((16, len(word_columns(K)) + 2), dtype=np.int64)
    distinct = sorted(set(reads))
    for r, a in enumerate(reads):
        reader[r] = [1, a, flat[a]]
    for r, a in enumerate(distinct):
        base = a - a % K
        selector = [int(j == a % K) for j in range(K)]
        row = [1, a, flat[a], base] + selector + list(flat[base : base + K]) + [reads.count(a)]
        words[r, : len(row)] = row
    data = traces[DATA].copy()
    for a in distinct:
        data[a // K, 1] += 1  # the data row is read once more, by the word table
    traces[DATA] = data
    return traces + [fa.from_signed(reader), fa.from_signed(words)], public + [None, None], pubs + [[], []], flat


def test_constant_words_read_by_the_cpu_verify():
    traces, public, pubs, flat = case([0, 5, 5, 13, 47])
    proof = prove_tables(SYSTEM, traces, pubs, FAST, debug_check=True, public_columns=public)
    verify_tables(proof, SYSTEM, pubs, 0, public_columns=public)


def _rejected(traces, public, pubs, match=None):
    with pytest.raises((ProverError, ConstraintViolation)):
        prove_tables(SYSTEM, [t.copy() for t in traces], pubs, FAST, debug_check=True, public_columns=public)
    proof = prove_tables(SYSTEM, traces, pubs, FAST, check=False, public_columns=public)
    with pytest.raises(VerificationError, match=match):
        verify_tables(proof, SYSTEM, pubs, 0, public_columns=public)


def test_a_wrong_constant_is_rejected():
    """The reader and the word table agree on a value the program does not hold."""
    traces, public, pubs, flat = case([5])
    traces[READER][0, 2] = (int(traces[READER][0, 2]) + 1) % gl.P
    traces[WORDS][0, COL["value"]] = traces[READER][0, 2]
    _rejected(traces, public, pubs)


def test_a_word_of_another_row_is_rejected():
    """The word table claims address 5 holds a word of another aligned row (looked up honestly)."""
    traces, public, pubs, flat = case([5])
    other = 9 - 9 % K
    words = traces[WORDS]
    for j in range(K):
        words[0, COL[f"w{j}"]] = fa.from_signed(np.array([flat[other + j]]))[0]
    words[0, COL["value"]] = words[0, COL[f"w{5 % K}"]]
    traces[READER][0, 2] = words[0, COL["value"]]
    data = traces[DATA]
    data[5 // K, 1] -= 1
    data[other // K, 1] += 1
    _rejected(traces, public, pubs)


def test_two_selected_words_are_rejected():
    traces, public, pubs, flat = case([5])
    words = traces[WORDS]
    words[0, COL[f"s{(5 + 1) % K}"]] = 1
    _rejected(traces, public, pubs)


def test_a_padding_row_cannot_answer_reads():
    traces, public, pubs, flat = case([5])
    words = traces[WORDS]
    spare = words[0].copy()
    spare[COL["on"]] = 0
    for j in range(K):
        spare[COL[f"s{j}"]] = 0
    words[3] = spare  # answers a read of address 5 with m = 1 and no lookup
    words[0, COL["m"]] = 0
    _rejected(traces, public, pubs)


def test_selectors_that_are_not_bits_are_rejected():
    """The other field solution of 'one selected word': selectors 2 and -1 (summing to 1)
    make address base + 2j - i and value 2 w_j - w_i, a word the program does not hold at that
    address; everything else is made consistent (the reader reads that pair). Only the
    selectors' booleanity stands in the way."""
    traces, public, pubs, flat = case([5])
    words, reader = traces[WORDS], traces[READER]
    base, j, i = 4, 2, 3  # K = 4: the row holding address 5 (4 + 2*2 - 3)
    assert base + 2 * j - i == 5
    value = (2 * int(flat[base + j]) - int(flat[base + i])) % gl.P
    assert value != int(fa.from_signed(np.array([flat[5]]))[0])
    for s in range(K):
        words[0, COL[f"s{s}"]] = 0
    words[0, COL[f"s{j}"]] = 2
    words[0, COL[f"s{i}"]] = gl.P - 1
    words[0, COL["value"]] = value
    reader[0, 2] = value
    _rejected(traces, public, pubs)
