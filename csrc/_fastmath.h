/* Vectorizable single-precision exp, for the softmax in csrc/loss.pyx.
 *
 * glibc's expf is a function call the compiler cannot vectorize; this one is straight-line
 * arithmetic, so a loop over it compiles to SIMD. exp(x) = 2^n exp(r) with n = round(x / ln 2)
 * and r = x - n ln 2 in [-ln2/2, ln2/2] (ln 2 split in two for an exact product), exp(r) by the
 * Cephes degree-6 polynomial (about 1 ulp), 2^n built in the exponent bits. x is clamped to
 * [-87, 88], where 2^n stays a normal float; NaN propagates through the polynomial.
 */
#ifndef MINIGRAD_FASTMATH_H
#define MINIGRAD_FASTMATH_H
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

#endif
