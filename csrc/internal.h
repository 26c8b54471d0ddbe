/* internal.h — what the kernel files share and the bindings never see:
 * the per-tile epilogue, the micro-kernel dispatch tables, threading helpers. */
#ifndef FASTNN_INTERNAL_H
#define FASTNN_INTERNAL_H

#include "fastnn.h"

#ifdef _OPENMP
#include <omp.h>
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

/* A micro-kernel with its register tile and the cache blocks that suit it. */
typedef struct {
    fnn_ukernel_s kernel;
    int mr, nr;
    fnn_int mc, kc, nc;
} fnn_gemm_arch_s;

typedef struct {
    fnn_ukernel_d kernel;
    int mr, nr;
    fnn_int mc, kc, nc;
} fnn_gemm_arch_d;

extern const fnn_gemm_arch_s fnn_gemm_generic_s;
extern const fnn_gemm_arch_d fnn_gemm_generic_d;
#ifdef FNN_X86_64
extern const fnn_gemm_arch_s fnn_gemm_avx2_s;
extern const fnn_gemm_arch_d fnn_gemm_avx2_d;
#endif

/* The table of the SIMD path in use (cpu.c). */
const fnn_gemm_arch_s *fnn_arch_s(void);
const fnn_gemm_arch_d *fnn_arch_d(void);

/* Threads to use for a job of `work` units (roughly flops): 1 below the
 * serial threshold, never more than `max_parts` nor fnn_get_num_threads(). */
int fnn_threads_for(double work, fnn_int max_parts);

/* Jobs below this many flops run on the calling thread: waking the team costs
 * more than it saves. */
#define FNN_SERIAL_FLOPS 400000.0

/* Per-thread, 64-byte aligned scratch that only grows (slot 0..3). Returns
 * NULL if it cannot be allocated. Lives as long as the thread. */
void *fnn_scratch(int slot, size_t bytes);

#endif /* FASTNN_INTERNAL_H */
