/* fastnn.h — the one public header of fastnn's C kernels.
 *
 * Conventions (every kernel):
 *   - row-major matrices given by a pointer and a leading dimension (elements
 *     between the starts of two rows); float32 kernels end in _s, float64 in _d;
 *   - outputs are written into buffers the caller owns; nothing is allocated per
 *     call except cached per-thread packing workspaces, grown on demand;
 *   - results are bitwise identical for any thread count;
 *   - functions that can fail return an fnn_status (0 = success).
 *
 * No Python here: the Cython bindings check every argument before calling in.
 */
#ifndef FASTNN_H
#define FASTNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef ptrdiff_t fnn_int;

typedef enum {
    FNN_OK = 0,
    FNN_ENOMEM = 1,   /* a workspace could not be allocated */
    FNN_EINVAL = 2,   /* an argument the bindings should have caught */
    FNN_ERANGE = 3,   /* a step plan's class index outside [0, C) (plan.c) */
    FNN_ENONFINITE = 4 /* a step plan's loss is NaN or infinite: nothing was updated */
} fnn_status;

/* The element type, as a tag: FNN_FLOAT32 (the _s kernels), FNN_FLOAT64 (_d). */
typedef enum { FNN_FLOAT32 = 0, FNN_FLOAT64 = 1 } fnn_dtype;

/* ---- CPU dispatch (cpu.c) -------------------------------------------- */

/* The kernels come from one entry of a table, one entry per instruction set
 * (csrc/arch/<isa>/: generic, avx2, avx512, and test entries). The default is
 * the best entry this CPU runs that passes its self-check at first use;
 * FASTNN_SIMD=<name> asks for another. fnn_cpu_init is idempotent (the
 * bindings call it at import). */
void fnn_cpu_init(void);
int fnn_simd_count(void);                        /* entries built */
const char *fnn_simd_entry(int i, int *test_only);   /* i-th name, best first, or NULL */
const char *fnn_simd_current(void);              /* the entry in use */
int fnn_simd_supported(const char *name);        /* 1 if built and this CPU runs it */
/* Use entry `name`: 0 done; -1 no such entry; -2 this CPU lacks it; -3 it
 * failed its self-check (the best default is used instead, with a warning). */
int fnn_simd_set(const char *name);
/* Copies the pending warning (an entry disabled, FASTNN_SIMD not honoured)
 * into buf and clears it; returns 0 when there is none. */
int fnn_simd_take_warning(char *buf, int size);
const char *fnn_compiler(void);                 /* compiler that built the kernels */
const char *fnn_build_flags(void);              /* the flags it was given */

/* ---- threads (threads.c) --------------------------------------------- */

/* The thread count, one for the whole process: the last fnn_set_num_threads
 * (from any thread), else OpenMP's default (OMP_NUM_THREADS, or the CPUs this
 * process may use); capped by the calling thread's OpenMP setting where that
 * was lowered below the default (threadpoolctl). The default is read on the
 * first call. It is a ceiling: a call runs on at most
 * fnn_get_team_ceiling() = min(count, usable CPUs) threads, fewer when its
 * work is small. */
int fnn_openmp_enabled(void);                   /* 1 if built with OpenMP */
void fnn_set_num_threads(int n);
int fnn_get_num_threads(void);
int fnn_get_team_ceiling(void);
/* The CPU's data caches (caches.c), read once: the L1d and L2 of one core
 * and its share of the last level, in bytes (0: unknown), and where they came
 * from ("sysfs", "cpuid", "FASTNN_CACHES" or "none"). */
typedef struct {
    fnn_int l1d, l2, l3;
    const char *source;
} fnn_caches;
const fnn_caches *fnn_cpu_caches(void);
/* The cache blocks the packed GEMM uses on this CPU with the current kernel
 * entry, for float (_s) and double (_d). */
void fnn_gemm_blocks_s(fnn_int *mc, fnn_int *kc, fnn_int *nc);
void fnn_gemm_blocks_d(fnn_int *mc, fnn_int *kc, fnn_int *nc);
/* The current entry's micro-kernel alone (for the bench): seconds for reps
 * whole register tiles of depth kc on panels held in the caches (< 0: out of
 * memory), and in *flops the arithmetic they did. */
