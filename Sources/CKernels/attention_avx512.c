// Multi-head attention over a fused QKV buffer with AVX-512, for head sizes that are a multiple of 16 (up to
// 128). At CLIP's sizes (50-257 tokens, 64-dim heads) each head is a few hundred thousand multiply-adds:
// BLAS calls on such small matrices cost more in set-up than in arithmetic, so this does one head at a time
// in registers: K transposed once so that a query's scores are whole vectors (no horizontal sums), the
// softmax on those vectors, and P·V accumulated in d/16 registers.
// Heads of up to 64 dimensions take four query rows at a time: each K and V vector loaded then feeds four
// rows' multiply-adds (16 accumulators), where one row at a time needs a load per multiply-add — the
// difference between load-bound and FMA-bound at SigLIP B/16's 196 tokens.
#include "avx512_common.h"

#if defined(__x86_64__)
#include <math.h>

#define TARGET_ATTN __attribute__((target("avx512f,avx512bw,avx512vl,fma")))

long clip_attention_scratch_floats(long tokens, long head_dim) {
    long padded = (tokens + 15) / 16 * 16;
    return head_dim * padded + tokens * head_dim + 5 * padded + 5 * head_dim;  // K, V, one row, four rows
}

// Four rows' scores against NB (1-4) blocks of 16 keys starting at `kt` (K transposed, row stride `padded`).
static inline __attribute__((always_inline)) TARGET_ATTN void scores_4rows(const float *q4, long d, const float *kt, long padded,
                                                                           float *s4, const int NB) {
    __m512 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < NB; c++) acc[r][c] = _mm512_setzero_ps();
    for (long i = 0; i < d; i++) {
        const float *ki = kt + i * padded;
        __m512 kv[4];
        for (int c = 0; c < NB; c++) kv[c] = _mm512_loadu_ps(ki + 16 * c);
        for (int r = 0; r < 4; r++) {
            const __m512 qv = _mm512_set1_ps(q4[r * d + i]);
            for (int c = 0; c < NB; c++) acc[r][c] = _mm512_fmadd_ps(qv, kv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < NB; c++) _mm512_storeu_ps(s4 + r * padded + 16 * c, acc[r][c]);
}

// Softmax of one row's first n scores in place; lanes from n to `upto` (a multiple of 16) become 0.
// Returns 1/Σ.
static inline TARGET_ATTN float softmax_row(float *scores, long n, long upto) {
    const long nb = (n + 15) / 16;
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
    for (long j = nb * 16; j < upto; j += 16) _mm512_storeu_ps(scores + j, _mm512_setzero_ps());
    return 1.0f / _mm512_reduce_add_ps(vsum);
}

// Four query rows [row0, row0 + 4) of one head whose dimension is BLOCKS·16 (BLOCKS ≤ 4).
static inline __attribute__((always_inline)) TARGET_ATTN void attend_4rows(const float *base, const float *qb, long width, long stride,
                                                                           const float *kt, const float *v, long padded, long tokens,
                                                                           int causal, long row0, float *q4, float *s4, float *dst,
                                                                           const int BLOCKS) {
    const long d = 16 * BLOCKS;
    const float scale = 1.0f / sqrtf((float)d);
    for (int r = 0; r < 4; r++) {
        const float *src = base + (row0 + r) * stride;
        for (int c = 0; c < BLOCKS; c++)
            _mm512_storeu_ps(q4 + r * d + 16 * c, _mm512_mul_ps(_mm512_add_ps(_mm512_loadu_ps(src + 16 * c), _mm512_loadu_ps(qb + 16 * c)),
                                                               _mm512_set1_ps(scale)));
    }
    // Keys the last of the four rows sees (all of them unless causal); earlier rows mask their own tail.
    const long n = causal ? row0 + 4 : tokens, nb = (n + 15) / 16;
    long jb = 0;
    for (; jb + 4 <= nb; jb += 4) scores_4rows(q4, d, kt + jb * 16, padded, s4 + jb * 16, 4);
    switch (nb - jb) {
    case 3: scores_4rows(q4, d, kt + jb * 16, padded, s4 + jb * 16, 3); break;
    case 2: scores_4rows(q4, d, kt + jb * 16, padded, s4 + jb * 16, 2); break;
    case 1: scores_4rows(q4, d, kt + jb * 16, padded, s4 + jb * 16, 1); break;
    default: break;
    }
    float inv[4];
    for (int r = 0; r < 4; r++) inv[r] = softmax_row(s4 + r * padded, causal ? row0 + r + 1 : tokens, nb * 16);
    __m512 o[4][4];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < BLOCKS; c++) o[r][c] = _mm512_setzero_ps();
    for (long j = 0; j < n; j++) {
        const float *vj = v + j * d;
        __m512 vv[4];
        for (int c = 0; c < BLOCKS; c++) vv[c] = _mm512_loadu_ps(vj + 16 * c);
        for (int r = 0; r < 4; r++) {
            const __m512 p = _mm512_set1_ps(s4[r * padded + j]);
            for (int c = 0; c < BLOCKS; c++) o[r][c] = _mm512_fmadd_ps(p, vv[c], o[r][c]);
        }
    }
    for (int r = 0; r < 4; r++) {
        const __m512 scaleOut = _mm512_set1_ps(inv[r]);
        for (int c = 0; c < BLOCKS; c++) _mm512_storeu_ps(dst + r * width + 16 * c, _mm512_mul_ps(o[r][c], scaleOut));
    }
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

        long row = 0;
        if (blocks <= 4) {
            float *q4 = q + d, *s4 = q4 + 4 * d;
            for (; row + 4 <= tokens; row += 4) {
                float *dst = out + (b * tokens + row) * width + h * d;
                switch (blocks) {
                case 4: attend_4rows(base, qb, width, stride, kt, v, padded, tokens, causal, row, q4, s4, dst, 4); break;
                case 3: attend_4rows(base, qb, width, stride, kt, v, padded, tokens, causal, row, q4, s4, dst, 3); break;
                case 2: attend_4rows(base, qb, width, stride, kt, v, padded, tokens, causal, row, q4, s4, dst, 2); break;
                default: attend_4rows(base, qb, width, stride, kt, v, padded, tokens, causal, row, q4, s4, dst, 1); break;
                }
            }
        }
        for (; row < tokens; row++) {
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
            const __m512 inv = _mm512_set1_ps(softmax_row(scores, n, nb * 16));
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
