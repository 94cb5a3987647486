"""Proof-of-work grinding: the Numba search finds the smallest valid nonce (package oracle)."""

from __future__ import annotations

import blake3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.crypto.pow import check_pow, grind
from zkvm.errors import ParameterError


def _valid(seed: bytes, bits: int, nonce: int) -> bool:
    d = blake3.blake3(seed + nonce.to_bytes(8, "little")).digest()
    return int.from_bytes(d[:8], "little") % (1 << bits) == 0


@given(st.binary(min_size=32, max_size=32), st.integers(0, 8))
def test_grind_finds_smallest_nonce(seed, bits):
    nonce = grind(seed, bits)
    assert _valid(seed, bits, nonce)
    assert check_pow(seed, bits, nonce)
    assert not any(_valid(seed, bits, n) for n in range(nonce))


def test_grind_twenty_bits():
    seed = blake3.blake3(b"pow").digest()
    nonce = grind(seed, 20)
    assert _valid(seed, 20, nonce) and check_pow(seed, 20, nonce)


def test_check_rejects_wrong_nonce():
    seed = bytes(range(32))
    nonce = grind(seed, 12)
    wrong = next(n for n in range(nonce + 1, nonce + 10**6) if not _valid(seed, 12, n))
    assert not check_pow(seed, 12, wrong)
    assert not check_pow(seed, 12, -1)
    assert not check_pow(seed, 12, 2**64)


def test_bad_arguments():
    with pytest.raises(ParameterError):
        grind(b"short", 4)
    with pytest.raises(ParameterError):
        grind(bytes(32), 33)
    with pytest.raises(ParameterError):
        check_pow(bytes(31), 4, 0)
