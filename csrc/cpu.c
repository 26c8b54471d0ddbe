/* cpu.c — runtime choice of the SIMD path by CPU feature flags.
 *
 * The AVX2+FMA kernels are compiled for that target inside otherwise portable
 * objects; they run only if the CPU reports both flags. FASTNN_SIMD=generic
 * forces the portable C path (FASTNN_SIMD=avx2 asks for AVX2 and falls back
 * if the CPU lacks it). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static fnn_simd current = FNN_SIMD_GENERIC;
static int initialised = 0;

int fnn_simd_supported(fnn_simd path)
{
    if (path == FNN_SIMD_GENERIC)
        return 1;
#if defined(FNN_X86_64) && (defined(__GNUC__) || defined(__clang__))
    if (path == FNN_SIMD_AVX2) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
#endif
    return 0;
}

void fnn_cpu_init(void)
{
    if (initialised)
        return;
    initialised = 1;
    current = fnn_simd_supported(FNN_SIMD_AVX2) ? FNN_SIMD_AVX2 : FNN_SIMD_GENERIC;
    const char *env = getenv("FASTNN_SIMD");
    if (env && strcmp(env, "generic") == 0)
        current = FNN_SIMD_GENERIC;
}

fnn_simd fnn_get_simd(void)
{
    fnn_cpu_init();
    return current;
}

int fnn_set_simd(fnn_simd path)
{
    fnn_cpu_init();
    if (!fnn_simd_supported(path))
        return -1;
    current = path;
    return 0;
}

const char *fnn_simd_name(fnn_simd path)
{
    return path == FNN_SIMD_AVX2 ? "avx2" : "generic";
}

/* The table (or function) of the SIMD path in use, for each kernel family. */
#ifdef FNN_X86_64
#define FNN_PICK(type, name, avx2, generic)                                         \
    type name(void) { return fnn_get_simd() == FNN_SIMD_AVX2 ? avx2 : generic; }
#else
#define FNN_PICK(type, name, avx2, generic)                                         \
    type name(void) { return generic; }
#endif

FNN_PICK(const fnn_gemm_arch_s *, fnn_arch_s, &fnn_gemm_avx2_s, &fnn_gemm_generic_s)
FNN_PICK(const fnn_gemm_arch_d *, fnn_arch_d, &fnn_gemm_avx2_d, &fnn_gemm_generic_d)
FNN_PICK(fnn_act_range_fn_s, fnn_act_range_s, fnn_act_range_avx2_s, fnn_act_range_generic_s)
FNN_PICK(fnn_act_range_fn_d, fnn_act_range_d, fnn_act_range_avx2_d, fnn_act_range_generic_d)
FNN_PICK(const fnn_rowops_s *, fnn_get_rowops_s, &fnn_rowops_avx2_s, &fnn_rowops_generic_s)
FNN_PICK(const fnn_rowops_d *, fnn_get_rowops_d, &fnn_rowops_avx2_d, &fnn_rowops_generic_d)

#ifndef FNN_BUILD_FLAGS
#define FNN_BUILD_FLAGS "unknown"
#endif

const char *fnn_compiler(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown";
#endif
}

const char *fnn_build_flags(void)
{
    return FNN_BUILD_FLAGS;
}
