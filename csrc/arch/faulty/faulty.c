/* faulty.c — a test-only entry that is wrong on purpose: the generic kernels,
 * but a micro-kernel that adds 1 to the first element of every tile. The
 * self-check at first use (arch/selfcheck.c) must catch it, warn, and fall
 * back (tests/test_arch.py). It is also what adding an entry takes: this
 * folder and one line in arch/entries.h. */
#include "internal.h"

#include "arch/generic/kernels.h"

static void wrong_ukernel_s(fnn_int kc, const float *Ap, const float *Bp, float *C, fnn_int ldc,
                            int load_c, float beta, const fnn_tile_epi_s *ep, int m, int n)
{
    ukernel_s(kc, Ap, Bp, C, ldc, load_c, beta, ep, m, n);
    C[0] += 1;
}

static void wrong_ukernel_d(fnn_int kc, const double *Ap, const double *Bp, double *C,
                            fnn_int ldc, int load_c, double beta, const fnn_tile_epi_d *ep,
                            int m, int n)
{
    ukernel_d(kc, Ap, Bp, C, ldc, load_c, beta, ep, m, n);
    C[0] += 1;
}

static int faulty_supported(void)
{
    return 1;
}

const fnn_arch fnn_arch_faulty = {
    .name = "faulty",
    .supported = faulty_supported,
    .test_only = 1,
    .gemm_s = {.kernel = wrong_ukernel_s, .interleave = interleave_s, .dot_rows = dot_rows_s,
               .axpy_rows = axpy_rows_s, .mr = 4, .nr = 8, .mc = 128, .kc = 256,
               .nc = 4096, .vl = 8, .kernel_rows = ukernel_rows_s},
    .gemm_d = {.kernel = wrong_ukernel_d, .interleave = interleave_d, .dot_rows = dot_rows_d,
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
