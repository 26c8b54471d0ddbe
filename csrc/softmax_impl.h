/* softmax_impl.h — softmax.c for one element type (T, SFX, EXP, LOG):
 * softmax / log-softmax rows and softmax cross-entropy with its gradient
 * (formulas in softmax.c); the row kernels come from the kernel table. */
typedef struct {
    int log;
    fnn_int M, C;
    const T *x;
    T *y;
} FN(softmax_job);

static fnn_status FN(softmax_part)(void *ctx, int part, int nparts)
{
    const FN(softmax_job) *job = ctx;
    const FN(fnn_rowops) *ops = &fnn_cur_arch()->FN(rows);
    const fnn_int C = job->C;
    /* log_softmax needs x after the sums: e goes to scratch (y may be x) */
    T *e = job->log ? fnn_scratch(FNN_SCRATCH_SOFTMAX_ROW, (size_t)C * sizeof(T)) : NULL;
    if (job->log && !e)
        return FNN_ENOMEM;
    for (fnn_int i = job->M * part / nparts; i < job->M * (part + 1) / nparts; i++) {
        const T *x = job->x + i * C;
        T *y = job->y + i * C;
        T m = ops->max(C, x);
        T s = ops->exp(C, x, m, job->log ? e : y);
        if (job->log) {
            T ls = LOG(s);
            for (fnn_int j = 0; j < C; j++)
                y[j] = (x[j] - m) - ls;
        } else {
            T r = (T)1 / s;
            for (fnn_int j = 0; j < C; j++)
                y[j] *= r;
        }
    }
    return FNN_OK;
}

fnn_status FN(fnn_softmax)(int log, fnn_int M, fnn_int C, const T *x, T *y)
{
    if (M <= 0 || C <= 0)
        return FNN_OK;
    FN(softmax_job) job = {log, M, C, x, y};
    return fnn_run_parts((double)M * C * ROW_COST, M, FN(softmax_part), &job);
}

typedef struct {
    int log;
    fnn_int M, C;
    const T *y, *dy;
    T *dx;
} FN(softmax_grad_job);

static fnn_status FN(softmax_grad_part)(void *ctx, int part, int nparts)
{
    const FN(softmax_grad_job) *job = ctx;
    const fnn_int C = job->C;
    for (fnn_int i = job->M * part / nparts; i < job->M * (part + 1) / nparts; i++) {
        const T *y = job->y + i * C, *dy = job->dy + i * C;
        T *dx = job->dx + i * C;
        double s = 0;
        if (job->log) {              /* dx_j = dy_j − exp(y_j)·Σ_k dy_k */
            for (fnn_int j = 0; j < C; j++)
                s += (double)dy[j];
            for (fnn_int j = 0; j < C; j++)
                dx[j] = dy[j] - EXP(y[j]) * (T)s;
        } else {                     /* dx_j = y_j·(dy_j − Σ_k dy_k·y_k) */
            for (fnn_int j = 0; j < C; j++)
                s += (double)dy[j] * (double)y[j];
            for (fnn_int j = 0; j < C; j++)
                dx[j] = y[j] * (dy[j] - (T)s);
        }
    }
    return FNN_OK;
}

fnn_status FN(fnn_softmax_backward)(int log, fnn_int M, fnn_int C, const T *y, const T *dy, T *dx)
{
    if (M <= 0 || C <= 0)
        return FNN_OK;
    FN(softmax_grad_job) job = {log, M, C, y, dy, dx};
    return fnn_run_parts((double)M * C * FNN_ELEM_COST, M, FN(softmax_grad_part), &job);
}

typedef struct {
    fnn_int M, C;
    const T *x;
    const int64_t *target;    /* class indices, or NULL */
    const T *q;               /* probabilities M×C, or NULL */
    const T *w;               /* class weights, or NULL */
    T eps;
    int64_t ignore;
    T wsum;                   /* Σ_j w_j */
    T scale;                  /* of the gradient: 1 / Σ w_t for 'mean', else 1 */
    T *loss;                  /* M per-row losses */
    T *rw;                    /* M per-row denominators w_t (0 if ignored) */
    T *g;                     /* M×C gradients, or NULL */
} FN(xent_job);

