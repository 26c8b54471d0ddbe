/* selfcheck.c — before an entry of the kernel table is used the first time in
 * a process, cpu.c runs it here on small odd-sized data, once per kernel
 * family and element type: the micro-kernel with packing, edge masks and both
 * epilogues against a long-double reference; the row kernels, activations,
 * softmax rows, optimizer, losses and dropout against the generic entry. A mismatch
 * beyond TOL (float 1e-4, double 1e-10, relative to 1 + |reference|) disables
 * the entry. It guards code this project can only compile, not run (an
 * instruction set no test machine has), against a wrong tile size, mask or
 * intrinsic. */
#include <string.h>

#include "act_scalar.h"
#include "internal.h"

#include "arch/simd/vec_names.h"

/* uniform in [-1, 1) from a 32-bit LCG */
static double check_uniform(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (double)(*s >> 8) / 8388608.0 - 1.0;
}

#define T float
#define SFX s
#define TOL 1e-4
#include "arch/selfcheck_impl.h"
#undef T
#undef SFX
#undef TOL

#define T double
#define SFX d
#define TOL 1e-10
#include "arch/selfcheck_impl.h"
#undef T
#undef SFX
#undef TOL

const char *fnn_arch_selfcheck(const fnn_arch *e)
{
    const char *why;
    if ((why = check_gemm_s(&e->gemm_s)) || (why = check_elementwise_s(e, &fnn_arch_generic)))
        return why;
    if ((why = check_gemm_d(&e->gemm_d)) || (why = check_elementwise_d(e, &fnn_arch_generic)))
        return why;
    return NULL;
}
