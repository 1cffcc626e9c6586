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
// One switch case per tile shape (rows 1…6 × panels 1…4), so every micro-kernel call has literal sizes and
// the compiler keeps exactly the accumulators that shape needs in registers.
#define EVERY_TILE(CASE) \
    CASE(6, 4) CASE(6, 3) CASE(6, 2) CASE(6, 1) CASE(5, 4) CASE(5, 3) CASE(5, 2) CASE(5, 1) \
    CASE(4, 4) CASE(4, 3) CASE(4, 2) CASE(4, 1) CASE(3, 4) CASE(3, 3) CASE(3, 2) CASE(3, 1) \
    CASE(2, 4) CASE(2, 3) CASE(2, 2) CASE(2, 1) CASE(1, 4) CASE(1, 3) CASE(1, 2) CASE(1, 1)

#define TARGET_512 __attribute__((target("avx512f,avx512bw,avx512vl")))

// ---- the output pass: bias, activation, residual add ----

// e^x by Cody–Waite reduction and a degree-6 polynomial (≤ 2 ulp), as the Swift kernels' vexp.
INLINE TARGET_512 __m512 exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.33654f)), _mm512_set1_ps(88.37626f));
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.442695041f), magic);
    __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000)),
                                                   _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

// erf through the Chebyshev-fitted erfc of Numerical Recipes (fractional error < 1.2e-7), as verf.
INLINE TARGET_512 __m512 erf512(__m512 x) {
    __m512 z = _mm512_abs_ps(x);
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(z, _mm512_set1_ps(0.5f), _mm512_set1_ps(1.0f)));
    static const float c[] = {0.17087277f, -0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f,
                              0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f};
    __m512 p = _mm512_set1_ps(c[0]);
    for (int i = 1; i < 10; i++) p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(c[i]));
    __m512 erfc = _mm512_mul_ps(t, exp512(_mm512_fnmadd_ps(z, z, p)));
    __m512 erfAbs = _mm512_sub_ps(_mm512_set1_ps(1.0f), erfc);
    __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_sub_ps(erfAbs, negative, _mm512_setzero_ps(), erfAbs);
}

INLINE TARGET_512 __m512 activate(__m512 v, int activation) {
    if (activation == CLIP_ACTIVATION_QUICK_GELU)
        return _mm512_div_ps(v, _mm512_add_ps(_mm512_set1_ps(1.0f), exp512(_mm512_mul_ps(v, _mm512_set1_ps(-1.702f)))));
    if (activation == CLIP_ACTIVATION_GELU)
        return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v),
                             _mm512_add_ps(_mm512_set1_ps(1.0f), erf512(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)))));
    return v;
}

// Stores 16 results (masked at the matrix edge) after bias, activation and the residual add.
INLINE TARGET_512 void store_epilogue(float *dst, __m512 v, __m512 bias, __mmask16 mask, clip_epilogue e) {
    if (e.bias) v = _mm512_add_ps(v, bias);
    v = activate(v, e.activation);
    if (e.accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, dst));
    _mm512_mask_storeu_ps(dst, mask, v);
}

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
        long cols = n - col < 16 ? n - col : 16;
        __mmask16 mask = (__mmask16)((1u << cols) - 1);
        __m512i cv = _mm512_maskz_loadu_epi32(mask, comp + col);
        __m512 ws = _mm512_maskz_loadu_ps(mask, wscale + col);
        __m512 bias = epi.bias ? _mm512_maskz_loadu_ps(mask, epi.bias + col) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) {
            __m512i sum = _mm512_sub_epi32(acc[i][j], cv);
            if (raw) {
                _mm512_mask_storeu_epi32(raw + i * ldr + col, mask, sum);
                continue;
            }
            __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(ws, _mm512_set1_ps(ascale[i])));
            store_epilogue(c + i * ldc + col, v, bias, mask, epi);
        }
    }
}

#define U8S8_CASE(R, P) case (R) * 8 + (P): \
    tile_u8s8(R, P, ar, lda, ascale + r, wp, k4, wscale, comp, col0, n, cr, ldc, epilogue, rr, ldr); break;

TARGET_VNNI void clip_gemm_u8s8_avx512vnni(const uint8_t *a, long lda, long m, const float *ascale,
                                           const int8_t *w, const float *wscale, const int32_t *comp, long k4, long n,
                                           long p0, long p1, float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr) {
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
                EVERY_TILE(U8S8_CASE)
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

#define BF16_CASE(R, P) case (R) * 8 + (P): tile_bf16(R, P, ar, lda, wp, k2, col0, n, c + r * ldc, ldc, epilogue); break;

TARGET_BF16 void clip_gemm_bf16_avx512bf16(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                                           long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    for (long p = p0; p < p1; p += NP) {
        int np = (int)(p1 - p < NP ? p1 - p : NP);
        const uint16_t *wp = w + p * k2 * 32;
        long col0 = p * 16;
        for (long r = 0; r < m; r += MR) {
            int rows = (int)(m - r < MR ? m - r : MR);
            const uint16_t *ar = a + r * lda;
            switch (rows * 8 + np) {
                EVERY_TILE(BF16_CASE)
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

#define F32_CASE(R, P) case (R) * 8 + (P): tile_f32(R, P, xr, ldx, wp, k, col0, n, c + r * ldc, ldc, epilogue); break;
// Rows per block: the block's activations (96 × K floats) are re-read for every 4-panel strip, so they
// should stay in L2 beside the strip.
#define F32_ROW_BLOCK 96

TARGET_F32 void clip_gemm_f32_avx512(const float *x, long ldx, long m, const float *w, long k, long n,
                                     long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    for (long m0 = 0; m0 < m; m0 += F32_ROW_BLOCK) {
        long m1 = m0 + F32_ROW_BLOCK < m ? m0 + F32_ROW_BLOCK : m;
        for (long p = p0; p < p1; p += NP) {
            int np = (int)(p1 - p < NP ? p1 - p : NP);
            const float *wp = w + p * k * 16;
            long col0 = p * 16;
            for (long r = m0; r < m1; r += MR) {
                int rows = (int)(m1 - r < MR ? m1 - r : MR);
                const float *xr = x + r * ldx;
                switch (rows * 8 + np) {
                    EVERY_TILE(F32_CASE)
                }
            }
        }
    }
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
