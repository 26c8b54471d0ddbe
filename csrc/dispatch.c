/* dispatch.c — one entry per kernel for the bindings: the dtype tag picks the
 * float (_s) or double (_d) instantiation, so the bindings call one function
 * with the arrays' data pointers instead of branching on the dtype. */
#include "fastnn.h"

fnn_status fnn_gemm(fnn_dtype dtype, int trans_a, int trans_b, fnn_int M, fnn_int N,
                    fnn_int K,
                    const void *A, fnn_int lda, const void *B,
                    fnn_int ldb, double beta, void *C,
                    fnn_int ldc,
                    const fnn_epilogue *ep)
{
    if (dtype == FNN_FLOAT32)
        return fnn_gemm_s(trans_a, trans_b, M, N, K, (const float *)A, lda, (const float *)B,
                          ldb, (float)beta, (float *)C, ldc, ep);
    return fnn_gemm_d(trans_a, trans_b, M, N, K, (const double *)A, lda, (const double *)B, ldb,
                      beta, (double *)C, ldc, ep);
}

fnn_status fnn_linear_backward(fnn_dtype dtype, const fnn_linear_grad *g,
                               const void *dy,
                               const void *y,
                               const void *x, const void *W,
                               double beta,
                               void *dW, void *db,
                               void *dx)
{
    if (dtype == FNN_FLOAT32)
        return fnn_linear_backward_s(g, (const float *)dy, (const float *)y, (const float *)x,
                                     (const float *)W, (float)beta, (float *)dW, (float *)db,
                                     (float *)dx);
    return fnn_linear_backward_d(g, (const double *)dy, (const double *)y, (const double *)x,
                                 (const double *)W, beta, (double *)dW, (double *)db,
                                 (double *)dx);
}

fnn_status fnn_linear_chain_forward(fnn_dtype dtype, const fnn_linear_chain *c, const void *x,
                                   const void *const *W, const void *const *b, void *const *y)
{
    if (dtype == FNN_FLOAT32)
        return fnn_linear_chain_forward_s(c, (const float *)x, (const float *const *)W,
                                          (const float *const *)b, (float *const *)y);
    return fnn_linear_chain_forward_d(c, (const double *)x, (const double *const *)W,
                                      (const double *const *)b, (double *const *)y);
}

fnn_status fnn_linear_chain_backward(fnn_dtype dtype, const fnn_linear_chain *c, const void *dy,
                                    const void *x, const void *const *W, const void *const *y,
                                    const double *beta, void *const *dW, void *const *db,
                                    void *dx)
{
    if (dtype == FNN_FLOAT32)
        return fnn_linear_chain_backward_s(c, (const float *)dy, (const float *)x,
                                           (const float *const *)W, (const float *const *)y, beta,
                                           (float *const *)dW, (float *const *)db, (float *)dx);
    return fnn_linear_chain_backward_d(c, (const double *)dy, (const double *)x,
                                       (const double *const *)W, (const double *const *)y, beta,
                                       (double *const *)dW, (double *const *)db, (double *)dx);
}

fnn_status fnn_act_forward(fnn_dtype dtype, fnn_act act, const fnn_act_param *p,
                           fnn_int n,
                           const void *x, void *y)
{
    if (dtype == FNN_FLOAT32)
        return fnn_act_forward_s(act, p, n, (const float *)x, (float *)y);
    return fnn_act_forward_d(act, p, n, (const double *)x, (double *)y);
}

fnn_status fnn_act_backward(fnn_dtype dtype, fnn_act act, const fnn_act_param *p,
                            int from_input,
                            fnn_int n,
                            const void *dy, const void *s, void *dx)
{
    if (dtype == FNN_FLOAT32)
        return fnn_act_backward_s(act, p, from_input, n, (const float *)dy, (const float *)s,
                                  (float *)dx);
    return fnn_act_backward_d(act, p, from_input, n, (const double *)dy, (const double *)s,
                              (double *)dx);
}

fnn_status fnn_softmax(fnn_dtype dtype, int log, fnn_int M, fnn_int C, const void *x, void *y)
{
    if (dtype == FNN_FLOAT32)
        return fnn_softmax_s(log, M, C, (const float *)x, (float *)y);
    return fnn_softmax_d(log, M, C, (const double *)x, (double *)y);
}

fnn_status fnn_softmax_backward(fnn_dtype dtype, int log, fnn_int M, fnn_int C,
                                const void *y,
                                const void *dy,
                                void *dx)
{
    if (dtype == FNN_FLOAT32)
        return fnn_softmax_backward_s(log, M, C, (const float *)y, (const float *)dy, (float *)dx);
    return fnn_softmax_backward_d(log, M, C, (const double *)y, (const double *)dy, (double *)dx);
}

