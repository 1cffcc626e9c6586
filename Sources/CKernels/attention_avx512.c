// Multi-head attention over a fused QKV buffer with AVX-512, for head sizes that are a multiple of 16 (up to
// 128). At CLIP's sizes (50-257 tokens, 64-dim heads) each head is a few hundred thousand multiply-adds:
// BLAS calls on such small matrices cost more in set-up than in arithmetic, so this does one head at a time
// in registers: K transposed once so that a query's scores are whole vectors (no horizontal sums), the
// softmax on those vectors, and P·V accumulated in d/16 registers.
#include "avx512_common.h"

#if defined(__x86_64__)
#include <math.h>

#define TARGET_ATTN __attribute__((target("avx512f,avx512bw,avx512vl,fma")))

long clip_attention_scratch_floats(long tokens, long head_dim) {
    long padded = (tokens + 15) / 16 * 16;
    return head_dim * padded + tokens * head_dim + padded + head_dim;
}

TARGET_ATTN void clip_attention_avx512(const float *qkv, const float *bias, float *out, long tokens, long width,
                                       long heads, int causal, long item0, long item1, float *scratch) {
    const long d = width / heads, blocks = d / 16, padded = (tokens + 15) / 16 * 16, stride = 3 * width;
    const float scale = 1.0f / sqrtf((float)d);
    float *kt = scratch, *v = kt + d * padded, *scores = v + tokens * d, *q = scores + padded;
    for (long item = item0; item < item1; item++) {
        const long b = item / heads, h = item % heads;
        const float *base = qkv + b * tokens * stride + h * d;
        const float *qb = bias + h * d, *kb = qb + width, *vb = kb + width;
        for (long t = 0; t < tokens; t++) {
            const float *src = base + t * stride;
            for (long i = 0; i < d; i++) kt[i * padded + t] = src[width + i] + kb[i];
            for (long c = 0; c < blocks; c++)
                _mm512_storeu_ps(v + t * d + 16 * c, _mm512_add_ps(_mm512_loadu_ps(src + 2 * width + 16 * c), _mm512_loadu_ps(vb + 16 * c)));
        }
        for (long i = 0; i < d; i++)
            for (long t = tokens; t < padded; t++) kt[i * padded + t] = 0;

        for (long row = 0; row < tokens; row++) {
            const float *src = base + row * stride;
            for (long c = 0; c < blocks; c++)
                _mm512_storeu_ps(q + 16 * c, _mm512_mul_ps(_mm512_add_ps(_mm512_loadu_ps(src + 16 * c), _mm512_loadu_ps(qb + 16 * c)),
                                                           _mm512_set1_ps(scale)));
            const long n = causal ? row + 1 : tokens, nb = (n + 15) / 16;
            // Scores, four key blocks at a time (four independent FMA chains).
            for (long jb = 0; jb < nb; jb += 4) {
                __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
                const float *k0 = kt + jb * 16;
                for (long i = 0; i < d; i++) {
                    __m512 qv = _mm512_set1_ps(q[i]);
                    const float *ki = k0 + i * padded;
                    a0 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(ki), a0);
                    if (jb + 1 < nb) a1 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(ki + 16), a1);
                    if (jb + 2 < nb) a2 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(ki + 32), a2);
                    if (jb + 3 < nb) a3 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(ki + 48), a3);
                }
                _mm512_storeu_ps(scores + jb * 16, a0);
                if (jb + 1 < nb) _mm512_storeu_ps(scores + jb * 16 + 16, a1);
                if (jb + 2 < nb) _mm512_storeu_ps(scores + jb * 16 + 32, a2);
                if (jb + 3 < nb) _mm512_storeu_ps(scores + jb * 16 + 48, a3);
            }
            // Softmax over the first n scores; lanes past n (the causal mask or the padding) get weight 0.
            const __mmask16 last = (__mmask16)((1u << (n - (nb - 1) * 16)) - 1);
            __m512 vmax = _mm512_set1_ps(-INFINITY);
            for (long jb = 0; jb < nb; jb++) {
                __mmask16 m = jb + 1 == nb ? last : 0xFFFF;
                vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_loadu_ps(scores + jb * 16));
            }
            const __m512 rowMax = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
            __m512 vsum = _mm512_setzero_ps();
            for (long jb = 0; jb < nb; jb++) {
                __mmask16 m = jb + 1 == nb ? last : 0xFFFF;
                __m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_loadu_ps(scores + jb * 16), rowMax)));
                _mm512_storeu_ps(scores + jb * 16, e);
                vsum = _mm512_add_ps(vsum, e);
            }
            const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
            // out = P·V / Σ
            __m512 o[8];
            for (long c = 0; c < blocks; c++) o[c] = _mm512_setzero_ps();
            for (long j = 0; j < n; j++) {
                __m512 p = _mm512_set1_ps(scores[j]);
                const float *vj = v + j * d;
                for (long c = 0; c < blocks; c++) o[c] = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 16 * c), o[c]);
            }
            float *dst = out + (b * tokens + row) * width + h * d;
            for (long c = 0; c < blocks; c++) _mm512_storeu_ps(dst + 16 * c, _mm512_mul_ps(o[c], inv));
        }
    }
}
#else
long clip_attention_scratch_floats(long tokens, long head_dim) { return 0; }
void clip_attention_avx512(const float *qkv, const float *bias, float *out, long tokens, long width,
                           long heads, int causal, long item0, long item1, float *scratch) {}
#endif
