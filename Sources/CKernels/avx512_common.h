// Shared by the AVX-512 kernels of this target (not part of its public interface): the vector exp/erf/GELU
// of the output pass, the int8 output pass and the AMX tile configuration (tile shapes and order: tiles.h).
#ifndef CLIP_AVX512_COMMON_H
#define CLIP_AVX512_COMMON_H
#include "tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>

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
    if (activation == CLIP_ACTIVATION_RELU) return _mm512_max_ps(v, _mm512_setzero_ps());
    if (activation == CLIP_ACTIVATION_GELU_TANH) {
        // tanh(u) = 1 − 2 / (exp(2u) + 1), which saturates cleanly at both ends.
        __m512 u = _mm512_mul_ps(_mm512_set1_ps(0.7978845608028654f),
                                 _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(v, v), v), _mm512_set1_ps(0.044715f), v));
        __m512 e = exp512(_mm512_add_ps(u, u));
        __m512 t = _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
        return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(_mm512_set1_ps(1.0f), t));
    }
    return v;
}

// Stores 16 results (masked at the matrix edge) after bias, activation and the residual add.
INLINE TARGET_512 void store_epilogue(float *dst, __m512 v, __m512 bias, __mmask16 mask, clip_epilogue e) {
    if (e.bias) v = _mm512_add_ps(v, bias);
    if (e.accumulate == 2) {
        // A residual block's output: the shortcut is added before the non-linearity (ResNet).
        v = activate(_mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, dst)), e.activation);
    } else {
        v = activate(v, e.activation);
        if (e.accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, dst));
    }
    _mm512_mask_storeu_ps(dst, mask, v);
}

// ---- the int8 output pass, shared by the VNNI and AMX kernels (so their results agree bit for bit) ----

/// One panel's per-channel constants for the int8 output pass: compensation, weight scales, bias, edge mask.
typedef struct {
    __m512i comp;
    __m512 wscale;
    __m512 bias;
    __mmask16 mask;
} u8s8_panel;

INLINE TARGET_512 u8s8_panel u8s8_panel_at(const int32_t *comp, const float *wscale, clip_epilogue epi, long col,
                                           long n) {
    long cols = n - col < 16 ? n - col : 16;
    u8s8_panel p;
    p.mask = (__mmask16)((1u << cols) - 1);
    p.comp = _mm512_maskz_loadu_epi32(p.mask, comp + col);
    p.wscale = _mm512_maskz_loadu_ps(p.mask, wscale + col);
    p.bias = epi.bias ? _mm512_maskz_loadu_ps(p.mask, epi.bias + col) : _mm512_setzero_ps();
    return p;
}

/// One row's 16 exact sums, less the compensation: stored as s32 in `raw` when it is not null, else
/// dequantized (`ascale` × the weight scales) and stored in `c` through the epilogue.
INLINE TARGET_512 void store_u8s8(__m512i acc, u8s8_panel p, float ascale, clip_epilogue epi, float *c,
                                  int32_t *raw) {
    __m512i sum = _mm512_sub_epi32(acc, p.comp);
    if (raw) {
        _mm512_mask_storeu_epi32(raw, p.mask, sum);
        return;
    }
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(p.wscale, _mm512_set1_ps(ascale)));
    store_epilogue(c, v, p.bias, p.mask, epi);
}

// ---- AMX ----

/// The 64-byte operand of `ldtilecfg` (palette 1): bytes per row and rows of each of the 8 tiles.
struct tile_config {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} __attribute__((packed));

#endif
#endif
