/* entry_impl.h — a vector entry of the kernel table: every kernel family of
 * arch/simd/ instantiated for float and double, and the table. The ISA's C
 * file includes its vec.h, then defines
 *   ENTRY_VAR, ENTRY_NAME, ENTRY_SUPPORTED (a probe), ENTRY_TEST_ONLY (0/1),
 *   ENTRY_PACK_S / _D    the packing routines,
 *   MR_S, NV_S, MC_S, KC_S, NC_S   float register tile (MR × NV vectors) and
 *   MR_D, NV_D, MC_D, KC_D, NC_D   cache blocks; double likewise,
 * and includes this file. */

#define FNN_IMPL "arch/simd/entry_type_impl.h"
#include "instantiate.h"

const fnn_arch ENTRY_VAR = {
    .name = ENTRY_NAME,
    .supported = ENTRY_SUPPORTED,
    .test_only = ENTRY_TEST_ONLY,
    .gemm_s = {.kernel = ukernel_s, .interleave = ENTRY_PACK_S, .dot_rows = dot_rows_s,
               .axpy_rows = axpy_rows_s, .mr = MR_S, .nr = NV_S * VS_LANES, .mc = MC_S, .kc = KC_S,
               .nc = NC_S, .vl = VS_LANES, .kernel_rows = ukernel_rows_s},
    .gemm_d = {.kernel = ukernel_d, .interleave = ENTRY_PACK_D, .dot_rows = dot_rows_d,
               .axpy_rows = axpy_rows_d, .mr = MR_D, .nr = NV_D * VD_LANES, .mc = MC_D, .kc = KC_D,
               .nc = NC_D, .vl = VD_LANES, .kernel_rows = ukernel_rows_d},
    .act_s = act_range_s,
    .act_d = act_range_d,
    .rows_s = {.max = row_max_s, .exp = row_exp_s},
    .rows_d = {.max = row_max_d, .exp = row_exp_d},
    .opt_s = opt_range_s,
    .opt_d = opt_range_d,
    .loss_s = loss_range_s,
    .loss_d = loss_range_d,
    .drop_s = drop_range_s,
    .drop_d = drop_range_d,
};

#ifdef FNN_VEC_TARGET_PUSHED
#pragma clang attribute pop
#endif
