// The int8 GEMM for CPUs with AVX2 but no AVX512-VNNI (Zen 2 and 3, Haswell to Comet Lake), over the same
// packed s8 weights and u8 activation rows as `clip_gemm_u8s8_avx512vnni`, and with its exact s32 sums.
//
// AVX2's byte multiply (`vpmaddubsw`) saturates at 16 bits: two products of u8 255 and s8 127 overflow it,
// which is why other engines give up a bit of the weights on such CPUs. Here both operands are widened to
// 16 bits instead and multiplied with `vpmaddwd` (two products summed into 32 bits, never saturating for
// these ranges), so the sums are exact and the results are the VNNI kernel's, bit for bit.
//
// Micro-kernel: up to 6 rows × 8 output channels (half a panel) = 12 YMM accumulators, each holding the two
// half-sums (k 0–1 and 2–3 of each k-group) of 4 channels; two weight registers (the k-group's 32 bytes,
// sign-extended) and one activation broadcast per step. The activations of the tile's rows are widened once
// per 256-k chunk into a small stack buffer and shared by all the tile's half-panels, whose partial sums
// wait in memory between chunks. Per k-group and half-panel: 12 `vpmaddwd` + 12 `vpaddd` for 192
// multiply-adds, two sign extensions and 8 loads. That is as many multiply-adds per instruction as 8-wide fp32
// FMA; the gain is in issue rate (on Zen 3 a `vpmaddwd` + `vpaddd` pair issues ~1.6 times per cycle against two
// FMAs: up to ~1.6× fp32) and in weights a quarter the size.
#include "avx2_common.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

// k-groups of 4 per chunk of widened activations: 6 rows × 256 k × 2 bytes = 3 KB of stack.
#define KC 64

/// The tile's rows `[0, R)` of u8 activations, k-groups [g0, g0 + groups), widened to s16 into `wide`
/// (row stride KC·4).
INLINE TARGET_AVX2 void widen_rows(const int R, const uint8_t *a, long lda, long g0, long groups, int16_t *wide) {
    for (int i = 0; i < R; i++) {
        const uint8_t *src = a + i * lda + g0 * 4;
        int16_t *dst = wide + i * KC * 4;
        long k = 0;
        for (; k + 16 <= groups * 4; k += 16)
            _mm256_storeu_si256((__m256i *)(dst + k), _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + k))));
        for (; k < groups * 4; k++) dst[k] = src[k];
    }
}

/// Rows [0, R) × one half-panel (8 channels, `w` at its first k-group) over `groups` k-groups of `wide`,
/// added to the partial sums in `part` (R × 2 vectors).
INLINE TARGET_AVX2 void half_panel(const int R, const int16_t *wide, const int8_t *w, long groups, __m256i *part) {
    __m256i acc[MR][2];
    for (int i = 0; i < R; i++) {
        acc[i][0] = part[2 * i];
        acc[i][1] = part[2 * i + 1];
    }
    for (long g = 0; g < groups; g++) {
        // 4 channels × 4 k each: (c0 k0..k3, c1 k0..k3, …) as s16.
        __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + g * 64)));
        __m256i hi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + g * 64 + 16)));
        for (int i = 0; i < R; i++) {
            int64_t quad;
            memcpy(&quad, wide + i * KC * 4 + g * 4, 8);
            __m256i av = _mm256_set1_epi64x(quad);  // (k0..k3) of this row, once per channel
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(av, lo));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(av, hi));
        }
    }
    for (int i = 0; i < R; i++) {
        part[2 * i] = acc[i][0];
        part[2 * i + 1] = acc[i][1];
    }
}

/// The 8 channels' sums from a row's two half-sum vectors: (c0 k01, c0 k23, c1 k01, c1 k23 | c2 …, c3 …)
/// and the same for c4…c7.
INLINE TARGET_AVX2 __m256i channel_sums(__m256i lo, __m256i hi) {
    __m256i pairs = _mm256_hadd_epi32(lo, hi);  // (c0 c1 c4 c5 | c2 c3 c6 c7)
    return _mm256_permute4x64_epi64(pairs, _MM_SHUFFLE(3, 1, 2, 0));
}

