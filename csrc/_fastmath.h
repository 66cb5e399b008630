/* Single-precision softmax of one row, for csrc/loss.pyx: a vectorizable exp and the row
 * function built for several instruction sets.
 *
 * glibc's expf is a function call the compiler cannot vectorize; minigrad_expf is straight-line
 * arithmetic, so a loop over it compiles to SIMD. exp(x) = 2^n exp(r) with n = round(x / ln 2)
 * and r = x - n ln 2 in [-ln2/2, ln2/2] (ln 2 split in two for an exact product), exp(r) by the
 * Cephes degree-6 polynomial (about 1 ulp), 2^n built in the exponent bits. x is clamped to
 * [-87, 88], where 2^n stays a normal float; NaN propagates through the polynomial.
 */
#ifndef MINIGRAD_FASTMATH_H
#define MINIGRAD_FASTMATH_H
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float minigrad_expf(float x)
{
    const float log2e = 1.44269504088896341f, round_magic = 12582912.0f; /* 1.5 * 2^23 */
    const float ln2_high = 0.693359375f, ln2_low = -2.12194440e-4f;
    float n, r, p, scale;
    int32_t bits;
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    n = (x * log2e + round_magic) - round_magic; /* round to nearest without a call */
    r = x - n * ln2_high;
    r = r - n * ln2_low;
    p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    bits = ((int32_t)n + 127) << 23;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* The row function is compiled for the x86-64 levels v4 (AVX-512), v3 (AVX2, FMA) and the
 * baseline (SSE2); the loader picks the best the CPU has (GCC's target_clones; "arch=skylake"
 * style clones would test the CPU model and miss AMD's). Elsewhere it is compiled once. Every
 * clone rounds the same: setup.py compiles with -ffp-contract=off, which keeps the v3 and v4
 * clones from fusing p * r + c into an FMA (they did in the baseline build, and its float32
 * softmax then differed from the _v3 build's, whose flags had it off). */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#define MINIGRAD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", \
                                                     "default")))
#else
#define MINIGRAD_CLONES
#endif

#define MINIGRAD_LANES 32

/* p = softmax(x) over n >= 1 values; returns log(sum(exp(x - max))) + max = logsumexp(x).
 * Four passes over the row, each vectorized: the max (a NaN may be skipped there: it still
 * reaches every p through exp), p = exp(x - max), their sum in double by interleaved lanes (a
 * fixed order, so results repeat exactly), and the scaling. */
MINIGRAD_CLONES static double minigrad_softmax_row_f32(const float* x, float* p, long n)
{
    float lane_max[MINIGRAD_LANES], top, scale;
    double lane_sum[MINIGRAD_LANES], total = 0;
    long j, l, full = n - n % MINIGRAD_LANES;
    for (l = 0; l < MINIGRAD_LANES; l++) {
        lane_max[l] = x[0];
        lane_sum[l] = 0;
    }
    for (j = 0; j < full; j += MINIGRAD_LANES)
        for (l = 0; l < MINIGRAD_LANES; l++)
            lane_max[l] = x[j + l] > lane_max[l] ? x[j + l] : lane_max[l];
    for (j = full; j < n; j++)
        lane_max[0] = x[j] > lane_max[0] ? x[j] : lane_max[0];
    top = lane_max[0];
    for (l = 1; l < MINIGRAD_LANES; l++)
        top = lane_max[l] > top ? lane_max[l] : top;
    for (j = 0; j < n; j++)
        p[j] = minigrad_expf(x[j] - top);
    for (j = 0; j < full; j += MINIGRAD_LANES)
        for (l = 0; l < MINIGRAD_LANES; l++)
            lane_sum[l] += p[j + l];
    for (j = full; j < n; j++)
        lane_sum[0] += p[j];
    for (l = 0; l < MINIGRAD_LANES; l++)
        total += lane_sum[l];
    scale = (float)(1.0 / total);
    for (j = 0; j < n; j++)
        p[j] *= scale;
    return top + log(total);
}

#endif
