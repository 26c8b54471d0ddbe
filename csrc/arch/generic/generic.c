/* generic.c — the portable entry of the kernel table: plain C on any CPU,
 * the reference every other entry is checked against at first use. */
#include "internal.h"

#include "arch/generic/kernels.h"

void fnn_interleave_generic_s(int w, const float *src, fnn_int ld, fnn_int kc, float *dst)
{
    interleave_s(w, src, ld, kc, dst);
}

void fnn_interleave_generic_d(int w, const double *src, fnn_int ld, fnn_int kc, double *dst)
{
    interleave_d(w, src, ld, kc, dst);
}

static int generic_supported(void)
{
    return 1;
}

const fnn_arch fnn_arch_generic = {
    .name = "generic",
    .supported = generic_supported,
    .gemm_s = {ukernel_s, fnn_interleave_generic_s, dot_rows_s, axpy_rows_s, 4, 8, 128, 256, 4096, 8, ukernel_rows_s},
    .gemm_d = {ukernel_d, fnn_interleave_generic_d, dot_rows_d, axpy_rows_d, 4, 4, 128, 256, 4096, 4, ukernel_rows_d},
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