INLINE TARGET_AVX2 void tile_u8s8(const int R, const int P, const uint8_t *a, long lda, const float *ascale,
                                  const int8_t *w, long k4, const float *wscale, const int32_t *comp,
                                  long col0, long n, float *c, long ldc, clip_epilogue epi, int32_t *raw, long ldr) {
    int16_t wide[MR * KC * 4] __attribute__((aligned(32)));
    __m256i part[NP * 2][MR * 2];
    for (int h = 0; h < 2 * P; h++)
        for (int i = 0; i < 2 * R; i++) part[h][i] = _mm256_setzero_si256();
    const long stride = k4 * 64;
    for (long g0 = 0; g0 < k4; g0 += KC) {
        long groups = k4 - g0 < KC ? k4 - g0 : KC;
        widen_rows(R, a, lda, g0, groups, wide);
        for (int h = 0; h < 2 * P; h++) half_panel(R, wide, w + (h / 2) * stride + g0 * 64 + (h % 2) * 32, groups, part[h]);
    }
    for (int h = 0; h < 2 * P; h++) {
        long col = col0 + 8 * h;
        if (col >= n) break;
        u8s8_half panel = u8s8_half_at(comp, wscale, epi, col, n);
        for (int i = 0; i < R; i++)
            store_u8s8_256(channel_sums(part[h][2 * i], part[h][2 * i + 1]), panel, ascale[i], epi,
                           raw ? 0 : c + i * ldc + col, raw ? raw + i * ldr + col : 0);
    }
}

DEFINE_U8S8_GEMM(clip_gemm_u8s8_avx2, TARGET_AVX2)

TARGET_AVX2 void clip_quantize_rows_u8_avx2(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (long r = 0; r < m; r++) {
        const float *src = x + r * ldx;
        uint8_t *dst = a + r * lda;
        __m256 vmax = _mm256_setzero_ps();
        long i = 0;
        for (; i + 8 <= k; i += 8) vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(sign, _mm256_loadu_ps(src + i)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        float amax = _mm_cvtss_f32(m4);
        for (; i < k; i++) amax = fmaxf(amax, fabsf(src[i]));
        float inv = amax > 0 ? 127.0f / amax : 0;
        const __m256 vinv = _mm256_set1_ps(inv), lo = _mm256_set1_ps(-127), hi = _mm256_set1_ps(127);
        const __m256i bias = _mm256_set1_epi32(128);
        for (i = 0; i + 8 <= k; i += 8) {
            __m256 q = _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_mul_ps(_mm256_loadu_ps(src + i), vinv)));
            __m256i qi = _mm256_add_epi32(_mm256_cvtps_epi32(q), bias);  // rounds to nearest even, as rintf
            __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(qi), _mm256_extracti128_si256(qi, 1));
            _mm_storel_epi64((__m128i *)(dst + i), _mm_packus_epi16(words, words));
        }
        for (; i < k; i++) dst[i] = (uint8_t)((int)fminf(127, fmaxf(-127, rintf(src[i] * inv))) + 128);
        if (lda > k) memset(dst + k, 128, (size_t)(lda - k));
        scales[r] = amax / 127.0f;
    }
}
#else
// Not x86-64: Swift never calls these (clip_cpu_features() reports nothing), but the symbols must exist.
void clip_gemm_u8s8_avx2(const uint8_t *a, long lda, long m, const float *ascale, const int8_t *w,
                         const float *wscale, const int32_t *comp, long k4, long n, long p0, long p1,
                         float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr) {
    clip_gemm_u8s8_reference(a, lda, m, ascale, w, wscale, comp, k4, n, p0, p1, c, ldc, epilogue, raw, ldr);
}
void clip_quantize_rows_u8_avx2(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales) {
    clip_quantize_rows_u8(x, ldx, m, k, a, lda, scales);
}
#endif
