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
