/* internal.h — what the kernel files share and the bindings never see:
 * the per-tile epilogue, the micro-kernel dispatch tables, threading helpers. */
#ifndef FASTNN_INTERNAL_H
#define FASTNN_INTERNAL_H

#include "fastnn.h"

#include <stdatomic.h>

#ifdef _OPENMP
#include <omp.h>    /* only to read OpenMP's thread limits: fastnn runs its own pool */
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define FNN_X86_64 1
#endif

#define FNN_ALIGN 64

/* FNN_CAT(name, s) = name_s: names per element type in the *_impl.h templates */
#include "cat.h"

/* Widest panel the vector packing routines take (any tile's MR and NR). */
#define FNN_PACK_W_MAX 32

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
 * ep != NULL, for the tile's first m rows and n columns (m <= MR, n <= NR: a
 * tile cut by the matrix edge). Ap is an MR-row panel packed k-major
 * (Ap[k*MR + i], zero rows past m), Bp an NR-column panel packed k-major
 * (Bp[k*NR + j]). load_c = 0: C is only written. The result of each element
 * depends only on its own inputs, never on its position in the tile, which
 * keeps tiling and threading deterministic. */
typedef void (*fnn_ukernel_s)(fnn_int kc, const float *Ap, const float *Bp,
                              float *C, fnn_int ldc, int load_c, float beta,
                              const fnn_tile_epi_s *ep, int m, int n);
typedef void (*fnn_ukernel_d)(fnn_int kc, const double *Ap, const double *Bp,
                              double *C, fnn_int ldc, int load_c, double beta,
                              const fnn_tile_epi_d *ep, int m, int n);

/* What one kernel-table entry brings to the GEMM driver (fnn_gemm_arch_s/d,
 * kernel_types_impl.h):
 *   kernel      the MR×NR micro-kernel;
 *   interleave  dst[k·w + r] = src[r·ld + k] for r < w, k < kc: packs w rows
 *               k-major (A panels from row-major A, B panels from Bᵀ). It may
 *               write up to FNN_PACK_SLACK elements past the panel, which the
 *               next panel overwrites; buffers carry that slack;
 *   dot_rows    out[j] = Σ_k a[k]·B[j·ldb + k], j < n  (one row times Bᵀ);
 *   axpy_rows   out[j] = Σ_k a[k]·B[k·ldb + j], j < n  (one row times B);
 *               both sum k in ascending order per output, whatever j is;
 *   mc, kc, nc  cache blocks (mc a multiple of mr, nc of nr);
 *   kernel_rows the micro-kernel on rows of A in place (few columns). */
#define FNN_PACK_SLACK 16

#define FNN_IMPL "kernel_types_impl.h"
#include "instantiate.h"

/* The portable packing (arch/generic), and the AVX2 one (arch/avx2/pack.c)
 * that every x86 vector entry uses; both take any panel width w. */
void fnn_interleave_generic_s(int w, const float *src, fnn_int ld, fnn_int kc, float *dst);
void fnn_interleave_generic_d(int w, const double *src, fnn_int ld, fnn_int kc, double *dst);
void fnn_interleave_avx2_s(int w, const float *src, fnn_int ld, fnn_int kc, float *dst);
void fnn_interleave_avx2_d(int w, const double *src, fnn_int ld, fnn_int kc, double *dst);

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

/* Parts are claimed in index order, so a part may wait for lower-numbered
 * parts that are already running (two passes in one call: the second pass's
 * parts wait for the first's). Wait until *count >= target, reading it with
 * acquire: spin a little, then give the CPU away between looks. */
void fnn_wait_count(atomic_int *count, int target);

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


/* ---- optimizer and dropout ranges (optim.c, dropout.c) ---------------- */

/* One optimizer call: p, g and up to three state buffers of n elements. */
typedef struct {
    fnn_int n;
    const fnn_optim_args *a;
    void *p;
    const void *g;
    void *s1, *s2, *s3;
} fnn_opt_job;

/* One elementwise loss call (losses.c): per-element losses and gradients,
 * and a sum per block of FNN_ELEM_BLOCK elements in partial. */
