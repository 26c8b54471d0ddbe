/* x86_probe.c — what the CPU and the OS let x86 code run, from CPUID and
 * XGETBV: an instruction set counts only if the CPU has it and the OS saves
 * its registers on a context switch (XCR0). Built for the baseline target. */
#include "internal.h"

#ifdef FNN_X86_64

#include <cpuid.h>
#include <stdint.h>

#include "arch/x86_probe.h"

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* CPUID leaf 7 EBX, or 0; and whether the OS enabled XSAVE (OSXSAVE) */
static int leaf7(uint32_t *ebx, uint32_t *ecx1)
{
    uint32_t a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    *ecx1 = c;
    if (__get_cpuid_max(0, 0) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    *ebx = b;
    return 1;
}

/* AVX2 and FMA, with the OS saving the ymm state (XCR0 bits 1, 2) */
int fnn_x86_has_avx2_fma(void)
{
    uint32_t b7 = 0, c1 = 0;
    if (!leaf7(&b7, &c1))
        return 0;
    const int osxsave = (c1 >> 27) & 1, fma = (c1 >> 12) & 1, avx = (c1 >> 28) & 1;
    const int avx2 = (b7 >> 5) & 1;
    if (!(osxsave && avx && fma && avx2))
        return 0;
    return (xgetbv0() & 0x6) == 0x6;
}

/* AVX512F on top of that, with the OS saving the opmask and zmm state
 * (XCR0 bits 5, 6, 7) */
int fnn_x86_has_avx512f(void)
{
    uint32_t b7 = 0, c1 = 0;
    if (!fnn_x86_has_avx2_fma() || !leaf7(&b7, &c1))
        return 0;
    if (!((b7 >> 16) & 1))
        return 0;
    return (xgetbv0() & 0xe6) == 0xe6;
}

#endif /* FNN_X86_64 */
