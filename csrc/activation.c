/* activation.c — elementwise activations and their derivatives over flat
 * arrays: y = act(x) and dx = dy ⊙ act'(s) (formulas in act_scalar.h).
 *
 * The array is cut into blocks of FNN_ELEM_BLOCK elements, a multiple of every
 * vector width; threads take whole blocks, and each element is computed alone,
 * so every element gets the same arithmetic whatever the thread count. The
 * AVX2 path (activation_avx2.c) handles whole vectors of a range and leaves
 * the last few elements of the array to the scalar code here. */
#include "act_scalar.h"
#include "internal.h"

#define DEFINE_ACTIVATION(T, SFX)                                                   \
    void fnn_act_range_generic_##SFX(const fnn_act_job_##SFX *job, fnn_int i0,      \
                                     fnn_int i1)                                    \
    {                                                                               \
        const fnn_act act = job->act;                                               \
        const fnn_act_param *p = job->p;                                            \
        const T slope = (T)p->slope;                                                \
        const T *x = job->x, *dy = job->dy;                                         \
        T *y = job->y;                                                              \
        if (!dy) {                                                                  \
            for (fnn_int i = i0; i < i1; i++)                                       \
                y[i] = fnn_act_##SFX(act, p, slope, x[i]);                          \
        } else if (job->from_input) {                                               \
            for (fnn_int i = i0; i < i1; i++)                                       \
                y[i] = dy[i] * fnn_act_grad_in_##SFX(act, p, slope, x[i]);          \
        } else {                                                                    \
            for (fnn_int i = i0; i < i1; i++)                                       \
                y[i] = dy[i] * fnn_act_grad_##SFX(act, slope, x[i]);                \
        }                                                                           \
    }                                                                               \
                                                                                    \
    static fnn_status act_part_##SFX(void *ctx, int part, int nparts)               \
    {                                                                               \
        const fnn_act_job_##SFX *job = ctx;                                         \
        fnn_int i0, i1;                                                             \
        if (fnn_elem_part(job->n, part, nparts, &i0, &i1))                          \
            fnn_act_range_##SFX()(job, i0, i1);                                     \
        return FNN_OK;                                                              \
    }                                                                               \
                                                                                    \
    static fnn_status act_run_##SFX(fnn_act_job_##SFX *job)                         \
    {                                                                               \
        if (job->act < FNN_ACT_IDENTITY || job->act > FNN_ACT_SOFTPLUS || !job->p)  \
            return FNN_EINVAL;                                                      \
        if (job->n <= 0)                                                            \
            return FNN_OK;                                                          \
        return fnn_parallel_elems(job->n, FNN_ELEM_COST, act_part_##SFX, job);      \
    }                                                                               \
                                                                                    \
    fnn_status fnn_act_forward_##SFX(fnn_act act, const fnn_act_param *p, fnn_int n, \
                                     const T *x, T *y)                              \
    {                                                                               \
        fnn_act_job_##SFX job = {act, p, 0, n, x, NULL, y};                         \
        return act_run_##SFX(&job);                                                 \
    }                                                                               \
                                                                                    \
    fnn_status fnn_act_backward_##SFX(fnn_act act, const fnn_act_param *p,          \
                                      int from_input, fnn_int n, const T *dy,       \
                                      const T *s, T *dx)                            \
    {                                                                               \
        if (!from_input && act > FNN_ACT_TANH)                                      \
            return FNN_EINVAL;  /* only these derivatives follow from the output */ \
        fnn_act_job_##SFX job = {act, p, from_input, n, s, dy, dx};                 \
        return act_run_##SFX(&job);                                                 \
    }

DEFINE_ACTIVATION(float, s)
DEFINE_ACTIVATION(double, d)
