/* gemm_avx2.c — the AVX2+FMA micro-kernels: a 6×16 float tile (6×8 double)
 * held in twelve ymm accumulators, one broadcast of A times two vectors of B
 * per row and k, and the epilogue applied before the tile leaves registers.
 *
 * Compiled for the avx2,fma target whatever the build flags; cpu.c only
 * selects these kernels on a CPU that reports both features. */
#include "internal.h"

#ifdef FNN_X86_64

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC target("avx2,fma")
#endif

#include <immintrin.h>

#include "simd_avx2.h"

/* ---- one row of the epilogue ------------------------------------------ */

static inline __m256 act_fwd_ps(fnn_act act, __m256 slope, __m256 v)
{
    switch (act) {
    case FNN_ACT_RELU: return _mm256_max_ps(_mm256_setzero_ps(), v);
    case FNN_ACT_LEAKY_RELU:
        return _mm256_blendv_ps(_mm256_mul_ps(v, slope), v,
                                _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ));
    case FNN_ACT_SIGMOID: return fnn_sigmoid_ps(v);
    case FNN_ACT_TANH: return fnn_tanh_ps(v);
    default: return v;
    }
}

static inline __m256 act_grad_ps(fnn_act act, __m256 slope, __m256 y)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 pos = _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ);
    switch (act) {
    case FNN_ACT_RELU: return _mm256_and_ps(pos, one);
    case FNN_ACT_LEAKY_RELU: return _mm256_blendv_ps(slope, one, pos);
    case FNN_ACT_SIGMOID: return _mm256_mul_ps(y, _mm256_sub_ps(one, y));
    case FNN_ACT_TANH: return _mm256_fnmadd_ps(y, y, one);
    default: return one;
    }
}

static inline __m256d act_fwd_pd(fnn_act act, __m256d slope, __m256d v)
{
    switch (act) {
    case FNN_ACT_RELU: return _mm256_max_pd(_mm256_setzero_pd(), v);
    case FNN_ACT_LEAKY_RELU:
        return _mm256_blendv_pd(_mm256_mul_pd(v, slope), v,
                                _mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_GT_OQ));
    case FNN_ACT_SIGMOID: return fnn_sigmoid_pd(v);
    case FNN_ACT_TANH: return fnn_tanh_pd(v);
    default: return v;
    }
}

static inline __m256d act_grad_pd(fnn_act act, __m256d slope, __m256d y)
{
    const __m256d one = _mm256_set1_pd(1.0);
    __m256d pos = _mm256_cmp_pd(y, _mm256_setzero_pd(), _CMP_GT_OQ);
    switch (act) {
    case FNN_ACT_RELU: return _mm256_and_pd(pos, one);
    case FNN_ACT_LEAKY_RELU: return _mm256_blendv_pd(slope, one, pos);
    case FNN_ACT_SIGMOID: return _mm256_mul_pd(y, _mm256_sub_pd(one, y));
    case FNN_ACT_TANH: return _mm256_fnmadd_pd(y, y, one);
    default: return one;
    }
}

/* Finish one vector of the tile: [beta·C +] acc, then the epilogue, then store.
 * `col` is the vector's first column within the tile. */
#define FINISH_VEC(T, V, VSFX, c, acc, col, row)                                  \
    do {                                                                          \
        V v_ = (acc);                                                             \
        if (load_c)                                                               \
            v_ = _mm256_fmadd_##VSFX(vbeta, _mm256_loadu_##VSFX((c) + (col)), v_); \
        if (ep && ep->mode == FNN_EPI_FORWARD) {                                  \
            if (ep->bias)                                                         \
                v_ = _mm256_add_##VSFX(v_, _mm256_loadu_##VSFX(ep->bias + (col))); \
            v_ = act_fwd_##VSFX(ep->act, vslope, v_);                             \
        } else if (ep) {                                                          \
            V s_ = _mm256_loadu_##VSFX(ep->saved + (row) * ep->lds + (col));      \
            v_ = _mm256_mul_##VSFX(v_, act_grad_##VSFX(ep->act, vslope, s_));     \
        }                                                                         \
        _mm256_storeu_##VSFX((c) + (col), v_);                                    \
    } while (0)

