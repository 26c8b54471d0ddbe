/* avx2_begin.h — include first in a file of AVX2+FMA kernels (inside
 * #ifdef FNN_X86_64): every function after it is compiled for the avx2,fma
 * target whatever the build flags, and the vector helpers of simd_avx2.h come
 * with it. End the file with avx2_end.h. cpu.c selects these kernels only on
 * a CPU that reports both features. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC target("avx2,fma")
#endif

#include <immintrin.h>

#include "simd_avx2.h"
