/* selfcheck_impl.h — one element type's share of selfcheck.c (T, SFX, TOL):
 * each function runs one kernel family of entry e on small odd-sized data
 * against a reference (plain arithmetic in long double, or the generic entry)
 * and returns NULL, or what differed. */

#define GEMM_ARCH FNN_CAT(fnn_gemm_arch, SFX)
#define TILE_EPI FNN_CAT(fnn_tile_epi, SFX)
#define ACT_JOB FNN_CAT(fnn_act_job, SFX)

static int FN(close)(T got, long double want)
{
    if (got != got || want != want)
        return (got != got) == (want != want);
    long double d = (long double)got - want;
    if (d < 0)
        d = -d;
    long double w = want < 0 ? -want : want;
    return d <= (long double)TOL * (1 + w);
}

static void FN(fill)(T *x, int n, uint32_t *state, T scale)
{
    for (int i = 0; i < n; i++)
        x[i] = (T)(check_uniform(state) * scale);
}

/* The micro-kernel with its packing: a full tile with no epilogue, then a
 * tile cut to (mr−1)×(nr−3) with beta, bias and relu, then the backward
 * epilogue (C ⊙ sigmoid'(saved)); cells outside the cut tile must not change. */
static const char *FN(check_gemm)(const GEMM_ARCH *g)
{
    enum { KC = 37, LDC = 40 };
    const int mr = g->mr, nr = g->nr;
    if (mr < 1 || nr < 1 || mr > FNN_PACK_W_MAX || nr > FNN_PACK_W_MAX || nr > LDC)
        return "gemm: tile size out of range";
    /* static: cpu.c runs one self-check at a time */
    static _Alignas(64) T A[FNN_PACK_W_MAX * KC], B[FNN_PACK_W_MAX * KC];
    static _Alignas(64) T Ap[FNN_PACK_W_MAX * KC + FNN_PACK_SLACK];
    static _Alignas(64) T Bp[FNN_PACK_W_MAX * KC + FNN_PACK_SLACK];
    static _Alignas(64) T C[FNN_PACK_W_MAX * LDC], C0[FNN_PACK_W_MAX * LDC];
    static _Alignas(64) T saved[FNN_PACK_W_MAX * LDC];
    static T bias[FNN_PACK_W_MAX];
    uint32_t st = 12345;
    FN(fill)(A, FNN_PACK_W_MAX * KC, &st, 1);
    FN(fill)(B, FNN_PACK_W_MAX * KC, &st, 1);
    FN(fill)(C0, FNN_PACK_W_MAX * LDC, &st, 1);
    FN(fill)(bias, FNN_PACK_W_MAX, &st, 1);
    FN(fill)(saved, FNN_PACK_W_MAX * LDC, &st, 1);
    g->interleave(mr, A, KC, KC, Ap);
    g->interleave(nr, B, KC, KC, Bp);
    for (int k = 0; k < KC; k++) {     /* the packing itself */
        for (int i = 0; i < mr; i++)
            if (Ap[k * mr + i] != A[i * KC + k])
                return "gemm: packing of A";
        for (int j = 0; j < nr; j++)
            if (Bp[k * nr + j] != B[j * KC + k])
                return "gemm: packing of B";
    }
    const int m = mr > 1 ? mr - 1 : 1, n = nr > 3 ? nr - 3 : 1;
    for (int mode = 0; mode < 3; mode++) {
        memcpy(C, C0, sizeof(C));
        TILE_EPI ep = {FNN_EPI_FORWARD, FNN_ACT_RELU, 0, bias, NULL, 0};
        if (mode == 2) {
            ep.mode = FNN_EPI_GRAD;
            ep.act = FNN_ACT_SIGMOID;
            ep.bias = NULL;
            ep.saved = saved;
            ep.lds = LDC;
        }
        const int mm = mode ? m : mr, nn = mode ? n : nr;
        const T beta = mode == 1 ? (T)0.5 : 0;
        g->kernel(KC, Ap, Bp, C, LDC, mode == 1, beta, mode ? &ep : NULL, mm, nn);
        for (int i = 0; i < mr; i++)
            for (int j = 0; j < LDC; j++) {
                T got = C[i * LDC + j];
                if (i >= mm || j >= nn) {
                    if (got != C0[i * LDC + j])
                        return "gemm: the micro-kernel wrote outside its tile";
                    continue;
                }
                long double s = 0;
                for (int k = 0; k < KC; k++)
                    s += (long double)A[i * KC + k] * B[j * KC + k];
                if (mode == 1) {
                    s += (long double)beta * C0[i * LDC + j] + bias[j];
                    s = s > 0 ? s : 0;
                } else if (mode == 2) {
                    long double y = saved[i * LDC + j];
                    s *= y * (1 - y);
                }
                static const char *const what[3] = {"gemm: micro-kernel",
                                                    "gemm: forward epilogue on an edge tile",
                                                    "gemm: backward epilogue"};
                if (!FN(close)(got, s))
                    return what[mode];
            }
    }
    /* few columns: kernel_rows on A's rows in place, with B copied into a
     * panel as wide as n in whole vectors */
    {
        const int w = (n + g->vl - 1) / g->vl * g->vl;
        for (int k = 0; k < KC; k++)
            for (int j = 0; j < w; j++)
                Bp[k * w + j] = j < n ? B[j * KC + k] : 0;
        {
            memcpy(C, C0, sizeof(C));
            TILE_EPI ep = {FNN_EPI_FORWARD, FNN_ACT_RELU, 0, bias, NULL, 0};
            const int mm = m;
            g->kernel_rows(KC, A, KC, Bp, C, LDC, 1, (T)0.5, &ep, mm, n);
            for (int i = 0; i < mr; i++)
                for (int j = 0; j < LDC; j++) {
                    T got = C[i * LDC + j];
                    if (i >= mm || j >= n) {
                        if (got != C0[i * LDC + j])
                            return "gemm: few-columns kernel wrote outside its rows";
                        continue;
                    }
                    long double v = 0;
                    for (int k = 0; k < KC; k++)
                        v += (long double)A[i * KC + k] * B[j * KC + k];
                    v += (long double)0.5 * C0[i * LDC + j] + bias[j];
                    if (!FN(close)(got, v > 0 ? v : 0))
                        return "gemm: kernel_rows";
                }
        }
    }
    /* one row against many, both layouts */
    enum { NROWS = 23 };
    T out[NROWS];
    g->dot_rows(NROWS, KC, A, B, KC, out);
    for (int j = 0; j < NROWS; j++) {
        long double s = 0;
        for (int k = 0; k < KC; k++)
            s += (long double)A[k] * B[j * KC + k];
        if (!FN(close)(out[j], s))
            return "gemm: dot_rows";
    }
    g->axpy_rows(NROWS, KC / 2, A, B, NROWS, out);
    for (int j = 0; j < NROWS; j++) {
        long double s = 0;
        for (int k = 0; k < KC / 2; k++)
            s += (long double)A[k] * B[k * NROWS + j];
        if (!FN(close)(out[j], s))
            return "gemm: axpy_rows";
    }
    return NULL;
}

