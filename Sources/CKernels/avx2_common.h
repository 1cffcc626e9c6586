// The int8 output pass of the AVX2 kernel (not part of this target's public interface): the AVX-512 output
// pass of avx512_common.h at 8 lanes, operation for operation (the same exp and erf polynomials, the same
// order of rounding), so an int8 model gives the same numbers on either kernel.
#ifndef CLIP_AVX2_COMMON_H
#define CLIP_AVX2_COMMON_H
#include "tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET_AVX2 __attribute__((target("avx2,fma")))

INLINE TARGET_AVX2 __m256 exp256(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.33654f)), _mm256_set1_ps(88.37626f));
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    __m256 shifted = _mm256_fmadd_ps(x, _mm256_set1_ps(1.442695041f), magic);
    __m256 n = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000)),
                                                   _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

INLINE TARGET_AVX2 __m256 erf256(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 z = _mm256_andnot_ps(sign, x);
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(z, _mm256_set1_ps(0.5f), _mm256_set1_ps(1.0f)));
    static const float c[] = {0.17087277f, -0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f,
                              0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f};
    __m256 p = _mm256_set1_ps(c[0]);
    for (int i = 1; i < 10; i++) p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(c[i]));
    __m256 erfc = _mm256_mul_ps(t, exp256(_mm256_fnmadd_ps(z, z, p)));
    __m256 erfAbs = _mm256_sub_ps(_mm256_set1_ps(1.0f), erfc);
    // x < 0: −erf(|x|), as 0 − erfAbs (the AVX-512 pass's masked subtraction)
    __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(erfAbs, _mm256_sub_ps(_mm256_setzero_ps(), erfAbs), negative);
}

INLINE TARGET_AVX2 __m256 activate256(__m256 v, int activation) {
    if (activation == CLIP_ACTIVATION_QUICK_GELU)
        return _mm256_div_ps(v, _mm256_add_ps(_mm256_set1_ps(1.0f), exp256(_mm256_mul_ps(v, _mm256_set1_ps(-1.702f)))));
    if (activation == CLIP_ACTIVATION_GELU)
        return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
                             _mm256_add_ps(_mm256_set1_ps(1.0f), erf256(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)))));
    if (activation == CLIP_ACTIVATION_RELU) return _mm256_max_ps(v, _mm256_setzero_ps());
    if (activation == CLIP_ACTIVATION_GELU_TANH) {
        __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.7978845608028654f),
                                 _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(v, v), v), _mm256_set1_ps(0.044715f), v));
        __m256 e = exp256(_mm256_add_ps(u, u));
        __m256 t = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
        return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(_mm256_set1_ps(1.0f), t));
    }
    return v;
}

/// Eight channels' per-channel constants for the int8 output pass, and the mask of those that exist.
typedef struct {
    __m256i comp;
    __m256 wscale;
    __m256 bias;
    __m256i mask;
} u8s8_half;

INLINE TARGET_AVX2 u8s8_half u8s8_half_at(const int32_t *comp, const float *wscale, clip_epilogue epi, long col,
                                          long n) {
    int cols = (int)(n - col < 8 ? n - col : 8);
    u8s8_half h;
    h.mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    h.comp = _mm256_maskload_epi32(comp + col, h.mask);
    h.wscale = _mm256_maskload_ps(wscale + col, h.mask);
    h.bias = epi.bias ? _mm256_maskload_ps(epi.bias + col, h.mask) : _mm256_setzero_ps();
    return h;
}

/// One row's 8 exact sums, less the compensation: into `raw` as s32 when it is not null, else dequantized and
/// stored in `c` through the epilogue (bias, activation, residual add), as `store_u8s8`.
INLINE TARGET_AVX2 void store_u8s8_256(__m256i acc, u8s8_half h, float ascale, clip_epilogue e, float *c,
                                       int32_t *raw) {
    __m256i sum = _mm256_sub_epi32(acc, h.comp);
    if (raw) {
        _mm256_maskstore_epi32(raw, h.mask, sum);
        return;
    }
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(h.wscale, _mm256_set1_ps(ascale)));
    if (e.bias) v = _mm256_add_ps(v, h.bias);
    if (e.accumulate == 2) {
        v = activate256(_mm256_add_ps(v, _mm256_maskload_ps(c, h.mask)), e.activation);
    } else {
        v = activate256(v, e.activation);
        if (e.accumulate) v = _mm256_add_ps(v, _mm256_maskload_ps(c, h.mask));
    }
    _mm256_maskstore_ps(c, h.mask, v);
}
#endif
#endif
