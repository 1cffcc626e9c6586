// CPU feature detection for kernel dispatch. A feature counts only when the CPU reports it (cpuid, through
// __builtin_cpu_supports) *and* the OS saves the registers it uses (XCR0 via xgetbv): a kernel that the CPU
// supports but the OS did not enable would fault with SIGILL.
#include "ckernels.h"

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t xcr0(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

// AMX: cpuid leaf 7 reports the tiles (EDX bit 24), int8 (bit 25) and bf16 (bit 22); XCR0 bits 17 (tile
// config) and 18 (tile data) say the OS saves their state. Linux also wants each process to ask for the
// 8 KiB tile data state before its first tile instruction (arch_prctl ARCH_REQ_XCOMP_PERM, feature 18);
// without that grant the instructions fault, so a feature is reported only once it is granted.
static unsigned amx_features(uint64_t state) {
    unsigned eax, ebx, ecx, edx;
    if ((state & 0x60000) != 0x60000 || !__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(edx & (1u << 24))) return 0;
#if defined(__linux__)
    if (syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) != 0) return 0;
#endif
    unsigned f = 0;
    if (edx & (1u << 25)) f |= CLIP_CPU_AMX_INT8;
    if (edx & (1u << 22)) f |= CLIP_CPU_AMX_BF16;
    return f;
}

unsigned clip_cpu_features(void) {
    __builtin_cpu_init();
    uint64_t state = xcr0();
    int ymm = (state & 0x6) == 0x6;            // XMM + YMM state
    int zmm = ymm && (state & 0xE0) == 0xE0;   // opmask + ZMM_Hi256 + Hi16_ZMM state
    unsigned f = 0;
    if (ymm && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= CLIP_CPU_AVX2;
    unsigned eax, ebx, ecx, edx;
    if (ymm && __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C)) f |= CLIP_CPU_F16C;
    if (zmm && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
        f |= CLIP_CPU_AVX512;
        if (__builtin_cpu_supports("avx512vnni")) f |= CLIP_CPU_AVX512_VNNI;
        if (__builtin_cpu_supports("avx512bf16")) f |= CLIP_CPU_AVX512_BF16;
        f |= amx_features(state);
    }
    return f;
}
#else
unsigned clip_cpu_features(void) { return 0; }
#endif
