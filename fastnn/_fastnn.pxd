# Declarations of csrc/fastnn.h for the bindings (see that header for the
# contracts of each kernel).

cdef extern from "fastnn.h" nogil:
    ctypedef Py_ssize_t fnn_int

    ctypedef enum fnn_status:
        FNN_OK
        FNN_ENOMEM
        FNN_EINVAL

    ctypedef enum fnn_simd:
        FNN_SIMD_GENERIC
        FNN_SIMD_AVX2

    void fnn_cpu_init()
    fnn_simd fnn_get_simd()
    int fnn_simd_supported(fnn_simd path)
    int fnn_set_simd(fnn_simd path)
    const char *fnn_simd_name(fnn_simd path)
    const char *fnn_compiler()
    const char *fnn_build_flags()

    int fnn_openmp_enabled()
    void fnn_set_num_threads(int n)
    int fnn_get_num_threads()

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

    fnn_status fnn_act_forward_s(fnn_act act, const fnn_act_param *p, fnn_int n,
                                 const float *x, float *y)
    fnn_status fnn_act_forward_d(fnn_act act, const fnn_act_param *p, fnn_int n,
                                 const double *x, double *y)
    fnn_status fnn_act_backward_s(fnn_act act, const fnn_act_param *p, int from_input,
                                  fnn_int n, const float *dy, const float *s, float *dx)
    fnn_status fnn_act_backward_d(fnn_act act, const fnn_act_param *p, int from_input,
                                  fnn_int n, const double *dy, const double *s, double *dx)
