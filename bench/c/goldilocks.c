/* C reference kernels for the benchmarks: the same algorithms as zkvm's Numba kernels,
 * compiled with gcc -O3 -march=native on the fly by bench/harness.py. They exist only to give
 * each benchmark a baseline measured in the same run. */
#include <stdint.h>
#include <stddef.h>

#define P 0xFFFFFFFF00000001ULL
#define EPS 0xFFFFFFFFULL

static inline uint64_t reduce128(uint64_t lo, uint64_t hi) {
    uint64_t hi_hi = hi >> 32, hi_lo = hi & EPS;
    uint64_t t0 = lo - hi_hi;
    if (lo < hi_hi) t0 -= EPS;
    uint64_t t1 = hi_lo * EPS;
    uint64_t t2 = t0 + t1;
    if (t2 < t1) t2 += EPS;
    if (t2 >= P) t2 -= P;
    return t2;
}

/* 32-bit limb multiply: the form gcc and LLVM vectorize */
static inline uint64_t gl_mul(uint64_t a, uint64_t b) {
    uint64_t a0 = a & EPS, a1 = a >> 32, b0 = b & EPS, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & EPS) + (p10 & EPS);
    uint64_t lo = (p00 & EPS) | (mid << 32);
    uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return reduce128(lo, hi);
}

static inline uint64_t gl_mul128(uint64_t a, uint64_t b) {
    unsigned __int128 x = (unsigned __int128)a * b;
    return reduce128((uint64_t)x, (uint64_t)(x >> 64));
}

static inline uint64_t gl_add(uint64_t a, uint64_t b) {
    uint64_t s = a + b;
    if (s < a) s += EPS;
    if (s >= P) s -= P;
    return s;
}

static inline uint64_t gl_sub(uint64_t a, uint64_t b) {
    uint64_t d = a - b;
    if (a < b) d -= EPS;
    return d;
}

void mul_arrays(const uint64_t *restrict a, const uint64_t *restrict b, uint64_t *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = gl_mul(a[i], b[i]);
}

void mul_arrays_int128(const uint64_t *restrict a, const uint64_t *restrict b, uint64_t *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = gl_mul128(a[i], b[i]);
}

static void dif_butterflies(uint64_t *restrict lo, uint64_t *restrict hi, const uint64_t *restrict tw, size_t m) {
    for (size_t j = 0; j < m; j++) {
        uint64_t u = lo[j], v = hi[j];
        lo[j] = gl_add(u, v);
        hi[j] = gl_mul(gl_sub(u, v), tw[j]);
    }
}

/* Forward DIF NTT, natural in, bit-reversed out; tw[m + j] = w_{2m}^j; stages with span
 * below `block` run block by block (the same blocking as the Numba kernel). */
void dif_1d(uint64_t *a, const uint64_t *tw, size_t n, size_t block) {
    if (block > n) block = n;
    for (size_t m = n >> 1; m >= block && m >= 1; m >>= 1)
        for (size_t base = 0; base < n; base += 2 * m)
            dif_butterflies(a + base, a + base + m, tw + m, m);
    for (size_t b = 0; b < n; b += block)
        for (size_t m = block >> 1; m >= 1; m >>= 1)
            for (size_t base = b; base < b + block; base += 2 * m)
                dif_butterflies(a + base, a + base + m, tw + m, m);
}

/* Row-major batched DIF over (n, cols): butterflies over whole rows. */
static void dif_rows_bf(uint64_t *restrict lo, uint64_t *restrict hi, uint64_t w, size_t cols) {
    for (size_t l = 0; l < cols; l++) {
        uint64_t u = lo[l], v = hi[l];
        lo[l] = gl_add(u, v);
        hi[l] = gl_mul(gl_sub(u, v), w);
    }
}

void dif_rows(uint64_t *a, const uint64_t *tw, size_t n, size_t cols, size_t block) {
    if (block > n) block = n;
    for (size_t m = n >> 1; m >= block && m >= 1; m >>= 1)
        for (size_t base = 0; base < n; base += 2 * m)
            for (size_t j = 0; j < m; j++)
                dif_rows_bf(a + (base + j) * cols, a + (base + j + m) * cols, tw[m + j], cols);
    for (size_t b = 0; b < n; b += block)
        for (size_t m = block >> 1; m >= 1; m >>= 1)
            for (size_t base = b; base < b + block; base += 2 * m)
                for (size_t j = 0; j < m; j++)
                    dif_rows_bf(a + (base + j) * cols, a + (base + j + m) * cols, tw[m + j], cols);
}
