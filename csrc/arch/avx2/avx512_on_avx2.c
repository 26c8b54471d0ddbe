/* avx512_on_avx2.c — a test-only entry: the AVX-512 entry's kernels, tiles
 * and masked edges (the same source: arch/simd/ and avx512/tiles.h) over
 * 16-float vectors made of two ymm registers (avx2/wide.h), so that all of
 * the AVX-512 entry but its instructions runs, and is tested, on any AVX2 CPU.
 * Never picked by default: FASTNN_SIMD=avx512_on_avx2 or set_simd asks for it. */
#include <math.h>
#include <stdint.h>

#include "act_scalar.h"
#include "internal.h"

#ifdef FNN_X86_64

#include "arch/avx2/wide.h"
#include "arch/avx512/tiles.h"
#include "arch/x86_probe.h"

#define ENTRY_VAR fnn_arch_avx512_on_avx2
#define ENTRY_NAME "avx512_on_avx2"
#define ENTRY_SUPPORTED fnn_x86_has_avx2_fma
#define ENTRY_TEST_ONLY 1
#define ENTRY_PACK_S fnn_interleave_avx2_s      /* the AVX2 transposes */
#define ENTRY_PACK_D fnn_interleave_avx2_d
#include "arch/simd/entry_impl.h"

#endif /* FNN_X86_64 */
