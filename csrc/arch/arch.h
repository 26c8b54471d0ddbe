/* arch.h — the kernel table: what one instruction set brings to every kernel
 * family. Each folder arch/<isa>/ fills one fnn_arch; cpu.c lists them, best
 * first, and uses the first the CPU supports that passes its self-check.
 * Adding an instruction set = a new folder + one line in arch/entries.h. */
#ifndef FASTNN_ARCH_H
#define FASTNN_ARCH_H

typedef struct fnn_arch {
    const char *name;            /* FASTNN_SIMD=<name> asks for it */
    int (*supported)(void);      /* CPUID/XGETBV: can this CPU and OS run it? */
    int test_only;               /* never picked unless asked for by name */
    fnn_gemm_arch_s gemm_s;      /* micro-kernel, packing, row kernels, tiles */
    fnn_gemm_arch_d gemm_d;
    fnn_act_range_fn_s act_s;    /* activations over a range of elements */
    fnn_act_range_fn_d act_d;
    fnn_rowops_s rows_s;         /* softmax's row max and exp-sum */
    fnn_rowops_d rows_d;
    void (*opt_s)(const fnn_opt_job *job, fnn_int i0, fnn_int i1);
    void (*opt_d)(const fnn_opt_job *job, fnn_int i0, fnn_int i1);
    void (*loss_s)(const fnn_loss_job *job, fnn_int b0, fnn_int b1);   /* blocks */
    void (*loss_d)(const fnn_loss_job *job, fnn_int b0, fnn_int b1);
    void (*drop_s)(const fnn_drop_job *job, fnn_int i0, fnn_int i1);
    void (*drop_d)(const fnn_drop_job *job, fnn_int i0, fnn_int i1);
} fnn_arch;

/* The entries (arch/entries.h; each defined in its folder). */
#define FNN_ENTRY(name) extern const fnn_arch fnn_arch_##name;
#include "arch/entries.h"
#undef FNN_ENTRY

/* The entry in use (cpu.c). */
const fnn_arch *fnn_cur_arch(void);

#endif /* FASTNN_ARCH_H */