/* activations forward and backward, softmax rows, the optimizer, the
 * elementwise losses and dropout, each against the generic entry */
static const char *FN(check_elementwise)(const fnn_arch *e, const fnn_arch *ref)
{
    enum { N = 37 };
    T x[N], dy[N], y[N], yr[N];
    uint32_t st = 777;
    FN(fill)(x, N, &st, 6);
    FN(fill)(dy, N, &st, 1);
    fnn_act_param p = {0.01, 1.0, 20.0};
    static const fnn_act acts[] = {FNN_ACT_IDENTITY, FNN_ACT_RELU, FNN_ACT_LEAKY_RELU,
                                   FNN_ACT_SIGMOID, FNN_ACT_TANH, FNN_ACT_GELU,
                                   FNN_ACT_GELU_TANH, FNN_ACT_SOFTPLUS};
    for (unsigned a = 0; a < sizeof(acts) / sizeof(acts[0]); a++)
        for (int kind = 0; kind < 3; kind++) {
            if (kind == 2 && acts[a] > FNN_ACT_TANH)
                continue;   /* derivatives from the output: only these */
            ACT_JOB job = {acts[a], &p, kind == 1, N, x, kind ? dy : NULL, y};
            e->FNN_CAT(act, SFX)(&job, 0, N);
            job.y = yr;
            ref->FNN_CAT(act, SFX)(&job, 0, N);
            for (int i = 0; i < N; i++)
                if (!FN(close)(y[i], yr[i]))
                    return kind == 0 ? "activation forward" : "activation backward";
        }
    const FNN_CAT(fnn_rowops, SFX) *ro = &e->FNN_CAT(rows, SFX), *rr = &ref->FNN_CAT(rows, SFX);
    T m = ro->max(N, x), mref = rr->max(N, x);
    if (m != mref)
        return "softmax: row max";
    T s = ro->exp(N, x, m, y), sref = rr->exp(N, x, m, yr);
    if (!FN(close)(s, sref))
        return "softmax: row sum";
    for (int i = 0; i < N; i++)
        if (!FN(close)(y[i], yr[i]))
            return "softmax: row exp";
    /* Adam with AMSGrad and SGD with Nesterov momentum, three steps each */
    T prm[2][N], st1[2][N], st2[2][N], st3[2][N];
    for (int kind = 0; kind < 2; kind++) {
        for (int r = 0; r < 2; r++)
            for (int i = 0; i < N; i++) {
                prm[r][i] = x[i];
                st1[r][i] = st2[r][i] = st3[r][i] = 0;
            }
        fnn_optim_args a;
        memset(&a, 0, sizeof(a));
        a.kind = kind ? FNN_OPT_SGD : FNN_OPT_ADAM;
        a.lr = 0.01;
        a.beta1 = 0.9;
        a.beta2 = 0.999;
        a.eps = 1e-8;
        a.weight_decay = 0.1;
        a.momentum = 0.9;
        a.nesterov = kind;
        for (int step = 1; step <= 3; step++) {
            a.step = step;
            a.first = step == 1;
            for (int r = 0; r < 2; r++) {
                fnn_opt_job job = {N, &a, prm[r], dy, st1[r], kind ? NULL : st2[r], kind ? NULL : st3[r]};
                (r ? ref : e)->FNN_CAT(opt, SFX)(&job, 0, N);
            }
        }
        for (int i = 0; i < N; i++)
            if (!FN(close)(prm[0][i], prm[1][i]) || !FN(close)(st1[0][i], st1[1][i]))
                return kind ? "optimizer: sgd" : "optimizer: adam";
    }
    /* the elementwise losses, each with weights (BCE with a pos_weight too) */
    T le[N], ler[N], gw[N];
    double part[1], partr[1];
    FN(fill)(gw, N, &st, 1);
    for (int kind = FNN_LOSS_MSE; kind <= FNN_LOSS_POISSON; kind++) {
        fnn_loss_job lj = {(fnn_loss)kind, N, 5, x, dy, gw, kind == FNN_LOSS_BCE_LOGITS ? gw : NULL,
                           0.7, 1.0 / N, le, y, part};
        e->FNN_CAT(loss, SFX)(&lj, 0, 1);
        lj.loss_elems = ler;
        lj.grad = yr;
        lj.partial = partr;
        ref->FNN_CAT(loss, SFX)(&lj, 0, 1);
        if (!FN(close)((T)part[0], partr[0]))
            return "loss: sum";
        for (int i = 0; i < N; i++)
            if (!FN(close)(le[i], ler[i]) || !FN(close)(y[i], yr[i]))
                return "loss: elements";
    }
    uint8_t mk[N], mkr[N];
    fnn_drop_job dj = {N, 8388608u, 2.0, 99, 5, x, y, mk};
    e->FNN_CAT(drop, SFX)(&dj, 0, N);
    dj.y = yr;
    dj.mask = mkr;
    ref->FNN_CAT(drop, SFX)(&dj, 0, N);
    for (int i = 0; i < N; i++)
        if (mk[i] != mkr[i] || y[i] != yr[i])
            return "dropout";
    return NULL;
}

#undef GEMM_ARCH
#undef TILE_EPI
#undef ACT_JOB