double fnn_ukernel_seconds_s(fnn_int kc, long reps, double *flops);
double fnn_ukernel_seconds_d(fnn_int kc, long reps, double *flops);

/* The team a large call gets now: the ceiling, halved while the pool's review
 * of its recent calls finds that extra threads do not help (threads.c). */
int fnn_get_team_now(void);
/* The pool's team decisions since the last reset (reset != 0 zeroes them
 * after reading them), for the bench:
 *   calls      calls whose work warranted 2 or more threads;
 *   halved     those of them run on fewer because of the review;
 *   contended  times a spinning thread found its CPU taken (idle threads
 *              then sleep at once for a while);
 *   waited     reviewed calls in which a thread of the team had queued for a
 *              CPU another thread held (the review's evidence of a busy
 *              machine: only such calls can halve the team);
 *   moved      times a worker found itself on the caller's CPU call after
 *              call and moved to another CPU of its set. */
typedef struct {
    uint64_t calls, halved, contended, waited, moved;
} fnn_team_counts;
void fnn_team_stats(fnn_team_counts *out, int reset);
/* CPUs this process may use (usable_cpus.c): its affinity mask, within its
 * cgroup's CPU quota (measured at the first call and again at each
 * fnn_set_num_threads, or fnn_refresh_usable_cpus); fnn_set_usable_cpus(n > 0) overrides it (tests),
 * n = 0 measures again. */
int fnn_get_usable_cpus(void);
void fnn_refresh_usable_cpus(void);
void fnn_set_usable_cpus(int n);
/* The CPU quota of the cgroup listed in proc_file under the hierarchy mounted
 * at root (0: none); the pieces of fnn_get_usable_cpus, for tests. */
int fnn_cgroup_cpus(const char *proc_file, const char *root);

/* ---- activations ------------------------------------------------------ */

typedef enum {
    FNN_ACT_IDENTITY = 0,
    FNN_ACT_RELU = 1,
    FNN_ACT_LEAKY_RELU = 2,
    FNN_ACT_SIGMOID = 3,
    FNN_ACT_TANH = 4,
    /* elementwise kernels only (not in the GEMM epilogue): */
    FNN_ACT_GELU = 5,        /* x·Φ(x), the exact erf form */
    FNN_ACT_GELU_TANH = 6,   /* PyTorch's approximate='tanh' */
    FNN_ACT_SOFTPLUS = 7     /* log(1 + e^(beta·x)) / beta, linear above threshold */
} fnn_act;

/* The parameters of an activation: the negative slope of leaky_relu, beta and
 * threshold of softplus; the others ignore them. */
typedef struct {
    double slope;
    double beta;
    double threshold;
} fnn_act_param;

/* ---- GEMM with fused epilogue (gemm.c) --------------------------------
 *
 * C = op(A) · op(B) + beta·C, then the epilogue, with op(A) M×K and op(B)
 * K×N. trans_a = 1 means A is stored K×M (row-major, lda >= M); likewise B
 * stored N×K when trans_b = 1. With beta == 0, C is never read.
 *
 * The epilogue runs on each tile while it is still in registers:
 *   mode FNN_EPI_FORWARD:   C = act(C + bias)          (bias may be NULL)
 *   mode FNN_EPI_GRAD:      C = C ⊙ act'(saved)        (saved is M×N, ld lds;
 *                           act' is taken from the activation's OUTPUT:
 *                           relu' = [s>0], leaky' = s>0 ? 1 : slope,
 *                           sigmoid' = s(1-s), tanh' = 1-s²)
 *
 * Up to FNN_GEMM_SMALL_M rows C is computed row by row (no packing): a row's
 * result may then differ in its last bits from the same row in a call of
 * more rows, whose packed path sums over k in its own blocks.
 */
enum { FNN_GEMM_SMALL_M = 4 };
typedef enum { FNN_EPI_FORWARD = 0, FNN_EPI_GRAD = 1 } fnn_epi_mode;

typedef struct {
    fnn_epi_mode mode;
    fnn_act act;
    double slope;            /* leaky_relu negative slope */
    const void *bias;        /* forward: N elements, or NULL */
    const void *saved;       /* grad: M×N activation outputs */
    fnn_int lds;             /* leading dimension of saved */
} fnn_epilogue;

