/* gemm.c — C = op(A)·op(B) + beta·C with a fused epilogue, and the weight
 * gradient of a Linear layer; float and double instantiations of the driver
 * in gemm_impl.h. The micro-kernels come from the kernel table (arch/<isa>/). */
#include <string.h>

#include "act_scalar.h"
#include "internal.h"

/* Up to FNN_GEMM_SMALL_M rows (fastnn.h), C is computed row by row without
 * packing B; a weight gradient with row sums (its bias gradient) too, up to
 * FNN_SMALL_M_SUMS rows when B has at most FNN_SMALL_M_SUMS_NK elements (the
 * small layers of a small net, whose packed panels would be mostly padding). */
#define FNN_SMALL_M FNN_GEMM_SMALL_M
#define FNN_SMALL_M_SUMS 8
#define FNN_SMALL_M_SUMS_NK 4096.0
/* An operand packs whole when that takes at most this many bytes (8 MB: a
 * 1024×2048 float matrix), else chunk by chunk. */
#define FNN_PACK_CAP ((fnn_int)8 << 20)
/* Work units per packed element, against FNN_THREAD_WORK: a copy costs about
 * what 10-20 flops of the micro-kernel do, but a packing pass under ~125 000
 * elements (~30 µs) is cheaper on the caller alone than handed out, so count 8:
 * the small GEMMs of a step (784-256-10's second layer) then hand out once. */
#define FNN_PACK_COST 8.0

#define FNN_IMPL "gemm_impl.h"
#include "instantiate.h"
