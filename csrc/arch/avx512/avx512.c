/* avx512.c — the AVX-512 entry of the kernel table: 16 floats (8 doubles) a
 * vector, lane masks at every edge, the tiles of avx512/tiles.h; the kernels
 * of arch/simd/ over avx512/vec.h. cpu.c checks it against the generic entry
 * at first use before trusting it. Not compiled where the compiler lacks the
 * avx512f target (setup.py defines FNN_NO_AVX512). */
#include <math.h>
#include <stdint.h>

#include "act_scalar.h"
#include "internal.h"

#if defined(FNN_X86_64) && !defined(FNN_NO_AVX512)

#include "arch/avx512/vec.h"
#include "arch/avx512/tiles.h"
#include "arch/x86_probe.h"

#define ENTRY_VAR fnn_arch_avx512
#define ENTRY_NAME "avx512"
#define ENTRY_SUPPORTED fnn_x86_has_avx512f
#define ENTRY_TEST_ONLY 0
/* packing: 16×16 float and 8×8 double transposes in zmm (avx512/pack.c) */
void fnn_interleave_avx512_s(int w, const float *src, fnn_int ld, fnn_int kc, float *dst);
void fnn_interleave_avx512_d(int w, const double *src, fnn_int ld, fnn_int kc, double *dst);
#define ENTRY_PACK_S fnn_interleave_avx512_s
#define ENTRY_PACK_D fnn_interleave_avx512_d
#include "arch/simd/entry_impl.h"

#endif
