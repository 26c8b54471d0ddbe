/* plan_impl.h — plan.c's phases for one element type (T, FN): forward,
 * loss, backward, update. Each op is the kernel call the eager path makes
 * for it, so the bits are the eager path's. */

static fnn_status FN(scale_part)(void *ctx, int part, int nparts)
{
    const scale_job *job = ctx;
    fnn_int i0, i1;
    T *x = job->x;
    const T s = (T)job->s;
    if (fnn_elem_part(job->n, part, nparts, &i0, &i1))
        for (fnn_int i = i0; i < i1; i++)
            x[i] = x[i] * s;      /* numpy's x *= s: one rounding per element */
    return FNN_OK;
}

static fnn_status FN(scale)(fnn_int n, T *x, double s)
{
    scale_job job = {n, x, s};
    return fnn_parallel_elems(n, FNN_ELEM_COST, FN(scale_part), &job);
}

/* The output of layer l (M × out_l): the caller's `out` for the last layer
 * when given, else its place in the workspace. */
static T *FN(layer_out)(const fnn_plan *plan, const fnn_plan_call *call, int l)
{
    if (l == plan->nlayers - 1 && call->out)
        return call->out;
    return (T *)((char *)call->workspace + act_offset(plan, call->M, l));
}

/* The input of layer l: the plan's input, or the layer below's output. */
static const T *FN(layer_in)(const fnn_plan *plan, const fnn_plan_call *call, int l)
{
    return l == 0 ? (const T *)call->x : FN(layer_out)(plan, call, l - 1);
}

/* y_l = layer_l(x_l), l = 0 .. L-1. */
static fnn_status FN(forward)(const fnn_plan *plan, fnn_plan_call *call)
{
    const fnn_int M = call->M;
    fnn_status st = FNN_OK;
    for (int l = 0; l < plan->nlayers && st == FNN_OK; l++) {
        const fnn_layer *ly = &plan->layers[l];
        const T *x = FN(layer_in)(plan, call, l);
        T *y = FN(layer_out)(plan, call, l);
        const double t0 = tick(call);
        int slot = FNN_TIME_FORWARD_OTHER;
        switch (ly->kind) {
        case FNN_LAYER_LINEAR:  /* y = act(x · Wᵀ + b) */
            st = FN(fnn_linear_layer_forward)(M, ly->out, ly->in, ly->act, ly->ap.slope, x,
                                              (const T *)ly->W, (const T *)ly->b, y);
            slot = FNN_TIME_FORWARD_GEMM;
            break;
        case FNN_LAYER_ACT:
            st = FN(fnn_act_forward)(ly->act, &ly->ap, M * ly->out, x, y);
            break;
        case FNN_LAYER_DROPOUT:
            /* mask from (seed, element index): the eager dropout's, recomputed in backward */
            st = FN(fnn_dropout)(M * ly->out, ly->p, call->seeds[plan->drop_index[l]], 0, x, y,
                                 NULL);
            break;
        }
        tock(call, slot, t0);
    }
    return st;
}

/* The loss of the last output and, with `grad`, its gradient there:
 * cross-entropy (class indices or probabilities) or an elementwise loss; for
 * reduction NONE the gradient of each row's (or element's) loss is scaled as
 * the backward of their mean or sum scales it. */
static fnn_status FN(loss)(const fnn_plan *plan, fnn_plan_call *call, T *grad)
{
    const fnn_plan_loss *ls = &plan->loss;
    const fnn_int M = call->M, C = plan->layers[plan->nlayers - 1].out;
    const plan_layout at = layout(plan, M);
    const T *y = FN(layer_out)(plan, call, plan->nlayers - 1);
    T *rows = (T *)((char *)call->workspace + at.rows);
    fnn_status st;
    double loss = 0;
    if (ls->kind == FNN_PLAN_XENT) {
        T *row_weight = (T *)((char *)call->workspace + at.row_weight);
        const T *q = call->labels ? NULL : (const T *)call->target;
        st = FN(fnn_softmax_xent)(M, C, y, call->labels, q, (const T *)ls->class_weight,
                                  ls->label_smoothing, ls->ignore_index, ls->reduction, rows,
                                  row_weight, &loss, grad);
        if (st == FNN_OK && call->labels)
            call->correct = FN(fnn_count_correct)(M, C, y, call->labels);
    } else {
        T *elems = ls->reduction == FNN_REDUCTION_NONE ? rows : NULL;
        st = FN(fnn_loss)(ls->elementwise, M * C, y, (const T *)call->target,
                          (const T *)call->weight, (const T *)call->pos_weight, call->loss_cols,
                          ls->delta, ls->reduction, elems, &loss, grad);
    }
    if (st != FNN_OK)
        return st;
    call->loss = loss;
    if (grad && ls->reduction == FNN_REDUCTION_NONE && call->row_scale != 1)
        st = FN(scale)(M * C, grad, call->row_scale);
    return st;
}

/* From the gradient of the last output (in grad_a), each layer's backward,
 * top first, down to the first Linear (which computes no dx). */
