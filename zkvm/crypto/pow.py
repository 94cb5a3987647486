"""Proof-of-work grinding: the prover's search (Numba) and the verifier's check.

``check_pow`` is re-exported from the verifier-safe :mod:`zkvm.crypto.pow_verify`; the search
imports Numba only when called, so importing this module stays light.
"""

from __future__ import annotations

from zkvm.crypto.pow_verify import check_args, check_pow

__all__ = ["grind", "check_pow"]


def grind(seed: bytes, bits: int) -> int:
    """The smallest nonce whose hash with ``seed`` has ``bits`` low zero bits (deterministic)."""
    check_args(seed, bits)
    if bits == 0:
        return 0
    from zkvm.crypto.blake3_kernels import grind_nonce

    return grind_nonce(bytes(seed), bits)