fnn_status fnn_gemm_s(int trans_a, int trans_b, fnn_int M, fnn_int N, fnn_int K,
                      const float *A, fnn_int lda, const float *B, fnn_int ldb,
                      float beta, float *C, fnn_int ldc, const fnn_epilogue *ep);
fnn_status fnn_gemm_d(int trans_a, int trans_b, fnn_int M, fnn_int N, fnn_int K,
                      const double *A, fnn_int lda, const double *B, fnn_int ldb,
                      double beta, double *C, fnn_int ldc, const fnn_epilogue *ep);

/* Weight gradient of a Linear layer, one call:
 *   dW = dYᵀ · X + beta·dW      (dW is N×K, dY is M×N, X is M×K)
 *   db = Σ_rows dY + beta·db    (N elements; summed while dY is packed)
 * db may be NULL. */
fnn_status fnn_linear_grad_weight_s(fnn_int M, fnn_int N, fnn_int K,
                                    const float *dY, fnn_int lddy,
                                    const float *X, fnn_int ldx, float beta,
                                    float *dW, fnn_int lddw, float *db);
fnn_status fnn_linear_grad_weight_d(fnn_int M, fnn_int N, fnn_int K,
                                    const double *dY, fnn_int lddy,
                                    const double *X, fnn_int ldx, double beta,
                                    double *dW, fnn_int lddw, double *db);

/* Backward of a Linear layer y = act(x·Wᵀ + b) in one call (the shapes and
 * layouts; the arrays are the function's arguments):
 *   dz = dy ⊙ act'(y)        act' from the output y, as the GEMM epilogue's
 *   dW = dzᵀ·x + beta·dW     dW N×K (ld K); db = Σ_rows dz + beta·db (or NULL)
 *   dx = (dz·W) ⊙ x_act'(x)  dx M×K (ld K), skipped when dx is NULL; x_act is
 *                            the activation whose output x is (identity: none)
 * dy M×N (ld lddy), y M×N (ld ldy; read only when act is not identity),
 * x M×K (ld ldx), W N×K (ld ldw), or K×N when w_trans. act and x_act:
 * identity, relu, leaky_relu (slope >= 0), sigmoid or tanh. */
typedef struct {
    fnn_int M, N, K;
    fnn_int lddy, ldy, ldx, ldw;
    int w_trans;
    fnn_act act, x_act;
    double slope, x_slope;
} fnn_linear_grad;

fnn_status fnn_linear_backward_s(const fnn_linear_grad *g, const float *dy, const float *y,
                                 const float *x, const float *W, float beta, float *dW,
                                 float *db, float *dx);
fnn_status fnn_linear_backward_d(const fnn_linear_grad *g, const double *dy, const double *y,
                                 const double *x, const double *W, double beta, double *dW,
                                 double *db, double *dx);

/* ---- a chain of Linear layers (linear_chain.c) -------------------------
 *
 * L layers y_l = act_l(x_l·W_lᵀ + b_l), x_0 = x, x_{l+1} = y_l: the forward
 * of a Sequential of fusable Linear(+activation) layers in one call, and its
 * backward in one call. Each layer is computed by the same kernel calls as a
 * single layer (fnn_gemm with the forward epilogue; fnn_linear_backward), so
 * the results are bitwise those of the layers one by one. Arrays are
 * row-major and contiguous: x M×dims[0], W_l dims[l+1]×dims[l], b_l
 * dims[l+1] (or NULL), y_l M×dims[l+1]. */
typedef struct {
    int layers;              /* L >= 1 */
    fnn_int M;               /* rows (the batch) */
    const fnn_int *dims;     /* L + 1 feature counts, each >= 1 */
    const fnn_act *acts;     /* L activations: identity, relu, leaky_relu (slope >= 0), sigmoid, tanh */
    const double *slopes;    /* L leaky_relu slopes */
} fnn_linear_chain;

/* Backward: dy is the gradient of y_{L-1}; for each layer, dW_l = dz_lᵀ·x_l
 * + beta_l·dW_l and db_l likewise (db_l is never NULL: pass a spare buffer
 * for a layer without bias), dz_l = dy_l ⊙ act_l'(y_l); dx = dz_0·W_0 when
 * dx is not NULL. The gradients between layers live in this thread's
 * scratch. */
