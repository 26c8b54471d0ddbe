/* optim_range_impl.h — the loops of optim.c over one range of a parameter buffer,
 * written once and included by every kernel-table entry (arch/<isa>/) for
 * float and double (T, SFX, and SQRT: sqrtf or sqrt); the compiler vectorises
 * them for the entry's target. Floating-point contraction is off in the whole
 * build, so every entry rounds exactly as the portable one: the same bits.
 * Each loop takes its options as constants from an if outside it, so each
 * instance is branch-free. Formulas in optim.c. */

static inline __attribute__((always_inline)) void FN(sgd_loop)(
    const fnn_opt_job *job, fnn_int i0, fnn_int i1, const int mom, const int nest, const int first)
{
    const fnn_optim_args *a = job->a;
    T *restrict p = job->p, *restrict b = job->s1;
    const T *restrict gr = job->g;
    const T sign = a->maximize ? (T)-1 : (T)1;
    const T lr = (T)a->lr, wd = (T)a->weight_decay, mu = (T)a->momentum;
    const T damp = (T)(1.0 - a->dampening);
    for (fnn_int i = i0; i < i1; i++) {
        T g = sign * gr[i] + wd * p[i];
        if (mom) {
            b[i] = first ? g : mu * b[i] + damp * g;
            g = nest ? g + mu * b[i] : b[i];
        }
        p[i] = p[i] - lr * g;
    }
}

static void FN(sgd_range)(const fnn_opt_job *job, fnn_int i0, fnn_int i1)
{
    const fnn_optim_args *a = job->a;
    if (!job->s1)
        FN(sgd_loop)(job, i0, i1, 0, 0, 0);
    else if (a->first && a->nesterov)
        FN(sgd_loop)(job, i0, i1, 1, 1, 1);
    else if (a->first)
        FN(sgd_loop)(job, i0, i1, 1, 0, 1);
    else if (a->nesterov)
        FN(sgd_loop)(job, i0, i1, 1, 1, 0);
    else
        FN(sgd_loop)(job, i0, i1, 1, 0, 0);
}

static inline __attribute__((always_inline)) void FN(adam_loop)(
    const fnn_opt_job *job, fnn_int i0, fnn_int i1, const int ams)
{
    const fnn_optim_args *a = job->a;
    T *restrict p = job->p, *restrict m = job->s1, *restrict v = job->s2;
    T *restrict vmx = job->s3;
    const T *restrict gr = job->g;
    const T sign = a->maximize ? (T)-1 : (T)1, eps = (T)a->eps;
    /* Adam adds wd·p to g; AdamW scales p by 1 − lr·wd (either is exact 0/1 when off) */
    const T wd = a->decoupled ? (T)0 : (T)a->weight_decay;
    const T decay = a->decoupled ? (T)(1.0 - a->lr * a->weight_decay) : (T)1;
    const T b2 = (T)a->beta2, one_b1 = (T)(1.0 - a->beta1), one_b2 = (T)(1.0 - a->beta2);
    /* the scalars in double, as PyTorch computes them in Python */
    const T bc2s = (T)sqrt(1.0 - pow(a->beta2, (double)a->step));
    const T step_size = (T)(a->lr / (1.0 - pow(a->beta1, (double)a->step)));
    for (fnn_int i = i0; i < i1; i++) {
        T pi = p[i] * decay;
        T g = sign * gr[i] + wd * pi;
        m[i] = m[i] + one_b1 * (g - m[i]);
        v[i] = v[i] * b2 + (one_b2 * g) * g;       /* PyTorch addcmul's order: no early overflow */
        T vh = v[i];
        if (ams) {
            vmx[i] = vmx[i] > v[i] ? vmx[i] : v[i];
            vh = vmx[i];
        }
        p[i] = pi + (-step_size) * (m[i] / (SQRT(vh) / bc2s + eps));
    }
}

static void FN(adam_range)(const fnn_opt_job *job, fnn_int i0, fnn_int i1)
{
    if (job->s3)
        FN(adam_loop)(job, i0, i1, 1);
    else
        FN(adam_loop)(job, i0, i1, 0);
}

static void FN(adagrad_range)(const fnn_opt_job *job, fnn_int i0, fnn_int i1)
{
    const fnn_optim_args *a = job->a;
    T *restrict p = job->p, *restrict s = job->s1;
    const T *restrict gr = job->g;
    const T sign = a->maximize ? (T)-1 : (T)1;
    const T wd = (T)a->weight_decay, eps = (T)a->eps;
    const T clr = (T)(a->lr / (1.0 + (double)(a->step - 1) * a->lr_decay));
    for (fnn_int i = i0; i < i1; i++) {
        T g = sign * gr[i] + wd * p[i];
        s[i] = s[i] + g * g;
        p[i] = p[i] + (-clr) * (g / (SQRT(s[i]) + eps));
    }
}

static inline __attribute__((always_inline)) void FN(rms_loop)(
    const fnn_opt_job *job, fnn_int i0, fnn_int i1, const int centered, const int mom)
{
    const fnn_optim_args *a = job->a;
    T *restrict p = job->p, *restrict sq = job->s1, *restrict b = job->s2;
    T *restrict ga = job->s3;
    const T *restrict gr = job->g;
    const T sign = a->maximize ? (T)-1 : (T)1;
    const T lr = (T)a->lr, wd = (T)a->weight_decay, eps = (T)a->eps;
    const T al = (T)a->alpha, one_al = (T)(1.0 - a->alpha), mu = (T)a->momentum;
    for (fnn_int i = i0; i < i1; i++) {
        T g = sign * gr[i] + wd * p[i];
        sq[i] = sq[i] * al + (one_al * g) * g;     /* as PyTorch's addcmul */
        T avg;
        if (centered) {
            ga[i] = ga[i] + one_al * (g - ga[i]);
            /* sq − ga²; where ga² alone overflows, with the product unrounded
               (FMA), so the variance stays inf as PyTorch's, not inf − inf = NaN */
            const T gg = ga[i] * ga[i];
            avg = SQRT(gg < (T)INFINITY ? sq[i] - gg : FMA(-ga[i], ga[i], sq[i])) + eps;
        } else {
            avg = SQRT(sq[i]) + eps;
        }
        if (mom) {
            b[i] = b[i] * mu + g / avg;
            p[i] = p[i] - lr * b[i];
        } else {
            p[i] = p[i] + (-lr) * (g / avg);
        }
    }
}

static void FN(rmsprop_range)(const fnn_opt_job *job, fnn_int i0, fnn_int i1)
{
    if (job->s3 && job->s2)
        FN(rms_loop)(job, i0, i1, 1, 1);
    else if (job->s3)
        FN(rms_loop)(job, i0, i1, 1, 0);
    else if (job->s2)
        FN(rms_loop)(job, i0, i1, 0, 1);
    else
        FN(rms_loop)(job, i0, i1, 0, 0);
}

/* the entry point the kernel table holds */
static void FN(opt_range)(const fnn_opt_job *job, fnn_int i0, fnn_int i1)
{
    switch (job->a->kind) {
    case FNN_OPT_SGD: FN(sgd_range)(job, i0, i1); break;
    case FNN_OPT_ADAM: FN(adam_range)(job, i0, i1); break;
    case FNN_OPT_ADAGRAD: FN(adagrad_range)(job, i0, i1); break;
    default: FN(rmsprop_range)(job, i0, i1); break;
    }
}
