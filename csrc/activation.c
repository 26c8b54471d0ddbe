/* activation.c — elementwise activations and their derivatives over flat
 * arrays: y = act(x) and dx = dy ⊙ act'(s) (formulas in act_scalar.h).
 *
 * The array is cut into blocks of FNN_ELEM_BLOCK elements, a multiple of every
 * vector width; threads take whole blocks, and each element is computed alone,
 * so every element gets the same arithmetic whatever the thread count. The
 * range kernels come from the kernel table (arch/<isa>/). */
#include "act_scalar.h"
#include "internal.h"

#define FNN_IMPL "activation_impl.h"
#include "instantiate.h"

