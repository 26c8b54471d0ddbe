/* gemm_generic.c — the portable micro-kernels: plain C that is correct on any
 * CPU (the compiler vectorises the j loop with whatever the baseline ISA has).
 *
 *   acc[i][j] = Σ_k Ap[k·MR + i] · Bp[k·NR + j]
 *   C[i][j]   = epilogue([beta·C[i][j] +] acc[i][j])
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
                    v = fnn_act_##SFX(ep->act, ep->slope, v);                    \
                } else if (ep) {                                                 \
                    v *= fnn_act_grad_##SFX(ep->act, ep->slope,                  \
                                            ep->saved[i * ep->lds + j]);         \
                }                                                                \
                c[j] = v;                                                        \
            }                                                                    \
        }                                                                        \
    }                                                                            \
    const fnn_gemm_arch_##SFX fnn_gemm_generic_##SFX = {                         \
        ukernel_generic_##SFX, MR, NR, 128, 256, 4096};

GENERIC_UKERNEL(float, s, 4, 8)
GENERIC_UKERNEL(double, d, 4, 4)
