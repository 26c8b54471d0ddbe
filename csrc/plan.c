/* plan.c — step plans (fastnn.h): a chain of layers, its loss and its
 * optimizer's update, run in one call, as llm.c's training step runs its model:
 * layer by layer forward into flat activation buffers, the loss and its
 * gradient, layer by layer backward, then the update of every parameter.
 *
 * Every phase calls the kernel the eager path calls for the same op (the GEMM
 * with its forward epilogue for a Linear, fnn_linear_backward for its
 * gradients, the activation, dropout, loss and optimizer kernels) with the
 * same operands, so the results are the eager path's bits. Here: the plan's
 * description and the layout of its workspace; the phases are in
 * plan_impl.h, once per element type. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct fnn_plan {
    fnn_dtype dtype;
    fnn_int in_features;
    int nlayers;
    fnn_layer *layers;
    int *drop_index;          /* per layer: its seed's index (DROPOUT layers) */
    int first_linear;         /* no backward below this layer (nlayers: none) */
    fnn_plan_loss loss;       /* kind FNN_PLAN_NO_LOSS for an inference plan */
    int nupdates;
    fnn_plan_update *updates;
    int nclip;
    void **clip;
    fnn_int *clip_len;
    fnn_int widest;           /* the most features of any row in the chain */
    fnn_int spare;            /* elements for the gradients nobody wants */
};

static size_t round64(size_t bytes)
{
    return (bytes + 63) / 64 * 64;
}

static size_t elem_size(const fnn_plan *plan)
{
    return plan->dtype == FNN_FLOAT32 ? sizeof(float) : sizeof(double);
}

/* The workspace for M rows, in this order (each region on a 64-byte boundary):
 * the output of each layer (M × out_l), two gradient buffers (M × widest),
 * the per-row or per-element losses (M × out of the last layer), the row
 * weights of the cross-entropy (M), the spare gradient buffer. */
typedef struct {
    size_t grad_a, grad_b, rows, row_weight, spare, total;
} plan_layout;

static size_t act_offset(const fnn_plan *plan, fnn_int M, int l)
{
    size_t off = 0;
    for (int k = 0; k < l; k++)
        off += round64((size_t)M * (size_t)plan->layers[k].out * elem_size(plan));
    return off;
}

static plan_layout layout(const fnn_plan *plan, fnn_int M)
{
    const size_t es = elem_size(plan);
    const fnn_int last_out = plan->layers[plan->nlayers - 1].out;
    plan_layout at;
    at.grad_a = act_offset(plan, M, plan->nlayers);
    at.grad_b = at.grad_a + round64((size_t)M * (size_t)plan->widest * es);
    at.rows = at.grad_b + round64((size_t)M * (size_t)plan->widest * es);
    at.row_weight = at.rows + round64((size_t)M * (size_t)last_out * es);
    at.spare = at.row_weight + round64((size_t)M * es);
    at.total = at.spare + round64((size_t)plan->spare * es);
    return at;
}

size_t fnn_plan_workspace(const fnn_plan *plan, fnn_int M)
{
    return layout(plan, M < 1 ? 1 : M).total;
}

size_t fnn_plan_offset(const fnn_plan *plan, fnn_int M, int region)
{
    if (region == FNN_PLAN_AT_ROWS)
        return layout(plan, M).rows;
    return act_offset(plan, M, plan->nlayers - 1);
}

fnn_plan_update *fnn_plan_update_at(fnn_plan *plan, int i)
{
    return i >= 0 && i < plan->nupdates ? &plan->updates[i] : NULL;
}

void fnn_plan_free(fnn_plan *plan)
{
    if (!plan)
        return;
    free(plan->layers);
    free(plan->drop_index);
    free(plan->updates);
    free(plan->clip);
    free(plan->clip_len);
    free(plan);
}

/* The layers chain (each one's input is the last one's output, the first's
 * the plan's input) and each is one the kernels take. */
