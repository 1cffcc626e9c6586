// The int8 (AVX512-VNNI) and bf16 (AVX512-BF16) GEMM kernels and their activation packers.
//
// Micro-kernel: up to 6 rows × 4 panels (64 output channels) = 24 ZMM accumulators, 4 weight loads and one
// broadcast per k-group: 28 of the 32 ZMM registers. Per step it issues 24 `vpdpbusd` (each 16×4 u8·s8
// multiply-adds) for 10 loads, so on Zen 4 (one 512-bit dot product per cycle per core) the loop is
// bound by the dot products, not the loads. A 4-panel strip of weights (64·K bytes int8: 196 KB at
// K = 3072) stays in the 1 MB L2 while every row tile of A streams past it.
#include "ckernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define TARGET_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define TARGET_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define INLINE static inline __attribute__((always_inline))
#define MR 6
#define NP 4

// ---- int8 ----

INLINE TARGET_VNNI void tile_u8s8(const int R, const int P, const uint8_t *a, long lda, const float *ascale,
                                  const int8_t *w, long k4, const float *wscale, const int32_t *comp,
                                  long col0, long n, float *c, long ldc, int accumulate, int32_t *raw, long ldr) {
    __m512i acc[MR][NP];
    for (int i = 0; i < R; i++)
        for (int j = 0; j < P; j++) acc[i][j] = _mm512_setzero_si512();
    const long stride = k4 * 64;
    for (long g = 0; g < k4; g++) {
        __m512i b[NP];
        for (int j = 0; j < P; j++) b[j] = _mm512_loadu_si512((const void *)(w + j * stride + g * 64));
        for (int i = 0; i < R; i++) {
            int32_t quad;
            memcpy(&quad, a + i * lda + g * 4, 4);
            __m512i av = _mm512_set1_epi32(quad);
            for (int j = 0; j < P; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], av, b[j]);
        }
    }
    for (int j = 0; j < P; j++) {
        long col = col0 + 16 * j;
        long cols = n - col < 16 ? n - col : 16;
        __mmask16 mask = (__mmask16)((1u << cols) - 1);
        __m512i cv = _mm512_maskz_loadu_epi32(mask, comp + col);
        __m512 ws = _mm512_maskz_loadu_ps(mask, wscale + col);
        for (int i = 0; i < R; i++) {
            __m512i sum = _mm512_sub_epi32(acc[i][j], cv);
            if (raw) {
                _mm512_mask_storeu_epi32(raw + i * ldr + col, mask, sum);
                continue;
            }
            __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(ws, _mm512_set1_ps(ascale[i])));
            float *dst = c + i * ldc + col;
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, dst));
            _mm512_mask_storeu_ps(dst, mask, v);
        }
    }
}

#define U8S8_CASE(R, P) case (R) * 8 + (P): \
    tile_u8s8(R, P, ar, lda, ascale + r, wp, k4, wscale, comp, col0, n, cr, ldc, accumulate, rr, ldr); break;

TARGET_VNNI void clip_gemm_u8s8_avx512vnni(const uint8_t *a, long lda, long m, const float *ascale,
                                           const int8_t *w, const float *wscale, const int32_t *comp, long k4, long n,
                                           long p0, long p1, float *c, long ldc, int accumulate, int32_t *raw, long ldr) {
    for (long p = p0; p < p1; p += NP) {
        int np = (int)(p1 - p < NP ? p1 - p : NP);
        const int8_t *wp = w + p * k4 * 64;
        long col0 = p * 16;
        for (long r = 0; r < m; r += MR) {
            int rows = (int)(m - r < MR ? m - r : MR);
            const uint8_t *ar = a + r * lda;
            float *cr = c ? c + r * ldc : 0;
            int32_t *rr = raw ? raw + r * ldr : 0;
            switch (rows * 8 + np) {
                U8S8_CASE(6, 4) U8S8_CASE(6, 3) U8S8_CASE(6, 2) U8S8_CASE(6, 1)
                U8S8_CASE(5, 4) U8S8_CASE(5, 3) U8S8_CASE(5, 2) U8S8_CASE(5, 1)
                U8S8_CASE(4, 4) U8S8_CASE(4, 3) U8S8_CASE(4, 2) U8S8_CASE(4, 1)
                U8S8_CASE(3, 4) U8S8_CASE(3, 3) U8S8_CASE(3, 2) U8S8_CASE(3, 1)
                U8S8_CASE(2, 4) U8S8_CASE(2, 3) U8S8_CASE(2, 2) U8S8_CASE(2, 1)
                U8S8_CASE(1, 4) U8S8_CASE(1, 3) U8S8_CASE(1, 2) U8S8_CASE(1, 1)
            }
        }
    }
}

TARGET_VNNI void clip_quantize_rows_u8_avx512(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales) {
    for (long r = 0; r < m; r++) {
        const float *src = x + r * ldx;
        uint8_t *dst = a + r * lda;
        __m512 vmax = _mm512_setzero_ps();
        long i = 0;
        for (; i + 16 <= k; i += 16) vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(src + i)));
        float amax = _mm512_reduce_max_ps(vmax);
        for (; i < k; i++) amax = fmaxf(amax, fabsf(src[i]));
        float inv = amax > 0 ? 127.0f / amax : 0;
        const __m512 vinv = _mm512_set1_ps(inv), lo = _mm512_set1_ps(-127), hi = _mm512_set1_ps(127);
        const __m512i bias = _mm512_set1_epi32(128);
        for (i = 0; i + 16 <= k; i += 16) {
            __m512 q = _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_mul_ps(_mm512_loadu_ps(src + i), vinv)));
            __m512i qi = _mm512_add_epi32(_mm512_cvtps_epi32(q), bias);  // rounds to nearest even, as rintf
            _mm_storeu_si128((__m128i *)(dst + i), _mm512_cvtusepi32_epi8(qi));
        }
        for (; i < k; i++) dst[i] = (uint8_t)((int)fminf(127, fmaxf(-127, rintf(src[i] * inv))) + 128);
        if (lda > k) memset(dst + k, 128, (size_t)(lda - k));
        scales[r] = amax / 127.0f;
    }
}

