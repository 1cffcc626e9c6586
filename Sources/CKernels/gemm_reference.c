// Scalar GEMMs over the packed layouts: the algorithmic reference that the AVX-512 kernels are tested
// against (llm.c keeps its naive matmul for the same reason). Not used by the model.
#include "ckernels.h"
#include <math.h>

float clip_epilogue_reference(clip_epilogue e, float v, long column, float existing) {
    if (e.bias) v += e.bias[column];
    if (e.activation == CLIP_ACTIVATION_QUICK_GELU) v = v / (1.0f + expf(-1.702f * v));
    else if (e.activation == CLIP_ACTIVATION_GELU) v = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    return e.accumulate ? existing + v : v;
}

void clip_gemm_u8s8_reference(const uint8_t *a, long lda, long m, const float *ascale,
                              const int8_t *w, const float *wscale, const int32_t *compensation, long k4, long n,
                              long p0, long p1, float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr) {
    for (long p = p0; p < p1; p++) {
        const int8_t *panel = w + p * k4 * 64;
        for (long j = 0; j < 16 && p * 16 + j < n; j++) {
            long col = p * 16 + j;
            for (long r = 0; r < m; r++) {
                int32_t acc = 0;
                for (long i = 0; i < k4 * 4; i++)
                    acc += (int32_t)a[r * lda + i] * (int32_t)panel[((i / 4) * 16 + j) * 4 + i % 4];
                acc -= compensation[col];
                if (raw) {
                    raw[r * ldr + col] = acc;
                } else {
                    float v = (float)acc * (ascale[r] * wscale[col]);
                    c[r * ldc + col] = clip_epilogue_reference(epilogue, v, col, c[r * ldc + col]);
                }
            }
        }
    }
}

void clip_gemm_bf16_reference(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                              long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    for (long p = p0; p < p1; p++) {
        const uint16_t *panel = w + p * k2 * 32;
        for (long j = 0; j < 16 && p * 16 + j < n; j++) {
            long col = p * 16 + j;
            for (long r = 0; r < m; r++) {
                float acc = 0;
                for (long i = 0; i < k2 * 2; i++)
                    acc += clip_bf16_to_f32(a[r * lda + i]) * clip_bf16_to_f32(panel[((i / 2) * 16 + j) * 2 + i % 2]);
                c[r * ldc + col] = clip_epilogue_reference(epilogue, acc, col, c[r * ldc + col]);
            }
        }
    }
}

void clip_gemm_f32_reference(const float *x, long ldx, long m, const float *w, long k, long n,
                             long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    for (long p = p0; p < p1; p++) {
        const float *panel = w + p * k * 16;
        for (long j = 0; j < 16 && p * 16 + j < n; j++) {
            long col = p * 16 + j;
            for (long r = 0; r < m; r++) {
                float acc = 0;
                for (long i = 0; i < k; i++) acc += x[r * ldx + i] * panel[i * 16 + j];
                c[r * ldc + col] = clip_epilogue_reference(epilogue, acc, col, c[r * ldc + col]);
            }
        }
    }
}
