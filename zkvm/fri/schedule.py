"""Which layers a (batched) FRI proof folds through (verifier-safe).

One FRI proof tests several codewords of different sizes at once (one per table height in a
multi-table STARK). The largest is layer 0; each folding step divides the domain by the
folding factor, except that a step stops short at the next smaller input's size, so that
every input's domain is a layer. There the input enters the folded codeword with the
folding challenge's next power as coefficient (layer i+1 = fold(layer i, beta) +
beta^f * input, f the step's factor), which extends the random linear combination the fold
already is. Folding goes on while the degree bound exceeds the final degree (and the step
fits), and always until the last input has entered.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkvm.errors import ParameterError
from zkvm.fri.options import FriOptions


def layer_sizes(input_sizes: Sequence[int], options: FriOptions) -> list[int]:
    """Domain sizes of layer 0, every folded layer and the final polynomial's domain last.

    ``input_sizes``: the codewords' domain sizes, distinct powers of two in descending order,
    each at least the blowup (a degree bound of at least one coefficient)."""
    sizes = list(input_sizes)
    if not sizes:
        raise ParameterError("codewords", "FRI needs at least one codeword")
    for a in sizes:
        if a < options.blowup or a & (a - 1):
            raise ParameterError("codewords", f"domain sizes must be powers of two >= the blowup, got {a}")
    if any(b >= a for a, b in zip(sizes, sizes[1:])):
        raise ParameterError("codewords", f"domain sizes must be distinct and descending, got {sizes}")
    k = options.folding_factor
    out = [sizes[0]]
    pending = sizes[1:]
    while True:
        cur = out[-1]
        bound = cur // options.blowup
        if not pending and not (bound > options.final_degree + 1 and bound >= k):
            return out
        nxt = cur // k
        if pending and pending[0] >= nxt:
            nxt = pending.pop(0)
        out.append(nxt)


def folding_factors(sizes: Sequence[int]) -> list[int]:
    """The factor of each folding step between consecutive layers."""
    return [a // b for a, b in zip(sizes, sizes[1:])]
