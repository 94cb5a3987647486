"""The FRI proof object and its bounded binary encoding (verifier-safe)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkvm.codec import Reader, Writer
from zkvm.fri.options import FriOptions

MAX_TREE_DEPTH = 40


@dataclass(frozen=True)
class FriLayerProof:
    """Openings of one committed layer at the queried leaves.

    ``leaves`` holds, for each distinct queried leaf in ascending leaf order, its
    ``folding_factor`` extension values flattened as (c0, c1, c0, c1, ...). ``nodes`` is the
    batch Merkle opening of those leaves.
    """

    leaves: tuple[tuple[int, ...], ...]
    nodes: tuple[bytes, ...]


@dataclass(frozen=True)
class FriProof:
    layer_roots: tuple[bytes, ...]
    layers: tuple[FriLayerProof, ...]
    final_coeffs: tuple[tuple[int, int], ...]
    pow_nonce: int

    def encode(self, w: Writer) -> None:
        w.count(len(self.layer_roots))
        for root in self.layer_roots:
            w.digest(root)
        for layer in self.layers:
            w.count(len(layer.leaves))
            for leaf in layer.leaves:
                w.fields(leaf)
            w.count(len(layer.nodes))
            for node in layer.nodes:
                w.digest(node)
        w.count(len(self.final_coeffs))
        for c0, c1 in self.final_coeffs:
            w.fields((c0, c1))
        w.u64(self.pow_nonce)

    @classmethod
    def decode(cls, r: Reader, options: FriOptions, domain_size: int, degree_bound: int) -> "FriProof":
        """Read a FRI proof of one codeword, whose every shape follows from the parameters the
        verifier knows."""
        return cls.decode_layers(r, options, [b * options.blowup for b in options.degree_bounds(degree_bound)])

    @classmethod
    def decode_layers(cls, r: Reader, options: FriOptions, sizes: Sequence[int]) -> "FriProof":
        """Read a FRI proof folding through layers of these domain sizes (the last one is the
        final polynomial's: see :func:`zkvm.fri.schedule.layer_sizes`)."""
        num_layers = len(sizes) - 1
        r.expect_count("fri layer count", num_layers)
        roots = r.digests(num_layers, "fri layer roots")
        layers = []
        for i, (size, folded) in enumerate(zip(sizes, sizes[1:])):
            k = size // folded
            num_leaves = max(1, folded)
            depth = num_leaves.bit_length() - 1
            max_open = min(options.num_queries, num_leaves)
            n_leaves = r.count(f"fri layer {i} leaf count", max_open, 1)
            leaves = r.field_rows(n_leaves, 2 * k, f"fri layer {i} leaf values")
            n_nodes = r.count(f"fri layer {i} node count", n_leaves * depth)
            nodes = r.digests(n_nodes, f"fri layer {i} merkle nodes")
            layers.append(FriLayerProof(leaves, nodes))
        final_count = sizes[-1] // options.blowup
        r.expect_count("fri final coefficient count", final_count)
        coeffs = tuple(tuple(r.fields(2, "fri final coefficients")) for _ in range(final_count))
        nonce = r.u64("proof-of-work nonce")
        return cls(tuple(roots), tuple(layers), coeffs, nonce)  # type: ignore[arg-type]

    def to_bytes(self) -> bytes:
        w = Writer()
        self.encode(w)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, options: FriOptions, domain_size: int, degree_bound: int) -> "FriProof":
        r = Reader(data)
        proof = cls.decode(r, options, domain_size, degree_bound)
        r.finish()
        return proof
