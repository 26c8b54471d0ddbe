/* softmax.c — row-wise softmax and log-softmax, and softmax cross-entropy
 * with its gradient in one pass per row.
 *
 * For a row x of C logits:  m = max_j x_j,  e_j = exp(x_j − m),  S = Σ_j e_j,
 *   softmax_j = e_j / S,   log_softmax_j = (x_j − m) − log S   (= x_j − lse).
 * Subtracting m keeps every exponent <= 0: finite for any finite logits.
 *
 * Cross-entropy against a class index t with class weights w (all 1 when
 * absent) and label smoothing ε, as PyTorch defines it:
 *   loss = (1−ε)·w_t·(lse − x_t) + (ε/C)·Σ_j w_j·(lse − x_j)
 *   dloss/dx_j = (1−ε)·w_t·(p_j − [j = t]) + (ε/C)·(W·p_j − w_j),  W = Σ_j w_j
 * and against a probability row q (smoothed to (1−ε)q + ε/C):
 *   loss = Σ_j w_j q_j (lse − x_j),   dloss/dx_j = p_j·Σ_k w_k q_k − w_j q_j.
 * Rows whose target is ignore_index add nothing and get a zero gradient.
 * Reductions: 'none' leaves per-row losses and gradients; 'sum' adds the
 * losses; 'mean' divides loss and gradient by Σ w_t over the rows not
 * ignored (class targets) or by the number of rows (probability targets).
 *
 * Rows are independent and the total is summed serially in row order, so the
 * result does not depend on the thread count. */
#include <math.h>

#include "internal.h"

#define ROW_COST 24.0   /* work units per logit, against FNN_THREAD_WORK */

