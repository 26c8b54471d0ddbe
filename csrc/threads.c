/* threads.c — the thread count and per-thread scratch buffers.
 *
 * The thread count is one number for the whole process: fnn_set_num_threads
 * from any Python thread is seen by every thread (OpenMP's own setting,
 * omp_set_num_threads, belongs to the calling OS thread only, so fastnn does
 * not store its count there). It is capped by OpenMP's setting of the calling
 * thread only where that was lowered below the process's default (as
 * threadpoolctl.threadpool_limits or OMP_NUM_THREADS do), so those limits act
 * on fastnn as on any OpenMP library. Without OpenMP everything runs on the
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
static int omp_default = 0;         /* OpenMP's thread count when first asked */

#ifdef _OPENMP
/* OpenMP's default team size, read once: what a thread that nobody limited sees. */
static int openmp_default(void)
{
    int d = __atomic_load_n(&omp_default, __ATOMIC_RELAXED);
    if (d == 0) {
        d = omp_get_max_threads();
        if (d < 1)
            d = 1;
        __atomic_store_n(&omp_default, d, __ATOMIC_RELAXED);
    }
    return d;
}
#endif

void fnn_set_num_threads(int n)
{
    if (n < 1)
        n = 1;
#ifdef _OPENMP
    openmp_default();
    __atomic_store_n(&requested_threads, n, __ATOMIC_RELAXED);
#else
    (void)n;
#endif
}

int fnn_get_num_threads(void)
{
#ifdef _OPENMP
    int dflt = openmp_default();
    int n = __atomic_load_n(&requested_threads, __ATOMIC_RELAXED);
    if (n <= 0)
        n = dflt;
    int cap = omp_get_max_threads();   /* this thread's own OpenMP setting */
    return cap < dflt && cap < n ? (cap < 1 ? 1 : cap) : n;
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
