"""FRI verifier: replays the prover's transcript and checks every query through every layer.

Verifier-safe (no Numba): Python ints, the ``blake3`` package for Merkle paths. The steps match
the numbered steps of :mod:`zkvm.fri.prover`. Every rejection raises
:class:`~zkvm.errors.FriError` (or a more specific :class:`~zkvm.errors.MerkleError` /
:class:`~zkvm.errors.PowError`) whose message names the layer and the failed check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkvm.codec import check_fields
from zkvm.crypto.merkle_verify import verify_rows
from zkvm.crypto.pow import check_pow
from zkvm.crypto.transcript import Transcript
from zkvm.errors import FriError, MerkleError, ParameterError, PowError, ProofFormatError
from zkvm.field import goldilocks as gl
from zkvm.field.ext2 import Ext2
from zkvm.fri.options import FriOptions
from zkvm.fri.proof import FriProof
from zkvm.fri.schedule import folding_factors, layer_sizes

P = gl.P
INV2 = (P + 1) // 2


@dataclass
class FriQueries:
    """What the caller needs to tie a codeword to its own data: the queried positions in its
    domain (in the order drawn), the value the proof implies for it at each, and the domain
    point there (shift * w^bitrev(position), w generating the codeword's domain)."""

    positions: list[int]
    values: list[tuple[int, int]]
    points: list[int]


def _bitrev(x: int, bits: int) -> int:
    return int(format(x, f"0{bits}b")[::-1], 2) if bits else 0


def _check_shapes(proof: FriProof, sizes: list[int], final_count: int) -> None:
    num_layers = len(sizes) - 1
    if len(proof.layer_roots) != num_layers or len(proof.layers) != num_layers:
        raise FriError(f"expected {num_layers} committed layers, got {len(proof.layer_roots)} roots and {len(proof.layers)} openings")
    if len(proof.final_coeffs) != final_count:
        raise FriError(f"expected {final_count} final coefficients, got {len(proof.final_coeffs)}")
    for c in proof.final_coeffs:
        if len(c) != 2:
            raise FriError("final coefficients must be extension elements")
        check_fields(c, "fri final coefficients")
    if not 0 <= proof.pow_nonce < 1 << 64:
        raise FriError("proof-of-work nonce out of range")
    for i, (layer, k) in enumerate(zip(proof.layers, folding_factors(sizes))):
        for leaf in layer.leaves:  # the values are checked where they are hashed (row_digests)
            if len(leaf) != 2 * k:
                raise FriError(f"layer {i}: a leaf holds {len(leaf)} values, expected {2 * k}")


class _LayerFolder:
    """Folds the leaves of one layer. Everything that does not depend on the leaf (the small
    roots of unity of a leaf's coset, 1/k) is computed once per layer; later binary steps
    inside the leaf reuse squares of the previous step's inverse points."""

    def __init__(self, k: int, beta: Ext2) -> None:
        self.k = k
        self.log_k = k.bit_length() - 1
        self.beta = (beta.c0, beta.c1)
        # inverse of w_k^bitrev(u) for the k/2 pairs of the first binary step
        wk_inv = gl.inv(gl.root_of_unity(self.log_k))
        r = self.log_k - 1
        self.pair_roots = [pow(wk_inv, _bitrev(u, r), P) for u in range(k // 2)]
        # a point at offset j of its leaf is the leaf's first point times w_k^bitrev(j)
        wk = gl.root_of_unity(self.log_k)
        self.offset_roots = [pow(wk, _bitrev(j, self.log_k), P) for j in range(k)]
        self.inv_k = gl.inv(k)

    def base_inverse(self, position: int, point_inv: int) -> int:
        """1 / (the first point of the leaf holding ``position``), from 1 / (its point)."""
        return point_inv * self.offset_roots[position & (self.k - 1)] % P

    def fold(self, values: tuple[int, ...], base_inv: int) -> tuple[int, int]:
        """Fold the k values of a leaf whose first point is 1 / ``base_inv`` into one value.

        Each binary step maps a pair (a, c) at points (x, -x) to (a + c)/2 + beta (a - c)/(2x);
        the step is linear in the values, so the halvings are left out and the result is
        divided by k once at the end."""
        if self.k == 8:
            return self._fold8(values, base_inv)
        if self.k == 2:
            return self._fold2(values, base_inv)
        return self._fold_any(values, base_inv)

    def _fold2(self, v: tuple[int, ...], x_inv: int) -> tuple[int, int]:
        b0, b1 = self.beta
        d0, d1 = (v[0] - v[2]) * x_inv % P, (v[1] - v[3]) * x_inv % P
        return ((v[0] + v[2] + b0 * d0 + 7 * b1 * d1) * self.inv_k % P,
                (v[1] + v[3] + b0 * d1 + b1 * d0) * self.inv_k % P)

    def _fold_any(self, values: tuple[int, ...], base_inv: int) -> tuple[int, int]:
        v0, v1 = values[0::2], values[1::2]
        inv_x = [base_inv * r % P for r in self.pair_roots]
        b0, b1 = self.beta
        while len(v0) > 1:
            n0, n1 = [], []
            for u, ix in enumerate(inv_x):
                a0, c0, a1, c1 = v0[2 * u], v0[2 * u + 1], v1[2 * u], v1[2 * u + 1]
                d0 = (a0 - c0) * ix % P
                d1 = (a1 - c1) * ix % P
                n0.append((a0 + c0 + b0 * d0 + 7 * b1 * d1) % P)
                n1.append((a1 + c1 + b0 * d1 + b1 * d0) % P)
            v0, v1 = n0, n1
            # the next step's pair u sits at the square of this step's point 2u
            inv_x = [inv_x[2 * u] * inv_x[2 * u] % P for u in range(len(v0) // 2)]
            b0, b1 = (b0 * b0 + 7 * b1 * b1) % P, (2 * b0 * b1) % P
        return v0[0] * self.inv_k % P, v1[0] * self.inv_k % P

    def _fold8(self, v: tuple[int, ...], base_inv: int) -> tuple[int, int]:
        """:meth:`_fold_any` for k = 8 written out (the default folding factor; the verifier's
        most frequent operation)."""
        r0, r1, r2, r3 = self.pair_roots
        i0, i1, i2, i3 = base_inv * r0 % P, base_inv * r1 % P, base_inv * r2 % P, base_inv * r3 % P
        b0, b1 = self.beta
        w7b1 = 7 * b1
        # step 1: four pairs
        d0, d1 = (v[0] - v[2]) * i0 % P, (v[1] - v[3]) * i0 % P
        a0, a1 = v[0] + v[2] + b0 * d0 + w7b1 * d1, v[1] + v[3] + b0 * d1 + b1 * d0
        d0, d1 = (v[4] - v[6]) * i1 % P, (v[5] - v[7]) * i1 % P
        c0, c1 = v[4] + v[6] + b0 * d0 + w7b1 * d1, v[5] + v[7] + b0 * d1 + b1 * d0
        d0, d1 = (v[8] - v[10]) * i2 % P, (v[9] - v[11]) * i2 % P
        e0, e1 = v[8] + v[10] + b0 * d0 + w7b1 * d1, v[9] + v[11] + b0 * d1 + b1 * d0
        d0, d1 = (v[12] - v[14]) * i3 % P, (v[13] - v[15]) * i3 % P
        f0, f1 = v[12] + v[14] + b0 * d0 + w7b1 * d1, v[13] + v[15] + b0 * d1 + b1 * d0
        # step 2: two pairs, at the squares of the points of pairs 0 and 2
        b0, b1 = (b0 * b0 + 7 * b1 * b1) % P, (2 * b0 * b1) % P
        w7b1 = 7 * b1
        j0, j1 = i0 * i0 % P, i2 * i2 % P
        d0, d1 = (a0 - c0) * j0 % P, (a1 - c1) * j0 % P
        g0, g1 = (a0 + c0 + b0 * d0 + w7b1 * d1) % P, (a1 + c1 + b0 * d1 + b1 * d0) % P
        d0, d1 = (e0 - f0) * j1 % P, (e1 - f1) * j1 % P
        h0, h1 = (e0 + f0 + b0 * d0 + w7b1 * d1) % P, (e1 + f1 + b0 * d1 + b1 * d0) % P
        # step 3: the last pair
        b0, b1 = (b0 * b0 + 7 * b1 * b1) % P, (2 * b0 * b1) % P
        j0 = j0 * j0 % P
        d0, d1 = (g0 - h0) * j0 % P, (g1 - h1) * j0 % P
        return ((g0 + h0 + b0 * d0 + 7 * b1 * d1) * self.inv_k % P,
                (g1 + h1 + b0 * d1 + b1 * d0) * self.inv_k % P)


def verify(
    proof: FriProof,
    options: FriOptions,
    transcript: Transcript,
    domain_size: int,
    degree_bound: int,
    shift: int = gl.GENERATOR,
) -> FriQueries:
    """Check a FRI proof that a committed codeword on shift*<w_domain_size> has at most
    ``degree_bound`` coefficients. Returns the queried positions and layer-0 values so the
    caller can check them against its own data (the DEEP composition, in a STARK).

    Raises:
        FriError, MerkleError, PowError: naming the failed check.
    """
    if domain_size < 2 or domain_size & (domain_size - 1) or degree_bound * options.blowup != domain_size:
        raise FriError(f"domain size {domain_size} does not match degree bound {degree_bound} at blowup {options.blowup}")
    return verify_batched(proof, options, transcript, [domain_size], shift)[0]


def verify_batched(
    proof: FriProof,
    options: FriOptions,
    transcript: Transcript,
    domain_sizes: Sequence[int],
    shift: int = gl.GENERATOR,
) -> list[FriQueries]:
    """Check a FRI proof of several codewords (domain sizes distinct and descending; each of
    degree < its size / blowup; see :mod:`zkvm.fri.schedule`). Returns, per codeword, the
    queried positions in its own domain and the values the proof implies for it there (for
    layer 0 its committed values; for a codeword entering at a later layer, what the layer's
    committed value holds beyond the fold of the layer before). The caller checks them against
    its own data: that check is what ties each codeword to the proof.

    Raises:
        FriError, MerkleError, PowError: naming the failed check.
    """
    try:
        sizes = layer_sizes(list(domain_sizes), options)
    except ParameterError as e:
        raise FriError(f"invalid codeword sizes: {e}") from None
    factors = folding_factors(sizes)
    _check_shapes(proof, sizes, sizes[-1] // options.blowup)

    # 1. layer commitments and folding challenges
    betas = []
    for root in proof.layer_roots:
        transcript.absorb_digest(b"fri layer root", root)
        betas.append(transcript.challenge_ext(b"fri beta"))
    # 2. final polynomial
    final = [Ext2(c0, c1) for c0, c1 in proof.final_coeffs]
    transcript.absorb_ext(b"fri final", final)
    # 3. proof of work
    seed = transcript.pow_seed()
    if not check_pow(seed, options.grinding_bits, proof.pow_nonce):
        raise PowError(f"nonce does not meet the {options.grinding_bits}-bit grinding target")
    transcript.absorb_int(b"pow nonce", proof.pow_nonce)
    # 4. queries
    positions = transcript.challenge_indices(b"fri queries", options.num_queries, sizes[0])

    entering = set(domain_sizes[1:])
    implied: dict[int, FriQueries] = {}
    s = shift % P
    pos = list(positions)
    # every queried position's point and its inverse, kept from layer to layer: a layer's
    # point at position p // k is the k-th power of the previous layer's point at p
    log_size = sizes[0].bit_length() - 1
    w, w_inv, s_inv = gl.root_of_unity(log_size), gl.inv(gl.root_of_unity(log_size)), gl.inv(s)
    points = {p: (s * pow(w, _bitrev(p, log_size), P) % P, s_inv * pow(w_inv, _bitrev(p, log_size), P) % P)
              for p in pos}
    expected: dict[int, tuple[int, int]] | None = None  # folded values from the previous layer
    for i, size in enumerate(sizes):
        if i < len(factors):
            k = factors[i]
            log_k = k.bit_length() - 1
            layer = proof.layers[i]
            leaf_ids = sorted({p >> log_k for p in pos})
            if len(layer.leaves) != len(leaf_ids):
                raise FriError(f"layer {i}: {len(layer.leaves)} leaves opened, {len(leaf_ids)} expected")
            depth = (size // k).bit_length() - 1
            try:
                verify_rows(proof.layer_roots[i], depth, leaf_ids, layer.leaves, layer.nodes)
            except MerkleError as e:
                raise MerkleError(f"fri layer {i}: {e.detail}") from None
            leaf_of = dict(zip(leaf_ids, layer.leaves))
            values = [(leaf_of[p >> log_k][2 * (p & (k - 1))], leaf_of[p >> log_k][2 * (p & (k - 1)) + 1]) for p in pos]
        else:  # the final layer: the sent polynomial's values
            values = [_horner(final, points[p][0]) for p in pos]
        if i == 0:
            implied[size] = FriQueries(list(pos), values, [points[p][0] for p in pos])
        elif size in entering:
            # the layer holds fold + beta^f * input: the input's value is the difference; its
            # domain is shift * <w>, the layer's s * <w>: points differ by the factor shift / s
            f = factors[i - 1]
            inv = (betas[i - 1] ** f).inverse()
            got = [((Ext2(*v) - Ext2(*expected[p])) * inv).to_pair() for p, v in zip(pos, values)]
            to_input = shift % P * gl.inv(s) % P
            implied[size] = FriQueries(list(pos), got, [points[p][0] * to_input % P for p in pos])
        else:
            for p, v in zip(pos, values):
                if expected[p] != v:
                    where = f"layer {i}" if i < len(factors) else "final polynomial"
                    raise FriError(f"{where}: value at position {p} does not match the folding of layer {i - 1}")
        if i == len(factors):
            break
        folder = _LayerFolder(k, betas[i])
        first = {p >> log_k: p for p in pos}
        expected = {t: folder.fold(leaf_of[t], folder.base_inverse(first[t], points[first[t]][1])) for t in leaf_ids}
        points = {t: (_power_of_two(points[p][0], log_k), _power_of_two(points[p][1], log_k)) for t, p in first.items()}
        pos = [p >> log_k for p in pos]
        s = pow(s, k, P)
    return [implied[size] for size in domain_sizes]


def _power_of_two(x: int, log_k: int) -> int:
    """x^(2^log_k) by squaring."""
    for _ in range(log_k):
        x = x * x % P
    return x


def _horner(coeffs: list[Ext2], x: int) -> tuple[int, int]:
    """A polynomial with extension coefficients at a base-field point."""
    c0 = c1 = 0
    for e in reversed(coeffs):
        c0 = (c0 * x + e.c0) % P
        c1 = (c1 * x + e.c1) % P
    return c0, c1


def verify_bytes(
    data: bytes, options: FriOptions, transcript: Transcript, domain_size: int, degree_bound: int, shift: int = gl.GENERATOR
) -> FriQueries:
    """Decode (bounded) and verify; malformed bytes raise ProofFormatError."""
    try:
        proof = FriProof.from_bytes(data, options, domain_size, degree_bound)
    except ProofFormatError:
        raise
    return verify(proof, options, transcript, domain_size, degree_bound, shift)
