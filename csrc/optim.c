/* optim.c — optimizer steps, one fused pass over a parameter buffer: read
 * the parameter, its gradient and the optimizer's state, write the parameter
 * and the state. Each follows PyTorch's single-tensor algorithm
 * (foreach=False) operation for operation, so float64 results agree with
 * PyTorch's to rounding. g is the gradient (negated first when maximize).
 *
 *   sgd:      g += wd·p;  with momentum: b = first ? g : μ·b + (1−τ)·g,
 *             g = nesterov ? g + μ·b : b;   p −= lr·g
 *   adam:     g += wd·p (Adam) or p ·= 1 − lr·wd (AdamW);  m += (1−β1)(g − m);
 *             v = β2·v + (1−β2)·g²;  v̂ = amsgrad ? (vmax = max(vmax, v)) : v;
 *             p −= lr/(1−β1^t) · m / (√v̂ / √(1−β2^t) + ε)
 *   adagrad:  g += wd·p;  s += g²;  p −= lr/(1 + (t−1)·decay) · g / (√s + ε)
 *   rmsprop:  g += wd·p;  s = α·s + (1−α)·g²;  centered: a += (1−α)(g − a),
 *             d = √(s − a²) + ε, else d = √s + ε;
 *             momentum: b = μ·b + g/d, p −= lr·b;  else p −= lr·g/d
 *
 * Elements are independent: threads take contiguous blocks and the result
 * does not depend on their number. */
#include <math.h>

#include "internal.h"

#define OPT_COST 8.0   /* work units per element, against FNN_SERIAL_FLOPS */

typedef struct {
    fnn_int n;
    const fnn_optim_args *a;
    void *p;
    const void *g;
    void *s1, *s2, *s3;
} opt_job;