static fnn_status FN(xent_part)(void *ctx, int part, int nparts)
{
    const FN(xent_job) *job = ctx;
    const FN(fnn_rowops) *ops = &fnn_cur_arch()->FN(rows);
    const fnn_int C = job->C;
    const T eps = job->eps, keep = (T)1 - eps, spread = eps / (T)C;
    T *scratch = job->g ? NULL : fnn_scratch(FNN_SCRATCH_SOFTMAX_ROW, (size_t)C * sizeof(T));
    if (!job->g && !scratch)
        return FNN_ENOMEM;
    for (fnn_int i = job->M * part / nparts; i < job->M * (part + 1) / nparts; i++) {
        const T *x = job->x + i * C;
        T *g = job->g ? job->g + i * C : scratch;
        if (job->target && job->target[i] == job->ignore) {
            job->loss[i] = 0;
            job->rw[i] = 0;
            if (job->g)
                for (fnn_int j = 0; j < C; j++)
                    g[j] = 0;
            continue;
        }
        T m = ops->max(C, x);
        T s = ops->exp(C, x, m, g);            /* g holds e_j for now */
        T ls = LOG(s), r = (T)1 / s;     /* lse − x_j = ls − (x_j − m) */
        if (job->target) {
            const int64_t t = job->target[i];
            const T wt = job->w ? job->w[t] : (T)1;
            T smooth = 0;
            if (eps != 0)
                for (fnn_int j = 0; j < C; j++)
                    smooth += (job->w ? job->w[j] : (T)1) * (ls - (x[j] - m));
            job->loss[i] = keep * wt * (ls - (x[t] - m)) + spread * smooth;
            job->rw[i] = wt;
            if (job->g) {
                /* g_j = sc·((keep·w_t + spread·W)·p_j − spread·w_j) − [j = t]·sc·keep·w_t */
                const T sc = job->scale, a = (keep * wt + spread * job->wsum) * r * sc;
                if (job->w) {
                    const T b = spread * sc;
                    for (fnn_int j = 0; j < C; j++)
                        g[j] = a * g[j] - b * job->w[j];
                } else {
                    const T b = spread * sc;
                    for (fnn_int j = 0; j < C; j++)
                        g[j] = a * g[j] - b;
                }
                g[t] -= keep * wt * sc;
            }
        } else {
            const T *q = job->q + i * C;
            T l = 0, wq = 0;
            for (fnn_int j = 0; j < C; j++) {
                T qj = (keep * q[j] + spread) * (job->w ? job->w[j] : (T)1);
                l += qj * (ls - (x[j] - m));
                wq += qj;
            }
            job->loss[i] = l;
            job->rw[i] = 1;
            if (job->g) {
                const T sc = job->scale, a = wq * r * sc;
                for (fnn_int j = 0; j < C; j++)
                    g[j] = a * g[j] -
                           sc * (keep * q[j] + spread) * (job->w ? job->w[j] : (T)1);
            }
        }
    }
    return FNN_OK;
}

fnn_status FN(fnn_softmax_xent)(fnn_int M, fnn_int C, const T *x,
                                  const int64_t *target, const T *q, const T *w,
                                  double label_smoothing, int64_t ignore_index,
                                  fnn_reduction reduction, T *loss_rows,
                                  T *row_weight, double *loss, T *grad)
{
    if (M < 0 || C <= 0 || (!target && !q))
        return FNN_EINVAL;
    /* W = Σ_j w_j (C without weights: no loop over a class count that
     * nothing was allocated for, as with zero rows)                       */
    T wsum = w ? 0 : (T)C;
    if (w && M > 0)
        for (fnn_int j = 0; j < C; j++)
            wsum += w[j];
    /* the 'mean' denominator first, so that one pass writes the final gradient */
    double denom = 0;
    if (target) {
        for (fnn_int i = 0; i < M; i++)
            if (target[i] != ignore_index)
                denom += w ? (double)w[target[i]] : 1.0;
    } else {
        denom = (double)M;
    }
    int mean = reduction == FNN_REDUCTION_MEAN;
    if (M == 0) {                       /* no rows: 0, or NaN for 'mean' */
        *loss = mean ? NAN : 0.0;
        return FNN_OK;
    }
    T scale = mean && denom != 0 ? (T)(1.0 / denom) : (T)1;
    FN(xent_job) job = {M, C, x, target, q, w, (T)label_smoothing, ignore_index,
                          wsum, scale, loss_rows, row_weight, grad};
    fnn_status st = fnn_run_parts((double)M * C * ROW_COST, M, FN(xent_part), &job);
    if (st != FNN_OK)
        return st;
    double total = 0;
    for (fnn_int i = 0; i < M; i++)
        total += (double)loss_rows[i];
    *loss = mean ? total / denom : total;   /* NaN when every row is ignored */
    return FNN_OK;
}
