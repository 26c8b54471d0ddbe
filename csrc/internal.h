/* internal.h — what the kernel files share and the bindings never see:
 * the per-tile epilogue, the micro-kernel dispatch tables, threading helpers. */
#ifndef FASTNN_INTERNAL_H
#define FASTNN_INTERNAL_H

#include "fastnn.h"

#ifdef _OPENMP
#include <omp.h>    /* only to read OpenMP's thread limits: fastnn runs its own pool */
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define FNN_X86_64 1
#endif

#define FNN_ALIGN 64

/* Largest register tile of any micro-kernel (edge tiles are padded to it). */
#define FNN_MR_MAX 8
#define FNN_NR_MAX 16

/* Epilogue of one MR×NR tile, pointers already offset to the tile. */
typedef struct {
    fnn_epi_mode mode;
    fnn_act act;
    float slope;
    const float *bias;   /* NR values or NULL (forward) */
    const float *saved;  /* MR×NR tile of activation outputs (grad) */
    fnn_int lds;
} fnn_tile_epi_s;

typedef struct {
    fnn_epi_mode mode;
    fnn_act act;
    double slope;
    const double *bias;
    const double *saved;
    fnn_int lds;
} fnn_tile_epi_d;

/* Micro-kernel: C_tile = [beta·C_tile +] Ap·Bp over kc, then the epilogue if
 * ep != NULL. Ap is an MR-row panel packed k-major (Ap[k*MR + i]), Bp an
 * NR-column panel packed k-major (Bp[k*NR + j]). load_c = 0: C is only
 * written. The result of each element depends only on its own inputs, never on
 * its position in the tile, which keeps tiling and threading deterministic. */
typedef void (*fnn_ukernel_s)(fnn_int kc, const float *Ap, const float *Bp,
                              float *C, fnn_int ldc, int load_c, float beta,
                              const fnn_tile_epi_s *ep);
typedef void (*fnn_ukernel_d)(fnn_int kc, const double *Ap, const double *Bp,
                              double *C, fnn_int ldc, int load_c, double beta,
                              const fnn_tile_epi_d *ep);

/* What one SIMD path brings to the GEMM driver:
 *   kernel      the MR×NR micro-kernel;
 *   interleave  dst[k·w + r] = src[r·ld + k] for r < w, k < kc: packs w rows
 *               k-major (A panels from row-major A, B panels from Bᵀ). It may
 *               write up to FNN_PACK_SLACK elements past the panel, which the
 *               next panel overwrites; buffers carry that slack;
 *   dot_rows    out[j] = Σ_k a[k]·B[j·ldb + k], j < n  (one row times Bᵀ);
 *   axpy_rows   out[j] = Σ_k a[k]·B[k·ldb + j], j < n  (one row times B);
 *               both sum k in ascending order per output, whatever j is;
 *   mc, kc, nc  cache blocks (mc a multiple of mr, nc of nr). */
#define FNN_PACK_SLACK 16

#define FNN_DECLARE_ARCH(T, SFX)                                                   \
    typedef struct {                                                               \
        fnn_ukernel_##SFX kernel;                                                  \
        void (*interleave)(int w, const T *src, fnn_int ld, fnn_int kc, T *dst);   \
        void (*dot_rows)(fnn_int n, fnn_int K, const T *a, const T *B, fnn_int ldb, \
                         T *out);                                                  \
        void (*axpy_rows)(fnn_int n, fnn_int K, const T *a, const T *B,            \
                          fnn_int ldb, T *out);                                    \
        int mr, nr;                                                                \
        fnn_int mc, kc, nc;                                                        \
    } fnn_gemm_arch_##SFX;

FNN_DECLARE_ARCH(float, s)
FNN_DECLARE_ARCH(double, d)

/* The portable packing and row kernels (gemm_generic.c); SIMD paths fall
 * back to them for shapes they do not specialise. */
void fnn_interleave_generic_s(int w, const float *src, fnn_int ld, fnn_int kc, float *dst);
void fnn_interleave_generic_d(int w, const double *src, fnn_int ld, fnn_int kc, double *dst);

extern const fnn_gemm_arch_s fnn_gemm_generic_s;
extern const fnn_gemm_arch_d fnn_gemm_generic_d;
#ifdef FNN_X86_64
extern const fnn_gemm_arch_s fnn_gemm_avx2_s;
extern const fnn_gemm_arch_d fnn_gemm_avx2_d;
#endif

/* The table of the SIMD path in use (cpu.c). */
const fnn_gemm_arch_s *fnn_arch_s(void);
const fnn_gemm_arch_d *fnn_arch_d(void);

/* ---- threads (threads.c) ------------------------------------------------
 *
 * Work is counted in units of about one flop. A call gets one thread per
 * FNN_THREAD_WORK units (none extra below twice that: waking a thread costs
 * more than it saves), never more than the team ceiling (fnn_get_team_ceiling)
 * nor its number of parts. Each kernel family turns its sizes into units with
 * its own cost per element (FNN_ELEM_COST, ROW_COST, ...), which sets that
 * family's minimum of elements per thread. */
