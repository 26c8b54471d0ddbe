/* loss_range_impl.h — the loop of losses.c over blocks of elements, written
 * once and compiled into every kernel-table entry for float and double (T,
 * SFX, EXP, LOG1P, FABS); with contraction off every entry gives the same
 * bits. Formulas in losses.c. */
static inline void FN(loss_one)(const fnn_loss_job *job, fnn_int i, T *l, T *g)
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
    case FNN_LOSS_POISSON: {
        const T e = EXP(x);
        *l = e - y * x;
        *g = e - y;
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

/* blocks [b0, b1) of FNN_ELEM_BLOCK elements: losses, gradients and each
 * block's sum (in double, in element order) */
static void FN(loss_range)(const fnn_loss_job *job, fnn_int b0, fnn_int b1)
{
    T *le = job->loss_elems, *gr = job->grad;
    const T gs = (T)job->gscale;
    for (fnn_int b = b0; b < b1; b++) {
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
}

