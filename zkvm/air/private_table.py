"""The private-data table (issue 21): a model's private weights, 24 words (three data rows) a
row, answering the same data-row lookups as the public data table, and hashed inside the proof
to the public model commitment.

Rows (top to bottom): padding rows (``on = 0``), then the *salt row* (``first = 1``), then one
row per 24 private words ``w0..w23``. A real row absorbs 8 elements into a Poseidon2 sponge
(zkvm/crypto/poseidon2.py): the salt row its first 8 words (the salt), a weight row its words
packed three to an element (each w + 2^15, 16 bits: 48 bits < p, one-to-one). Its permutation
input ``s`` is that block plus the previous row's permutation output (the salt row: plus the
sponge's initial state, whose capacity holds the number of blocks, a public input). Every
round's S-box is witnessed by two columns, x^3 and x^7, so that all constraints have degree 3;
the linear layers are expressions. The last row's output, digest elements 0..3, is the public
commitment. Packing three weights per element cuts the permutations (and the table's rows) to
a third of one per data row: 1.1 M weights take 2^16 rows, not 2^18.

What the constraints say, and why a lookup answered here is a committed weight:

- ``on`` is boolean and never drops back to 0: padding rows come first, the last row is real;
  ``first`` marks exactly the first real row (``first' = on' - on``, ``first = on`` on row 0);
- addresses: the salt row's is ``addr0 - 24``, each next real row's the previous plus 24, so
  real row i >= 1 holds the words at ``addr0 + 24 (i - 1)`` and answers the data rows at
  ``addr``, ``addr + 8`` and ``addr + 16`` (``m0``, ``m1``, ``m2`` times); ``idx`` counts the real rows from 0 and
  ends at ``blocks - 1``: the table answers exactly the private region's addresses, never a
  public constant's (a digest of more blocks than the initial state declares would otherwise
  let whoever commits add rows for other addresses);
- the salt row and padding rows answer no lookup (``m = 0``);
- the chain: each real row's ``s`` is its block plus the previous output, the salt row's its
  block plus the initial state; the permutation's rounds hold (x^3, x^7 per S-box);
- the last row's digest equals the public commitment;
- every weight row's words lie in [-2^15, 2^15) (w + 2^15 is looked up in the CPU's 16-bit
  range table; this also makes the packing one-to-one): the compiler's interval analysis assumed that range for private weights
  (zkvm.isa.program.PRIVATE_BITS), so a commitment to wider values cannot make an exact-
  arithmetic program wrap around.

So the sequence of blocks (salt, row 1, row 2, ...) is one whose sponge digest is the
commitment; finding another such sequence is finding a Poseidon2 sponge collision (the
commitment's binding: docs/zk.md). Each data row answered is therefore the committed one.
Padding rows carry the permutation of the zero state (its constraints hold on every row) and
take no part in the chain.

Public inputs: ``addr0`` (the first private word's address), ``blocks`` (salt + rows),
``c0..c3`` (the commitment).
"""

from __future__ import annotations

import numpy as np

from zkvm.air.buses import RANGE, data_bus
from zkvm.crypto import poseidon2 as p2
from zkvm.stark.air import Air, AirBuilder
from zkvm.stark.expr import Expr
from zkvm.stark.tables import BUS_CHALLENGES, BusInteractions

K = 8  # words per data row (zkvm.isa.program.CONST_ROW)
PACK = 3  # weights packed into one absorbed element (3 x 16 bits)
WORDS = PACK * p2.RATE  # weights per table row: 24, three data rows
ROWS = WORDS // K
LIMB = 1 << 16
HALF_RANGE = 1 << 15  # a weight w is looked up as w + 2^15 in the 16-bit range table
NAME = "private data"


def sbox_columns() -> list[str]:
    """Each round's S-box witnesses, in the order the rounds run: (x^3, x^7) per S-box."""
    out = []
    for r in range(p2.FULL_ROUNDS + p2.PARTIAL_ROUNDS):
        partial = p2.HALF_FULL <= r < p2.HALF_FULL + p2.PARTIAL_ROUNDS
        for i in range(1 if partial else p2.WIDTH):
            out += [f"r{r}_{i}_x3", f"r{r}_{i}_x7"]
    return out


def private_columns() -> list[str]:
    return (["on", "first", "idx", "addr"] + [f"m{k}" for k in range(ROWS)] + [f"w{j}" for j in range(WORDS)]
            + [f"s{i}" for i in range(p2.WIDTH)] + sbox_columns())


