#ifndef CLIP_HALF_VECTORS_H
#define CLIP_HALF_VECTORS_H
// The HNSW graph keeps its vectors in IEEE half precision: a graph search is bound by memory traffic
// (thousands of scattered vectors per query), so halving the bytes per vector is worth more than any
// arithmetic trick. Swift's generic SIMD Float16→Float conversion is an out-of-line call, hence C.
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CLIP_HALF_TARGET __attribute__((target("avx2,fma,f16c")))

/// Inner product of `d` floats with `d` halves (`d` a multiple of 16 is fastest).
static inline CLIP_HALF_TARGET float clip_dot_f32_f16(const float *q, const uint16_t *v, long d) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 16 <= d; i += 16) {
        __m256 v0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + i)));
        __m256 v1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + i + 8)));
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), v0, acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), v1, acc1);
    }
    __m256 acc = _mm256_add_ps(acc0, acc1);
    __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    sum4 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
    sum4 = _mm_add_ss(sum4, _mm_movehdup_ps(sum4));
    float sum = _mm_cvtss_f32(sum4);
    for (; i < d; i++) sum += q[i] * _cvtsh_ss(v[i]);
    return sum;
}

/// Converts `n` halves to floats.
static inline CLIP_HALF_TARGET void clip_f16_to_f32(const uint16_t *src, float *dst, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}

/// Converts `n` floats to halves, rounding to nearest even.
static inline CLIP_HALF_TARGET void clip_f32_to_f16(const float *src, uint16_t *dst, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) dst[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}
#else
// Other targets (Apple silicon) have native half arithmetic: the portable versions are the fast ones.
#define clip_dot_f32_f16 clip_dot_f32_f16_portable
#define clip_f16_to_f32 clip_f16_to_f32_portable
#define clip_f32_to_f16 clip_f32_to_f16_portable
#endif

// Portable versions: what an x86-64 CPU without AVX2/F16C runs (Swift picks them at run time, see
// CLIPSearch's HalfVectors), and the only versions elsewhere.
static inline float clip_dot_f32_f16_portable(const float *q, const uint16_t *v, long d) {
    const _Float16 *h = (const _Float16 *)v;
    float sum = 0;
    for (long i = 0; i < d; i++) sum += q[i] * (float)h[i];
    return sum;
}
static inline void clip_f16_to_f32_portable(const uint16_t *src, float *dst, long n) {
    const _Float16 *h = (const _Float16 *)src;
    for (long i = 0; i < n; i++) dst[i] = (float)h[i];
}
static inline void clip_f32_to_f16_portable(const float *src, uint16_t *dst, long n) {
    _Float16 *h = (_Float16 *)dst;
    for (long i = 0; i < n; i++) h[i] = (_Float16)src[i];
}
#endif
