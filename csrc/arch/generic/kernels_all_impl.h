/* kernels_all_impl.h — every kernel of the generic entry for one element type
 * (through instantiate.h). */
#define GEN_MR 4
#define GEN_NR (FNN_DOUBLE ? 4 : 8)
#include "arch/generic/kernels_impl.h"
#include "arch/common/optim_range_impl.h"
#include "arch/common/loss_range_impl.h"
#include "arch/common/dropout_range_impl.h"
#undef GEN_MR
#undef GEN_NR