fnn_status fnn_linear_chain_forward_s(const fnn_linear_chain *c, const float *x,
                                     const float *const *W, const float *const *b,
                                     float *const *y);
fnn_status fnn_linear_chain_forward_d(const fnn_linear_chain *c, const double *x,
                                     const double *const *W, const double *const *b,
                                     double *const *y);
fnn_status fnn_linear_chain_backward_s(const fnn_linear_chain *c, const float *dy, const float *x,
                                      const float *const *W, const float *const *y,
                                      const double *beta, float *const *dW, float *const *db,
                                      float *dx);
fnn_status fnn_linear_chain_backward_d(const fnn_linear_chain *c, const double *dy,
                                      const double *x, const double *const *W,
                                      const double *const *y, const double *beta,
                                      double *const *dW, double *const *db, double *dx);

/* ---- elementwise activation kernels (activation.c) --------------------
 *
 * n contiguous elements; outputs may be the very same buffer as an input (in
 * place), never a partial overlap. */

/* y = act(x). */
fnn_status fnn_act_forward_s(fnn_act act, const fnn_act_param *p, fnn_int n, const float *x,
                             float *y);
fnn_status fnn_act_forward_d(fnn_act act, const fnn_act_param *p, fnn_int n, const double *x,
                             double *y);
/* dx = dy ⊙ act'(·). With from_input = 0, s is the activation's output y (only
 * identity, relu, leaky_relu with slope >= 0, sigmoid and tanh); with
 * from_input = 1, s is its input x (every activation). */
fnn_status fnn_act_backward_s(fnn_act act, const fnn_act_param *p, int from_input, fnn_int n,
                              const float *dy, const float *s, float *dx);
fnn_status fnn_act_backward_d(fnn_act act, const fnn_act_param *p, int from_input, fnn_int n,
                              const double *dy, const double *s, double *dx);

/* ---- softmax and cross-entropy (softmax.c) ----------------------------- */

typedef enum { FNN_REDUCTION_NONE = 0, FNN_REDUCTION_MEAN = 1, FNN_REDUCTION_SUM = 2 } fnn_reduction;

/* Row-wise over an M×C matrix: y = softmax(x), or log_softmax(x) when log = 1
 * (y may be x). */
fnn_status fnn_softmax_s(int log, fnn_int M, fnn_int C, const float *x, float *y);
fnn_status fnn_softmax_d(int log, fnn_int M, fnn_int C, const double *x, double *y);
/* Their gradient, row-wise, from the forward's output y and the gradient dy
 * of the output (dx may be dy):
 *   softmax:      dx_j = y_j·(dy_j − Σ_k dy_k·y_k)
 *   log_softmax:  dx_j = dy_j − exp(y_j)·Σ_k dy_k      (sums in double). */
fnn_status fnn_softmax_backward_s(int log, fnn_int M, fnn_int C, const float *y, const float *dy,
                                  float *dx);
fnn_status fnn_softmax_backward_d(int log, fnn_int M, fnn_int C, const double *y,
                                  const double *dy, double *dx);

/* Softmax cross-entropy of the M×C logits x, loss and gradient in one pass
 * per row. Targets: class indices `target` (M values in [0, C) or
 * ignore_index; checked by the caller) or probabilities `q` (M×C), exactly one
 * of them non-NULL. w: C class weights or NULL. Writes loss_rows (M per-row
 * losses), row_weight (M: w_t, 0 for ignored rows, 1 with probabilities),
 * *loss (the reduction: the sum, or the sum over Σ row_weight for MEAN, NaN
 * when that is 0) and, unless NULL, grad (M×C, the gradient of *loss; of each
 * row's own loss for NONE). Formulas in softmax.c. */
fnn_status fnn_softmax_xent_s(fnn_int M, fnn_int C, const float *x, const int64_t *target,
                              const float *q, const float *w, double label_smoothing,
                              int64_t ignore_index, fnn_reduction reduction, float *loss_rows,
                              float *row_weight, double *loss, float *grad);
