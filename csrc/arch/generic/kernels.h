/* kernels.h — the generic kernels (kernels_impl.h) and the optimizer and
 * dropout loops every entry shares, instantiated for float and double as
 * static functions with the suffixes _s and _d; register tile 4×8 floats,
 * 4×4 doubles. */
#include <math.h>

#include "act_scalar.h"

#define FNN_IMPL "arch/generic/kernels_all_impl.h"
#include "instantiate.h"
