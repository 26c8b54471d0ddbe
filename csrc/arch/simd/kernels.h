/* kernels.h — every kernel family of a vector entry for one element type:
 * include after the ISA's vec.h and vec_float.h (or vec_double.h), with the
 * register tile (KER_MR, KER_NV) and SQRT defined. */
#include "arch/simd/vmath_impl.h"
#include "arch/simd/act_impl.h"
#include "arch/simd/rows_impl.h"
#include "arch/simd/gemm_kernel_impl.h"
#include "arch/common/optim_range_impl.h"
#include "arch/common/dropout_range_impl.h"