fnn_status fnn_softmax_xent_d(fnn_int M, fnn_int C, const double *x, const int64_t *target,
                              const double *q, const double *w, double label_smoothing,
                              int64_t ignore_index, fnn_reduction reduction, double *loss_rows,
                              double *row_weight, double *loss, double *grad);

/* ---- elementwise losses (losses.c) -------------------------------------- */

typedef enum {
    FNN_LOSS_MSE = 0,
    FNN_LOSS_L1 = 1,
    FNN_LOSS_HUBER = 2,        /* delta */
    FNN_LOSS_BCE_LOGITS = 3,   /* x logits, y targets in [0, 1], pos_weight over the last dim C */
    FNN_LOSS_POISSON = 4       /* x log-rates, y counts (PyTorch's poisson_nll_loss, log_input) */
} fnn_loss;

/* Loss of the n elements x against y, with optional element weights w (n) and
 * pos_weight (C values, element i uses pos_weight[i % C]; BCE only). Writes
 * *loss (the reduction; MEAN divides by n), loss_elems (n, may be NULL) and
 * grad (n, the gradient of *loss in x, or of each element's loss for NONE;
 * may be NULL). Formulas in losses.c. */
fnn_status fnn_loss_s(fnn_loss kind, fnn_int n, const float *x, const float *y, const float *w,
                      const float *pos_weight, fnn_int C, double delta, fnn_reduction reduction,
                      float *loss_elems, double *loss, float *grad);
fnn_status fnn_loss_d(fnn_loss kind, fnn_int n, const double *x, const double *y, const double *w,
                      const double *pos_weight, fnn_int C, double delta, fnn_reduction reduction,
                      double *loss_elems, double *loss, double *grad);

/* ---- dropout (dropout.c) ------------------------------------------------ */

/* Inverted dropout of n elements: element i is kept when the counter-based
 * hash of (seed, offset + i) clears p, and kept values are scaled by
 * 1/(1 − p). The same (seed, offset) gives the same mask on any machine and
 * thread count. y = mask ⊙ x / (1 − p) (forward), dx = mask ⊙ dy / (1 − p)
 * (backward: the same call on dy), y may be x. mask_out (n bytes, 0/1) may be
 * NULL; x may be NULL to write the mask alone. 0 <= p <= 1. */
fnn_status fnn_dropout_s(fnn_int n, double p, uint64_t seed, uint64_t offset, const float *x,
                         float *y, uint8_t *mask_out);
fnn_status fnn_dropout_d(fnn_int n, double p, uint64_t seed, uint64_t offset, const double *x,
                         double *y, uint8_t *mask_out);

/* ---- data and metrics (data.c) ------------------------------------------ */

/* The first i with idx[i] outside [0, upper) and idx[i] != allowed, or -1. */
fnn_int fnn_find_bad_index(fnn_int n, const int64_t *idx, int64_t upper, int64_t allowed);
/* out[i, :] = src[idx[i], :] for rows of `cols` elements (indices checked by the caller). */
void fnn_gather_rows_s(fnn_int n, fnn_int cols, const float *src, const int64_t *idx, float *out);
void fnn_gather_rows_d(fnn_int n, fnn_int cols, const double *src, const int64_t *idx, double *out);
/* out[i, :] = src[idx[i], :]·scale + shift from bytes (images kept as uint8). */
void fnn_gather_rows_u8_s(fnn_int n, fnn_int cols, const uint8_t *src, const int64_t *idx,
                          double scale, double shift, float *out);
void fnn_gather_rows_u8_d(fnn_int n, fnn_int cols, const uint8_t *src, const int64_t *idx,
                          double scale, double shift, double *out);
/* out[i] = the first j of row i's maximum (NaN counts as the maximum, as in numpy). */
void fnn_argmax_rows_s(fnn_int M, fnn_int C, const float *x, int64_t *out);
void fnn_argmax_rows_d(fnn_int M, fnn_int C, const double *x, int64_t *out);
/* Σ_i [argmax_j x[i, j] == labels[i]], without storing the argmax. */
int64_t fnn_count_correct_s(fnn_int M, fnn_int C, const float *x, const int64_t *labels);
int64_t fnn_count_correct_d(fnn_int M, fnn_int C, const double *x, const int64_t *labels);
/* Σ over `count` buffers of Σ x², in double, in a fixed order. */
double fnn_sum_squares_s(int count, const float *const *bufs, const fnn_int *lens);
double fnn_sum_squares_d(int count, const double *const *bufs, const fnn_int *lens);

