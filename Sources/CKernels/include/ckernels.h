#ifndef CLIP_CKERNELS_H
#define CLIP_CKERNELS_H
// Reduced-precision GEMM kernels (int8 with AMX, AVX512-VNNI or AVX2; bf16 with AVX512-BF16) and CPU feature
// detection.
//
// Every function that uses AVX-512 (or AVX2) carries its own `__attribute__((target(...)))`, so this target needs no
// compiler flag and the binary still runs on an AVX2-only CPU: Swift calls an AVX-512 function only after
// `clip_cpu_features()` reported the instructions *and* the OS state that they need.
//
// Packed layouts (both: output channels in panels of 16, zero-padded; see the pack functions):
//   int8: panel p, k-group g (4 consecutive k), channel j, byte kk  →  ((p·K4 + g)·16 + j)·4 + kk
//   bf16: panel p, k-pair g (2 consecutive k), channel j, half kk  →  ((p·K2 + g)·16 + j)·2 + kk
// so one 64-byte load is what one `vpdpbusd` / `vdpbf16ps` consumes for 16 output channels.
#include <stdint.h>

#include "thread_pool.h"

enum {
    CLIP_CPU_AVX2 = 1 << 0,       // AVX2 + FMA with the OS saving YMM state
    CLIP_CPU_F16C = 1 << 1,
    CLIP_CPU_AVX512 = 1 << 2,     // AVX512 F + BW + VL with the OS saving ZMM/opmask state
    CLIP_CPU_AVX512_VNNI = 1 << 3,
    CLIP_CPU_AVX512_BF16 = 1 << 4,
    // AMX tiles (Sapphire, Emerald, Granite Rapids): the CPU reports them, the OS saves tile state (XCR0 bits 17
    // and 18), and on Linux this process was granted the tile data state (arch_prctl ARCH_REQ_XCOMP_PERM).
    // The int8 GEMM runs on the int8 tiles (gemm_amx.c); the bf16 tiles are reported only.
    CLIP_CPU_AMX_INT8 = 1 << 5,
    CLIP_CPU_AMX_BF16 = 1 << 6,
};

/// The features above that this CPU has and this OS has enabled (cpuid + xgetbv; for AMX, also the Linux
/// permission request, made once per process).
unsigned clip_cpu_features(void);

/// One AMX int8 tile product (16×64 u8 · 64×16 s8) against plain C: the number of wrong results (0 when the
/// tiles work), or -1 where AMX int8 is not available to this process.
int clip_amx_int8_probe(void);

// ---- int8: u8 activations (q + 128) × s8 weights → s32 ----

/// Quantizes each of `rows` weight rows `w[n, 0..<k]` to s8 with one symmetric scale per row (max|w|/127),
/// into the packed int8 layout. `scales[n]` receives the scale, `compensation[n]` = 128·Σₖ q[n,k] (subtracted
/// from the u8×s8 sums, whose activations carry +128). `packed` holds panels·K4·64 bytes.
void clip_pack_s8(const float *w, long n, long k, int8_t *packed, float *scales, int32_t *compensation);
/// Rows [row0, row1) of `clip_pack_s8` (every byte of their panel slots, k padding included; the range that
/// ends at n also zeroes the last panel's padding rows): disjoint row ranges can pack in parallel.
void clip_pack_s8_rows(const float *w, long n, long k, long row0, long row1, int8_t *packed, float *scales,
                       int32_t *compensation);

/// Dynamic per-row quantization of activations `x[m, 0..<k]` (row stride `ldx`) into u8 rows of `lda`
/// bytes (lda ≥ K4·4; the padding is 128, i.e. zero): `q = round(x / s) + 128` with `s = max|x|/127`.
void clip_quantize_rows_u8(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales);
void clip_quantize_rows_u8_avx512(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales);
void clip_quantize_rows_u8_avx2(const float *x, long ldx, long m, long k, uint8_t *a, long lda, float *scales);

/// What the kernels' output pass applies to each result before storing it: `+ bias[n]` (when `bias` is not
/// null), then the activation, then `+ C` (when `accumulate`: the residual add).
typedef struct {
    const float *bias;
    int activation;  // CLIP_ACTIVATION_*
    int accumulate;  // 0: store; 1: add to what is there, after the activation; 2: add, then activate
} clip_epilogue;

enum {
    CLIP_ACTIVATION_NONE = 0,
    CLIP_ACTIVATION_QUICK_GELU = 1,  // x·σ(1.702x)
    CLIP_ACTIVATION_GELU = 2,        // 0.5x(1 + erf(x/√2))
    CLIP_ACTIVATION_RELU = 3,        // max(x, 0): the ResNet towers' convolutions
    CLIP_ACTIVATION_GELU_TANH = 4,   // 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))): SigLIP (HF gelu_pytorch_tanh)
};

