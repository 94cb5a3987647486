"""BLAKE3 in Numba, byte-exact with the ``blake3`` package (prover only).

Throughput comes from hashing many independent messages at once: rows are processed in
batches of ``LANES``; for each 64-byte block, the batch's blocks are copied into a lane-major
scratch (``msgs[16 * lane + word]``), then one loop over the lanes runs the whole compression
on scalar locals, which LLVM vectorizes across lanes (AVX-512: 16 lanes of 32 bits, message
words fetched by gathers at a constant stride). Measured here: this layout beat a word-major
transpose by 1.5x and a runtime-stride read of the rows (which LLVM leaves scalar) by 3.5x. 32-bit add, xor and rotate go through tiny LLVM intrinsics because Numba would
otherwise widen uint32 arithmetic to 64 bits and emit no rotates (../shared/PERF-NOTES.md,
advice 8). Scratch strides are compile-time constants so LLVM needs no runtime alias checks.

Messages are the rows of a uint64 matrix (8 bytes per element, little-endian), hashed in
BLAKE3's keyed mode (domain separation by key); rows longer than one 1024-byte chunk use the
BLAKE3 chunk tree. Parents of a Merkle tree are 64-byte messages (two child digests).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from zkvm import threads
from zkvm.errors import ParameterError

IV = np.array([0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19], dtype=np.uint32)
CHUNK_START = 1
CHUNK_END = 2
PARENT = 4
ROOT = 8
KEYED_HASH = 16

PAIRS_PER_RANGE = 4096
"""Merkle parents hashed per thread task (a multiple of LANES; levels this small or smaller
are hashed on the calling thread)."""

LANES = 64
"""Messages hashed together; scratch arrays are LANES wide (a compile-time constant)."""

R16 = np.uint32(16)
R12 = np.uint32(12)
R8 = np.uint32(8)
R7 = np.uint32(7)
IV0 = np.uint32(0x6A09E667)
IV1 = np.uint32(0xBB67AE85)
IV2 = np.uint32(0x3C6EF372)
IV3 = np.uint32(0xA54FF53A)
U32_ZERO = np.uint32(0)


@intrinsic
def add32(typingctx, a, b):
    """a + b mod 2^32 on uint32."""
    sig = types.uint32(types.uint32, types.uint32)

    def codegen(context, builder, signature, args):
        return builder.add(args[0], args[1])

    return sig, codegen


@intrinsic
def xor32(typingctx, a, b):
    sig = types.uint32(types.uint32, types.uint32)

    def codegen(context, builder, signature, args):
        return builder.xor(args[0], args[1])

    return sig, codegen


@intrinsic
def rotr32(typingctx, x, n):
    """Rotate right by n (a funnel shift, which LLVM turns into vprord)."""
    sig = types.uint32(types.uint32, types.uint32)

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(i32, [i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fshr.i32")
        return builder.call(fn, [args[0], args[0], args[1]])

    return sig, codegen


@njit(cache=True, inline="always")
def _g(a, b, c, d, mx, my):
    a = add32(add32(a, b), mx)
    d = rotr32(xor32(d, a), R16)
    c = add32(c, d)
    b = rotr32(xor32(b, c), R12)
    a = add32(add32(a, b), my)
    d = rotr32(xor32(d, a), R8)
    c = add32(c, d)
    b = rotr32(xor32(b, c), R7)
    return a, b, c, d


@njit(cache=True, inline="always")
def compress(
    h0, h1, h2, h3, h4, h5, h6, h7,
    m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15,
    counter_lo, counter_hi, block_len, flags,
):
    """The BLAKE3 compression function, returning the 8-word chaining value."""
    v0, v1, v2, v3, v4, v5, v6, v7 = h0, h1, h2, h3, h4, h5, h6, h7
    v8, v9, v10, v11 = IV0, IV1, IV2, IV3
    v12, v13, v14, v15 = counter_lo, counter_hi, block_len, flags
    # round 0
    v0, v4, v8, v12 = _g(v0, v4, v8, v12, m0, m1)
    v1, v5, v9, v13 = _g(v1, v5, v9, v13, m2, m3)
    v2, v6, v10, v14 = _g(v2, v6, v10, v14, m4, m5)
    v3, v7, v11, v15 = _g(v3, v7, v11, v15, m6, m7)
    v0, v5, v10, v15 = _g(v0, v5, v10, v15, m8, m9)
    v1, v6, v11, v12 = _g(v1, v6, v11, v12, m10, m11)
    v2, v7, v8, v13 = _g(v2, v7, v8, v13, m12, m13)
    v3, v4, v9, v14 = _g(v3, v4, v9, v14, m14, m15)
    # round 1
    v0, v4, v8, v12 = _g(v0, v4, v8, v12, m2, m6)
    v1, v5, v9, v13 = _g(v1, v5, v9, v13, m3, m10)
    v2, v6, v10, v14 = _g(v2, v6, v10, v14, m7, m0)
    v3, v7, v11, v15 = _g(v3, v7, v11, v15, m4, m13)
    v0, v5, v10, v15 = _g(v0, v5, v10, v15, m1, m11)
    v1, v6, v11, v12 = _g(v1, v6, v11, v12, m12, m5)
    v2, v7, v8, v13 = _g(v2, v7, v8, v13, m9, m14)
    v3, v4, v9, v14 = _g(v3, v4, v9, v14, m15, m8)
    # round 2
    v0, v4, v8, v12 = _g(v0, v4, v8, v12, m3, m4)
    v1, v5, v9, v13 = _g(v1, v5, v9, v13, m10, m12)
    v2, v6, v10, v14 = _g(v2, v6, v10, v14, m13, m2)
    v3, v7, v11, v15 = _g(v3, v7, v11, v15, m7, m14)
    v0, v5, v10, v15 = _g(v0, v5, v10, v15, m6, m5)
    v1, v6, v11, v12 = _g(v1, v6, v11, v12, m9, m0)
    v2, v7, v8, v13 = _g(v2, v7, v8, v13, m11, m15)
    v3, v4, v9, v14 = _g(v3, v4, v9, v14, m8, m1)
    # round 3
    v0, v4, v8, v12 = _g(v0, v4, v8, v12, m10, m7)
    v1, v5, v9, v13 = _g(v1, v5, v9, v13, m12, m9)
    v2, v6, v10, v14 = _g(v2, v6, v10, v14, m14, m3)
    v3, v7, v11, v15 = _g(v3, v7, v11, v15, m13, m15)
    v0, v5, v10, v15 = _g(v0, v5, v10, v15, m4, m0)
    v1, v6, v11, v12 = _g(v1, v6, v11, v12, m11, m2)
    v2, v7, v8, v13 = _g(v2, v7, v8, v13, m5, m8)
    v3, v4, v9, v14 = _g(v3, v4, v9, v14, m1, m6)
    # round 4
    v0, v4, v8, v12 = _g(v0, v4, v8, v12, m12, m13)
    v1, v5, v9, v13 = _g(v1, v5, v9, v13, m9, m11)
    v2, v6, v10, v14 = _g(v2, v6, v10, v14, m15, m10)
    v3, v7, v11, v15 = _g(v3, v7, v11, v15, m14, m8)
    v0, v5, v10, v15 = _g(v0, v5, v10, v15, m7, m2)
    v1, v6, v11, v12 = _g(v1, v6, v11, v12, m5, m3)
    v2, v7, v8, v13 = _g(v2, v7, v8, v13, m0, m1)
    v3, v4, v9, v14 = _g(v3, v4, v9, v14, m6, m4)
    # round 5
    v0, v4, v8, v12 = _g(v0, v4, v8, v12, m9, m14)
    v1, v5, v9, v13 = _g(v1, v5, v9, v13, m11, m5)
    v2, v6, v10, v14 = _g(v2, v6, v10, v14, m8, m12)
    v3, v7, v11, v15 = _g(v3, v7, v11, v15, m15, m1)
    v0, v5, v10, v15 = _g(v0, v5, v10, v15, m13, m3)
    v1, v6, v11, v12 = _g(v1, v6, v11, v12, m0, m10)
    v2, v7, v8, v13 = _g(v2, v7, v8, v13, m2, m6)
    v3, v4, v9, v14 = _g(v3, v4, v9, v14, m4, m7)
    # round 6
    v0, v4, v8, v12 = _g(v0, v4, v8, v12, m11, m15)
    v1, v5, v9, v13 = _g(v1, v5, v9, v13, m5, m0)
    v2, v6, v10, v14 = _g(v2, v6, v10, v14, m1, m9)
    v3, v7, v11, v15 = _g(v3, v7, v11, v15, m8, m6)
    v0, v5, v10, v15 = _g(v0, v5, v10, v15, m14, m10)
    v1, v6, v11, v12 = _g(v1, v6, v11, v12, m2, m12)
    v2, v7, v8, v13 = _g(v2, v7, v8, v13, m3, m4)
    v3, v4, v9, v14 = _g(v3, v4, v9, v14, m7, m13)
    return (
        xor32(v0, v8), xor32(v1, v9), xor32(v2, v10), xor32(v3, v11),
        xor32(v4, v12), xor32(v5, v13), xor32(v6, v14), xor32(v7, v15),
    )


@njit(cache=True)
def _compress_lanes(cv_in, msgs, cv_out, counter_lo, counter_hi, block_len, flags):
    """cv_out[:, l] = compress(cv_in[:, l], msgs[l]) for every lane l, vectorized across lanes.

    ``cv_in``/``cv_out`` are word-major (``cv[i * LANES + l]``); ``msgs`` is lane-major
    (``msgs[16 * l + w]``) so that filling it is a plain copy of each row's block; the
    constant stride of 16 words lets LLVM load the message words with vector gathers.
    """
    for l in range(LANES):
        o = 16 * l
        r0, r1, r2, r3, r4, r5, r6, r7 = compress(
            cv_in[l], cv_in[LANES + l], cv_in[2 * LANES + l], cv_in[3 * LANES + l],
            cv_in[4 * LANES + l], cv_in[5 * LANES + l], cv_in[6 * LANES + l], cv_in[7 * LANES + l],
            msgs[o], msgs[o + 1], msgs[o + 2], msgs[o + 3], msgs[o + 4], msgs[o + 5], msgs[o + 6], msgs[o + 7],
            msgs[o + 8], msgs[o + 9], msgs[o + 10], msgs[o + 11], msgs[o + 12], msgs[o + 13], msgs[o + 14], msgs[o + 15],
            counter_lo[l], counter_hi, block_len, flags,
        )
        cv_out[l] = r0
        cv_out[LANES + l] = r1
        cv_out[2 * LANES + l] = r2
        cv_out[3 * LANES + l] = r3
        cv_out[4 * LANES + l] = r4
        cv_out[5 * LANES + l] = r5
        cv_out[6 * LANES + l] = r6
        cv_out[7 * LANES + l] = r7


@njit(cache=True)
def _compress_lanes_wm(cv_in, words, cv_out, block_len, flags):
    """Like :func:`_compress_lanes` with a word-major message scratch (``words[w * LANES + l]``,
    contiguous vector loads): faster when the messages are already cheap to transpose, as
    for Merkle parents (measured 2x over the gather form)."""
    for l in range(LANES):
        r0, r1, r2, r3, r4, r5, r6, r7 = compress(
            cv_in[l], cv_in[LANES + l], cv_in[2 * LANES + l], cv_in[3 * LANES + l],
            cv_in[4 * LANES + l], cv_in[5 * LANES + l], cv_in[6 * LANES + l], cv_in[7 * LANES + l],
            words[l], words[LANES + l], words[2 * LANES + l], words[3 * LANES + l],
            words[4 * LANES + l], words[5 * LANES + l], words[6 * LANES + l], words[7 * LANES + l],
            words[8 * LANES + l], words[9 * LANES + l], words[10 * LANES + l], words[11 * LANES + l],
            words[12 * LANES + l], words[13 * LANES + l], words[14 * LANES + l], words[15 * LANES + l],
            U32_ZERO, U32_ZERO, block_len, flags,
        )
        cv_out[l] = r0
        cv_out[LANES + l] = r1
        cv_out[2 * LANES + l] = r2
        cv_out[3 * LANES + l] = r3
        cv_out[4 * LANES + l] = r4
        cv_out[5 * LANES + l] = r5
        cv_out[6 * LANES + l] = r6
        cv_out[7 * LANES + l] = r7


@njit(cache=True)
def _load_block(rows32, tail32, r0, count, first_word, end_word, msgs):
    """Copy words [first_word, end_word) (at most 16) of rows r0..r0+count-1 into the
    lane-major scratch, zero-padding short blocks and absent lanes. A row's words are its
    ``rows32`` words followed by its ``tail32`` words (a salt hashed without copying the
    matrix to append it)."""
    avail = min(16, end_word - first_word)
    main_words = rows32.shape[1]
    if avail == 16 and first_word + 16 <= main_words:
        # the common case: a full block, a fixed-length copy LLVM turns into vector moves
        for l in range(count):
            row = rows32[r0 + l]
            o = 16 * l
            for w in range(16):
                msgs[o + w] = row[first_word + w]
    else:
        for l in range(count):
            row = rows32[r0 + l]
            tail = tail32[r0 + l]
            o = 16 * l
            for w in range(16):  # fixed trip count: unrolled, no per-word loop overhead
                k = first_word + w
                if w >= avail:
                    msgs[o + w] = U32_ZERO
                elif k < main_words:
                    msgs[o + w] = row[k]
                else:
                    msgs[o + w] = tail[k - main_words]
    for l in range(count, LANES):
        for w in range(16):
            msgs[16 * l + w] = U32_ZERO


@njit(cache=True)
def _fill_key(cv, key):
    for i in range(8):
        for l in range(LANES):
            cv[i * LANES + l] = key[i]


@njit(cache=True)
def _hash_chunk(rows32, tail32, r0, count, chunk, key, cv_a, cv_b, msgs, counters, is_root):
    """Chaining values of chunk `chunk` of rows r0..r0+count-1, left in cv_a."""
    num_words = rows32.shape[1] + tail32.shape[1]
    total_bytes = num_words * 4
    start = chunk * 1024
    chunk_bytes = min(1024, total_bytes - start)
    blocks = max(1, (chunk_bytes + 63) // 64)
    end_word = (start + chunk_bytes) // 4
    _fill_key(cv_a, key)
    for l in range(LANES):
        counters[l] = np.uint32(chunk)
    for b in range(blocks):
        _load_block(rows32, tail32, r0, count, (start + 64 * b) // 4, end_word, msgs)
        blen = min(64, chunk_bytes - 64 * b)
        flags = KEYED_HASH
        if b == 0:
            flags |= CHUNK_START
        if b == blocks - 1:
            flags |= CHUNK_END
            if is_root:
                flags |= ROOT
        _compress_lanes(cv_a, msgs, cv_b, counters, np.uint32(chunk >> 32), np.uint32(blen), np.uint32(flags))
        cv_a[:] = cv_b


@njit(cache=True, nogil=True)
def _hash_long_rows_range(rows32, tail32, key, r0, r1, schedule, out):
    """Digests of rows r0..r1-1 longer than one 1024-byte chunk (keyed), via the BLAKE3 chunk
    tree ``schedule``, written to out[r, 0:8]."""
    num_words = rows32.shape[1] + tail32.shape[1]
    chunks = max(1, (num_words * 4 + 1023) // 1024)
    cv_a = np.empty(8 * LANES, dtype=np.uint32)
    cv_b = np.empty(8 * LANES, dtype=np.uint32)
    msgs = np.empty(16 * LANES, dtype=np.uint32)
    counters = np.zeros(LANES, dtype=np.uint32)
    slots = np.empty((max(1, 2 * chunks), 8 * LANES), dtype=np.uint32)
    for base in range(r0, r1, LANES):
        count = min(LANES, r1 - base)
        for c in range(chunks):
            _hash_chunk(rows32, tail32, base, count, c, key, cv_a, cv_b, msgs, counters, False)
            slots[c, :] = cv_a
        # parents: schedule rows are (left slot, right slot, out slot, is_root)
        for l in range(LANES):
            counters[l] = U32_ZERO
        for op in range(schedule.shape[0]):
            left = slots[schedule[op, 0]]
            right = slots[schedule[op, 1]]
            for l in range(LANES):
                for i in range(8):
                    msgs[16 * l + i] = left[i * LANES + l]
                    msgs[16 * l + 8 + i] = right[i * LANES + l]
            _fill_key(cv_a, key)
            flags = PARENT | KEYED_HASH
            if schedule[op, 3]:
                flags |= ROOT
            _compress_lanes(cv_a, msgs, cv_b, counters, U32_ZERO, np.uint32(64), np.uint32(flags))
            slots[schedule[op, 2], :] = cv_b
        cv_a[:] = slots[schedule[schedule.shape[0] - 1, 2]]
        for l in range(count):
            for i in range(8):
                out[base + l, i] = cv_a[i * LANES + l]


@njit(cache=True, nogil=True)
def _hash_short_rows_range(rows32, tail32, key, r0, r1, out):
    """Digests of rows r0..r1-1 of at most 1024 bytes (one BLAKE3 chunk each)."""
    cv_a = np.empty(8 * LANES, dtype=np.uint32)
    cv_b = np.empty(8 * LANES, dtype=np.uint32)
    msgs = np.empty(16 * LANES, dtype=np.uint32)
    counters = np.zeros(LANES, dtype=np.uint32)
    for base in range(r0, r1, LANES):
        count = min(LANES, r1 - base)
        _hash_chunk(rows32, tail32, base, count, 0, key, cv_a, cv_b, msgs, counters, True)
        for l in range(count):
            for i in range(8):
                out[base + l, i] = cv_a[i * LANES + l]


@njit(cache=True, nogil=True)
def _hash_pairs_range(children, key, p0, p1, out):
    """Parents p0..p1-1 of (2m, 8) children: message of parent p = child 2p || child 2p+1."""
    cv_a = np.empty(8 * LANES, dtype=np.uint32)
    cv_b = np.empty(8 * LANES, dtype=np.uint32)
    words = np.zeros(16 * LANES, dtype=np.uint32)
    flags = np.uint32(KEYED_HASH | CHUNK_START | CHUNK_END | ROOT)
    for base in range(p0, p1, LANES):
        count = min(LANES, p1 - base)
        for l in range(count):
            left = children[2 * (base + l)]
            right = children[2 * (base + l) + 1]
            for i in range(8):
                words[i * LANES + l] = left[i]
                words[(8 + i) * LANES + l] = right[i]
        _fill_key(cv_a, key)
        _compress_lanes_wm(cv_a, words, cv_b, np.uint32(64), flags)
        for l in range(count):
            for i in range(8):
                out[base + l, i] = cv_b[i * LANES + l]


def key_words(key: bytes) -> np.ndarray:
    """A 32-byte BLAKE3 key as 8 little-endian uint32 words."""
    if len(key) != 32:
        raise ParameterError("key", "BLAKE3 keys are 32 bytes")
    return np.frombuffer(key, dtype="<u4").astype(np.uint32)


def _merge_schedule(chunks: int) -> np.ndarray:
    """Parent operations (left, right, out, is_root) of BLAKE3's tree over `chunks` chunk CVs.

    The left subtree always holds the largest power of two of chunks that leaves at least one
    for the right; results go to fresh slots after the chunk slots.
    """
    ops: list[tuple[int, int, int, int]] = []
    next_slot = [chunks]

    def build(lo: int, hi: int) -> int:
        if hi - lo == 1:
            return lo
        left_len = 1 << ((hi - lo - 1).bit_length() - 1)
        left = build(lo, lo + left_len)
        right = build(lo + left_len, hi)
        out = next_slot[0]
        next_slot[0] += 1
        ops.append((left, right, out, 0))
        return out

    if chunks > 1:
        build(0, chunks)
        last = ops[-1]
        ops[-1] = (last[0], last[1], last[2], 1)
    return np.array(ops, dtype=np.int64).reshape(-1, 4)


def hash_rows(rows: np.ndarray, key_words_: np.ndarray, tail: np.ndarray | None = None) -> np.ndarray:
    """Keyed BLAKE3 digest of each row's little-endian bytes: uint32 (n, 8).

    With ``tail`` (uint64 (n, t)), row i is hashed as rows[i] followed by tail[i], exactly as
    if the two matrices had been joined, without building the joined copy."""
    if rows.dtype != np.uint64 or rows.ndim != 2 or rows.shape[1] < 1:
        raise ParameterError("rows", "expected a (n, k >= 1) uint64 matrix")
    if tail is None:
        tail = np.zeros((rows.shape[0], 0), dtype=np.uint64)
    if tail.dtype != np.uint64 or tail.ndim != 2 or tail.shape[0] != rows.shape[0]:
        raise ParameterError("tail", f"expected a ({rows.shape[0]}, t) uint64 matrix")
    rows32 = np.ascontiguousarray(rows).view(np.uint32)
    tail32 = np.ascontiguousarray(tail).view(np.uint32)
    chunks = max(1, ((rows.shape[1] + tail.shape[1]) * 8 + 1023) // 1024)
    out = np.empty((rows.shape[0], 8), dtype=np.uint32)
    if rows.shape[0]:
        # serial kernels on Python threads: see zkvm.threads for why not parallel=True
        if chunks == 1:
            threads.run(lambda r0, r1: _hash_short_rows_range(rows32, tail32, key_words_, r0, r1, out),
                        rows.shape[0], LANES)
        else:
            schedule = _merge_schedule(chunks)
            threads.run(lambda r0, r1: _hash_long_rows_range(rows32, tail32, key_words_, r0, r1, schedule, out),
                        rows.shape[0], LANES)
    return out


def hash_pairs(children: np.ndarray, key_words_: np.ndarray) -> np.ndarray:
    """Keyed BLAKE3 digest of each pair of 32-byte children: (2m, 8) -> (m, 8) uint32."""
    if children.dtype != np.uint32 or children.ndim != 2 or children.shape[1] != 8 or children.shape[0] % 2:
        raise ParameterError("children", "expected a (2m, 8) uint32 matrix")
    children = np.ascontiguousarray(children)
    out = np.empty((children.shape[0] // 2, 8), dtype=np.uint32)
    if out.shape[0]:
        # serial kernel on Python threads (see zkvm.threads); small levels run on this thread
        threads.run(lambda p0, p1: _hash_pairs_range(children, key_words_, p0, p1, out), out.shape[0], PAIRS_PER_RANGE)
    return out


@njit(cache=True)
def _grind(seed_words, mask_lo, mask_hi, start, limit):
    """Smallest nonce in [start, limit) whose blake3(seed || nonce_le64) has the masked low
    bits of its first 8 bytes all zero; -1 if none."""
    cv_a = np.empty(8 * LANES, dtype=np.uint32)
    cv_b = np.empty(8 * LANES, dtype=np.uint32)
    words = np.zeros(16 * LANES, dtype=np.uint32)
    for i in range(8):
        for l in range(LANES):
            words[i * LANES + l] = seed_words[i]
            cv_a[i * LANES + l] = IV[i]
    flags = np.uint32(CHUNK_START | CHUNK_END | ROOT)
    for base in range(start, limit, LANES):
        for l in range(LANES):
            nonce = base + l
            words[8 * LANES + l] = np.uint32(nonce & 0xFFFFFFFF)
            words[9 * LANES + l] = np.uint32(nonce >> 32)
        _compress_lanes_wm(cv_a, words, cv_b, np.uint32(40), flags)
        for l in range(LANES):
            if base + l < limit and (cv_b[l] & mask_lo) == 0 and (cv_b[LANES + l] & mask_hi) == 0:
                return base + l
    return -1


def grind_nonce(seed: bytes, bits: int) -> int:
    """The smallest nonce meeting the proof-of-work target (see :mod:`zkvm.crypto.pow`)."""
    mask = (1 << bits) - 1
    seed_words = np.frombuffer(seed, dtype="<u4").astype(np.uint32)
    start = 0
    step = 1 << 22
    while start < 1 << 62:
        found = _grind(seed_words, np.uint32(mask & 0xFFFFFFFF), np.uint32(mask >> 32), start, start + step)
        if found >= 0:
            return int(found)
        start += step
    raise ParameterError("bits", "no nonce found")  # pragma: no cover - 2^62 hashes
