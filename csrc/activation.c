/* activation.c — elementwise activations and their derivatives over flat
 * arrays: y = act(x) and dx = dy ⊙ act'(y), the derivative taken from the
 * output (formulas in act_scalar.h). Split across threads by element ranges;
 * each element is computed alone, so any split gives the same bits. */
#include "act_scalar.h"
#include "internal.h"

/* Elementwise work is memory-bound: below this many elements, one thread. */
#define ELEMENTWISE_SERIAL 32768

#define DEFINE_ACTIVATION(T, SFX)                                                   \
    void fnn_act_forward_##SFX(fnn_act act, double slope, fnn_int n, const T *x, T *y) \
    {                                                                               \
        const T s = (T)slope;                                                       \
        int nt = n < ELEMENTWISE_SERIAL ? 1 : fnn_get_num_threads();                \
        (void)nt;                                                                   \
        _Pragma("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")     \
        for (fnn_int i = 0; i < n; i++)                                             \
            y[i] = fnn_act_##SFX(act, s, x[i]);                                     \
    }                                                                               \
    void fnn_act_backward_##SFX(fnn_act act, double slope, fnn_int n, const T *dy,  \
                                const T *y, T *dx)                                  \
    {                                                                               \
        const T s = (T)slope;                                                       \
        int nt = n < ELEMENTWISE_SERIAL ? 1 : fnn_get_num_threads();                \
        (void)nt;                                                                   \
        _Pragma("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")     \
        for (fnn_int i = 0; i < n; i++)                                             \
            dx[i] = dy[i] * fnn_act_grad_##SFX(act, s, y[i]);                       \
    }

DEFINE_ACTIVATION(float, s)
DEFINE_ACTIVATION(double, d)