/// Panels [p0, p1) of `C = A·Wᵀ` over u8 rows `a` (from `clip_quantize_rows_u8`) and packed s8 weights.
/// `c` (row stride ldc): dequantized floats `acc·ascale[m]·wscale[n]`, then the epilogue.
/// When `raw` is not null the exact s32 sums Σ q_a·q_w go there (row stride ldr) instead of `c`.
void clip_gemm_u8s8_avx512vnni(const uint8_t *a, long lda, long m, const float *ascale,
                               const int8_t *w, const float *wscale, const int32_t *compensation, long k4, long n,
                               long p0, long p1, float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr);
/// The same contract on AMX tiles (32 rows × 32 channels per block), bit for bit the VNNI kernel's results.
/// Call only where `clip_cpu_features()` reports CLIP_CPU_AMX_INT8 (and CLIP_CPU_AVX512_VNNI).
void clip_gemm_u8s8_amx(const uint8_t *a, long lda, long m, const float *ascale,
                        const int8_t *w, const float *wscale, const int32_t *compensation, long k4, long n,
                        long p0, long p1, float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr);
/// The same contract with AVX2 alone (16-bit products, `vpmaddwd`), bit for bit the VNNI kernel's results.
/// Call only where `clip_cpu_features()` reports CLIP_CPU_AVX2.
void clip_gemm_u8s8_avx2(const uint8_t *a, long lda, long m, const float *ascale,
                         const int8_t *w, const float *wscale, const int32_t *compensation, long k4, long n,
                         long p0, long p1, float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr);
/// The same contract, in plain C (libm's expf/erff): the algorithmic reference the tests compare the fast
/// kernel with.
void clip_gemm_u8s8_reference(const uint8_t *a, long lda, long m, const float *ascale,
                              const int8_t *w, const float *wscale, const int32_t *compensation, long k4, long n,
                              long p0, long p1, float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr);

// ---- bf16: bf16 pairs × bf16 pairs → fp32 ----

/// Rounds weight rows `w[n, 0..<k]` to bf16 (nearest even) into the packed bf16 layout (panels·K2·64 bytes).
void clip_pack_bf16(const float *w, long n, long k, uint16_t *packed);

/// Rounds activations `x[m, 0..<k]` to bf16 rows of `lda` halves (lda ≥ K2·2, zero padding).
void clip_convert_rows_bf16(const float *x, long ldx, long m, long k, uint16_t *a, long lda);
void clip_convert_rows_bf16_avx512(const float *x, long ldx, long m, long k, uint16_t *a, long lda);

/// Panels [p0, p1) of `C = A·Wᵀ` with fp32 accumulation, then the epilogue.
void clip_gemm_bf16_avx512bf16(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                               long p0, long p1, float *c, long ldc, clip_epilogue epilogue);
void clip_gemm_bf16_reference(const uint16_t *a, long lda, long m, const uint16_t *w, long k2, long n,
                              long p0, long p1, float *c, long ldc, clip_epilogue epilogue);

/// The epilogue on one value, in plain C (what the reference kernels apply).
float clip_epilogue_reference(clip_epilogue epilogue, float value, long column, float existing);

// ---- fp32 over PackedWeights' fp32 panels (panel p: for each k, the 16 values W[16p ..< 16p+16, k]) ----

/// Panels [p0, p1) of `C = X·Wᵀ`, then the epilogue, with AVX-512 FMAs.
void clip_gemm_f32_avx512(const float *x, long ldx, long m, const float *w, long k, long n,
                          long p0, long p1, float *c, long ldc, clip_epilogue epilogue);
void clip_gemm_f32_reference(const float *x, long ldx, long m, const float *w, long k, long n,
                             long p0, long p1, float *c, long ldc, clip_epilogue epilogue);

// ---- attention (fp32) ----

/// Scaled dot-product attention for the (batch, head) items [item0, item1) of `qkv` (`[batch·tokens, 3·width]`,
/// q|k|v, bias not yet added; `bias` is `[3·width]`) into `out` (`[batch·tokens, width]`), causal or not.
/// Head size width/heads must be a multiple of 16 and at most 128. `scratch` holds
/// `clip_attention_scratch_floats(tokens, head size)` floats, one per calling thread.
void clip_attention_avx512(const float *qkv, const float *bias, float *out, long tokens, long width,
                           long heads, int causal, long item0, long item1, float *scratch);
long clip_attention_scratch_floats(long tokens, long head_dim);

/// Hands the heap's free pages back to the OS (malloc_trim on glibc; nothing elsewhere).
void clip_heap_trim(void);

/// Rounds one float to bf16 (nearest even; NaN stays NaN), and back.
uint16_t clip_f32_to_bf16(float x);
float clip_bf16_to_f32(uint16_t h);

#endif