fnn_status fnn_softmax_xent(fnn_dtype dtype, fnn_int M, fnn_int C,
                            const void *x,
                            const int64_t *target,
                            const void *q,
                            const void *w,
                            double label_smoothing,
                            int64_t ignore_index,
                            fnn_reduction reduction,
                            void *loss_rows,
                            void *row_weight,
                            double *loss,
                            void *grad)
{
    if (dtype == FNN_FLOAT32)
        return fnn_softmax_xent_s(M, C, (const float *)x, target, (const float *)q,
                                  (const float *)w, label_smoothing, ignore_index, reduction,
                                  (float *)loss_rows, (float *)row_weight, loss, (float *)grad);
    return fnn_softmax_xent_d(M, C, (const double *)x, target, (const double *)q,
                              (const double *)w, label_smoothing, ignore_index, reduction,
                              (double *)loss_rows, (double *)row_weight, loss, (double *)grad);
}

fnn_status fnn_elementwise_loss(fnn_dtype dtype, fnn_loss kind, fnn_int n,
                                const void *x,
                                const void *y,
                                const void *w, const void *pos_weight,
                                fnn_int C,
                                double delta,
                                fnn_reduction reduction,
                                void *loss_elems,
                                double *loss,
                                void *grad)
{
    if (dtype == FNN_FLOAT32)
        return fnn_loss_s(kind, n, (const float *)x, (const float *)y, (const float *)w,
                          (const float *)pos_weight, C, delta, reduction, (float *)loss_elems,
                          loss, (float *)grad);
    return fnn_loss_d(kind, n, (const double *)x, (const double *)y, (const double *)w,
                      (const double *)pos_weight, C, delta, reduction, (double *)loss_elems,
                      loss, (double *)grad);
}

fnn_status fnn_dropout(fnn_dtype dtype, fnn_int n, double p, uint64_t seed,
                       uint64_t offset,
                       const void *x, void *y,
                       uint8_t *mask_out)
{
    if (dtype == FNN_FLOAT32)
        return fnn_dropout_s(n, p, seed, offset, (const float *)x, (float *)y, mask_out);
    return fnn_dropout_d(n, p, seed, offset, (const double *)x, (double *)y, mask_out);
}

void fnn_gather_rows(fnn_dtype dtype, fnn_int n, fnn_int cols,
                     const void *src,
                     const int64_t *idx, void *out)
{
    if (dtype == FNN_FLOAT32)
        fnn_gather_rows_s(n, cols, (const float *)src, idx, (float *)out);
    else
        fnn_gather_rows_d(n, cols, (const double *)src, idx, (double *)out);
}

void fnn_gather_rows_u8(fnn_dtype dtype, fnn_int n, fnn_int cols,
                        const uint8_t *src,
                        const int64_t *idx,
                        double scale, double shift, void *out)
{
    if (dtype == FNN_FLOAT32)
        fnn_gather_rows_u8_s(n, cols, src, idx, scale, shift, (float *)out);
    else
        fnn_gather_rows_u8_d(n, cols, src, idx, scale, shift, (double *)out);
}

void fnn_argmax_rows(fnn_dtype dtype, fnn_int M, fnn_int C, const void *x, int64_t *out)
{
    if (dtype == FNN_FLOAT32)
        fnn_argmax_rows_s(M, C, (const float *)x, out);
    else
        fnn_argmax_rows_d(M, C, (const double *)x, out);
}

int64_t fnn_count_correct(fnn_dtype dtype, fnn_int M, fnn_int C,
                          const void *x,
                          const int64_t *labels)
{
    if (dtype == FNN_FLOAT32)
        return fnn_count_correct_s(M, C, (const float *)x, labels);
    return fnn_count_correct_d(M, C, (const double *)x, labels);
}

double fnn_sum_squares(fnn_dtype dtype, int count, const void *const *bufs, const fnn_int *lens)
{
    if (dtype == FNN_FLOAT32)
        return fnn_sum_squares_s(count, (const float *const *)bufs, lens);
    return fnn_sum_squares_d(count, (const double *const *)bufs, lens);
}

fnn_status fnn_optim_step(fnn_dtype dtype, const fnn_optim_args *a, fnn_int n,
                          void *p,
                          const void *g, void *s1, void *s2,
                          void *s3)
{
    if (dtype == FNN_FLOAT32)
        return fnn_optim_step_s(a, n, (float *)p, (const float *)g, (float *)s1, (float *)s2,
                                (float *)s3);
    return fnn_optim_step_d(a, n, (double *)p, (const double *)g, (double *)s1, (double *)s2,
                            (double *)s3);
}