static fnn_status FN(backward)(const fnn_plan *plan, fnn_plan_call *call)
{
    const fnn_int M = call->M;
    const plan_layout at = layout(plan, M);
    T *cur = (T *)((char *)call->workspace + at.grad_a);
    T *other = (T *)((char *)call->workspace + at.grad_b);
    T *spare = (T *)((char *)call->workspace + at.spare);
    fnn_status st = FNN_OK;
    for (int l = plan->nlayers - 1; l >= plan->first_linear && st == FNN_OK; l--) {
        const fnn_layer *ly = &plan->layers[l];
        const T *x = FN(layer_in)(plan, call, l);
        const T *y = FN(layer_out)(plan, call, l);
        const double t0 = tick(call);
        int slot = FNN_TIME_BACKWARD_OTHER;
        switch (ly->kind) {
        case FNN_LAYER_LINEAR: {
            /* dz = dy ⊙ act'(y); dW = dzᵀ·x, db = Σ_rows dz; dx = dz·W */
            T *dW = ly->dW ? (T *)ly->dW : spare;
            T *db = ly->db ? (T *)ly->db : spare + ly->out * ly->in;
            T *dx = l > plan->first_linear ? other : NULL;
            st = FN(fnn_linear_layer_backward)(M, ly->out, ly->in, ly->act, ly->ap.slope, cur, y,
                                               x, (const T *)ly->W, 0, dW, db, dx);
            if (dx) {
                other = cur;
                cur = dx;
            }
            slot = FNN_TIME_BACKWARD_GEMM;
            break;
        }
        case FNN_LAYER_ACT:      /* dx = dy ⊙ act'(x or y), in place */
            st = FN(fnn_act_backward)(ly->act, &ly->ap, ly->from_input, M * ly->out, cur,
                                      ly->from_input ? x : y, cur);
            break;
        case FNN_LAYER_DROPOUT:  /* the forward's mask and scale, on the gradient */
            st = FN(fnn_dropout)(M * ly->out, ly->p, call->seeds[plan->drop_index[l]], 0, cur,
                                 cur, NULL);
            break;
        }
        tock(call, slot, t0);
    }
    return st;
}

/* clip_grad_norm_ over the clip buffers (when asked), then every update
 * segment's optimizer step. */
static fnn_status FN(update)(const fnn_plan *plan, fnn_plan_call *call)
{
    fnn_status st = FNN_OK;
    if (call->max_norm > 0 && plan->nclip > 0) {
        double sq = FN(fnn_sum_squares)(plan->nclip, (const T *const *)plan->clip, plan->clip_len);
        if (sq == -1.0)
            return FNN_ENOMEM;
        const double total = sqrt(sq);
        const double coef = call->max_norm / (total + 1e-6);
        call->total_norm = total;
        for (int i = 0; coef < 1 && i < plan->nclip && st == FNN_OK; i++)
            st = FN(scale)(plan->clip_len[i], plan->clip[i], coef);
    }
    for (int i = 0; i < plan->nupdates && st == FNN_OK; i++) {
        const fnn_plan_update *u = &plan->updates[i];
        st = FN(fnn_optim_step)(&u->args, u->n, u->p, u->g, u->s1, u->s2, u->s3);
    }
    return st;
}

static fnn_status FN(plan_run)(const fnn_plan *plan, fnn_plan_call *call)
{
    const int ph = call->phases;
    const int has_loss = plan->loss.kind != FNN_PLAN_NO_LOSS;
    if ((ph & (FNN_PHASE_LOSS | FNN_PHASE_BACKWARD)) && !has_loss)
        return FNN_EINVAL;
    if ((ph & FNN_PHASE_LOSS) && plan->loss.kind == FNN_PLAN_XENT && call->labels) {
        /* class indices first: a bad one stops the call before anything is written */
        const fnn_int C = plan->layers[plan->nlayers - 1].out;
        fnn_int bad = fnn_find_bad_index(call->M, call->labels, C, plan->loss.ignore_index);
        if (bad >= 0) {
            call->bad_row = bad;
            return FNN_ERANGE;
        }
    }
    fnn_status st = FNN_OK;
    if (ph & FNN_PHASE_FORWARD)
        st = FN(forward)(plan, call);
    if (st == FNN_OK && (ph & FNN_PHASE_LOSS)) {
        T *grad = (ph & FNN_PHASE_BACKWARD)
                      ? (T *)((char *)call->workspace + layout(plan, call->M).grad_a)
                      : NULL;
        const double t0 = tick(call);
        st = FN(loss)(plan, call, grad);
        tock(call, FNN_TIME_LOSS, t0);
        if (st == FNN_OK && call->check_finite && plan->loss.reduction != FNN_REDUCTION_NONE &&
            !isfinite((T)call->loss))
            return FNN_ENONFINITE;
    }
    if (st == FNN_OK && (ph & FNN_PHASE_BACKWARD))
        st = FN(backward)(plan, call);
    if (st == FNN_OK && (ph & FNN_PHASE_UPDATE)) {
        const double t0 = tick(call);
        st = FN(update)(plan, call);
        tock(call, FNN_TIME_UPDATE, t0);
    }
    return st;
}
