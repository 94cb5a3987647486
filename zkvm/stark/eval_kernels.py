"""The fixed Numba kernel that runs compiled constraint programs (prover only).

See :mod:`zkvm.stark.codegen` for the program format. Registers are rows of a per-worker
scratch matrix of ``CHUNK`` columns (one value per row of the chunk); an extension value
occupies registers r (c0) and r + 1 (c1). Scalars come from a table; an extension scalar
occupies table slots k and k + 1. Every instruction is one loop over the chunk.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkvm import threads
from zkvm.field.kernels import ZERO, add, ext_mul, mul, neg, sub

CHUNK = 256

# opcode families (compiler bookkeeping only)
ADD, MUL, RSUB = 100, 101, 102

# opcodes
LOAD_MAIN = 0  # d, column, next-row flag
LOAD_AUX = 1  # d (pair), aux column, next-row flag
ZERO_E = 2  # d (pair)
STORE_GROUP = 3  # group, accumulator pair
ACC_B = 4  # acc pair += alpha(table k) * base a
ACC_E = 5  # acc pair += alpha(table k) * ext a
ADD_BB = 6
SUB_BB = 7
MUL_BB = 8
NEG_B = 9
ADD_BS = 10  # base a + base scalar
RSUB_BS = 11  # base scalar - base a
MUL_BS = 12
ADD_EE = 13
SUB_EE = 14
MUL_EE = 15
ADD_EB = 16  # ext a + base b
SUB_EB = 17  # ext a - base b
SUB_BE = 18  # base a - ext b
MUL_EB = 19  # ext a * base b
NEG_E = 20
ADD_ES = 21  # ext a + ext scalar
RSUB_ES = 22  # ext scalar - ext a
MUL_ES = 23
ADD_BS_E = 24  # base a + ext scalar
RSUB_BS_E = 25  # ext scalar - base a
MUL_BS_E = 26  # base a * ext scalar
LOAD_PUB = 27  # d, public column
STORE_B = 28  # out[d] = base register a (as an extension value)
STORE_E = 29  # out[d] = extension register pair a
STORE_S = 30  # out[d] = extension scalar from the table (slot b)


@njit(cache=True, nogil=True)
def run_chunks(code, table, main, aux, pub, nxt, n, t0, t1, r, out):
    """Run the program on chunks t0 .. t1 - 1 of LDE rows [0, blocks * n): chunk t covers rows
    u0 .. u1 - 1 of block t // per_block, u0 = (t % per_block) * CHUNK."""
    per_block = (n + CHUNK - 1) // CHUNK
    for t in range(t0, t1):
        block_base = (t // per_block) * n
        u0 = (t % per_block) * CHUNK
        u1 = min(n, u0 + CHUNK)
        C = u1 - u0
        for pc in range(code.shape[0]):
            op = code[pc, 0]
            d = code[pc, 1]
            a = code[pc, 2]
            b = code[pc, 3]
            if op == LOAD_MAIN:
                if b:
                    for i in range(C):
                        r[d, i] = main[block_base + nxt[u0 + i], a]
                else:
                    for i in range(C):
                        r[d, i] = main[block_base + u0 + i, a]
            elif op == LOAD_AUX:
                if b:
                    for i in range(C):
                        row = block_base + nxt[u0 + i]
                        r[d, i] = aux[row, 2 * a]
                        r[d + 1, i] = aux[row, 2 * a + 1]
                else:
                    for i in range(C):
                        row = block_base + u0 + i
                        r[d, i] = aux[row, 2 * a]
                        r[d + 1, i] = aux[row, 2 * a + 1]
            elif op == LOAD_PUB:
                for i in range(C):
                    r[d, i] = pub[block_base + u0 + i, a]
            elif op == MUL_BB:
                for i in range(C):
                    r[d, i] = mul(r[a, i], r[b, i])
            elif op == ADD_BB:
                for i in range(C):
                    r[d, i] = add(r[a, i], r[b, i])
            elif op == SUB_BB:
                for i in range(C):
                    r[d, i] = sub(r[a, i], r[b, i])
            elif op == ADD_BS:
                s = table[b]
                for i in range(C):
                    r[d, i] = add(r[a, i], s)
            elif op == MUL_BS:
                s = table[b]
                for i in range(C):
                    r[d, i] = mul(r[a, i], s)
            elif op == RSUB_BS:
                s = table[b]
                for i in range(C):
                    r[d, i] = sub(s, r[a, i])
            elif op == NEG_B:
                for i in range(C):
                    r[d, i] = neg(r[a, i])
            elif op == ACC_B:
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    v = r[a, i]
                    r[d, i] = add(r[d, i], mul(s0, v))
                    r[d + 1, i] = add(r[d + 1, i], mul(s1, v))
            elif op == ACC_E:
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    e0, e1 = ext_mul(s0, s1, r[a, i], r[a + 1, i])
                    r[d, i] = add(r[d, i], e0)
                    r[d + 1, i] = add(r[d + 1, i], e1)
            elif op == ZERO_E:
                for i in range(C):
                    r[d, i] = ZERO
                    r[d + 1, i] = ZERO
            elif op == STORE_GROUP or op == STORE_E:
                base = block_base + u0
                for i in range(C):
                    out[d, base + i, 0] = r[a, i]
                    out[d, base + i, 1] = r[a + 1, i]
            elif op == STORE_B:
                base = block_base + u0
                for i in range(C):
                    out[d, base + i, 0] = r[a, i]
                    out[d, base + i, 1] = ZERO
            elif op == STORE_S:
                base = block_base + u0
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    out[d, base + i, 0] = s0
                    out[d, base + i, 1] = s1
            elif op == ADD_EE:
                for i in range(C):
                    r[d, i] = add(r[a, i], r[b, i])
                    r[d + 1, i] = add(r[a + 1, i], r[b + 1, i])
            elif op == SUB_EE:
                for i in range(C):
                    r[d, i] = sub(r[a, i], r[b, i])
                    r[d + 1, i] = sub(r[a + 1, i], r[b + 1, i])
            elif op == MUL_EE:
                for i in range(C):
                    e0, e1 = ext_mul(r[a, i], r[a + 1, i], r[b, i], r[b + 1, i])
                    r[d, i] = e0
                    r[d + 1, i] = e1
            elif op == ADD_EB:
                for i in range(C):
                    r[d, i] = add(r[a, i], r[b, i])
                    r[d + 1, i] = r[a + 1, i]
            elif op == SUB_EB:
                for i in range(C):
                    r[d, i] = sub(r[a, i], r[b, i])
                    r[d + 1, i] = r[a + 1, i]
            elif op == SUB_BE:
                for i in range(C):
                    r[d, i] = sub(r[a, i], r[b, i])
                    r[d + 1, i] = neg(r[b + 1, i])
            elif op == MUL_EB:
                for i in range(C):
                    v = r[b, i]
                    r[d, i] = mul(r[a, i], v)
                    r[d + 1, i] = mul(r[a + 1, i], v)
            elif op == NEG_E:
                for i in range(C):
                    r[d, i] = neg(r[a, i])
                    r[d + 1, i] = neg(r[a + 1, i])
            elif op == ADD_ES:
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    r[d, i] = add(r[a, i], s0)
                    r[d + 1, i] = add(r[a + 1, i], s1)
            elif op == RSUB_ES:
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    r[d, i] = sub(s0, r[a, i])
                    r[d + 1, i] = sub(s1, r[a + 1, i])
            elif op == MUL_ES:
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    e0, e1 = ext_mul(r[a, i], r[a + 1, i], s0, s1)
                    r[d, i] = e0
                    r[d + 1, i] = e1
            elif op == ADD_BS_E:
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    r[d, i] = add(r[a, i], s0)
                    r[d + 1, i] = s1
            elif op == RSUB_BS_E:
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    r[d, i] = sub(s0, r[a, i])
                    r[d + 1, i] = s1
            elif op == MUL_BS_E:
                s0 = table[b]
                s1 = table[b + 1]
                for i in range(C):
                    v = r[a, i]
                    r[d, i] = mul(v, s0)
                    r[d + 1, i] = mul(v, s1)


def run_program(code, table, main, aux, pub, nxt, n, blocks, num_registers, out):
    """Evaluate every group sum on LDE rows [0, blocks * n), on both cores (Python threads
    over a GIL-free serial kernel: see zkvm.threads)."""
    tasks = blocks * ((n + CHUNK - 1) // CHUNK)

    def chunks(t0: int, t1: int) -> None:
        regs = np.empty((num_registers, CHUNK), dtype=np.uint64)
        run_chunks(code, table, main, aux, pub, nxt, n, t0, t1, regs, out)

    threads.run(chunks, tasks)