#define FNN_THREAD_WORK 500000.0
/* A call is cut into up to FNN_PARTS_PER_THREAD parts per thread, each of at
 * least FNN_PART_WORK units, handed out one at a time: a thread that is
 * descheduled (a busy core) holds up one small part, not a fixed share. */
#define FNN_PART_WORK 200000.0
#define FNN_PARTS_PER_THREAD 6

/* Threads for a job of `work` units that splits into at most max_parts parts. */
int fnn_threads_for(double work, fnn_int max_parts);
/* Parts to cut that job into for nthreads threads (1 for one thread). */
int fnn_parts_for(int nthreads, double work, fnn_int max_parts);

/* Run task(ctx, part, nparts) for every part = 0..nparts-1 on the calling
 * thread and up to nthreads-1 pool workers, which claim parts in turn; returns
 * the first failure a part reported. A task must not depend on which thread
 * runs it: its outputs (and partial sums) are a function of `part` alone. */
typedef fnn_status (*fnn_task)(void *ctx, int part, int nparts);
fnn_status fnn_parallel(int nthreads, int nparts, fnn_task task, void *ctx);

/* fnn_parallel with the threads and parts that `work` units warrant. */
fnn_status fnn_run_parts(double work, fnn_int max_parts, fnn_task task, void *ctx);

/* ---- elementwise kernels ---------------------------------------------- */

/* Elementwise arrays are cut into blocks of this many elements (a multiple of
 * every vector width) that threads take whole. */
#define FNN_ELEM_BLOCK 2048
/* Work units per element, against FNN_THREAD_WORK: arrays under ~62 000
 * elements run on one thread, and each thread gets ~31 000 or more. */
#define FNN_ELEM_COST 16.0

/* Part `part` of `nparts` of an n-element array, in whole blocks: the
 * elements [*i0, *i1). Returns 0 when the part is empty. */
static inline int fnn_elem_part(fnn_int n, int part, int nparts, fnn_int *i0, fnn_int *i1)
{
    fnn_int blocks = (n + FNN_ELEM_BLOCK - 1) / FNN_ELEM_BLOCK;
    *i0 = blocks * part / nparts * FNN_ELEM_BLOCK;
    *i1 = blocks * (part + 1) / nparts * FNN_ELEM_BLOCK;
    if (*i1 > n)
        *i1 = n;
    return *i0 < *i1;
}

/* Run task over an n-element array costing `cost` work units per element,
 * on as many threads as that work and the block count allow. */
static inline fnn_status fnn_parallel_elems(fnn_int n, double cost, fnn_task task, void *ctx)
{
    fnn_int blocks = (n + FNN_ELEM_BLOCK - 1) / FNN_ELEM_BLOCK;
    return fnn_run_parts((double)n * cost, blocks, task, ctx);
}

/* One activation call: forward (dy == NULL) y = act(x); backward y = dy ⊙
 * act'(x), where x is the activation's input (from_input) or output. */
#define FNN_DECLARE_ACT_JOB(T, SFX)                                                \
    typedef struct {                                                               \
        fnn_act act;                                                               \
        const fnn_act_param *p;                                                    \
        int from_input;                                                            \
        fnn_int n;                                                                 \
        const T *x;                                                                \
        const T *dy;                                                               \
        T *y;                                                                      \
    } fnn_act_job_##SFX;                                                           \
    typedef void (*fnn_act_range_fn_##SFX)(const fnn_act_job_##SFX *job, fnn_int i0, \
                                           fnn_int i1);                            \
    void fnn_act_range_generic_##SFX(const fnn_act_job_##SFX *job, fnn_int i0, fnn_int i1); \
    void fnn_act_range_avx2_##SFX(const fnn_act_job_##SFX *job, fnn_int i0, fnn_int i1); \
    fnn_act_range_fn_##SFX fnn_act_range_##SFX(void);

FNN_DECLARE_ACT_JOB(float, s)
FNN_DECLARE_ACT_JOB(double, d)

/* ---- row operations of softmax.c -------------------------------------- */

/* max(C, x): the row's maximum (NaN if it holds one); exp(C, x, m, e): e_j =
 * exp(x_j − m) for x_j <= m, returning Σ_j e_j. */
#define FNN_DECLARE_ROWOPS(T, SFX)                                                 \
    typedef struct {                                                               \
        T (*max)(fnn_int C, const T *x);                                           \
        T (*exp)(fnn_int C, const T *x, T m, T *e);                                \
    } fnn_rowops_##SFX;                                                            \
    extern const fnn_rowops_##SFX fnn_rowops_generic_##SFX;                        \
    extern const fnn_rowops_##SFX fnn_rowops_avx2_##SFX;                           \
    const fnn_rowops_##SFX *fnn_get_rowops_##SFX(void);

FNN_DECLARE_ROWOPS(float, s)
FNN_DECLARE_ROWOPS(double, d)

/* Per-thread, 64-byte aligned scratch that only grows (slot 0..5). Returns
 * NULL if it cannot be allocated. Lives as long as the thread. */
void *fnn_scratch(int slot, size_t bytes);

#endif /* FASTNN_INTERNAL_H */
