/* avx2.c — the AVX2+FMA entry of the kernel table: 8 floats (4 doubles) a
 * vector, a 6×16 float (6×8 double) register tile in twelve ymm accumulators;
 * the kernels of arch/simd/ over avx2/vec.h. Cache blocks for a core with
 * 32 KB L1d and 512 KB L2: a B micro-panel (kc·NR) stays in L1, the packed A
 * block (mc·kc) in L2. */
#include <math.h>
#include <stdint.h>

#include "act_scalar.h"
#include "internal.h"

#ifdef FNN_X86_64

#include "arch/avx2/vec.h"
#include "arch/x86_probe.h"

#define ENTRY_VAR fnn_arch_avx2
#define ENTRY_NAME "avx2"
#define ENTRY_SUPPORTED fnn_x86_has_avx2_fma
#define ENTRY_TEST_ONLY 0
#define ENTRY_PACK_S fnn_interleave_avx2_s
#define ENTRY_PACK_D fnn_interleave_avx2_d
#define MR_S 6
#define NV_S 2
#define MC_S 96
#define KC_S 512
#define NC_S 4080
#define MR_D 6
#define NV_D 2
#define MC_D 72
#define KC_D 256
#define NC_D 4080
#include "arch/simd/entry_impl.h"

#endif /* FNN_X86_64 */
