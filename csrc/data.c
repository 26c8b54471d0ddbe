/* data.c — minibatch and metric kernels: index checks, row gathers (from
 * float arrays, and from bytes with scaling for images kept as uint8), row
 * argmax and the count of correct predictions, and the sum of squares over
 * many buffers (for gradient-norm clipping). Rows are split between threads;
 * reductions are taken in fixed blocks summed in order. */
#include <string.h>

#include "internal.h"

#define GATHER_COST 8.0    /* work units per copied element (a load, a convert, a store) */
#define GATHER_AHEAD 4     /* rows prefetched this many rows ahead of the one copied */
#define SUMSQ_BLOCK 4096

fnn_int fnn_find_bad_index(fnn_int n, const int64_t *idx, int64_t upper, int64_t allowed)
{
    for (fnn_int i = 0; i < n; i++)
        if ((idx[i] < 0 || idx[i] >= upper) && idx[i] != allowed)
            return i;
    return -1;
}

typedef struct {
    fnn_int n, cols;
    const void *src;
    const int64_t *idx;
    double scale, shift;
    void *out;
} gather_job;

#define FNN_IMPL "data_impl.h"
#include "instantiate.h"

