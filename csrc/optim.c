/* optim.c — optimizer steps, one fused pass over a parameter buffer: read
 * the parameter, its gradient and the optimizer's state, write the parameter
 * and the state. Each follows PyTorch's single-tensor algorithm
 * (foreach=False) operation for operation, so float64 results agree with
 * PyTorch's to rounding. g is the gradient (negated first when maximize).
 *
 *   sgd:      g += wd·p (wd = 0 adds an exact zero);  with momentum: b = first ? g : μ·b + (1−τ)·g,
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

#define OPT_COST 8.0   /* work units per element, against FNN_THREAD_WORK */

typedef struct {
    fnn_int n;
    const fnn_optim_args *a;
    void *p;
    const void *g;
    void *s1, *s2, *s3;
} opt_job;

/* Each loop body is written once and instantiated with its options as
 * compile-time constants (the if statements outside pick one), so that every
 * loop is branch-free and vectorises. */
#define SGD_LOOP(T, MOM, NEST, FIRST)                                                  \
    for (fnn_int i = i0; i < i1; i++) {                                             \
        T g = sign * gr[i] + wd * p[i];                                             \
        if (MOM) {                                                                  \
            b[i] = (FIRST) ? g : mu * b[i] + damp * g;                              \
            g = (NEST) ? g + mu * b[i] : b[i];                                      \
        }                                                                           \
        p[i] = p[i] - lr * g;                                                       \
    }

#define ADAM_LOOP(T, SQRT, AMS)                                                              \
    for (fnn_int i = i0; i < i1; i++) {                                             \
        T pi = p[i] * decay;                                                        \
        T g = sign * gr[i] + wd * pi;                                               \
        m[i] = m[i] + one_b1 * (g - m[i]);                                          \
        v[i] = v[i] * b2 + one_b2 * (g * g);                                        \
        T vh = v[i];                                                                \
        if (AMS) {                                                                  \
            vmax[i] = vmax[i] > v[i] ? vmax[i] : v[i];                              \
            vh = vmax[i];                                                           \
        }                                                                           \
        pi = pi + (-step_size) * (m[i] / (SQRT(vh) / bc2s + eps));                  \
        p[i] = pi;                                                                  \
    }

#define RMS_LOOP(T, SQRT, CENTERED, MOM)                                                     \
    for (fnn_int i = i0; i < i1; i++) {                                             \
        T g = sign * gr[i] + wd * p[i];                                             \
        sq[i] = sq[i] * al + one_al * (g * g);                                      \
        T avg;                                                                      \
        if (CENTERED) {                                                             \
            ga[i] = ga[i] + one_al * (g - ga[i]);                                   \
            avg = SQRT(sq[i] - ga[i] * ga[i]) + eps;                                \
        } else {                                                                    \
            avg = SQRT(sq[i]) + eps;                                                \
        }                                                                           \
        if (MOM) {                                                                  \
            b[i] = b[i] * mu + g / avg;                                             \
            p[i] = p[i] - lr * b[i];                                                \
        } else {                                                                    \
            p[i] = p[i] + (-lr) * (g / avg);                                        \
        }                                                                           \
    }

