"""Independent oracles shared by the tests: galois fields for Goldilocks and its extension."""

from __future__ import annotations

from functools import lru_cache

import galois
from hypothesis import strategies as st

P = 2**64 - 2**32 + 1
EDGE_VALUES = [0, 1, 2, P - 1, P - 2, 2**32, 2**32 - 1, 2**32 + 1, 2**63, 2**63 - 1, 2**64 - 2**32, 7]


@lru_cache(maxsize=None)
def gf() -> type:
    """galois' prime field GF(p), p = 2^64 - 2^32 + 1."""
    return galois.GF(P)


@lru_cache(maxsize=None)
def gf2() -> type:
    """galois' GF(p^2) with irreducible polynomial x^2 - 7 (our extension's modulus)."""
    field = gf()
    modulus = galois.Poly([1, 0, P - 7], field=field)
    return galois.GF(P**2, irreducible_poly=modulus, verify=False)


def to_gf2(c0: int, c1: int):
    """Our (c0, c1) = c0 + c1*phi as a galois GF(p^2) element (galois orders high first)."""
    return gf2().Vector([c1, c0])


def from_gf2(x) -> tuple[int, int]:
    v = x.vector()
    return int(v[1]), int(v[0])


elements = st.one_of(st.sampled_from(EDGE_VALUES), st.integers(0, P - 1))
nonzero_elements = elements.filter(lambda v: v != 0)
ext_elements = st.tuples(elements, elements)


def galois_ntt(values: list[int]) -> list[int]:
    """galois' forward NTT (omega = 7^((p-1)/n)) of a list of canonical ints."""
    return [int(v) for v in galois.ntt(gf()(values))]


def galois_intt(values: list[int]) -> list[int]:
    return [int(v) for v in galois.intt(gf()(values))]
