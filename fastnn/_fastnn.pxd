# Declarations of csrc/fastnn.h for the bindings (see that header for the
# contracts of each kernel).

from libc.stdint cimport int64_t, uint8_t, uint64_t

cdef extern from "fastnn.h" nogil:
    ctypedef Py_ssize_t fnn_int

    ctypedef enum fnn_status:
        FNN_OK
        FNN_ENOMEM
        FNN_EINVAL

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

    fnn_status fnn_gemm_s(int trans_a, int trans_b, fnn_int M, fnn_int N, fnn_int K,
                          const float *A, fnn_int lda, const float *B, fnn_int ldb,
                          float beta, float *C, fnn_int ldc, const fnn_epilogue *ep)
    fnn_status fnn_gemm_d(int trans_a, int trans_b, fnn_int M, fnn_int N, fnn_int K,
                          const double *A, fnn_int lda, const double *B, fnn_int ldb,
                          double beta, double *C, fnn_int ldc, const fnn_epilogue *ep)

    fnn_status fnn_linear_grad_weight_s(fnn_int M, fnn_int N, fnn_int K,
                                        const float *dY, fnn_int lddy,
                                        const float *X, fnn_int ldx, float beta,
                                        float *dW, fnn_int lddw, float *db)
    fnn_status fnn_linear_grad_weight_d(fnn_int M, fnn_int N, fnn_int K,
                                        const double *dY, fnn_int lddy,
                                        const double *X, fnn_int ldx, double beta,
                                        double *dW, fnn_int lddw, double *db)

    ctypedef struct fnn_linear_grad:
        fnn_int M, N, K
        fnn_int lddy, ldy, ldx, ldw
        int w_trans
        fnn_act act, x_act
        double slope, x_slope
    fnn_status fnn_linear_backward_s(const fnn_linear_grad *g, const float *dy, const float *y,
                                     const float *x, const float *W, float beta, float *dW,
                                     float *db, float *dx)
    fnn_status fnn_linear_backward_d(const fnn_linear_grad *g, const double *dy,
                                     const double *y, const double *x, const double *W,
                                     double beta, double *dW, double *db, double *dx)

    fnn_status fnn_act_forward_s(fnn_act act, const fnn_act_param *p, fnn_int n,
                                 const float *x, float *y)
    fnn_status fnn_act_forward_d(fnn_act act, const fnn_act_param *p, fnn_int n,
                                 const double *x, double *y)
    fnn_status fnn_act_backward_s(fnn_act act, const fnn_act_param *p, int from_input,
                                  fnn_int n, const float *dy, const float *s, float *dx)
    fnn_status fnn_act_backward_d(fnn_act act, const fnn_act_param *p, int from_input,
                                  fnn_int n, const double *dy, const double *s, double *dx)

    ctypedef enum fnn_reduction:
        FNN_REDUCTION_NONE
        FNN_REDUCTION_MEAN
        FNN_REDUCTION_SUM

    fnn_status fnn_softmax_s(int log, fnn_int M, fnn_int C, const float *x, float *y)
    fnn_status fnn_softmax_d(int log, fnn_int M, fnn_int C, const double *x, double *y)
    fnn_status fnn_softmax_backward_s(int log, fnn_int M, fnn_int C, const float *y,
                                      const float *dy, float *dx)
    fnn_status fnn_softmax_backward_d(int log, fnn_int M, fnn_int C, const double *y,
                                      const double *dy, double *dx)
    fnn_status fnn_softmax_xent_s(fnn_int M, fnn_int C, const float *x, const int64_t *target,
                                  const float *q, const float *w, double label_smoothing,
                                  int64_t ignore_index, fnn_reduction reduction,
                                  float *loss_rows, float *row_weight, double *loss, float *grad)
    fnn_status fnn_softmax_xent_d(fnn_int M, fnn_int C, const double *x, const int64_t *target,
                                  const double *q, const double *w, double label_smoothing,
                                  int64_t ignore_index, fnn_reduction reduction,
                                  double *loss_rows, double *row_weight, double *loss,
                                  double *grad)

    ctypedef enum fnn_loss:
        FNN_LOSS_MSE
        FNN_LOSS_L1
        FNN_LOSS_HUBER
        FNN_LOSS_BCE_LOGITS

    fnn_status fnn_loss_s(fnn_loss kind, fnn_int n, const float *x, const float *y,
                          const float *w, const float *pos_weight, fnn_int C, double delta,
                          fnn_reduction reduction, float *loss_elems, double *loss, float *grad)
    fnn_status fnn_loss_d(fnn_loss kind, fnn_int n, const double *x, const double *y,
                          const double *w, const double *pos_weight, fnn_int C, double delta,
                          fnn_reduction reduction, double *loss_elems, double *loss,
                          double *grad)

    fnn_status fnn_dropout_s(fnn_int n, double p, uint64_t seed, uint64_t offset,
                             const float *x, float *y, uint8_t *mask_out)
    fnn_status fnn_dropout_d(fnn_int n, double p, uint64_t seed, uint64_t offset,
                             const double *x, double *y, uint8_t *mask_out)

    fnn_int fnn_find_bad_index(fnn_int n, const int64_t *idx, int64_t upper, int64_t allowed)
    void fnn_gather_rows_s(fnn_int n, fnn_int cols, const float *src, const int64_t *idx,
                           float *out)
    void fnn_gather_rows_d(fnn_int n, fnn_int cols, const double *src, const int64_t *idx,
                           double *out)
    void fnn_gather_rows_u8_s(fnn_int n, fnn_int cols, const uint8_t *src, const int64_t *idx,
                              double scale, double shift, float *out)
    void fnn_gather_rows_u8_d(fnn_int n, fnn_int cols, const uint8_t *src, const int64_t *idx,
                              double scale, double shift, double *out)
    void fnn_argmax_rows_s(fnn_int M, fnn_int C, const float *x, int64_t *out)
    void fnn_argmax_rows_d(fnn_int M, fnn_int C, const double *x, int64_t *out)
    int64_t fnn_count_correct_s(fnn_int M, fnn_int C, const float *x, const int64_t *labels)
    int64_t fnn_count_correct_d(fnn_int M, fnn_int C, const double *x, const int64_t *labels)
    double fnn_sum_squares_s(int count, const float *const *bufs, const fnn_int *lens)
    double fnn_sum_squares_d(int count, const double *const *bufs, const fnn_int *lens)

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

    fnn_status fnn_optim_step_s(const fnn_optim_args *a, fnn_int n, float *p, const float *g,
                                float *s1, float *s2, float *s3)
    fnn_status fnn_optim_step_d(const fnn_optim_args *a, fnn_int n, double *p, const double *g,
                                double *s1, double *s2, double *s3)
