// The int8 GEMM on AMX tiles (Sapphire, Emerald and Granite Rapids), with the same contract and the same
// packed weights as `clip_gemm_u8s8_avx512vnni`, and bit for bit its results: the s32 sums are exact either
// way, and the output pass below is the VNNI kernel's, operation for operation.
//
// A block is up to 32 rows × 2 panels (32 output channels): accumulator tiles 0–3 (16 rows × 16 s32 each),
// activation tiles 4–5 (16 rows × 64 u8: 16 k-groups of 4), weight tiles 6–7 (16 k-groups × 16 channels × 4,
// which is one panel's packed layout as it lies in memory, so the weights load with a 64-byte stride and no
// repacking). One `tdpbusd` does 16·16·64 multiply-adds. The panel pair is the outer loop, so its weights
// (32·K bytes) stay in L2 while every row block streams past. A K that is not a multiple of 64 ends with a
// zero-padded copy of the last k-groups.
#include "avx512_common.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define TARGET_AMX __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,amx-tile,amx-int8")))

/// Tiles for a block of `rows` (1…32) rows: accumulators and activations get the rows each half has.
static TARGET_AMX void configure(int rows) {
    struct tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    int top = rows < 16 ? rows : 16, bottom = rows - top;
    int tile_rows[8] = {top, top, bottom, bottom, top, bottom, 16, 16};
    for (int t = 0; t < 8; t++) {
        config.rows[t] = (uint8_t)tile_rows[t];
        config.bytes_per_row[t] = tile_rows[t] ? 64 : 0;
    }
    _tile_loadconfig(&config);
}

/// One 64-k step of a block: the activation tiles (rows of `a`, stride `lda`; the bottom half when `bottom`)
/// times the weight tiles `b0` and, when not null, `b1` (16 k-groups of a panel, 64 bytes each), added to the
/// accumulators.
INLINE TARGET_AMX void multiply_add(const uint8_t *a, long lda, int bottom, const int8_t *b0, const int8_t *b1) {
    _tile_loadd(4, a, lda);
    _tile_loadd(6, b0, 64);
    _tile_dpbusd(0, 4, 6);
    if (bottom) {
        _tile_loadd(5, a + 16 * lda, lda);
        _tile_dpbusd(2, 5, 6);
    }
    if (b1) {
        _tile_loadd(7, b1, 64);
        _tile_dpbusd(1, 4, 7);
        if (bottom) _tile_dpbusd(3, 5, 7);
    }
}

/// The exact sums of a block into `acc` (32 × 32 s32, row-major): rows × (16 or 32) channels.
static TARGET_AMX void block_sums(const uint8_t *a, long lda, int rows, const int8_t *w0, const int8_t *w1,
                                  long k4, int32_t *acc) {
    int two = w1 != 0, bottom = rows > 16;
    // A tile configured with no rows (the bottom half of a short block) must not be touched: that faults.
    _tile_zero(0);
    if (two) _tile_zero(1);
    if (bottom) {
        _tile_zero(2);
        if (two) _tile_zero(3);
    }
    long full = k4 / 16 * 16;
    for (long g = 0; g < full; g += 16) multiply_add(a + g * 4, lda, bottom, w0 + g * 64, two ? w1 + g * 64 : 0);
    if (full < k4) {
        // The last k-groups, zero-padded to a whole tile: zero weights make the padding add nothing.
        long left = k4 - full;
        uint8_t at[32 * 64];
        int8_t bt[2][16 * 64];
        memset(at, 0, sizeof at);
        memset(bt, 0, sizeof bt);
        for (int r = 0; r < rows; r++) memcpy(at + r * 64, a + r * lda + full * 4, (size_t)(left * 4));
        memcpy(bt[0], w0 + full * 64, (size_t)(left * 64));
        if (two) memcpy(bt[1], w1 + full * 64, (size_t)(left * 64));
        multiply_add(at, 64, bottom, bt[0], two ? bt[1] : 0);
    }
    _tile_stored(0, acc, 128);
    if (two) _tile_stored(1, acc + 16, 128);
    if (bottom) {
        _tile_stored(2, acc + 16 * 32, 128);
        if (two) _tile_stored(3, acc + 16 * 32 + 16, 128);
    }
}

TARGET_AMX void clip_gemm_u8s8_amx(const uint8_t *a, long lda, long m, const float *ascale,
                                   const int8_t *w, const float *wscale, const int32_t *comp, long k4, long n,
                                   long p0, long p1, float *c, long ldc, clip_epilogue epi, int32_t *raw, long ldr) {
    int32_t acc[32 * 32] __attribute__((aligned(64)));
    int configured = 0;
    for (long p = p0; p < p1; p += 2) {
        int panels = p + 1 < p1 ? 2 : 1;
        const int8_t *w0 = w + p * k4 * 64, *w1 = panels == 2 ? w0 + k4 * 64 : 0;
        for (long r = 0; r < m; r += 32) {
            int rows = (int)(m - r < 32 ? m - r : 32);
            if (rows != configured) {
                configure(rows);
                configured = rows;
            }
            block_sums(a + r * lda, lda, rows, w0, w1, k4, acc);
            // The VNNI kernel's output pass (store_u8s8).
            for (int j = 0; j < panels; j++) {
                long col = (p + j) * 16;
                u8s8_panel panel = u8s8_panel_at(comp, wscale, epi, col, n);
                for (int i = 0; i < rows; i++) {
                    __m512i sums = _mm512_load_si512((const void *)(acc + i * 32 + j * 16));
                    store_u8s8(sums, panel, ascale[r + i], epi, raw ? 0 : c + (r + i) * ldc + col,
                               raw ? raw + (r + i) * ldr + col : 0);
                }
            }
        }
    }
    if (configured) _tile_release();
}
#else
void clip_gemm_u8s8_amx(const uint8_t *a, long lda, long m, const float *ascale, const int8_t *w,
                        const float *wscale, const int32_t *comp, long k4, long n, long p0, long p1,
                        float *c, long ldc, clip_epilogue epilogue, int32_t *raw, long ldr) {
    clip_gemm_u8s8_reference(a, lda, m, ascale, w, wscale, comp, k4, n, p0, p1, c, ldc, epilogue, raw, ldr);
}
#endif
