// The AVX-512 GEMM kernels: int8 (VNNI), bf16 (BF16) and fp32 (FMA), and the int8/bf16 activation packers.
//
// Micro-kernel: up to 6 rows × 4 panels (64 output channels) = 24 ZMM accumulators, 4 weight loads and one
// broadcast per k step: 29 of the 32 ZMM registers. Per step it issues 24 dot products or FMAs for 10
// loads, so the loop is bound by the arithmetic, not the loads (measured at 88–100% of peak on a Zen 5 that
// issues two 512-bit `vpdpbusd`, `vdpbf16ps` or FMAs per cycle). A 4-panel strip of int8 weights (64·K
// bytes: 196 KB at K = 3072) stays in the 1 MB L2 while every row tile of A streams past it.
#include "avx512_common.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define TARGET_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define TARGET_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
// ---- int8 ----

INLINE TARGET_VNNI void tile_u8s8(const int R, const int P, const uint8_t *a, long lda, const float *ascale,
                                  const int8_t *w, long k4, const float *wscale, const int32_t *comp,
                                  long col0, long n, float *c, long ldc, clip_epilogue epi, int32_t *raw, long ldr) {
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
        u8s8_panel panel = u8s8_panel_at(comp, wscale, epi, col, n);
        for (int i = 0; i < R; i++)
            store_u8s8(acc[i][j], panel, ascale[i], epi, raw ? 0 : c + i * ldc + col, raw ? raw + i * ldr + col : 0);
    }
}

DEFINE_U8S8_GEMM(clip_gemm_u8s8_avx512vnni, TARGET_VNNI)

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
                                  long col0, long n, float *c, long ldc, clip_epilogue epi) {
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
        __m512 bias = epi.bias ? _mm512_maskz_loadu_ps(mask, epi.bias + col) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) store_epilogue(c + i * ldc + col, acc[i][j], bias, mask, epi);
    }
}

struct bf16_job {
    const uint16_t *a; long lda; const uint16_t *w; long k2, n; float *c; long ldc; clip_epilogue epilogue;
};

#define BF16_CASE(R, P) case (R) * 8 + (P): \
    tile_bf16(R, P, j->a + r * j->lda, j->lda, j->w + p * j->k2 * 32, j->k2, p * 16, j->n, j->c + r * j->ldc, j->ldc, j->epilogue); break;

static TARGET_BF16 void run_bf16(const void *job, long r, int rows, long p, int panels) {
    const struct bf16_job *j = job;
    switch (rows * 8 + panels) { EVERY_TILE(BF16_CASE) }
}

TARGET_BF16 void clip_gemm_bf16_avx512bf16(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                                           long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    struct bf16_job job = {a, lda, w, k2, n, c, ldc, epilogue};
    sweep_tiles(m, m, p0, p1, run_bf16, &job);
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
// ---- fp32 ----
// Over the fp32 panels `PackedWeights` makes for the Swift kernel (panel p: for each k, 16 floats), with
// 512-bit FMAs: twice the Swift SIMD8 kernel's width on a CPU that has AVX-512.

#define TARGET_F32 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))

INLINE TARGET_F32 void tile_f32(const int R, const int P, const float *x, long ldx, const float *w, long k,
                                long col0, long n, float *c, long ldc, clip_epilogue epi) {
    __m512 acc[MR][NP];
    for (int i = 0; i < R; i++)
        for (int j = 0; j < P; j++) acc[i][j] = _mm512_setzero_ps();
    const long stride = k * 16;
    for (long kk = 0; kk < k; kk++) {
        __m512 b[NP];
        for (int j = 0; j < P; j++) b[j] = _mm512_loadu_ps(w + j * stride + kk * 16);
        for (int i = 0; i < R; i++) {
            __m512 av = _mm512_set1_ps(x[i * ldx + kk]);
            for (int j = 0; j < P; j++) acc[i][j] = _mm512_fmadd_ps(av, b[j], acc[i][j]);
        }
    }
    for (int j = 0; j < P; j++) {
        long col = col0 + 16 * j;
        long cols = n - col < 16 ? n - col : 16;
        __mmask16 mask = (__mmask16)((1u << cols) - 1);
        __m512 bias = epi.bias ? _mm512_maskz_loadu_ps(mask, epi.bias + col) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) store_epilogue(c + i * ldc + col, acc[i][j], bias, mask, epi);
    }
}

struct f32_job {
    const float *x; long ldx; const float *w; long k, n; float *c; long ldc; clip_epilogue epilogue;
};

#define F32_CASE(R, P) case (R) * 8 + (P): \
    tile_f32(R, P, j->x + r * j->ldx, j->ldx, j->w + p * j->k * 16, j->k, p * 16, j->n, j->c + r * j->ldc, j->ldc, j->epilogue); break;

static TARGET_F32 void run_f32(const void *job, long r, int rows, long p, int panels) {
    const struct f32_job *j = job;
    switch (rows * 8 + panels) { EVERY_TILE(F32_CASE) }
}

// Rows per block: the block's activations (96 × K floats) are re-read for every 4-panel strip, so they
// should stay in L2 beside the strip.
#define F32_ROW_BLOCK 96

TARGET_F32 void clip_gemm_f32_avx512(const float *x, long ldx, long m, const float *w, long k, long n,
                                     long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    struct f32_job job = {x, ldx, w, k, n, c, ldc, epilogue};
    sweep_tiles(m, F32_ROW_BLOCK, p0, p1, run_f32, &job);
}
#else
// Not x86-64: Swift never calls these (clip_cpu_features() reports nothing), but the symbols must exist.
void clip_gemm_u8s8_avx512vnni(const uint8_t *a, long lda, long m, const float *ascale, const int8_t *w,
                               const float *wscale, const int32_t *comp, long k4, long n, long p0, long p1,
                               float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr) {
    clip_gemm_u8s8_reference(a, lda, m, ascale, w, wscale, comp, k4, n, p0, p1, c, ldc, epilogue, raw, ldr);
}
void clip_quantize_rows_u8_avx512(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales) {
    clip_quantize_rows_u8(x, ldx, m, k, a, lda, scales);
}
void clip_gemm_bf16_avx512bf16(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                               long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    clip_gemm_bf16_reference(a, lda, m, w, k2, n, p0, p1, c, ldc, epilogue);
}
void clip_convert_rows_bf16_avx512(const float *x, long ldx, long m, long k, uint16_t *a, long lda) {
    clip_convert_rows_bf16(x, ldx, m, k, a, lda);
}
void clip_gemm_f32_avx512(const float *x, long ldx, long m, const float *w, long k, long n,
                          long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    clip_gemm_f32_reference(x, ldx, m, w, k, n, p0, p1, c, ldc, epilogue);
}
#endif