// ---- bf16 ----

INLINE TARGET_BF16 void tile_bf16(const int R, const int P, const uint16_t *a, long lda, const uint16_t *w, long k2,
                                  long col0, long n, float *c, long ldc, int accumulate) {
    __m512 acc[MR][NP];
    for (int i = 0; i < R; i++)
        for (int j = 0; j < P; j++) acc[i][j] = _mm512_setzero_ps();
    const long stride = k2 * 32;
    for (long g = 0; g < k2; g++) {
        __m512bh b[NP];
        for (int j = 0; j < P; j++) b[j] = (__m512bh)_mm512_loadu_si512((const void *)(w + j * stride + g * 32));
        for (int i = 0; i < R; i++) {
            int32_t pair;
            memcpy(&pair, a + i * lda + g * 2, 4);
            __m512bh av = (__m512bh)_mm512_set1_epi32(pair);
            for (int j = 0; j < P; j++) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], av, b[j]);
        }
    }
    for (int j = 0; j < P; j++) {
        long col = col0 + 16 * j;
        long cols = n - col < 16 ? n - col : 16;
        __mmask16 mask = (__mmask16)((1u << cols) - 1);
        for (int i = 0; i < R; i++) {
            float *dst = c + i * ldc + col;
            __m512 v = acc[i][j];
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, dst));
            _mm512_mask_storeu_ps(dst, mask, v);
        }
    }
}

#define BF16_CASE(R, P) case (R) * 8 + (P): tile_bf16(R, P, ar, lda, wp, k2, col0, n, c + r * ldc, ldc, accumulate); break;

TARGET_BF16 void clip_gemm_bf16_avx512bf16(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                                           long p0, long p1, float *c, long ldc, int accumulate) {
    for (long p = p0; p < p1; p += NP) {
        int np = (int)(p1 - p < NP ? p1 - p : NP);
        const uint16_t *wp = w + p * k2 * 32;
        long col0 = p * 16;
        for (long r = 0; r < m; r += MR) {
            int rows = (int)(m - r < MR ? m - r : MR);
            const uint16_t *ar = a + r * lda;
            switch (rows * 8 + np) {
                BF16_CASE(6, 4) BF16_CASE(6, 3) BF16_CASE(6, 2) BF16_CASE(6, 1)
                BF16_CASE(5, 4) BF16_CASE(5, 3) BF16_CASE(5, 2) BF16_CASE(5, 1)
                BF16_CASE(4, 4) BF16_CASE(4, 3) BF16_CASE(4, 2) BF16_CASE(4, 1)
                BF16_CASE(3, 4) BF16_CASE(3, 3) BF16_CASE(3, 2) BF16_CASE(3, 1)
                BF16_CASE(2, 4) BF16_CASE(2, 3) BF16_CASE(2, 2) BF16_CASE(2, 1)
                BF16_CASE(1, 4) BF16_CASE(1, 3) BF16_CASE(1, 2) BF16_CASE(1, 1)
            }
        }
    }
}

TARGET_BF16 void clip_convert_rows_bf16_avx512(const float *x, long ldx, long m, long k, uint16_t *a, long lda) {
    for (long r = 0; r < m; r++) {
        const float *src = x + r * ldx;
        uint16_t *dst = a + r * lda;
        long i = 0;
        for (; i + 16 <= k; i += 16)
            _mm256_storeu_si256((__m256i *)(dst + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(src + i)));
        for (; i < k; i++) dst[i] = clip_f32_to_bf16(src[i]);
        for (; i < lda; i++) dst[i] = 0;
    }
}
#else
// Not x86-64: Swift never calls these (clip_cpu_features() reports nothing), but the symbols must exist.
void clip_gemm_u8s8_avx512vnni(const uint8_t *a, long lda, long m, const float *ascale, const int8_t *w,
                               const float *wscale, const int32_t *comp, long k4, long n, long p0, long p1,
                               float *c, long ldc, int accumulate, int32_t *raw, long ldr) {
    clip_gemm_u8s8_reference(a, lda, m, ascale, w, wscale, comp, k4, n, p0, p1, c, ldc, accumulate, raw, ldr);
}
void clip_quantize_rows_u8_avx512(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales) {
    clip_quantize_rows_u8(x, ldx, m, k, a, lda, scales);
}
void clip_gemm_bf16_avx512bf16(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                               long p0, long p1, float *c, long ldc, int accumulate) {
    clip_gemm_bf16_reference(a, lda, m, w, k2, n, p0, p1, c, ldc, accumulate);
}
void clip_convert_rows_bf16_avx512(const float *x, long ldx, long m, long k, uint16_t *a, long lda) {
    clip_convert_rows_bf16(x, ldx, m, k, a, lda);
}
#endif