/* ---- optimizer steps (optim.c) ----------------------------------------- */

typedef enum { FNN_OPT_SGD = 0, FNN_OPT_ADAM = 1, FNN_OPT_ADAGRAD = 2, FNN_OPT_RMSPROP = 3 } fnn_opt;

typedef struct {
    fnn_opt kind;
    double lr, weight_decay, eps;
    double momentum, dampening;       /* sgd; momentum also rmsprop */
    double beta1, beta2;              /* adam */
    double alpha;                     /* rmsprop */
    double lr_decay;                  /* adagrad */
    long long step;                   /* adam, adagrad: this step's number, from 1 */
    int nesterov, maximize, decoupled, first;   /* first: sgd's first momentum step */
} fnn_optim_args;

/* One step over n elements of parameter p with gradient g, in one pass.
 * State buffers (n elements each; NULL where an option is off):
 *   sgd: s1 momentum buffer;  adam: s1 exp_avg, s2 exp_avg_sq, s3 max_exp_avg_sq
 *   (amsgrad);  adagrad: s1 sum;  rmsprop: s1 square_avg, s2 momentum buffer,
 *   s3 grad_avg (centered). Formulas in optim.c. */
fnn_status fnn_optim_step_s(const fnn_optim_args *a, fnn_int n, float *p, const float *g,
                            float *s1, float *s2, float *s3);
fnn_status fnn_optim_step_d(const fnn_optim_args *a, fnn_int n, double *p, const double *g,
                            double *s1, double *s2, double *s3);


/* ---- step plans (plan.c) -------------------------------------------------
 *
 * A training step of a chain of layers, in one call: forward, the loss and
 * its gradient, backward (no dx below the first Linear), optional gradient
 * clipping, and the optimizer's update of every segment of parameters. Each
 * phase calls the kernels above that the eager path calls for the same op,
 * in the same order, on the same operands, so a planned step gives the bits
 * of the eager one; each kernel hands its parts to the pool as it does when
 * called alone. An inference is the forward phase alone.
 *
 * The caller describes the plan once (fnn_plan_new copies the description)
 * and owns every buffer it points to: parameters, their gradients and
 * optimizer state, and, per call, a workspace of fnn_plan_workspace(plan, M)
 * bytes, 64-byte aligned, that holds the activations and gradients of M
 * rows (laid out as fnn_plan_offset says). */

typedef enum { FNN_LAYER_LINEAR = 0, FNN_LAYER_ACT = 1, FNN_LAYER_DROPOUT = 2 } fnn_layer_kind;

typedef struct {
    fnn_layer_kind kind;
    fnn_int in, out;          /* features per row, in and out (ACT, DROPOUT: out == in) */
    fnn_act act;              /* LINEAR: its epilogue (identity ... tanh); ACT: the function */
    fnn_act_param ap;         /* the activation's slope (leaky), beta and threshold (softplus) */
    int from_input;           /* ACT: its backward takes act' from the input, else the output */
    double p;                 /* DROPOUT: the probability of zeroing */
    const void *W, *b;        /* LINEAR: weight (out × in), bias (out) or NULL */
    void *dW, *db;            /* LINEAR: where their gradients go; NULL: not wanted */
} fnn_layer;

typedef enum { FNN_PLAN_NO_LOSS = 0, FNN_PLAN_XENT = 1, FNN_PLAN_ELEMENTWISE = 2 } fnn_plan_loss_kind;

typedef struct {
    fnn_plan_loss_kind kind;
    fnn_loss elementwise;     /* ELEMENTWISE: which loss of losses.c */
    fnn_reduction reduction;
    const void *class_weight; /* XENT: C class weights or NULL */
    double label_smoothing;   /* XENT */
    int64_t ignore_index;     /* XENT with class indices */
    double delta;             /* ELEMENTWISE Huber */
} fnn_plan_loss;

