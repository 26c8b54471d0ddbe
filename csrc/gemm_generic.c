/* gemm_generic.c — the portable GEMM pieces: plain C that is correct on any
 * CPU (the compiler vectorises the j loops with whatever the baseline ISA has).
 *
 *   micro-kernel  acc[i][j] = Σ_k Ap[k·MR + i] · Bp[k·NR + j]
 *                 C[i][j]   = epilogue([beta·C[i][j] +] acc[i][j])
 *   interleave, dot_rows, axpy_rows as described in internal.h
 */
#include "act_scalar.h"
#include "internal.h"

#define GENERIC_UKERNEL(T, SFX, MR, NR)                                          \
    static void ukernel_generic_##SFX(fnn_int kc, const T *restrict Ap,          \
                                      const T *restrict Bp, T *restrict C,       \
                                      fnn_int ldc, int load_c, T beta,           \
                                      const fnn_tile_epi_##SFX *ep)              \
    {                                                                            \
        T acc[MR][NR] = {{0}};                                                   \
        for (fnn_int k = 0; k < kc; k++) {                                       \
            for (int i = 0; i < MR; i++) {                                       \
                T a = Ap[k * MR + i];                                            \
                for (int j = 0; j < NR; j++)                                     \
                    acc[i][j] += a * Bp[k * NR + j];                             \
            }                                                                    \
        }                                                                        \
        for (int i = 0; i < MR; i++) {                                           \
            T *c = C + i * ldc;                                                  \
            for (int j = 0; j < NR; j++) {                                       \
                T v = acc[i][j];                                                 \
                if (load_c)                                                      \
                    v = beta * c[j] + v;                                         \
                if (ep && ep->mode == FNN_EPI_FORWARD) {                         \
                    if (ep->bias)                                                \
                        v += ep->bias[j];                                        \
                    v = fnn_act_##SFX(ep->act, NULL, ep->slope, v);                    \
                } else if (ep) {                                                 \
                    v *= fnn_act_grad_##SFX(ep->act, ep->slope,                  \
                                            ep->saved[i * ep->lds + j]);         \
                }                                                                \
                c[j] = v;                                                        \
            }                                                                    \
        }                                                                        \
    }                                                                            \
    void fnn_interleave_generic_##SFX(int w, const T *src, fnn_int ld, fnn_int kc,   \
                                      T *dst)                                        \
    {                                                                            \
        for (int r = 0; r < w; r++)                                              \
            for (fnn_int k = 0; k < kc; k++)                                     \
                dst[k * w + r] = src[r * ld + k];                                \
    }                                                                            \
    static void dot_rows_generic_##SFX(fnn_int n, fnn_int K, const T *a,         \
                                       const T *B, fnn_int ldb, T *out)          \
    {                                                                            \
        for (fnn_int j = 0; j < n; j++) {                                        \
            const T *b = B + j * ldb;                                            \
            T s = 0;                                                             \
            for (fnn_int k = 0; k < K; k++)                                      \
                s += a[k] * b[k];                                                \
            out[j] = s;                                                          \
        }                                                                        \
    }                                                                            \
    static void axpy_rows_generic_##SFX(fnn_int n, fnn_int K, const T *a,        \
                                        const T *B, fnn_int ldb, T *out)         \
    {                                                                            \
        for (fnn_int j = 0; j < n; j++)                                          \
            out[j] = 0;                                                          \
        for (fnn_int k = 0; k < K; k++) {                                        \
            const T ak = a[k], *b = B + k * ldb;                                 \
            for (fnn_int j = 0; j < n; j++)                                      \
                out[j] += ak * b[j];                                             \
        }                                                                        \
    }                                                                            \
    const fnn_gemm_arch_##SFX fnn_gemm_generic_##SFX = {                         \
        ukernel_generic_##SFX, fnn_interleave_generic_##SFX,                     \
        dot_rows_generic_##SFX, axpy_rows_generic_##SFX, MR, NR, 128, 256, 4096};

GENERIC_UKERNEL(float, s, 4, 8)
GENERIC_UKERNEL(double, d, 4, 4)
