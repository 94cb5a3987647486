"""Transcript steps the STARK prover and verifier share word for word (verifier-safe)."""

from __future__ import annotations

from collections.abc import Sequence

from zkvm.crypto.transcript import Transcript
from zkvm.field.ext2 import Ext2
from zkvm.fri.options import FriOptions
from zkvm.stark.air import Air
from zkvm.stark.proof import FORMAT_VERSION


def bind_statement(
    t: Transcript,
    air: Air,
    options: FriOptions,
    n: int,
    security: int,
    publics: Sequence[int],
    public_columns_digest: bytes = b"",
    statement: bytes = b"",
) -> None:
    """Absorb everything the proof is about before any commitment: protocol version,
    parameters, trace length, claimed security, the AIR's digest, the public inputs, the
    public columns' digest and any caller statement (e.g. a program hash and its outputs)."""
    t.absorb_int(b"format version", FORMAT_VERSION)
    t.absorb_bytes(
        b"parameters",
        bytes([options.log_blowup, options.num_queries, options.grinding_bits, options.folding_factor])
        + options.final_degree.to_bytes(2, "little")
        + bytes([n.bit_length() - 1, security, 1 if options.zk else 0]),
    )
    t.absorb_digest(b"air digest", air.digest())
    t.absorb_int(b"public input count", len(publics))
    t.absorb_fields(b"public inputs", publics)
    t.absorb_bytes(b"public columns", public_columns_digest)
    t.absorb_bytes(b"statement", statement)


def draw_ood_point(t: Transcript) -> Ext2:
    """The out-of-domain point z, redrawn in the (probability 2^-64) event that it lies in
    the base field, where it could hit the trace or LDE domain."""
    while True:
        z = t.challenge_ext(b"ood point")
        if z.c1 != 0:
            return z
