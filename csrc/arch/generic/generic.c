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
    .gemm_s = {.kernel = ukernel_s, .interleave = fnn_interleave_generic_s, .dot_rows = dot_rows_s,
               .axpy_rows = axpy_rows_s, .mr = 4, .nr = 8, .mc = 128, .kc = 256,
               .nc = 4096, .vl = 8, .kernel_rows = ukernel_rows_s},
    .gemm_d = {.kernel = ukernel_d, .interleave = fnn_interleave_generic_d, .dot_rows = dot_rows_d,
               .axpy_rows = axpy_rows_d, .mr = 4, .nr = 4, .mc = 128, .kc = 256,
               .nc = 4096, .vl = 4, .kernel_rows = ukernel_rows_d},
    .act_s = act_range_s,
    .act_d = act_range_d,
    .rows_s = {.max = row_max_s, .exp = row_exp_s},
    .rows_d = {.max = row_max_d, .exp = row_exp_d},
    .opt_s = opt_range_s,
    .opt_d = opt_range_d,
    .loss_s = loss_range_s,
    .loss_d = loss_range_d,
    .drop_s = drop_range_s,
    .drop_d = drop_range_d,
};
