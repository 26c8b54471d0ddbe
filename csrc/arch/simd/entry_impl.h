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
    .gemm_s = {ukernel_s, ENTRY_PACK_S, dot_rows_s, axpy_rows_s, MR_S, NV_S * VS_LANES, MC_S, KC_S, NC_S,
               VS_LANES, ukernel_rows_s},
    .gemm_d = {ukernel_d, ENTRY_PACK_D, dot_rows_d, axpy_rows_d, MR_D, NV_D * VD_LANES, MC_D, KC_D, NC_D,
               VD_LANES, ukernel_rows_d},
    .act_s = act_range_s,
    .act_d = act_range_d,
    .rows_s = {row_max_s, row_exp_s},
    .rows_d = {row_max_d, row_exp_d},
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
