// Scalar GEMMs over the packed layouts: the algorithmic reference that the AVX-512 kernels are tested
// against (llm.c keeps its naive matmul for the same reason). Not used by the model.
#include "ckernels.h"
#include <math.h>

float clip_epilogue_reference(clip_epilogue e, float v, long column, float existing) {
    if (e.bias) v += e.bias[column];
    if (e.accumulate == 2) v += existing;
    if (e.activation == CLIP_ACTIVATION_QUICK_GELU) v = v / (1.0f + expf(-1.702f * v));
    else if (e.activation == CLIP_ACTIVATION_GELU) v = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    else if (e.activation == CLIP_ACTIVATION_RELU) v = fmaxf(v, 0.0f);
    else if (e.activation == CLIP_ACTIVATION_GELU_TANH) v = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    return e.accumulate == 1 ? existing + v : v;
}

// One output's value before the epilogue: the dot product of input row `row` with weight row `col`.
typedef float (*reference_value)(const void *job, long row, long col);

// Every output of panels [p0, p1) of an M-row GEMM, through the epilogue.
static void reference_sweep(long m, long n, long p0, long p1, float *c, long ldc, clip_epilogue epilogue,
                            reference_value value, const void *job) {
    for (long col = p0 * 16; col < p1 * 16 && col < n; col++)
        for (long r = 0; r < m; r++) c[r * ldc + col] = clip_epilogue_reference(epilogue, value(job, r, col), col, c[r * ldc + col]);
}

struct u8s8_reference { const uint8_t *a; long lda; const float *ascale; const int8_t *w; const float *wscale; const int32_t *comp; long k4; };

// Σ q_a·q_w over the packed layouts: Σ (q_a + 128)·q_w − 128·Σ q_w.
static int32_t u8s8_sum(const struct u8s8_reference *j, long r, long col) {
    const int8_t *panel = j->w + (col / 16) * j->k4 * 64;
    int32_t acc = 0;
    for (long i = 0; i < j->k4 * 4; i++) acc += (int32_t)j->a[r * j->lda + i] * (int32_t)panel[((i / 4) * 16 + col % 16) * 4 + i % 4];
    return acc - j->comp[col];
}

static float u8s8_value(const void *job, long r, long col) {
    const struct u8s8_reference *j = job;
    return (float)u8s8_sum(j, r, col) * (j->ascale[r] * j->wscale[col]);
}

void clip_gemm_u8s8_reference(const uint8_t *a, long lda, long m, const float *ascale,
                              const int8_t *w, const float *wscale, const int32_t *compensation, long k4, long n,
                              long p0, long p1, float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr) {
    struct u8s8_reference job = {a, lda, ascale, w, wscale, compensation, k4};
    if (!raw) {
        reference_sweep(m, n, p0, p1, c, ldc, epilogue, u8s8_value, &job);
        return;
    }
    for (long col = p0 * 16; col < p1 * 16 && col < n; col++)
        for (long r = 0; r < m; r++) raw[r * ldr + col] = u8s8_sum(&job, r, col);
}

struct bf16_reference { const uint16_t *a; long lda; const uint16_t *w; long k2; };

static float bf16_value(const void *job, long r, long col) {
    const struct bf16_reference *j = job;
    const uint16_t *panel = j->w + (col / 16) * j->k2 * 32;
    float acc = 0;
    for (long i = 0; i < j->k2 * 2; i++)
        acc += clip_bf16_to_f32(j->a[r * j->lda + i]) * clip_bf16_to_f32(panel[((i / 2) * 16 + col % 16) * 2 + i % 2]);
    return acc;
}

void clip_gemm_bf16_reference(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                              long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    struct bf16_reference job = {a, lda, w, k2};
    reference_sweep(m, n, p0, p1, c, ldc, epilogue, bf16_value, &job);
}

struct f32_reference { const float *x; long ldx; const float *w; long k; };

static float f32_value(const void *job, long r, long col) {
    const struct f32_reference *j = job;
    const float *panel = j->w + (col / 16) * j->k * 16;
    float acc = 0;
    for (long i = 0; i < j->k; i++) acc += j->x[r * j->ldx + i] * panel[i * 16 + col % 16];
    return acc;
}

void clip_gemm_f32_reference(const float *x, long ldx, long m, const float *w, long k, long n,
                             long p0, long p1, float *c, long ldc, clip_epilogue epilogue) {
    struct f32_reference job = {x, ldx, w, k};
    reference_sweep(m, n, p0, p1, c, ldc, epilogue, f32_value, &job);
}
