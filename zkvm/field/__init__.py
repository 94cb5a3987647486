"""Goldilocks field, its quadratic extension, and (prover-side) NTT and LDE kernels.

``goldilocks`` and ``ext2`` are verifier-safe (plain Python ints); ``kernels`` and ``ntt`` are
Numba and must only be imported on the prover's path.
"""
