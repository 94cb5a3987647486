"""zkvm: prove the execution of machine-learning inference written in plain Python.

The package root stays light: importing ``zkvm`` loads no Numba, no Lark and no prover code.
Heavy layers are imported only when a function that needs them is first used.
"""

from __future__ import annotations

__version__ = "0.1.0"

from zkvm.errors import (  # noqa: F401  (re-exported)
    FieldError,
    FriError,
    MerkleError,
    ParameterError,
    PowError,
    ProofFormatError,
    VerificationError,
    ZkvmError,
)


def __getattr__(name: str):
    """Lazy public API: heavy layers load only when first used."""
    if name == "prove":
        from zkvm.prover import prove

        return prove
    if name == "verify":
        from zkvm.verifier import verify

        return verify
    if name == "run":
        from zkvm.vm.run import run

        return run
    if name == "assemble":
        from zkvm.isa.asm import assemble

        return assemble
    raise AttributeError(f"module 'zkvm' has no attribute {name!r}")