class _Linear:
    """A linear form over trace expressions: {variable index: coefficient} plus a constant, kept
    flat so that the rounds' linear layers never nest (a nested form of the 22 partial rounds
    would be exponentially large as a tree: the constraint text and the digest expand it)."""

    def __init__(self, terms: dict[int, int] | None = None, const: int = 0) -> None:
        self.terms = terms or {}
        self.const = const % p2.P

    def combine(self, pairs) -> "_Linear":
        terms: dict[int, int] = {}
        const = 0
        for c, f in pairs:
            if c % p2.P == 0:
                continue
            for v, a in f.terms.items():
                terms[v] = (terms.get(v, 0) + c * a) % p2.P
            const += c * f.const
        return _Linear({v: a for v, a in terms.items() if a}, const)

    def plus(self, c: int) -> "_Linear":
        return _Linear(dict(self.terms), self.const + c)


def _external(s: list) -> list:
    """The external linear layer on linear forms (zkvm/crypto/poseidon2.py)."""
    y = []
    for q in range(0, p2.WIDTH, 4):
        y += [_Linear().combine(zip(row, s[q : q + 4])) for row in p2.M4]
    return [_Linear().combine([(1, v), (1, y[j]), (1, y[4 + j]), (1, y[8 + j])])
            for i, v in enumerate(y) for j in [i % 4]]


def _internal(s: list) -> list:
    return [_Linear().combine([(d, v)] + [(1, w) for w in s]) for v, d in zip(s, p2.INTERNAL_DIAG_MINUS_1)]


def permutation_constraints(b: AirBuilder, state: list[Expr]) -> list[Expr]:
    """Add the permutation's S-box constraints for input ``state``; returns its output (as
    expressions, degree 1 in the witnesses)."""
    rc = p2.round_constants()
    variables: list[Expr] = []

    def var(e: Expr) -> _Linear:
        variables.append(e)
        return _Linear({len(variables) - 1: 1})

    def expr(f: _Linear) -> Expr:
        out: Expr | int = f.const
        for v, a in sorted(f.terms.items()):
            term = variables[v] if a == 1 else a * variables[v]
            out = term if isinstance(out, int) and out == 0 else out + term
        return Expr.lift(out)

    s = _external([var(e) for e in state])
    for r in range(p2.FULL_ROUNDS + p2.PARTIAL_ROUNDS):
        partial = p2.HALF_FULL <= r < p2.HALF_FULL + p2.PARTIAL_ROUNDS
        s = [v.plus(c) for v, c in zip(s, rc[r])]
        for i in range(1 if partial else p2.WIDTH):
            x3, x7 = b.main(f"r{r}_{i}_x3"), b.main(f"r{r}_{i}_x7")
            x = expr(s[i])
            b.transition(f"round {r} element {i}: x^3", x3 - x * x * x, cyclic=True)
            b.transition(f"round {r} element {i}: x^7", x7 - x3 * x3 * x, cyclic=True)
            s[i] = var(x7)
        s = _internal(s) if partial else _external(s)
    return [expr(v) for v in s]


def packed_block(w: list, first) -> list:
    """The 8 elements a row absorbs: on the salt row its first 8 words (the salt), on a weight
    row its 24 words packed three to an element, each as w + 2^15 in 16 bits (48 bits < p, so
    the packing is one-to-one on the range-checked words)."""
    out = []
    for i in range(p2.RATE):
        packed = sum((LIMB**k * (w[PACK * i + k] + HALF_RANGE) for k in range(PACK)), start=0)
        out.append(first * w[i] + (1 - first) * packed)
    return out


def private_table_air() -> Air:
    b = AirBuilder(NAME, private_columns(), num_challenges=BUS_CHALLENGES,
                   public=["addr0", "blocks", *[f"c{i}" for i in range(p2.DIGEST)]])
    m = b.main
    on, first = m("on"), m("first")
    b.transition("on is boolean", on * (on - 1), cyclic=True)
    b.transition("first is boolean", first * (first - 1), cyclic=True)
    b.transition("padding rows come first", on * (1 - b.next("on")))
    b.transition("first marks the first real row", b.next("first") - b.next("on") + on)
    b.boundary("first marks the first real row on row 0", first - on, "first")
    b.boundary("the last row is real", on - 1, "last")
    for k in range(ROWS):
        b.transition(f"only real rows answer lookups ({k})", m(f"m{k}") * (1 - on), cyclic=True)
        b.transition(f"the salt row answers no lookup ({k})", m(f"m{k}") * first, cyclic=True)
    b.transition("the salt row sits below addr0", first * (m("addr") - b.public("addr0") + WORDS), cyclic=True)
    cont = b.next("on") - b.next("first")  # the next row continues the chain
    b.transition("addresses advance by 24", cont * (b.next("addr") - m("addr") - WORDS))
    b.transition("the salt row is block 0", first * m("idx"), cyclic=True)
    b.transition("blocks count up", cont * (b.next("idx") - m("idx") - 1))
    b.boundary("the last row is the last block", m("idx") - b.public("blocks") + 1, "last")
    words = [m(f"w{j}") for j in range(WORDS)]
    block = packed_block(words, first) + [0] * p2.CAPACITY
    state = [m(f"s{i}") for i in range(p2.WIDTH)]
    initial = [0] * p2.RATE + [b.public("blocks"), p2.DOMAIN_TAG, 0, 0]
    for i in range(p2.WIDTH):
        b.transition(f"the salt row starts the sponge ({i})", first * (state[i] - block[i] - initial[i]), cyclic=True)
    out = permutation_constraints(b, state)
    next_block = packed_block([b.next(f"w{j}") for j in range(WORDS)], b.next("first")) + [0] * p2.CAPACITY
    for i in range(p2.WIDTH):
        b.transition(f"the chain continues ({i})", cont * (b.next(f"s{i}") - next_block[i] - out[i]))
    for i in range(p2.DIGEST):
        b.boundary(f"the digest is the commitment ({i})", out[i] - b.public(f"c{i}"), "last")
    bus = BusInteractions(b, masked=True)
    for k in range(ROWS):
        bus.receive(data_bus(K), [m("addr") + K * k] + words[K * k : K * (k + 1)], m(f"m{k}"))
    for j in range(WORDS):  # every weight is a signed 16-bit integer (the salt row's words are not)
        bus.receive(RANGE, [words[j] + HALF_RANGE], on - first)
    return b.build(bus.finish().build_matrix)


