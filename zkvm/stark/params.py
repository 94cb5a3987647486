"""STARK proof options: the FRI parameters plus named presets.

The conjectured security of a STARK proof is that of its FRI instance over the LDE domain
(see :mod:`zkvm.fri.options` for the formula and its source); DEEP-ALI's own
Schwartz-Zippel terms are of the same |D|/|F| order and are covered by the same field cap.
"""

from __future__ import annotations

from zkvm.fri.options import DEFAULT_MIN_SECURITY_BITS, FriOptions

ProofOptions = FriOptions
"""A STARK is parameterized exactly by its FRI options (blowup, queries, grinding, folding,
final degree, minimum security)."""

PRESETS: dict[str, FriOptions] = {
    # 100 conjectured bits: 27 queries x 3 bits + 20 grinding bits (the default)
    "default": FriOptions(),
    # folding by 4: more, narrower FRI layers (a little faster to fold, larger proofs)
    "narrow-fri": FriOptions(blowup=8, num_queries=28, grinding_bits=20, folding_factor=4, final_degree=7),
    # blowup 16: a larger domain (slower prover) but fewer queries (faster verifier)
    "fast-verify": FriOptions(blowup=16, num_queries=21, grinding_bits=20, folding_factor=8, final_degree=7),
    # 128-bit conjectured security where the domain allows it
    "high": FriOptions(blowup=16, num_queries=30, grinding_bits=12, folding_factor=4, final_degree=7, min_security_bits=110),
}


def preset(name: str) -> FriOptions:
    from zkvm.errors import ParameterError

    if name not in PRESETS:
        raise ParameterError("preset", f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


__all__ = ["ProofOptions", "PRESETS", "preset", "DEFAULT_MIN_SECURITY_BITS"]
