"""The Fiat-Shamir transcript: determinism, domain separation, unbiased sampling."""

from __future__ import annotations

import collections

import blake3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.crypto.transcript import Transcript
from zkvm.errors import ParameterError
from zkvm.field.goldilocks import P


def _run(ops):
    t = Transcript(b"test")
    for label, data in ops:
        t.absorb_bytes(label, data)
    return t.challenge_bytes(b"c", 32)


@given(st.lists(st.tuples(st.binary(max_size=8), st.binary(max_size=16)), max_size=4))
def test_same_absorbs_same_challenges(ops):
    assert _run(ops) == _run(ops)


def test_framing_separates_label_and_data_boundaries():
    a = _run([(b"a", b"bc")])
    b = _run([(b"ab", b"c")])
    c = _run([(b"a", b"b"), (b"", b"c")])
    assert len({a, b, c}) == 3


def test_domain_and_order_matter():
    t1, t2 = Transcript(b"x"), Transcript(b"y")
    assert t1.challenge_field(b"f") != t2.challenge_field(b"f")
    t3, t4 = Transcript(), Transcript()
    t3.absorb_fields(b"v", [1, 2])
    t4.absorb_fields(b"v", [2, 1])
    assert t3.challenge_field(b"f") != t4.challenge_field(b"f")


def test_successive_challenges_differ_and_depend_on_history():
    t = Transcript()
    first = t.challenge_ext(b"a")
    second = t.challenge_ext(b"a")
    assert first != second
    u = Transcript()
    u.challenge_ext(b"a")
    u.absorb_int(b"n", 5)
    assert u.challenge_ext(b"a") != second


def test_field_challenges_are_canonical_and_spread():
    t = Transcript()
    values = t.challenge_fields(b"f", 2000)
    assert all(0 <= v < P for v in values)
    # top bit set about half of the time (a biased sampler that reduced mod p would not show
    # a different figure here, but a sampler dropping high words would)
    high = sum(v >> 63 for v in values)
    assert 850 < high < 1150


def test_rejection_sampling_skips_words_above_p(monkeypatch):
    t = Transcript()
    words = [(P + 5).to_bytes(8, "little"), (12345).to_bytes(8, "little")]
    monkeypatch.setattr(t, "_squeeze", lambda label, length: b"".join(words)[:length].ljust(length, b"\0"))
    assert t.challenge_field(b"f") == 12345


@pytest.mark.parametrize("size", [1, 2, 64, 1 << 20, 3, 1000])
def test_indices_in_range(size):
    t = Transcript()
    idx = t.challenge_indices(b"q", 500, size)
    assert len(idx) == 500 and all(0 <= i < size for i in idx)


def test_indices_uniform_for_non_power_of_two():
    t = Transcript()
    idx = t.challenge_indices(b"q", 6000, 6)
    counts = collections.Counter(idx)
    # chi-square with 5 degrees of freedom; 20.5 is the 0.999 quantile
    chi2 = sum((counts[i] - 1000) ** 2 / 1000 for i in range(6))
    assert chi2 < 20.5


def test_transcript_is_plain_blake3():
    """The first squeeze equals a blake3 computation we can redo by hand (no hidden state)."""
    t = Transcript(b"d")
    t.absorb_bytes(b"l", b"xy")
    out = t.challenge_bytes(b"c", 16)
    frame = lambda kind, label, data: kind + bytes([len(label)]) + label + len(data).to_bytes(8, "little") + data
    h = blake3.blake3(b"zkvm transcript v1")
    h.update(frame(b"\x01", b"domain", b"d"))
    h.update(frame(b"\x01", b"l", b"xy"))
    h.update(frame(b"\x02", b"c", (16).to_bytes(8, "little")))
    assert out == h.digest(length=16)


def test_bad_inputs_raise_parameter_error():
    t = Transcript()
    with pytest.raises(ParameterError):
        t.absorb_fields(b"v", [P])
    with pytest.raises(ParameterError):
        t.absorb_digest(b"d", b"short")
    with pytest.raises(ParameterError):
        t.challenge_indices(b"q", 3, 0)
    with pytest.raises(ParameterError):
        t.absorb_int(b"n", -1)
