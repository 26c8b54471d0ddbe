/* dispatch.c — one entry per kernel for the bindings: the dtype tag picks the
 * float (_s) or double (_d) instantiation, so the bindings call one function
 * with the arrays' data pointers instead of branching on the dtype.
 *
 * Each entry is one line of the list below: its return type, its name, the
 * typed kernels' name, its parameters (fnn_dtype dtype first) and the
 * arguments it passes on. Array pointers go on as they are (C converts
 * `void *` to `float *` or `double *` by itself); pointers to arrays of
 * arrays go through `(const void *)` / `(void *)` for the same conversion;
 * double scalars become float where the float kernel takes float. */
#include "fastnn.h"

#define FNN_DISPATCH(ret, name, typed, params, args) \
    ret name params { return dtype == FNN_FLOAT32 ? typed##_s args : typed##_d args; }
#define FNN_DISPATCH_VOID(name, typed, params, args) \
    void name params { if (dtype == FNN_FLOAT32) typed##_s args; else typed##_d args; }

FNN_DISPATCH(fnn_status, fnn_gemm, fnn_gemm,
             (fnn_dtype dtype, int trans_a, int trans_b, fnn_int M, fnn_int N, fnn_int K,
              const void *A, fnn_int lda, const void *B, fnn_int ldb, double beta, void *C,
              fnn_int ldc, const fnn_epilogue *ep),
             (trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc, ep))

FNN_DISPATCH(fnn_status, fnn_linear_backward, fnn_linear_backward,
             (fnn_dtype dtype, const fnn_linear_grad *g, const void *dy, const void *y,
              const void *x, const void *W, double beta, void *dW, void *db, void *dx),
             (g, dy, y, x, W, beta, dW, db, dx))

FNN_DISPATCH(fnn_status, fnn_linear_chain_forward, fnn_linear_chain_forward,
             (fnn_dtype dtype, const fnn_linear_chain *c, const void *x, const void *const *W,
              const void *const *b, void *const *y),
             (c, x, (const void *)W, (const void *)b, (void *)y))

FNN_DISPATCH(fnn_status, fnn_linear_chain_backward, fnn_linear_chain_backward,
             (fnn_dtype dtype, const fnn_linear_chain *c, const void *dy, const void *x,
              const void *const *W, const void *const *y, const double *beta, void *const *dW,
              void *const *db, void *dx),
             (c, dy, x, (const void *)W, (const void *)y, beta, (void *)dW, (void *)db, dx))

FNN_DISPATCH(fnn_status, fnn_act_forward, fnn_act_forward,
             (fnn_dtype dtype, fnn_act act, const fnn_act_param *p, fnn_int n, const void *x,
              void *y),
             (act, p, n, x, y))

FNN_DISPATCH(fnn_status, fnn_act_backward, fnn_act_backward,
             (fnn_dtype dtype, fnn_act act, const fnn_act_param *p, int from_input, fnn_int n,
              const void *dy, const void *s, void *dx),
             (act, p, from_input, n, dy, s, dx))

FNN_DISPATCH(fnn_status, fnn_softmax, fnn_softmax,
             (fnn_dtype dtype, int log, fnn_int M, fnn_int C, const void *x, void *y),
             (log, M, C, x, y))

FNN_DISPATCH(fnn_status, fnn_softmax_backward, fnn_softmax_backward,
             (fnn_dtype dtype, int log, fnn_int M, fnn_int C, const void *y, const void *dy,
              void *dx),
             (log, M, C, y, dy, dx))

FNN_DISPATCH(fnn_status, fnn_softmax_xent, fnn_softmax_xent,
             (fnn_dtype dtype, fnn_int M, fnn_int C, const void *x, const int64_t *target,
              const void *q, const void *w, double label_smoothing, int64_t ignore_index,
              fnn_reduction reduction, void *loss_rows, void *row_weight, double *loss,
              void *grad),
             (M, C, x, target, q, w, label_smoothing, ignore_index, reduction, loss_rows,
              row_weight, loss, grad))

FNN_DISPATCH(fnn_status, fnn_elementwise_loss, fnn_loss,
             (fnn_dtype dtype, fnn_loss kind, fnn_int n, const void *x, const void *y,
              const void *w, const void *pos_weight, fnn_int C, double delta,
              fnn_reduction reduction, void *loss_elems, double *loss, void *grad),
             (kind, n, x, y, w, pos_weight, C, delta, reduction, loss_elems, loss, grad))

FNN_DISPATCH(fnn_status, fnn_dropout, fnn_dropout,
             (fnn_dtype dtype, fnn_int n, double p, uint64_t seed, uint64_t offset, const void *x,
              void *y, uint8_t *mask_out),
             (n, p, seed, offset, x, y, mask_out))

FNN_DISPATCH_VOID(fnn_gather_rows, fnn_gather_rows,
                  (fnn_dtype dtype, fnn_int n, fnn_int cols, const void *src, const int64_t *idx,
                   void *out),
                  (n, cols, src, idx, out))

FNN_DISPATCH_VOID(fnn_gather_rows_u8, fnn_gather_rows_u8,
                  (fnn_dtype dtype, fnn_int n, fnn_int cols, const uint8_t *src,
                   const int64_t *idx, double scale, double shift, void *out),
                  (n, cols, src, idx, scale, shift, out))

FNN_DISPATCH_VOID(fnn_argmax_rows, fnn_argmax_rows,
                  (fnn_dtype dtype, fnn_int M, fnn_int C, const void *x, int64_t *out),
                  (M, C, x, out))

FNN_DISPATCH(int64_t, fnn_count_correct, fnn_count_correct,
             (fnn_dtype dtype, fnn_int M, fnn_int C, const void *x, const int64_t *labels),
             (M, C, x, labels))

FNN_DISPATCH(double, fnn_sum_squares, fnn_sum_squares,
             (fnn_dtype dtype, int count, const void *const *bufs, const fnn_int *lens),
             (count, (const void *)bufs, lens))

FNN_DISPATCH(fnn_status, fnn_optim_step, fnn_optim_step,
             (fnn_dtype dtype, const fnn_optim_args *a, fnn_int n, void *p, const void *g,
              void *s1, void *s2, void *s3),
             (a, n, p, g, s1, s2, s3))
