"""Hashing, Merkle commitments, the Fiat-Shamir transcript and proof-of-work grinding.

``merkle_verify`` and ``transcript`` are verifier-safe; ``blake3_kernels`` and ``merkle`` are
Numba (prover only).
"""