/* One optimizer call of the update phase: fnn_optim_step(args, n, p, g, s1, s2, s3).
 * args is read at each call (the caller sets lr, step, ... before it). */
typedef struct {
    fnn_optim_args args;
    fnn_int n;
    void *p;
    const void *g;
    void *s1, *s2, *s3;
} fnn_plan_update;

typedef struct fnn_plan fnn_plan;

/* A plan of nlayers layers (>= 1) over rows of in_features, with `loss`
 * (NULL: none, an inference plan), nupdates update segments (filled in
 * through fnn_plan_update_at) and nclip gradient buffers (clip[i], clip_len[i]
 * elements: the order clip_grad_norm_ sums them in). NULL when a layer does
 * not chain or memory runs out. */
fnn_plan *fnn_plan_new(fnn_dtype dtype, fnn_int in_features, int nlayers,
                       const fnn_layer *layers, const fnn_plan_loss *loss, int nupdates,
                       int nclip, void *const *clip, const fnn_int *clip_len);
void fnn_plan_free(fnn_plan *plan);
fnn_plan_update *fnn_plan_update_at(fnn_plan *plan, int i);

/* Bytes of workspace for M rows, and where in it (bytes from its start) a
 * region lies: FNN_PLAN_AT_OUTPUT the last layer's output (M × out) unless
 * the call gives `out`; FNN_PLAN_AT_ROWS the per-row cross-entropy losses
 * (M), or the per-element losses (M × out) of reduction NONE. */
enum { FNN_PLAN_AT_OUTPUT = 0, FNN_PLAN_AT_ROWS = 1 };
size_t fnn_plan_workspace(const fnn_plan *plan, fnn_int M);
size_t fnn_plan_offset(const fnn_plan *plan, fnn_int M, int region);

/* The phases of a call; a step is all four, an inference FORWARD alone. A
 * call may run the phases in two parts (FORWARD|LOSS|BACKWARD, then UPDATE:
 * room for an all-reduce of the gradients) on the same workspace and M. */
enum { FNN_PHASE_FORWARD = 1, FNN_PHASE_LOSS = 2, FNN_PHASE_BACKWARD = 4, FNN_PHASE_UPDATE = 8 };
/* Seconds per part of a step, added into call->timers when not NULL. */
enum { FNN_TIME_FORWARD_GEMM = 0, FNN_TIME_FORWARD_OTHER = 1, FNN_TIME_LOSS = 2,
       FNN_TIME_BACKWARD_GEMM = 3, FNN_TIME_BACKWARD_OTHER = 4, FNN_TIME_UPDATE = 5,
       FNN_PLAN_TIMERS = 6 };

typedef struct {
    fnn_int M;                /* rows, >= 1 */
    const void *x;            /* M × in_features */
    const int64_t *labels;    /* XENT with class indices: M values (checked here) */
    const void *target;       /* XENT probabilities, or ELEMENTWISE targets: M × out */
    const void *weight;       /* ELEMENTWISE: M × out element weights, or NULL */
    const void *pos_weight;   /* ELEMENTWISE BCE: loss_cols values, or NULL */
    fnn_int loss_cols;        /* ELEMENTWISE: the last dimension of the loss's input */
    double row_scale;         /* reduction NONE: the backward of the losses' mean (1/M, in the
                                 element type) or sum (1): each gradient times it */
    const uint64_t *seeds;    /* one per DROPOUT layer, in order */
    void *workspace;
    void *out;                /* the last layer's output goes here (M × out), or NULL */
    int phases;
    int check_finite;         /* LOSS: stop (FNN_ENONFINITE) when the loss, rounded to the
                                 element type, is NaN or infinite */
    double max_norm;          /* UPDATE: first scale the clip buffers by max_norm / (norm +
                                 1e-6) when that is below 1 (clip_grad_norm_); <= 0: no clipping */
    double *timers;           /* NULL, or FNN_PLAN_TIMERS values to add seconds to */
    /* results */
    double loss;              /* LOSS: the reduced loss (the sum for NONE) */
    int64_t correct;          /* LOSS, XENT with class indices: rows whose first argmax is the
                                 label; else -1 */
    double total_norm;        /* UPDATE with clipping: the joint 2-norm before clipping */
    fnn_int bad_row;          /* FNN_ERANGE: the first row whose label is out of range */
} fnn_plan_call;

