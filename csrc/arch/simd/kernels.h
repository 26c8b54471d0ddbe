/* kernels.h — every kernel family of a vector entry for one element type,
 * included by entry_type_impl.h (the ISA's vectors bound, the register tile
 * KER_MR × KER_NV set). */
#include "arch/simd/vmath_impl.h"
#include "arch/simd/act_impl.h"
#include "arch/simd/rows_impl.h"
#include "arch/simd/gemm_kernel_impl.h"
#include "arch/common/optim_range_impl.h"
#include "arch/common/loss_range_impl.h"
#include "arch/common/dropout_range_impl.h"