#define DEFINE_OPTIM(T, SFX, SQRT)                                                  \
    static void sgd_range_##SFX(const opt_job *job, fnn_int i0, fnn_int i1)         \
    {                                                                               \
        const fnn_optim_args *a = job->a;                                           \
        T *p = job->p, *b = job->s1;                                                \
        const T *gr = job->g;                                                       \
        const T lr = (T)a->lr, wd = (T)a->weight_decay, mu = (T)a->momentum;        \
        const T damp = (T)(1.0 - a->dampening);                                     \
        for (fnn_int i = i0; i < i1; i++) {                                         \
            T g = a->maximize ? -gr[i] : gr[i];                                     \
            if (wd != 0)                                                            \
                g = g + wd * p[i];                                                  \
            if (b) {                                                                \
                b[i] = a->first ? g : mu * b[i] + damp * g;                         \
                g = a->nesterov ? g + mu * b[i] : b[i];                             \
            }                                                                       \
            p[i] = p[i] - lr * g;                                                   \
        }                                                                           \
    }                                                                               \
    static void adam_range_##SFX(const opt_job *job, fnn_int i0, fnn_int i1)        \
    {                                                                               \
        const fnn_optim_args *a = job->a;                                           \
        T *p = job->p, *m = job->s1, *v = job->s2, *vmax = job->s3;                 \
        const T *gr = job->g;                                                       \
        const T wd = (T)a->weight_decay, eps = (T)a->eps;                           \
        const T b2 = (T)a->beta2, one_b1 = (T)(1.0 - a->beta1), one_b2 = (T)(1.0 - a->beta2); \
        /* the scalars in double, as PyTorch computes them in Python */             \
        const T bc2s = (T)sqrt(1.0 - pow(a->beta2, (double)a->step));               \
        const T step_size = (T)(a->lr / (1.0 - pow(a->beta1, (double)a->step)));    \
        const T decay = (T)(1.0 - a->lr * a->weight_decay);                         \
        for (fnn_int i = i0; i < i1; i++) {                                         \
            T g = a->maximize ? -gr[i] : gr[i];                                     \
            if (a->decoupled)                                                       \
                p[i] = p[i] * decay;                                                \
            else if (wd != 0)                                                       \
                g = g + wd * p[i];                                                  \
            m[i] = m[i] + one_b1 * (g - m[i]);                                      \
            v[i] = v[i] * b2 + one_b2 * (g * g);                                    \
            T vh = v[i];                                                            \
            if (vmax) {                                                             \
                vmax[i] = vmax[i] > v[i] ? vmax[i] : v[i];                          \
                vh = vmax[i];                                                       \
            }                                                                       \
            T denom = SQRT(vh) / bc2s + eps;                                        \
            p[i] = p[i] + (-step_size) * (m[i] / denom);                            \
        }                                                                           \
    }                                                                               \
    static void adagrad_range_##SFX(const opt_job *job, fnn_int i0, fnn_int i1)     \
    {                                                                               \
        const fnn_optim_args *a = job->a;                                           \
        T *p = job->p, *s = job->s1;                                                \
        const T *gr = job->g;                                                       \
        const T wd = (T)a->weight_decay, eps = (T)a->eps;                           \
        const T clr = (T)(a->lr / (1.0 + (double)(a->step - 1) * a->lr_decay));     \
        for (fnn_int i = i0; i < i1; i++) {                                         \
            T g = a->maximize ? -gr[i] : gr[i];                                     \
            if (wd != 0)                                                            \
                g = g + wd * p[i];                                                  \
            s[i] = s[i] + g * g;                                                    \
            p[i] = p[i] + (-clr) * (g / (SQRT(s[i]) + eps));                        \
        }                                                                           \
    }                                                                               \
    static void rmsprop_range_##SFX(const opt_job *job, fnn_int i0, fnn_int i1)     \
    {                                                                               \
        const fnn_optim_args *a = job->a;                                           \
        T *p = job->p, *sq = job->s1, *b = job->s2, *ga = job->s3;                  \
        const T *gr = job->g;                                                       \
        const T lr = (T)a->lr, wd = (T)a->weight_decay, eps = (T)a->eps;            \
        const T al = (T)a->alpha, one_al = (T)(1.0 - a->alpha), mu = (T)a->momentum; \
        for (fnn_int i = i0; i < i1; i++) {                                         \
            T g = a->maximize ? -gr[i] : gr[i];                                     \
            if (wd != 0)                                                            \
                g = g + wd * p[i];                                                  \
            sq[i] = sq[i] * al + one_al * (g * g);                                  \
            T avg;                                                                  \
            if (ga) {                                                               \
                ga[i] = ga[i] + one_al * (g - ga[i]);                               \
                avg = SQRT(sq[i] - ga[i] * ga[i]) + eps;                            \
            } else {                                                                \
                avg = SQRT(sq[i]) + eps;                                            \
            }                                                                       \
            if (b) {                                                                \
                b[i] = b[i] * mu + g / avg;                                         \
                p[i] = p[i] - lr * b[i];                                            \
            } else {                                                                \
                p[i] = p[i] + (-lr) * (g / avg);                                    \
            }                                                                       \
        }                                                                           \
    }                                                                               \
    static fnn_status opt_part_##SFX(void *ctx, int part, int nparts)               \
    {                                                                               \
        const opt_job *job = ctx;                                                   \
        fnn_int blocks = (job->n + FNN_ELEM_BLOCK - 1) / FNN_ELEM_BLOCK;            \
        fnn_int i0 = blocks * part / nparts * FNN_ELEM_BLOCK;                       \
        fnn_int i1 = blocks * (part + 1) / nparts * FNN_ELEM_BLOCK;                 \
        if (i1 > job->n)                                                            \
            i1 = job->n;                                                            \
        if (i0 >= i1)                                                               \
            return FNN_OK;                                                          \
        switch (job->a->kind) {                                                     \
        case FNN_OPT_SGD: sgd_range_##SFX(job, i0, i1); break;                      \
        case FNN_OPT_ADAM: adam_range_##SFX(job, i0, i1); break;                    \
        case FNN_OPT_ADAGRAD: adagrad_range_##SFX(job, i0, i1); break;              \
        default: rmsprop_range_##SFX(job, i0, i1); break;                           \
        }                                                                           \
        return FNN_OK;                                                              \
    }                                                                               \
    fnn_status fnn_optim_step_##SFX(const fnn_optim_args *a, fnn_int n, T *p, const T *g, \
                                    T *s1, T *s2, T *s3)                            \
    {                                                                               \
        if (!a || n < 0 || a->kind < FNN_OPT_SGD || a->kind > FNN_OPT_RMSPROP)      \
            return FNN_EINVAL;                                                      \
        opt_job job = {n, a, p, g, s1, s2, s3};                                     \
        fnn_int blocks = (n + FNN_ELEM_BLOCK - 1) / FNN_ELEM_BLOCK;                 \
        int nt = fnn_threads_for((double)n * OPT_COST, blocks);                     \
        return fnn_parallel(nt, opt_part_##SFX, &job);                              \
    }

DEFINE_OPTIM(float, s, sqrtf)
DEFINE_OPTIM(double, d, sqrt)