fnn_status fnn_plan_run(fnn_plan *plan, fnn_plan_call *call);


/* ---- one entry per kernel, for the bindings (dispatch.c) ----------------
 *
 * The same kernels as above with the element type as a tag: FNN_FLOAT32
 * calls the _s form, FNN_FLOAT64 the _d form; float-typed pointers become
 * void pointers and beta a double. */
fnn_status fnn_gemm(fnn_dtype dtype, int trans_a, int trans_b, fnn_int M, fnn_int N, fnn_int K,
                    const void *A, fnn_int lda, const void *B, fnn_int ldb, double beta, void *C,
                    fnn_int ldc, const fnn_epilogue *ep);
fnn_status fnn_linear_backward(fnn_dtype dtype, const fnn_linear_grad *g, const void *dy,
                               const void *y, const void *x, const void *W, double beta,
                               void *dW, void *db, void *dx);
fnn_status fnn_linear_chain_forward(fnn_dtype dtype, const fnn_linear_chain *c, const void *x,
                                   const void *const *W, const void *const *b, void *const *y);
fnn_status fnn_linear_chain_backward(fnn_dtype dtype, const fnn_linear_chain *c, const void *dy,
                                    const void *x, const void *const *W, const void *const *y,
                                    const double *beta, void *const *dW, void *const *db,
                                    void *dx);
fnn_status fnn_act_forward(fnn_dtype dtype, fnn_act act, const fnn_act_param *p, fnn_int n,
                           const void *x, void *y);
fnn_status fnn_act_backward(fnn_dtype dtype, fnn_act act, const fnn_act_param *p, int from_input,
                            fnn_int n, const void *dy, const void *s, void *dx);
fnn_status fnn_softmax(fnn_dtype dtype, int log, fnn_int M, fnn_int C, const void *x, void *y);
fnn_status fnn_softmax_backward(fnn_dtype dtype, int log, fnn_int M, fnn_int C, const void *y,
                                const void *dy, void *dx);
fnn_status fnn_softmax_xent(fnn_dtype dtype, fnn_int M, fnn_int C, const void *x,
                            const int64_t *target, const void *q, const void *w,
                            double label_smoothing, int64_t ignore_index,
                            fnn_reduction reduction, void *loss_rows, void *row_weight,
                            double *loss, void *grad);
fnn_status fnn_elementwise_loss(fnn_dtype dtype, fnn_loss kind, fnn_int n, const void *x,
                                const void *y, const void *w, const void *pos_weight, fnn_int C,
                                double delta, fnn_reduction reduction, void *loss_elems,
                                double *loss, void *grad);
fnn_status fnn_dropout(fnn_dtype dtype, fnn_int n, double p, uint64_t seed, uint64_t offset,
                       const void *x, void *y, uint8_t *mask_out);
/* arange.c: out[0..n) = torch.arange's values from start by step (see there: lanes
 * is the width of PyTorch's vectors for the dtype, 0 for none; fused: its
 * multiply-adds are fmas) */
void fnn_arange(fnn_dtype dtype, fnn_int n, double start, double step, int lanes, int fused,
                void *out);
void fnn_gather_rows(fnn_dtype dtype, fnn_int n, fnn_int cols, const void *src,
                     const int64_t *idx, void *out);
void fnn_gather_rows_u8(fnn_dtype dtype, fnn_int n, fnn_int cols, const uint8_t *src,
                        const int64_t *idx, double scale, double shift, void *out);
void fnn_argmax_rows(fnn_dtype dtype, fnn_int M, fnn_int C, const void *x, int64_t *out);
int64_t fnn_count_correct(fnn_dtype dtype, fnn_int M, fnn_int C, const void *x,
                          const int64_t *labels);
double fnn_sum_squares(fnn_dtype dtype, int count, const void *const *bufs, const fnn_int *lens);
fnn_status fnn_optim_step(fnn_dtype dtype, const fnn_optim_args *a, fnn_int n, void *p,
                          const void *g, void *s1, void *s2, void *s3);

#ifdef __cplusplus
}
#endif
#endif /* FASTNN_H */
