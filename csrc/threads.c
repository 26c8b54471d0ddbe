/* threads.c — the thread count and per-thread scratch buffers.
 *
 * fastnn's thread count is also handed to OpenMP (omp_set_num_threads) and
 * capped by OpenMP's own setting, so OMP_NUM_THREADS and threadpoolctl act on
 * fastnn as on any OpenMP library. Without OpenMP everything runs on the
 * calling thread. */
#include <stdlib.h>

#include "internal.h"

int fnn_openmp_enabled(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

static int requested_threads = 0;   /* 0: no fnn_set_num_threads yet */

void fnn_set_num_threads(int n)
{
    if (n < 1)
        n = 1;
#ifdef _OPENMP
    requested_threads = n;
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

int fnn_get_num_threads(void)
{
#ifdef _OPENMP
    int omp = omp_get_max_threads();
    int n = requested_threads;
    return n > 0 && n < omp ? n : omp;
#else
    return 1;
#endif
}

int fnn_threads_for(double work, fnn_int max_parts)
{
    if (work < FNN_SERIAL_FLOPS || max_parts <= 1)
        return 1;
    int n = fnn_get_num_threads();
#ifdef _OPENMP
    if (omp_in_parallel())
        return 1;
#endif
    if ((fnn_int)n > max_parts)
        n = (int)max_parts;
    return n < 1 ? 1 : n;
}

fnn_status fnn_parallel(int nparts, fnn_task task, void *ctx)
{
    if (nparts <= 1)
        return task(ctx, 0, 1);
    fnn_status status = FNN_OK;
#ifdef _OPENMP
#pragma omp parallel num_threads(nparts)
    {
        /* the runtime may give fewer threads than asked: cover every part */
        for (int part = omp_get_thread_num(); part < nparts; part += omp_get_num_threads()) {
            fnn_status st = task(ctx, part, nparts);
            if (st != FNN_OK) {
#pragma omp atomic write
                status = st;
            }
        }
    }
#else
    for (int part = 0; part < nparts; part++) {
        fnn_status st = task(ctx, part, nparts);
        if (st != FNN_OK)
            status = st;
    }
#endif
    return status;
}

/* Each thread keeps a few growing buffers for packed panels; OpenMP worker
 * threads persist between parallel regions, so they are reused call after
 * call. */
#define FNN_SCRATCH_SLOTS 4
static _Thread_local void *scratch_ptr[FNN_SCRATCH_SLOTS];
static _Thread_local size_t scratch_size[FNN_SCRATCH_SLOTS];

void *fnn_scratch(int slot, size_t bytes)
{
    if (slot < 0 || slot >= FNN_SCRATCH_SLOTS)
        return NULL;
    if (bytes <= scratch_size[slot])
        return scratch_ptr[slot];
    size_t want = (bytes + FNN_ALIGN - 1) / FNN_ALIGN * FNN_ALIGN;
    void *p = NULL;
    if (posix_memalign(&p, FNN_ALIGN, want) != 0)
        return NULL;
    free(scratch_ptr[slot]);
    scratch_ptr[slot] = p;
    scratch_size[slot] = want;
    return p;
}
