# Declarations of csrc/fastnn.h for the bindings (see that header for the
# contracts of each kernel).

from libc.stdint cimport int64_t, uint8_t, uint64_t

cdef extern from "fastnn.h" nogil:
    ctypedef Py_ssize_t fnn_int
    enum: FNN_GEMM_SMALL_M

    ctypedef enum fnn_status:
        FNN_OK
        FNN_ENOMEM
        FNN_EINVAL
        FNN_ERANGE
        FNN_ENONFINITE

    void fnn_cpu_init()
    int fnn_simd_count()
    const char *fnn_simd_entry(int i, int *test_only)
    const char *fnn_simd_current()
    int fnn_simd_supported(const char *name)
    int fnn_simd_set(const char *name)
    int fnn_simd_take_warning(char *buf, int size)
    const char *fnn_compiler()
    const char *fnn_build_flags()

    int fnn_openmp_enabled()
    void fnn_set_num_threads(int n)
    int fnn_get_num_threads()
    int fnn_get_team_ceiling()
    int fnn_get_team_now()
    ctypedef struct fnn_caches:
        fnn_int l1d, l2, l3
        const char *source
    const fnn_caches *fnn_cpu_caches()
    void fnn_gemm_blocks_s(fnn_int *mc, fnn_int *kc, fnn_int *nc)
    void fnn_gemm_blocks_d(fnn_int *mc, fnn_int *kc, fnn_int *nc)
    double fnn_ukernel_seconds_s(fnn_int kc, long reps, double *flops)
    double fnn_ukernel_seconds_d(fnn_int kc, long reps, double *flops)
    ctypedef struct fnn_team_counts:
        uint64_t calls, halved, contended, waited, moved
    void fnn_team_stats(fnn_team_counts *out, int reset)
    int fnn_get_usable_cpus()
    void fnn_refresh_usable_cpus()
    void fnn_set_usable_cpus(int n)
    int fnn_cgroup_cpus(const char *proc_file, const char *root)

    ctypedef enum fnn_act:
        FNN_ACT_IDENTITY
        FNN_ACT_RELU
        FNN_ACT_LEAKY_RELU
        FNN_ACT_SIGMOID
        FNN_ACT_TANH
        FNN_ACT_GELU
        FNN_ACT_GELU_TANH
        FNN_ACT_SOFTPLUS

    ctypedef struct fnn_act_param:
        double slope
        double beta
        double threshold

    ctypedef enum fnn_epi_mode:
        FNN_EPI_FORWARD
        FNN_EPI_GRAD

    ctypedef struct fnn_epilogue:
        fnn_epi_mode mode
        fnn_act act
        double slope
        const void *bias
        const void *saved
        fnn_int lds

    ctypedef struct fnn_linear_grad:
        fnn_int M, N, K
        fnn_int lddy, ldy, ldx, ldw
        int w_trans
        fnn_act act, x_act
        double slope, x_slope

    ctypedef struct fnn_linear_chain:
        int layers
        fnn_int M
        const fnn_int *dims
        const fnn_act *acts
        const double *slopes

    ctypedef enum fnn_reduction:
        FNN_REDUCTION_NONE
        FNN_REDUCTION_MEAN
        FNN_REDUCTION_SUM

    ctypedef enum fnn_loss:
        FNN_LOSS_MSE
        FNN_LOSS_L1
        FNN_LOSS_HUBER
        FNN_LOSS_BCE_LOGITS
        FNN_LOSS_POISSON

    fnn_int fnn_find_bad_index(fnn_int n, const int64_t *idx, int64_t upper, int64_t allowed)

    ctypedef enum fnn_opt:
        FNN_OPT_SGD
        FNN_OPT_ADAM
        FNN_OPT_ADAGRAD
        FNN_OPT_RMSPROP

    ctypedef struct fnn_optim_args:
        fnn_opt kind
        double lr, weight_decay, eps
        double momentum, dampening
        double beta1, beta2
        double alpha
        double lr_decay
        long long step
        int nesterov, maximize, decoupled, first

    # one entry per kernel: the dtype tag picks the _s or _d form (dispatch.c)
    ctypedef enum fnn_dtype:
        FNN_FLOAT32
        FNN_FLOAT64
    fnn_status fnn_gemm(fnn_dtype dtype, int trans_a, int trans_b, fnn_int M, fnn_int N,
                        fnn_int K, const void *A, fnn_int lda, const void *B, fnn_int ldb,
                        double beta, void *C, fnn_int ldc, const fnn_epilogue *ep)
    fnn_status fnn_linear_backward(fnn_dtype dtype, const fnn_linear_grad *g, const void *dy,
                                   const void *y, const void *x, const void *W, double beta,
                                   void *dW, void *db, void *dx)
    fnn_status fnn_linear_chain_forward(fnn_dtype dtype, const fnn_linear_chain *c,
                                       const void *x, const void *const *W,
                                       const void *const *b, void *const *y)
    fnn_status fnn_linear_chain_backward(fnn_dtype dtype, const fnn_linear_chain *c,
                                        const void *dy, const void *x, const void *const *W,
                                        const void *const *y, const double *beta,
                                        void *const *dW, void *const *db, void *dx)
    fnn_status fnn_act_forward(fnn_dtype dtype, fnn_act act, const fnn_act_param *p, fnn_int n,
                               const void *x, void *y)
    fnn_status fnn_act_backward(fnn_dtype dtype, fnn_act act, const fnn_act_param *p,
                                int from_input, fnn_int n, const void *dy, const void *s,
                                void *dx)
    fnn_status fnn_softmax(fnn_dtype dtype, int log, fnn_int M, fnn_int C, const void *x,
                           void *y)
    fnn_status fnn_softmax_backward(fnn_dtype dtype, int log, fnn_int M, fnn_int C,
                                    const void *y, const void *dy, void *dx)
    fnn_status fnn_softmax_xent(fnn_dtype dtype, fnn_int M, fnn_int C, const void *x,
                                const int64_t *target, const void *q, const void *w,
                                double label_smoothing, int64_t ignore_index,
                                fnn_reduction reduction, void *loss_rows, void *row_weight,
                                double *loss, void *grad)
    fnn_status fnn_elementwise_loss(fnn_dtype dtype, fnn_loss kind, fnn_int n, const void *x,
                                    const void *y, const void *w, const void *pos_weight,
                                    fnn_int C, double delta, fnn_reduction reduction,
                                    void *loss_elems, double *loss, void *grad)
    fnn_status fnn_dropout(fnn_dtype dtype, fnn_int n, double p, uint64_t seed, uint64_t offset,
                           const void *x, void *y, uint8_t *mask_out)
    void fnn_arange(fnn_dtype dtype, fnn_int n, double start, double step, int lanes,
                    int fused, void *out)
    void fnn_gather_rows(fnn_dtype dtype, fnn_int n, fnn_int cols, const void *src,
                         const int64_t *idx, void *out)
    void fnn_gather_rows_u8(fnn_dtype dtype, fnn_int n, fnn_int cols, const uint8_t *src,
                            const int64_t *idx, double scale, double shift, void *out)
    void fnn_argmax_rows(fnn_dtype dtype, fnn_int M, fnn_int C, const void *x, int64_t *out)
    int64_t fnn_count_correct(fnn_dtype dtype, fnn_int M, fnn_int C, const void *x,
                              const int64_t *labels)
    double fnn_sum_squares(fnn_dtype dtype, int count, const void **bufs, const fnn_int *lens)
    fnn_status fnn_optim_step(fnn_dtype dtype, const fnn_optim_args *a, fnn_int n, void *p,
                              const void *g, void *s1, void *s2, void *s3)

    # step plans (plan.c)
    ctypedef enum fnn_layer_kind:
        FNN_LAYER_LINEAR
        FNN_LAYER_ACT
        FNN_LAYER_DROPOUT

    ctypedef struct fnn_layer:
        fnn_layer_kind kind
        fnn_int in_ "in"
        fnn_int out
        fnn_act act
        fnn_act_param ap
        int from_input
        double p
        const void *W
        const void *b
        void *dW
        void *db

    ctypedef enum fnn_plan_loss_kind:
        FNN_PLAN_NO_LOSS
        FNN_PLAN_XENT
        FNN_PLAN_ELEMENTWISE

    ctypedef struct fnn_plan_loss:
        fnn_plan_loss_kind kind
        fnn_loss elementwise
        fnn_reduction reduction
        const void *class_weight
        double label_smoothing
        int64_t ignore_index
        double delta

    ctypedef struct fnn_plan_update:
        fnn_optim_args args
        fnn_int n
        void *p
        const void *g
        void *s1
        void *s2
        void *s3

    ctypedef struct fnn_plan:
        pass

    fnn_plan *fnn_plan_new(fnn_dtype dtype, fnn_int in_features, int nlayers,
                           const fnn_layer *layers, const fnn_plan_loss *loss, int nupdates,
                           int nclip, void *const *clip, const fnn_int *clip_len)
    void fnn_plan_free(fnn_plan *plan)
    fnn_plan_update *fnn_plan_update_at(fnn_plan *plan, int i)
    size_t fnn_plan_workspace(const fnn_plan *plan, fnn_int M)
    size_t fnn_plan_offset(const fnn_plan *plan, fnn_int M, int region)

    enum:
        FNN_PLAN_AT_OUTPUT
        FNN_PLAN_AT_ROWS
        FNN_PHASE_FORWARD
        FNN_PHASE_LOSS
        FNN_PHASE_BACKWARD
        FNN_PHASE_UPDATE
        FNN_PLAN_TIMERS

    ctypedef struct fnn_plan_call:
        fnn_int M
        const void *x
        const int64_t *labels
        const void *target
        const void *weight
        const void *pos_weight
        fnn_int loss_cols
        double row_scale
        const uint64_t *seeds
        void *workspace
        void *out
        int phases
        int check_finite
        double max_norm
        double *timers
        double loss
        int64_t correct
        double total_norm
        fnn_int bad_row

    fnn_status fnn_plan_run(fnn_plan *plan, fnn_plan_call *call)