/* The 6-row register tile: 6 broadcasts of A, 2 vectors of B, 12 FMAs per k. */
#define UKERNEL_BODY(T, V, VSFX, BCAST, VL)                                       \
    V c00 = _mm256_setzero_##VSFX(), c01 = c00, c10 = c00, c11 = c00;             \
    V c20 = c00, c21 = c00, c30 = c00, c31 = c00;                                 \
    V c40 = c00, c41 = c00, c50 = c00, c51 = c00;                                 \
    for (int i = 0; i < 6; i++)                                                   \
        _mm_prefetch((const char *)(C + i * ldc), _MM_HINT_T0);                   \
    _Pragma("GCC unroll 4")                                                       \
    for (fnn_int k = 0; k < kc; k++) {                                            \
        V b0 = _mm256_load_##VSFX(Bp), b1 = _mm256_load_##VSFX(Bp + VL);          \
        V a;                                                                      \
        a = BCAST(Ap + 0); c00 = _mm256_fmadd_##VSFX(a, b0, c00);                 \
        c01 = _mm256_fmadd_##VSFX(a, b1, c01);                                    \
        a = BCAST(Ap + 1); c10 = _mm256_fmadd_##VSFX(a, b0, c10);                 \
        c11 = _mm256_fmadd_##VSFX(a, b1, c11);                                    \
        a = BCAST(Ap + 2); c20 = _mm256_fmadd_##VSFX(a, b0, c20);                 \
        c21 = _mm256_fmadd_##VSFX(a, b1, c21);                                    \
        a = BCAST(Ap + 3); c30 = _mm256_fmadd_##VSFX(a, b0, c30);                 \
        c31 = _mm256_fmadd_##VSFX(a, b1, c31);                                    \
        a = BCAST(Ap + 4); c40 = _mm256_fmadd_##VSFX(a, b0, c40);                 \
        c41 = _mm256_fmadd_##VSFX(a, b1, c41);                                    \
        a = BCAST(Ap + 5); c50 = _mm256_fmadd_##VSFX(a, b0, c50);                 \
        c51 = _mm256_fmadd_##VSFX(a, b1, c51);                                    \
        Ap += 6;                                                                  \
        Bp += 2 * VL;                                                             \
    }                                                                             \
    V vbeta = _mm256_set1_##VSFX(beta);                                           \
    V vslope = _mm256_set1_##VSFX(ep ? ep->slope : 0);                            \
    FINISH_VEC(T, V, VSFX, C + 0 * ldc, c00, 0, 0);                               \
    FINISH_VEC(T, V, VSFX, C + 0 * ldc, c01, VL, 0);                              \
    FINISH_VEC(T, V, VSFX, C + 1 * ldc, c10, 0, 1);                               \
    FINISH_VEC(T, V, VSFX, C + 1 * ldc, c11, VL, 1);                              \
    FINISH_VEC(T, V, VSFX, C + 2 * ldc, c20, 0, 2);                               \
    FINISH_VEC(T, V, VSFX, C + 2 * ldc, c21, VL, 2);                              \
    FINISH_VEC(T, V, VSFX, C + 3 * ldc, c30, 0, 3);                               \
    FINISH_VEC(T, V, VSFX, C + 3 * ldc, c31, VL, 3);                              \
    FINISH_VEC(T, V, VSFX, C + 4 * ldc, c40, 0, 4);                               \
    FINISH_VEC(T, V, VSFX, C + 4 * ldc, c41, VL, 4);                              \
    FINISH_VEC(T, V, VSFX, C + 5 * ldc, c50, 0, 5);                               \
    FINISH_VEC(T, V, VSFX, C + 5 * ldc, c51, VL, 5);

static void ukernel_avx2_s(fnn_int kc, const float *restrict Ap, const float *restrict Bp,
                           float *restrict C, fnn_int ldc, int load_c, float beta,
                           const fnn_tile_epi_s *ep)
{
    UKERNEL_BODY(float, __m256, ps, _mm256_broadcast_ss, 8)
}

static void ukernel_avx2_d(fnn_int kc, const double *restrict Ap, const double *restrict Bp,
                           double *restrict C, fnn_int ldc, int load_c, double beta,
                           const fnn_tile_epi_d *ep)
{
    UKERNEL_BODY(double, __m256d, pd, _mm256_broadcast_sd, 4)
}

/* Cache blocks for a core with 32 KB L1d and 512 KB L2: a B micro-panel
 * (kc·NR) stays in L1, the packed A block (mc·kc) in L2. */
const fnn_gemm_arch_s fnn_gemm_avx2_s = {ukernel_avx2_s, 6, 16, 144, 256, 4080};
const fnn_gemm_arch_d fnn_gemm_avx2_d = {ukernel_avx2_d, 6, 8, 72, 256, 4080};

#if defined(__clang__)
#pragma clang attribute pop
#endif

#endif /* FNN_X86_64 */
