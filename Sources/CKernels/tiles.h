// The tile shapes of the vector GEMM kernels and the order in which a GEMM visits its tiles: shared by the
// AVX-512 and AVX2 kernels (not part of this target's public interface).
#ifndef CLIP_TILES_H
#define CLIP_TILES_H
#include "ckernels.h"

#define INLINE static inline __attribute__((always_inline))
#define MR 6
#define NP 4
// One switch case per tile shape (rows 1…6 × panels 1…4), so every micro-kernel call has literal sizes and
// the compiler keeps exactly the accumulators that shape needs in registers.
#define EVERY_TILE(CASE) \
    CASE(6, 4) CASE(6, 3) CASE(6, 2) CASE(6, 1) CASE(5, 4) CASE(5, 3) CASE(5, 2) CASE(5, 1) \
    CASE(4, 4) CASE(4, 3) CASE(4, 2) CASE(4, 1) CASE(3, 4) CASE(3, 3) CASE(3, 2) CASE(3, 1) \
    CASE(2, 4) CASE(2, 3) CASE(2, 2) CASE(2, 1) CASE(1, 4) CASE(1, 3) CASE(1, 2) CASE(1, 1)

// ---- tile order ----

/// Computes the tile of `rows` rows from `row` and `panels` panels from `panel` (a format's micro-kernel).
typedef void (*tile_runner)(const void *job, long row, int rows, long panel, int panels);

/// Visits panels [p0, p1) of an M-row GEMM: rows in blocks of `row_block`, then 4-panel strips, then 6-row
/// tiles, so a strip of weights stays in cache while the block's rows stream past it.
static inline void sweep_tiles(long m, long row_block, long p0, long p1, tile_runner run, const void *job) {
    for (long m0 = 0; m0 < m; m0 += row_block) {
        long m1 = m0 + row_block < m ? m0 + row_block : m;
        for (long p = p0; p < p1; p += NP) {
            int panels = (int)(p1 - p < NP ? p1 - p : NP);
            for (long r = m0; r < m1; r += MR) run(job, r, (int)(m1 - r < MR ? m1 - r : MR), p, panels);
        }
    }
}
// ---- the int8 GEMM's frame, shared by the AVX-512 VNNI and AVX2 kernels ----

/// An int8 GEMM's arguments, as its tile runner reads them.
struct u8s8_job {
    const uint8_t *a; long lda; const float *ascale; const int8_t *w; const float *wscale; const int32_t *comp;
    long k4, n; float *c; long ldc; clip_epilogue epilogue; int32_t *raw; long ldr;
};

/// One switch case of an int8 tile runner: the file's `tile_u8s8` micro-kernel on the tile at row r, panel p.
#define U8S8_CASE(R, P) case (R) * 8 + (P): \
    tile_u8s8(R, P, j->a + r * j->lda, j->lda, j->ascale + r, j->w + p * j->k4 * 64, j->k4, j->wscale, j->comp, p * 16, \
              j->n, j->c ? j->c + r * j->ldc : 0, j->ldc, j->epilogue, j->raw ? j->raw + r * j->ldr : 0, j->ldr); break;

/// Defines the public int8 GEMM `NAME` (the `clip_gemm_u8s8_*` contract) over the file's `tile_u8s8`, with the
/// function attribute `TARGET` its instructions need: rows in one block, 4-panel strips, 6-row tiles.
#define DEFINE_U8S8_GEMM(NAME, TARGET) \
    static TARGET void run_u8s8(const void *job, long r, int rows, long p, int panels) { \
        const struct u8s8_job *j = job; \
        switch (rows * 8 + panels) { EVERY_TILE(U8S8_CASE) } \
    } \
    TARGET void NAME(const uint8_t *a, long lda, long m, const float *ascale, const int8_t *w, const float *wscale, \
                     const int32_t *comp, long k4, long n, long p0, long p1, float *c, long ldc, \
                     clip_epilogue epilogue, int32_t *raw, long ldr) { \
        struct u8s8_job job = {a, lda, ascale, w, wscale, comp, k4, n, c, ldc, epilogue, raw, ldr}; \
        sweep_tiles(m, m, p0, p1, run_u8s8, &job); \
    }
#endif
