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

void clip_pack_s8(const float *w, long n, long k, int8_t *packed, float *scales, int32_t *compensation) {
    long k4 = (k + 3) / 4, panels = (n + 15) / 16;
    memset(packed, 0, (size_t)(panels * k4 * 64));
    for (long row = 0; row < n; row++) {
        const float *src = w + row * k;
        float amax = 0;
        for (long i = 0; i < k; i++) amax = fmaxf(amax, fabsf(src[i]));
        float scale = amax / 127.0f, inv = amax > 0 ? 127.0f / amax : 0;
        int8_t *panel = packed + (row / 16) * k4 * 64;
        long j = row % 16;
        int32_t sum = 0;
        for (long i = 0; i < k; i++) {
            float q = rintf(src[i] * inv);
            q = fminf(127, fmaxf(-127, q));
            panel[((i / 4) * 16 + j) * 4 + i % 4] = (int8_t)q;
            sum += (int32_t)q;
        }
        scales[row] = scale;
        compensation[row] = 128 * sum;
    }
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