typedef struct {
    fnn_loss kind;
    fnn_int n, C;
    const void *x, *y, *w, *pw;
    double delta, gscale;
    void *loss_elems, *grad;
    double *partial;
} fnn_loss_job;

/* One dropout call: keep element i when its draw >= threshold. */
typedef struct {
    fnn_int n;
    uint32_t threshold;
    double scale;
    uint64_t seed, offset;
    const void *x;
    void *y;
    uint8_t *mask;
} fnn_drop_job;

/* xor-shift-multiply integer mixer (dropout's hash) */
static inline uint32_t fnn_mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/* 24 random bits for counter = hi·2^32 + lo: the caller passes the second
 * round's key k = hi ^ (seed >> 32) ^ 0x9e3779b9 once per run of counters
 * that share hi, so the loop over lo stays in 32-bit lanes. */
static inline uint32_t fnn_draw24(uint32_t seed_lo, uint32_t k, uint32_t lo)
{
    return fnn_mix32(fnn_mix32(lo + seed_lo) ^ k) >> 8;
}

#include "arch/arch.h"

/* One Linear layer of a chain (linear_chain.c), the calls a single Linear
 * makes, for the chain and the step plans (plan.c):
 *   forward   y = act(x·Wᵀ + b)    x M×K, W N×K, b N or NULL, y M×N;
 *   backward  dz = dy ⊙ act'(y), dW = dzᵀ·x + beta·dW, db = Σ_rows dz + beta·db,
 *             dx = dz·W (skipped when dx is NULL); every operand contiguous. */
fnn_status fnn_linear_layer_forward_s(fnn_int M, fnn_int N, fnn_int K, fnn_act act, double slope,
                                      const float *x, const float *W, const float *b, float *y);
fnn_status fnn_linear_layer_forward_d(fnn_int M, fnn_int N, fnn_int K, fnn_act act, double slope,
                                      const double *x, const double *W, const double *b,
                                      double *y);
fnn_status fnn_linear_layer_backward_s(fnn_int M, fnn_int N, fnn_int K, fnn_act act,
                                       double slope, const float *dy, const float *y,
                                       const float *x, const float *W, float beta, float *dW,
                                       float *db, float *dx);
fnn_status fnn_linear_layer_backward_d(fnn_int M, fnn_int N, fnn_int K, fnn_act act,
                                       double slope, const double *dy, const double *y,
                                       const double *x, const double *W, double beta,
                                       double *dW, double *db, double *dx);

/* Per-thread, 64-byte aligned scratch that only grows, one buffer per slot
 * below. Returns NULL if it cannot be allocated. Lives as long as the
 * thread. Each use has its own slot, so no kernel can overwrite a buffer
 * that a caller of it still holds. */
enum {
    FNN_SCRATCH_GEMM_SUMS = 0,   /* gemm: the row sums taken while A is packed (bias grad) */
    FNN_SCRATCH_SOFTMAX_ROW = 1, /* softmax.c: one row's exponentials */
    FNN_SCRATCH_GEMM_STAGE = 2,  /* gemm: an operand staged unpacked (small-M's column of a
                                    transposed A, small-N's padded edge panel) */
    FNN_SCRATCH_GEMM_ROW = 3,    /* gemm small-M: one row of C being summed */
    FNN_SCRATCH_GEMM_A = 4,      /* gemm: packed A (small-N: the rows of A it reads) */
    FNN_SCRATCH_GEMM_B = 5,      /* gemm: packed B */
    FNN_SCRATCH_LINEAR_DZ = 6,   /* fnn_linear_backward: dz = dy ⊙ act'(y) */
    FNN_SCRATCH_CHAIN_A = 7,     /* fnn_linear_chain_backward: the gradients between */
    FNN_SCRATCH_CHAIN_B = 8,     /*   layers, alternately */
    FNN_SCRATCH_BLOCK_SUMS = 9,  /* data.c, losses.c: per-block partial sums */
    FNN_SCRATCH_UKERNEL_BENCH = 10, /* fnn_ukernel_seconds: its panels and tiles */
    FNN_SCRATCH_SLOTS = 11
};
void *fnn_scratch(int slot, size_t bytes);

/* The monotonic clock, in seconds. */
double fnn_seconds(void);

#endif /* FASTNN_INTERNAL_H */