#define DEFINE_RANGES(T, SFX, SQRT, ATTR, VAR)                                                  \
    ATTR static void sgd_range_##SFX##VAR(const opt_job *job, fnn_int i0, fnn_int i1)         \
    {                                                                               \
        const fnn_optim_args *a = job->a;                                           \
        T *restrict p = job->p, *restrict b = job->s1;                              \
        const T *restrict gr = job->g;                                              \
        const T sign = a->maximize ? (T)-1 : (T)1;                                  \
        const T lr = (T)a->lr, wd = (T)a->weight_decay, mu = (T)a->momentum;        \
        const T damp = (T)(1.0 - a->dampening);                                     \
        if (!b)                                                                     \
            SGD_LOOP(T, 0, 0, 0)                                                       \
        else if (a->first)                                                          \
            { if (a->nesterov) SGD_LOOP(T, 1, 1, 1) else SGD_LOOP(T, 1, 0, 1) }           \
        else if (a->nesterov)                                                       \
            SGD_LOOP(T, 1, 1, 0)                                                       \
        else                                                                        \
            SGD_LOOP(T, 1, 0, 0)                                                       \
    }                                                                               \
    ATTR static void adam_range_##SFX##VAR(const opt_job *job, fnn_int i0, fnn_int i1)        \
    {                                                                               \
        const fnn_optim_args *a = job->a;                                           \
        T *restrict p = job->p, *restrict m = job->s1, *restrict v = job->s2;       \
        T *restrict vmax = job->s3;                                                 \
        const T *restrict gr = job->g;                                              \
        const T sign = a->maximize ? (T)-1 : (T)1, eps = (T)a->eps;                 \
        /* Adam adds wd·p to g; AdamW scales p by 1 − lr·wd (either is exact 0/1 \
         * when off) */                                                             \
        const T wd = a->decoupled ? (T)0 : (T)a->weight_decay;                      \
        const T decay = a->decoupled ? (T)(1.0 - a->lr * a->weight_decay) : (T)1;   \
        const T b2 = (T)a->beta2, one_b1 = (T)(1.0 - a->beta1), one_b2 = (T)(1.0 - a->beta2); \
        /* the scalars in double, as PyTorch computes them in Python */             \
        const T bc2s = (T)sqrt(1.0 - pow(a->beta2, (double)a->step));               \
        const T step_size = (T)(a->lr / (1.0 - pow(a->beta1, (double)a->step)));    \
        if (vmax)                                                                   \
            ADAM_LOOP(T, SQRT, 1)                                                            \
        else                                                                        \
            ADAM_LOOP(T, SQRT, 0)                                                            \
    }                                                                               \
    ATTR static void adagrad_range_##SFX##VAR(const opt_job *job, fnn_int i0, fnn_int i1)     \
    {                                                                               \
        const fnn_optim_args *a = job->a;                                           \
        T *restrict p = job->p, *restrict s = job->s1;                              \
        const T *restrict gr = job->g;                                              \
        const T sign = a->maximize ? (T)-1 : (T)1;                                  \
        const T wd = (T)a->weight_decay, eps = (T)a->eps;                           \
        const T clr = (T)(a->lr / (1.0 + (double)(a->step - 1) * a->lr_decay));     \
        for (fnn_int i = i0; i < i1; i++) {                                         \
            T g = sign * gr[i] + wd * p[i];                                         \
            s[i] = s[i] + g * g;                                                    \
            p[i] = p[i] + (-clr) * (g / (SQRT(s[i]) + eps));                        \
        }                                                                           \
    }                                                                               \
    ATTR static void rmsprop_range_##SFX##VAR(const opt_job *job, fnn_int i0, fnn_int i1)     \
    {                                                                               \
        const fnn_optim_args *a = job->a;                                           \
        T *restrict p = job->p, *restrict sq = job->s1, *restrict b = job->s2;      \
        T *restrict ga = job->s3;                                                   \
        const T *restrict gr = job->g;                                              \
        const T sign = a->maximize ? (T)-1 : (T)1;                                  \
        const T lr = (T)a->lr, wd = (T)a->weight_decay, eps = (T)a->eps;            \
        const T al = (T)a->alpha, one_al = (T)(1.0 - a->alpha), mu = (T)a->momentum; \
        if (ga && b)                                                                \
            RMS_LOOP(T, SQRT, 1, 1)                                                          \
        else if (ga)                                                                \
            RMS_LOOP(T, SQRT, 1, 0)                                                          \
        else if (b)                                                                 \
            RMS_LOOP(T, SQRT, 0, 1)                                                          \
        else                                                                        \
            RMS_LOOP(T, SQRT, 0, 0)                                                          \
    }

#if defined(FNN_X86_64) && (defined(__GNUC__) || defined(__clang__))
/* AVX2 without FMA: wider vectors, and the same roundings as the plain build */
#define OPT_AVX2 __attribute__((target("avx2")))
#define OPT_IF_AVX2(...) __VA_ARGS__
#else
#define OPT_IF_AVX2(...)
#endif

#define RANGE_CALLS(SFX, VAR)                                                       \
    switch (job->a->kind) {                                                         \
    case FNN_OPT_SGD: sgd_range_##SFX##VAR(job, i0, i1); break;                     \
    case FNN_OPT_ADAM: adam_range_##SFX##VAR(job, i0, i1); break;                   \
    case FNN_OPT_ADAGRAD: adagrad_range_##SFX##VAR(job, i0, i1); break;             \
    default: rmsprop_range_##SFX##VAR(job, i0, i1); break;                          \
    }

#define DEFINE_OPTIM(T, SFX, SQRT)                                                  \
    DEFINE_RANGES(T, SFX, SQRT, , _generic)                                         \
    OPT_IF_AVX2(DEFINE_RANGES(T, SFX, SQRT, OPT_AVX2, _avx2))                       \
                                                                                    \
    static fnn_status opt_part_##SFX(void *ctx, int part, int nparts)               \
    {                                                                               \
        const opt_job *job = ctx;                                                   \
        fnn_int i0, i1;                                                             \
        if (!fnn_elem_part(job->n, part, nparts, &i0, &i1))                         \
            return FNN_OK;                                                          \
        OPT_IF_AVX2(if (fnn_get_simd() == FNN_SIMD_AVX2) {                          \
            RANGE_CALLS(SFX, _avx2)                                                 \
            return FNN_OK;                                                          \
        })                                                                          \
        RANGE_CALLS(SFX, _generic)                                                  \
        return FNN_OK;                                                              \
    }                                                                               \
    fnn_status fnn_optim_step_##SFX(const fnn_optim_args *a, fnn_int n, T *p, const T *g, \
                                    T *s1, T *s2, T *s3)                            \
    {                                                                               \
        if (!a || n < 0 || a->kind < FNN_OPT_SGD || a->kind > FNN_OPT_RMSPROP)      \
            return FNN_EINVAL;                                                      \
        opt_job job = {n, a, p, g, s1, s2, s3};                                     \
        return fnn_parallel_elems(n, OPT_COST, opt_part_##SFX, &job);               \
    }

DEFINE_OPTIM(float, s, sqrtf)
DEFINE_OPTIM(double, d, sqrt)
