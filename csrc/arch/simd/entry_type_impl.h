/* entry_type_impl.h — every kernel family of a vector entry for one element
 * type (through instantiate.h): the ISA's vectors of T bound to the names the
 * kernels use, and the register tile of that type. */
#if FNN_DOUBLE
#include "arch/simd/vec_double.h"
#define KER_MR MR_D
#define KER_NV NV_D
#else
#include "arch/simd/vec_float.h"
#define KER_MR MR_S
#define KER_NV NV_S
#endif
#include "arch/simd/kernels.h"
#include "arch/simd/vec_end.h"
#undef KER_MR
#undef KER_NV
