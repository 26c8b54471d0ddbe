/* linear_chain.c — a chain of Linear(+activation) layers, forward and
 * backward each in one call (llm.c's model forward/backward over flat
 * arrays): layer after layer with the very calls a single layer makes
 * (gemm.c), so a chain gives the bits of its layers run one by one, without
 * a trip through Python between them. */
#include "internal.h"

#define FNN_IMPL "linear_chain_impl.h"
#include "instantiate.h"