def pack_rows(words: np.ndarray) -> np.ndarray:
    """The weight rows' absorbed blocks ((rows, 8) field elements) of a private region (field
    elements of signed 16-bit values, a multiple of 24 of them): :func:`packed_block`."""
    signed = np.where(words > np.uint64(p2.P // 2), -(np.uint64(p2.P) - words).astype(np.int64), words.astype(np.int64))
    limbs = (signed + HALF_RANGE).astype(np.uint64).reshape(-1, p2.RATE, PACK)
    return limbs[:, :, 0] + (limbs[:, :, 1] << np.uint64(16)) + (limbs[:, :, 2] << np.uint64(32))


def private_trace(air: Air, words: np.ndarray, salt: list[int], addr0: int, lookups: np.ndarray, height: int
                  ) -> tuple[np.ndarray, list[int]]:
    """The table's trace for a private region ``words`` (field elements of signed 16-bit values,
    a multiple of 24) with ``salt`` (8 field elements) at ``addr0``, its data row i looked up
    ``lookups[i]`` times, over ``height`` rows; returns (trace, public inputs [addr0, blocks,
    c0..c3])."""
    from zkvm.crypto.poseidon2_kernels import absorb_into

    if words.size % WORDS:
        raise ValueError(f"a private region holds a multiple of {WORDS} words, not {words.size}")
    rows = words.size // WORDS
    blocks = np.zeros((rows + 1, p2.RATE), dtype=np.uint64)
    blocks[0] = np.asarray(salt, dtype=np.uint64)
    blocks[1:] = pack_rows(words)
    if height < rows + 1:
        raise ValueError(f"{rows + 1} private rows do not fit in {height}")
    cols = {c: i for i, c in enumerate(air.main_columns)}
    trace = np.zeros((height, air.width), dtype=np.uint64)
    pad = height - rows - 1
    w0 = cols["w0"]
    if pad:  # padding rows: the zero state's permutation (its constraints hold on every row)
        absorb_into(trace, 0, np.zeros((1, p2.RATE), dtype=np.uint64), [0] * p2.WIDTH, -1, cols["s0"], cols["r0_0_x3"])
        trace[1:pad] = trace[0]
    final = absorb_into(trace, pad, blocks, p2.initial_state(rows + 1), -1, cols["s0"], cols["r0_0_x3"])
    trace[pad, w0 : w0 + p2.RATE] = blocks[0]
    trace[pad + 1 :, w0 : w0 + WORDS] = words.reshape(rows, WORDS)
    trace[pad:, cols["on"]] = 1
    trace[pad, cols["first"]] = 1
    addr = np.uint64(addr0 % p2.P) + np.uint64(WORDS) * np.arange(rows + 1, dtype=np.uint64)  # then minus 24, mod p
    trace[pad:, cols["addr"]] = np.where(addr >= WORDS, addr - np.uint64(WORDS), addr + np.uint64(p2.P - WORDS))
    counts = np.zeros(ROWS * rows, dtype=np.uint64)
    counts[: min(counts.size, len(lookups))] = np.asarray(lookups, dtype=np.uint64)[: counts.size]
    for k in range(ROWS):
        trace[pad + 1 :, cols[f"m{k}"]] = counts[k::ROWS]
    trace[pad:, cols["idx"]] = np.arange(rows + 1, dtype=np.uint64)
    return trace, [addr0, rows + 1, *final[: p2.DIGEST]]


__all__ = ["private_table_air", "private_trace", "private_columns", "pack_rows", "NAME", "K", "WORDS"]