#define DEFINE_SOFTMAX(T, SFX, EXP, LOG)                                            \
    /* m = max_j x_j; NaN if any x_j is NaN */                                      \
    static T row_max_generic_##SFX(fnn_int C, const T *x)                           \
    {                                                                               \
        T m = x[0];                                                                 \
        for (fnn_int j = 1; j < C; j++)                                             \
            m = (x[j] > m || x[j] != x[j]) ? x[j] : m;                              \
        return m;                                                                   \
    }                                                                               \
    /* e_j = exp(x_j − m) into e; returns Σ_j e_j, summed in double (one serial \
     * float32 accumulator would lose ~C ulps, where the vector paths keep one     \
     * partial sum per lane)                                                      */ \
    static T row_exp_generic_##SFX(fnn_int C, const T *x, T m, T *e)                \
    {                                                                               \
        double s = 0;                                                               \
        for (fnn_int j = 0; j < C; j++) {                                           \
            e[j] = EXP(x[j] - m);                                                   \
            s += (double)e[j];                                                      \
        }                                                                           \
        return (T)s;                                                                \
    }                                                                               \
    const fnn_rowops_##SFX fnn_rowops_generic_##SFX = {row_max_generic_##SFX,       \
                                                       row_exp_generic_##SFX};      \
                                                                                    \
    typedef struct {                                                                \
        int log;                                                                    \
        fnn_int M, C;                                                               \
        const T *x;                                                                 \
        T *y;                                                                       \
    } softmax_job_##SFX;                                                            \
                                                                                    \
    static fnn_status softmax_part_##SFX(void *ctx, int part, int nparts)           \
    {                                                                               \
        const softmax_job_##SFX *job = ctx;                                         \
        const fnn_rowops_##SFX *ops = fnn_get_rowops_##SFX();                           \
        const fnn_int C = job->C;                                                   \
        /* log_softmax needs x after the sums: e goes to scratch (y may be x) */    \
        T *e = job->log ? fnn_scratch(0, (size_t)C * sizeof(T)) : NULL;             \
        if (job->log && !e)                                                         \
            return FNN_ENOMEM;                                                      \
        for (fnn_int i = job->M * part / nparts; i < job->M * (part + 1) / nparts; i++) { \
            const T *x = job->x + i * C;                                            \
            T *y = job->y + i * C;                                                  \
            T m = ops->max(C, x);                                                   \
            T s = ops->exp(C, x, m, job->log ? e : y);                              \
            if (job->log) {                                                         \
                T ls = LOG(s);                                                      \
                for (fnn_int j = 0; j < C; j++)                                     \
                    y[j] = (x[j] - m) - ls;                                         \
            } else {                                                                \
                T r = (T)1 / s;                                                     \
                for (fnn_int j = 0; j < C; j++)                                     \
                    y[j] *= r;                                                      \
            }                                                                       \
        }                                                                           \
        return FNN_OK;                                                              \
    }                                                                               \
                                                                                    \
    fnn_status fnn_softmax_##SFX(int log, fnn_int M, fnn_int C, const T *x, T *y)   \
    {                                                                               \
        if (M <= 0 || C <= 0)                                                       \
            return FNN_OK;                                                          \
        softmax_job_##SFX job = {log, M, C, x, y};                                  \
        return fnn_run_parts((double)M * C * ROW_COST, M, softmax_part_##SFX, &job); \
    }                                                                               \
                                                                                    \
    typedef struct {                                                                \
        fnn_int M, C;                                                               \
        const T *x;                                                                 \
        const int64_t *target;    /* class indices, or NULL */                      \
        const T *q;               /* probabilities M×C, or NULL */                  \
        const T *w;               /* class weights, or NULL */                      \
        T eps;                                                                      \
        int64_t ignore;                                                             \
        T wsum;                   /* Σ_j w_j */                                     \
        T scale;                  /* of the gradient: 1 / Σ w_t for 'mean', else 1 */ \
        T *loss;                  /* M per-row losses */                            \
        T *rw;                    /* M per-row denominators w_t (0 if ignored) */   \
        T *g;                     /* M×C gradients, or NULL */                      \
    } xent_job_##SFX;                                                               \
                                                                                    \
    static fnn_status xent_part_##SFX(void *ctx, int part, int nparts)              \
    {                                                                               \
        const xent_job_##SFX *job = ctx;                                            \
        const fnn_rowops_##SFX *ops = fnn_get_rowops_##SFX();                           \
        const fnn_int C = job->C;                                                   \
        const T eps = job->eps, keep = (T)1 - eps, spread = eps / (T)C;             \
        T *scratch = job->g ? NULL : fnn_scratch(0, (size_t)C * sizeof(T));         \
        if (!job->g && !scratch)                                                    \
            return FNN_ENOMEM;                                                      \
        for (fnn_int i = job->M * part / nparts; i < job->M * (part + 1) / nparts; i++) { \
            const T *x = job->x + i * C;                                            \
            T *g = job->g ? job->g + i * C : scratch;                               \
            if (job->target && job->target[i] == job->ignore) {                     \
                job->loss[i] = 0;                                                   \
                job->rw[i] = 0;                                                     \
                if (job->g)                                                         \
                    for (fnn_int j = 0; j < C; j++)                                 \
                        g[j] = 0;                                                   \
                continue;                                                           \
            }                                                                       \
            T m = ops->max(C, x);                                                   \
            T s = ops->exp(C, x, m, g);            /* g holds e_j for now */        \
            T ls = LOG(s), r = (T)1 / s;     /* lse − x_j = ls − (x_j − m) */       \
            if (job->target) {                                                      \
                const int64_t t = job->target[i];                                   \
                const T wt = job->w ? job->w[t] : (T)1;                             \
                T smooth = 0;                                                       \
                if (eps != 0)                                                       \
                    for (fnn_int j = 0; j < C; j++)                                 \
                        smooth += (job->w ? job->w[j] : (T)1) * (ls - (x[j] - m));  \
                job->loss[i] = keep * wt * (ls - (x[t] - m)) + spread * smooth;     \
                job->rw[i] = wt;                                                    \
                if (job->g) {                                                       \
                    /* g_j = sc·((keep·w_t + spread·W)·p_j − spread·w_j) − [j = t]·sc·keep·w_t */ \
                    const T sc = job->scale, a = (keep * wt + spread * job->wsum) * r * sc; \
                    if (job->w) {                                                   \
                        const T b = spread * sc;                                    \
                        for (fnn_int j = 0; j < C; j++)                             \
                            g[j] = a * g[j] - b * job->w[j];                        \
                    } else {                                                        \
                        const T b = spread * sc;                                    \
                        for (fnn_int j = 0; j < C; j++)                             \
                            g[j] = a * g[j] - b;                                    \
                    }                                                               \
                    g[t] -= keep * wt * sc;                                         \
                }                                                                   \
            } else {                                                                \
                const T *q = job->q + i * C;                                        \
                T l = 0, wq = 0;                                                    \
                for (fnn_int j = 0; j < C; j++) {                                   \
                    T qj = (keep * q[j] + spread) * (job->w ? job->w[j] : (T)1);    \
                    l += qj * (ls - (x[j] - m));                                    \
                    wq += qj;                                                       \
                }                                                                   \
                job->loss[i] = l;                                                   \
                job->rw[i] = 1;                                                     \
                if (job->g) {                                                       \
                    const T sc = job->scale, a = wq * r * sc;                       \
                    for (fnn_int j = 0; j < C; j++)                                 \
                        g[j] = a * g[j] -                                           \
                               sc * (keep * q[j] + spread) * (job->w ? job->w[j] : (T)1); \
                }                                                                   \
            }                                                                       \
        }                                                                           \
        return FNN_OK;                                                              \
    }                                                                               \
                                                                                    \
    fnn_status fnn_softmax_xent_##SFX(fnn_int M, fnn_int C, const T *x,             \
                                      const int64_t *target, const T *q, const T *w, \
                                      double label_smoothing, int64_t ignore_index, \
                                      fnn_reduction reduction, T *loss_rows,        \
                                      T *row_weight, double *loss, T *grad)         \
    {                                                                               \
        if (M < 0 || C <= 0 || (!target && !q))                                     \
            return FNN_EINVAL;                                                      \
        /* W = Σ_j w_j (C without weights: no loop over a class count that     \
         * nothing was allocated for, as with zero rows)                       */ \
        T wsum = w ? 0 : (T)C;                                                      \
        if (w && M > 0)                                                             \
            for (fnn_int j = 0; j < C; j++)                                         \
                wsum += w[j];                                                       \
        /* the 'mean' denominator first, so that one pass writes the final gradient */ \
        double denom = 0;                                                           \
        if (target) {                                                               \
            for (fnn_int i = 0; i < M; i++)                                         \
                if (target[i] != ignore_index)                                      \
                    denom += w ? (double)w[target[i]] : 1.0;                        \
        } else {                                                                    \
            denom = (double)M;                                                      \
        }                                                                           \
        int mean = reduction == FNN_REDUCTION_MEAN;                                 \
        if (M == 0) {                       /* no rows: 0, or NaN for 'mean' */     \
            *loss = mean ? NAN : 0.0;                                               \
            return FNN_OK;                                                          \
        }                                                                           \
        T scale = mean && denom != 0 ? (T)(1.0 / denom) : (T)1;                     \
        xent_job_##SFX job = {M, C, x, target, q, w, (T)label_smoothing, ignore_index, \
                              wsum, scale, loss_rows, row_weight, grad};            \
        fnn_status st = fnn_run_parts((double)M * C * ROW_COST, M, xent_part_##SFX, &job); \
        if (st != FNN_OK)                                                           \
            return st;                                                              \
        double total = 0;                                                           \
        for (fnn_int i = 0; i < M; i++)                                             \
            total += (double)loss_rows[i];                                          \
        *loss = mean ? total / denom : total;   /* NaN when every row is ignored */ \
        return FNN_OK;                                                              \
    }

DEFINE_SOFTMAX(float, s, expf, logf)
DEFINE_SOFTMAX(double, d, exp, log)
