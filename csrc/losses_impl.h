/* losses_impl.h — losses.c for one element type (T, SFX, EXP, LOG1P, FABS):
 * one element's loss and gradient, and the blocked pass over the array
 * (formulas in losses.c). */
static inline void FN(loss_one)(const loss_job *job, fnn_int i, T *l, T *g)
{
    const T x = ((const T *)job->x)[i], y = ((const T *)job->y)[i];
    const T d = x - y;
    switch (job->kind) {
    case FNN_LOSS_MSE:
        *l = d * d;
        *g = 2 * d;
        break;
    case FNN_LOSS_L1:
        *l = FABS(d);
        *g = (T)((d > 0) - (d < 0));
        break;
    case FNN_LOSS_HUBER: {
        const T delta = (T)job->delta, a = FABS(d);
        if (a < delta) {
            *l = (T)0.5 * d * d;
            *g = d;
        } else {
            *l = delta * (a - (T)0.5 * delta);
            *g = delta * (T)((d > 0) - (d < 0));
        }
        break;
    }
    default: { /* FNN_LOSS_BCE_LOGITS */
        const T p = job->pw ? ((const T *)job->pw)[i % job->C] : (T)1;
        const T e = EXP(-FABS(x));                 /* e^-|x| in (0, 1] */
        const T lg = LOG1P(e);
        const T sp_neg = (x < 0 ? -x : (T)0) + lg;   /* softplus(−x) */
        const T sp_pos = (x > 0 ? x : (T)0) + lg;    /* softplus(x) */
        const T big = 1 / (1 + e), small = e / (1 + e);
        const T s_pos = x >= 0 ? big : small, s_neg = x >= 0 ? small : big;
        *l = p * y * sp_neg + (1 - y) * sp_pos;
        *g = (1 - y) * s_pos - p * y * s_neg;
    }
    }
    if (job->w) {
        const T w = ((const T *)job->w)[i];
        *l *= w;
        *g *= w;
    }
}

static fnn_status FN(loss_part)(void *ctx, int part, int nparts)
{
    const loss_job *job = ctx;
    const fnn_int blocks = (job->n + FNN_ELEM_BLOCK - 1) / FNN_ELEM_BLOCK;
    T *le = job->loss_elems, *gr = job->grad;
    const T gs = (T)job->gscale;
    for (fnn_int b = blocks * part / nparts; b < blocks * (part + 1) / nparts; b++) {
        fnn_int i0 = b * FNN_ELEM_BLOCK, i1 = i0 + FNN_ELEM_BLOCK;
        if (i1 > job->n)
            i1 = job->n;
        double s = 0;
        for (fnn_int i = i0; i < i1; i++) {
            T l, g;
            FN(loss_one)(job, i, &l, &g);
            s += (double)l;
            if (le)
                le[i] = l;
            if (gr)
                gr[i] = g * gs;
        }
        job->partial[b] = s;
    }
    return FNN_OK;
}

fnn_status FN(fnn_loss)(fnn_loss kind, fnn_int n, const T *x, const T *y,
                          const T *w, const T *pos_weight, fnn_int C, double delta,
                          fnn_reduction reduction, T *loss_elems, double *loss,
                          T *grad)
{
    if (n < 0 || (pos_weight && C <= 0 && n > 0) || kind < FNN_LOSS_MSE ||
        kind > FNN_LOSS_BCE_LOGITS)
        return FNN_EINVAL;
    const fnn_int blocks = (n + FNN_ELEM_BLOCK - 1) / FNN_ELEM_BLOCK;
    double *partial = fnn_scratch(3, (size_t)(blocks > 0 ? blocks : 1) * sizeof(double));
    if (!partial)
        return FNN_ENOMEM;
    double gscale = reduction == FNN_REDUCTION_MEAN ? 1.0 / (double)n : 1.0;
    loss_job job = {kind, n, C, x, y, w, pos_weight, delta, gscale, loss_elems, grad, partial};
    fnn_status st = fnn_run_parts((double)n * FNN_ELEM_COST, blocks, FN(loss_part), &job);
    double total = 0;
    for (fnn_int b = 0; b < blocks; b++)
        total += partial[b];
    *loss = reduction == FNN_REDUCTION_MEAN ? total / (double)n : total;
    return st;
}