static int layers_ok(fnn_int in_features, int nlayers, const fnn_layer *layers)
{
    fnn_int width = in_features;
    if (width < 1 || nlayers < 1)
        return 0;
    for (int l = 0; l < nlayers; l++) {
        const fnn_layer *ly = &layers[l];
        if (ly->in != width || ly->out < 1)
            return 0;
        switch (ly->kind) {
        case FNN_LAYER_LINEAR:
            if (!ly->W || ly->act < FNN_ACT_IDENTITY || ly->act > FNN_ACT_TANH ||
                (ly->act == FNN_ACT_LEAKY_RELU && ly->ap.slope < 0))
                return 0;
            break;
        case FNN_LAYER_ACT:
            if (ly->out != ly->in || ly->act < FNN_ACT_IDENTITY || ly->act > FNN_ACT_SOFTPLUS ||
                (!ly->from_input && ly->act > FNN_ACT_TANH))
                return 0;
            break;
        case FNN_LAYER_DROPOUT:
            if (ly->out != ly->in || !(ly->p >= 0 && ly->p <= 1))
                return 0;
            break;
        default:
            return 0;
        }
        width = ly->out;
    }
    return 1;
}

fnn_plan *fnn_plan_new(fnn_dtype dtype, fnn_int in_features, int nlayers,
                       const fnn_layer *layers, const fnn_plan_loss *loss, int nupdates,
                       int nclip, void *const *clip, const fnn_int *clip_len)
{
    if ((dtype != FNN_FLOAT32 && dtype != FNN_FLOAT64) || !layers ||
        !layers_ok(in_features, nlayers, layers) || nupdates < 0 || nclip < 0)
        return NULL;
    fnn_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return NULL;
    plan->dtype = dtype;
    plan->in_features = in_features;
    plan->nlayers = nlayers;
    plan->layers = malloc(sizeof(fnn_layer) * (size_t)nlayers);
    plan->drop_index = malloc(sizeof(int) * (size_t)nlayers);
    plan->nupdates = nupdates;
    plan->updates = calloc((size_t)(nupdates > 0 ? nupdates : 1), sizeof(fnn_plan_update));
    plan->nclip = nclip;
    plan->clip = malloc(sizeof(void *) * (size_t)(nclip > 0 ? nclip : 1));
    plan->clip_len = malloc(sizeof(fnn_int) * (size_t)(nclip > 0 ? nclip : 1));
    if (!plan->layers || !plan->drop_index || !plan->updates || !plan->clip || !plan->clip_len) {
        fnn_plan_free(plan);
        return NULL;
    }
    memcpy(plan->layers, layers, sizeof(fnn_layer) * (size_t)nlayers);
    for (int i = 0; i < nclip; i++) {
        plan->clip[i] = clip[i];
        plan->clip_len[i] = clip_len[i];
    }
    if (loss)
        plan->loss = *loss;
    else
        plan->loss.kind = FNN_PLAN_NO_LOSS;
    plan->first_linear = nlayers;
    plan->widest = in_features;
    int drops = 0;
    for (int l = 0; l < nlayers; l++) {
        const fnn_layer *ly = &layers[l];
        plan->drop_index[l] = ly->kind == FNN_LAYER_DROPOUT ? drops++ : -1;
        if (ly->out > plan->widest)
            plan->widest = ly->out;
        if (ly->kind == FNN_LAYER_LINEAR) {
            if (plan->first_linear == nlayers)
                plan->first_linear = l;
            if (ly->out * ly->in + ly->out > plan->spare)
                plan->spare = ly->out * ly->in + ly->out;
        }
    }
    return plan;
}

/* ---- the phases, per element type ------------------------------------- */

/* The timers: tick() where a part starts, tock() adds its seconds to slot. */
static inline double tick(const fnn_plan_call *call)
{
    return call->timers ? fnn_seconds() : 0;
}

static inline void tock(fnn_plan_call *call, int slot, double t0)
{
    if (call->timers)
        call->timers[slot] += fnn_seconds() - t0;
}

/* x[i] *= s over n elements, on the pool: each element is rounded alone, so
 * the bits do not depend on the parts. */
typedef struct {
    fnn_int n;
    void *x;
    double s;
} scale_job;

#define FNN_IMPL "plan_impl.h"
#include "instantiate.h"

fnn_status fnn_plan_run(fnn_plan *plan, fnn_plan_call *call)
{
    if (!plan || !call || call->M < 1 || !call->workspace || !call->x ||
        ((uintptr_t)call->workspace % FNN_ALIGN) != 0)
        return FNN_EINVAL;
    call->correct = -1;
    call->bad_row = -1;
    return plan->dtype == FNN_FLOAT32 ? plan_run_s(plan, call) : plan_run_d(plan, call);
}
