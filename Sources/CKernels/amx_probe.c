// One AMX int8 tile product checked against plain C: proof, on a machine that reports AMX, that the tile
// permission was granted and the instructions run (tests call it, apart from the GEMM). The tile layouts
// are those the AMX GEMM (gemm_amx.c) uses: A is 16 rows of 64 u8, B is 16 rows of 16 columns × 4 consecutive k
// (the same 4-byte k-groups as the VNNI packing), C is 16 × 16 s32.
#include "avx512_common.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("amx-tile,amx-int8")))
static void tile_product(const uint8_t *a, const int8_t *b, int32_t *c) {
    struct tile_config config = {0};
    config.palette = 1;
    for (int t = 0; t < 3; t++) {
        config.bytes_per_row[t] = 64;
        config.rows[t] = 16;
    }
    _tile_loadconfig(&config);
    _tile_zero(0);
    _tile_loadd(1, a, 64);
    _tile_loadd(2, b, 64);
    _tile_dpbusd(0, 1, 2);
    _tile_stored(0, c, 64);
    _tile_release();
}

int clip_amx_int8_probe(void) {
    if (!(clip_cpu_features() & CLIP_CPU_AMX_INT8)) return -1;
    uint8_t a[16 * 64];
    int8_t b[16 * 64];
    int32_t c[16 * 16];
    for (int i = 0; i < 16 * 64; i++) {
        a[i] = (uint8_t)(i * 37 % 251);
        b[i] = (int8_t)(i * 11 % 255 - 127);
    }
    tile_product(a, b, c);
    int wrong = 0;
    for (int m = 0; m < 16; m++) {
        for (int n = 0; n < 16; n++) {
            int32_t sum = 0;
            for (int k = 0; k < 64; k++) sum += (int32_t)a[m * 64 + k] * b[(k / 4) * 64 + n * 4 + k % 4];
            wrong += sum != c[m * 16 + n];
        }
    }
    return wrong;
}
#else
int clip_amx_int8_probe(void) { return -1; }
#endif
