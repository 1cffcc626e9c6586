// Load-time packing and the portable conversions (plain C: they run once per model, or are the fallback).
#include "ckernels.h"
#include <math.h>
#include <string.h>

uint16_t clip_f32_to_bf16(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    if ((bits & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)((bits >> 16) | 0x40);  // quiet NaN
    bits += 0x7FFF + ((bits >> 16) & 1);
    return (uint16_t)(bits >> 16);
}

float clip_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float x;
    memcpy(&x, &bits, 4);
    return x;
}

// Nearest integer, ties to even (as rintf in the default rounding mode) for |x| < 2²²: adding and removing
// 1.5·2²³ leaves no fraction bits. Plain arithmetic, so the compiler vectorises the loop (rintf is a libm call
// without SSE4.1).
static inline float round_even(float x) {
    const float magic = 12582912.0f;
    return (x + magic) - magic;
}

void clip_pack_s8_rows(const float *w, long n, long k, long row0, long row1, int8_t *packed, float *scales,
                       int32_t *compensation) {
    long k4 = (k + 3) / 4;
    // The rows that pad the last panel to 16 channels hold zeros; the call that reaches row n writes them.
    for (long row = n; row1 == n && row % 16 != 0; row++)
        for (long g = 0; g < k4; g++) memset(packed + (row / 16) * k4 * 64 + g * 64 + (row % 16) * 4, 0, 4);
    for (long row = row0; row < row1; row++) {
        const float *src = w + row * k;
        float amax = 0;
        for (long i = 0; i < k; i++) amax = fmaxf(amax, fabsf(src[i]));
        float scale = amax / 127.0f, inv = amax > 0 ? 127.0f / amax : 0;
        int8_t *panel = packed + (row / 16) * k4 * 64 + (row % 16) * 4;
        int32_t sum = 0;
        // One k-group (4 consecutive k, 4 bytes of the panel) per step; x·inv is within ±127 (or NaN, which
        // the clamp sends to −127).
        for (long g = 0; g < k4; g++) {
            float x[4] = {0, 0, 0, 0};
            if (4 * g + 4 <= k) memcpy(x, src + 4 * g, sizeof x);
            else memcpy(x, src + 4 * g, (size_t)(k - 4 * g) * sizeof(float));
            int8_t group[4];
            for (int t = 0; t < 4; t++) {
                float q = fminf(127, fmaxf(-127, round_even(x[t] * inv)));
                group[t] = (int8_t)q;
                sum += (int32_t)q;
            }
            memcpy(panel + g * 64, group, 4);
        }
        scales[row] = scale;
        compensation[row] = 128 * sum;
    }
}

void clip_pack_s8(const float *w, long n, long k, int8_t *packed, float *scales, int32_t *compensation) {
    clip_pack_s8_rows(w, n, k, 0, n, packed, scales, compensation);
}

void clip_pack_bf16(const float *w, long n, long k, uint16_t *packed) {
    long k2 = (k + 1) / 2, panels = (n + 15) / 16;
    memset(packed, 0, (size_t)(panels * k2 * 64));
    for (long row = 0; row < n; row++) {
        uint16_t *panel = packed + (row / 16) * k2 * 32;
        long j = row % 16;
        for (long i = 0; i < k; i++) panel[((i / 2) * 16 + j) * 2 + i % 2] = clip_f32_to_bf16(w[row * k + i]);
    }
}

void clip_quantize_rows_u8(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales) {
    for (long r = 0; r < m; r++) {
        const float *src = x + r * ldx;
        uint8_t *dst = a + r * lda;
        float amax = 0;
        for (long i = 0; i < k; i++) amax = fmaxf(amax, fabsf(src[i]));
        float inv = amax > 0 ? 127.0f / amax : 0;
        for (long i = 0; i < k; i++) {
            float q = fminf(127, fmaxf(-127, rintf(src[i] * inv)));
            dst[i] = (uint8_t)((int)q + 128);
        }
        memset(dst + k, 128, (size_t)(lda - k));
        scales[r] = amax / 127.0f;
    }
}

void clip_convert_rows_bf16(const float *x, long ldx, long m, long k, uint16_t *a, long lda) {
    for (long r = 0; r < m; r++) {
        for (long i = 0; i < k; i++) a[r * lda + i] = clip_f32_to_bf16(x[r * ldx + i]);
        for (long i = k; i < lda; i++) a[r * lda + i] = 0;
    }
}
