/* gemm_avx2.c — the AVX2+FMA micro-kernels: a 6×16 float tile (6×8 double)
 * held in twelve ymm accumulators, one broadcast of A times two vectors of B
 * per row and k, and the epilogue applied before the tile leaves registers.
 * Compiled for the avx2,fma target (avx2_begin.h). */
#include "internal.h"

#ifdef FNN_X86_64

#include "avx2_begin.h"

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
        _mm_prefetch((const char *)(Ap + 48), _MM_HINT_T0); /* A, 8 steps ahead */ \
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

/* ---- packing: w rows into a k-major panel, 8×8 (4×4) in-register transposes */

static inline void transpose8_ps(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

static inline void transpose4_pd(__m256d r[4])
{
    __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

/* dst[k·w + r] = src[r·ld + k]. Blocks of VL rows × VL k are transposed in
 * registers; a panel of 6 rows is read as 8 (the last row repeated) and each
 * column stored whole, ascending, so the 2 extra values land where the next
 * column (or panel) overwrites them. */
#define INTERLEAVE_AVX2(T, SFX, V, VSFX, VL, TRANSPOSE, W_WIDE)                    \
    static void interleave_avx2_##SFX(int w, const T *src, fnn_int ld, fnn_int kc,  \
                                      T *dst)                                      \
    {                                                                              \
        if (w != 6 && w != W_WIDE) {                                               \
            fnn_interleave_generic_##SFX(w, src, ld, kc, dst);                     \
            return;                                                                \
        }                                                                          \
        const int groups = (w + VL - 1) / VL;                                      \
        fnn_int k = 0;                                                             \
        for (; k + VL <= kc; k += VL) {                                            \
            V r[2][VL];                                                            \
            for (int g = 0; g < groups; g++) {                                     \
                for (int q = 0; q < VL; q++) {                                     \
                    int row = g * VL + q < w ? g * VL + q : w - 1;                 \
                    r[g][q] = _mm256_loadu_##VSFX(src + row * ld + k);             \
                }                                                                  \
                TRANSPOSE(r[g]);                                                   \
            }                                                                      \
            for (int q = 0; q < VL; q++)                                           \
                for (int g = 0; g < groups; g++)                                   \
                    _mm256_storeu_##VSFX(dst + (k + q) * w + g * VL, r[g][q]);     \
        }                                                                          \
        for (; k < kc; k++)                                                        \
            for (int r = 0; r < w; r++)                                            \
                dst[k * w + r] = src[r * ld + k];                                  \
    }

INTERLEAVE_AVX2(float, s, __m256, ps, 8, transpose8_ps, 16)
INTERLEAVE_AVX2(double, d, __m256d, pd, 4, transpose4_pd, 8)

/* ---- one row against many: dot products and row combinations ---------- */

/* Lanes [0, n) of a mask, n < lanes. */
static inline __m256i tail_mask_32(fnn_int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline __m256i tail_mask_64(fnn_int n)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}

/* out[j] = Σ_k a[k]·B[j·ldb + k]: per row two accumulators over 2·VL-wide
 * steps, a masked tail, then a fixed reduction; four rows are interleaved for
 * throughput but each row's arithmetic is the same as alone. */
#define DOT_ROWS_AVX2(T, SFX, V, VSFX, VL, MASK, MASKLOAD, HSUM)                    \
    static inline T dot_one_##SFX(fnn_int K, const T *a, const T *b)                \
    {                                                                               \
        V s0 = _mm256_setzero_##VSFX(), s1 = s0;                                    \
        fnn_int k = 0;                                                              \
        for (; k + 2 * VL <= K; k += 2 * VL) {                                      \
            s0 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b + k), _mm256_loadu_##VSFX(a + k), s0); \
            s1 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b + k + VL),               \
                                     _mm256_loadu_##VSFX(a + k + VL), s1);          \
        }                                                                           \
        if (k + VL <= K) {                                                          \
            s0 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b + k), _mm256_loadu_##VSFX(a + k), s0); \
            k += VL;                                                                \
        }                                                                           \
        if (k < K) {                                                                \
            __m256i m = MASK(K - k);                                                \
            s1 = _mm256_fmadd_##VSFX(MASKLOAD(b + k, m), MASKLOAD(a + k, m), s1);   \
        }                                                                           \
        return HSUM(_mm256_add_##VSFX(s0, s1));                                     \
    }                                                                               \
    static void dot_rows_avx2_##SFX(fnn_int n, fnn_int K, const T *a, const T *B,   \
                                    fnn_int ldb, T *out)                            \
    {                                                                               \
        fnn_int j = 0;                                                              \
        for (; j + 4 <= n; j += 4) {                                                \
            const T *b0 = B + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb; \
            V s00 = _mm256_setzero_##VSFX(), s01 = s00, s10 = s00, s11 = s00;       \
            V s20 = s00, s21 = s00, s30 = s00, s31 = s00;                           \
            fnn_int k = 0;                                                          \
            for (; k + 2 * VL <= K; k += 2 * VL) {                                  \
                V x0 = _mm256_loadu_##VSFX(a + k), x1 = _mm256_loadu_##VSFX(a + k + VL); \
                s00 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b0 + k), x0, s00);    \
                s01 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b0 + k + VL), x1, s01); \
                s10 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b1 + k), x0, s10);    \
                s11 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b1 + k + VL), x1, s11); \
                s20 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b2 + k), x0, s20);    \
                s21 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b2 + k + VL), x1, s21); \
                s30 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b3 + k), x0, s30);    \
                s31 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b3 + k + VL), x1, s31); \
            }                                                                       \
            if (k + VL <= K) {                                                      \
                V x0 = _mm256_loadu_##VSFX(a + k);                                  \
                s00 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b0 + k), x0, s00);    \
                s10 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b1 + k), x0, s10);    \
                s20 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b2 + k), x0, s20);    \
                s30 = _mm256_fmadd_##VSFX(_mm256_loadu_##VSFX(b3 + k), x0, s30);    \
                k += VL;                                                            \
            }                                                                       \
            if (k < K) {                                                            \
                __m256i m = MASK(K - k);                                            \
                V x1 = MASKLOAD(a + k, m);                                          \
                s01 = _mm256_fmadd_##VSFX(MASKLOAD(b0 + k, m), x1, s01);            \
                s11 = _mm256_fmadd_##VSFX(MASKLOAD(b1 + k, m), x1, s11);            \
                s21 = _mm256_fmadd_##VSFX(MASKLOAD(b2 + k, m), x1, s21);            \
                s31 = _mm256_fmadd_##VSFX(MASKLOAD(b3 + k, m), x1, s31);            \
            }                                                                       \
            out[j] = HSUM(_mm256_add_##VSFX(s00, s01));                             \
            out[j + 1] = HSUM(_mm256_add_##VSFX(s10, s11));                         \
            out[j + 2] = HSUM(_mm256_add_##VSFX(s20, s21));                         \
            out[j + 3] = HSUM(_mm256_add_##VSFX(s30, s31));                         \
        }                                                                           \
        for (; j < n; j++)                                                          \
            out[j] = dot_one_##SFX(K, a, B + j * ldb);                              \
    }

DOT_ROWS_AVX2(float, s, __m256, ps, 8, tail_mask_32, _mm256_maskload_ps, fnn_hsum_ps)
DOT_ROWS_AVX2(double, d, __m256d, pd, 4, tail_mask_64, _mm256_maskload_pd, fnn_hsum_pd)

/* out[j] = Σ_k a[k]·B[k·ldb + j]: one FMA chain per output over ascending k;
 * blocks of 4 vectors of columns, then single vectors, then a masked tail. */
#define AXPY_ROWS_AVX2(T, SFX, V, VSFX, VL, MASK, MASKLOAD, MASKSTORE, BCAST)       \
    static void axpy_rows_avx2_##SFX(fnn_int n, fnn_int K, const T *a, const T *B,  \
                                     fnn_int ldb, T *out)                           \
    {                                                                               \
        fnn_int j = 0;                                                              \
        for (; j + 4 * VL <= n; j += 4 * VL) {                                      \
            V c0 = _mm256_setzero_##VSFX(), c1 = c0, c2 = c0, c3 = c0;              \
            for (fnn_int k = 0; k < K; k++) {                                       \
                V ak = BCAST(a + k);                                                \
                const T *b = B + k * ldb + j;                                       \
                c0 = _mm256_fmadd_##VSFX(ak, _mm256_loadu_##VSFX(b), c0);           \
                c1 = _mm256_fmadd_##VSFX(ak, _mm256_loadu_##VSFX(b + VL), c1);      \
                c2 = _mm256_fmadd_##VSFX(ak, _mm256_loadu_##VSFX(b + 2 * VL), c2);  \
                c3 = _mm256_fmadd_##VSFX(ak, _mm256_loadu_##VSFX(b + 3 * VL), c3);  \
            }                                                                       \
            _mm256_storeu_##VSFX(out + j, c0);                                      \
            _mm256_storeu_##VSFX(out + j + VL, c1);                                 \
            _mm256_storeu_##VSFX(out + j + 2 * VL, c2);                             \
            _mm256_storeu_##VSFX(out + j + 3 * VL, c3);                             \
        }                                                                           \
        for (; j < n; j += VL) {                                                    \
            __m256i m = MASK(n - j < VL ? n - j : VL);                              \
            V c0 = _mm256_setzero_##VSFX();                                         \
            for (fnn_int k = 0; k < K; k++)                                         \
                c0 = _mm256_fmadd_##VSFX(BCAST(a + k), MASKLOAD(B + k * ldb + j, m), c0); \
            MASKSTORE(out + j, m, c0);                                              \
        }                                                                           \
    }

AXPY_ROWS_AVX2(float, s, __m256, ps, 8, tail_mask_32, _mm256_maskload_ps, _mm256_maskstore_ps,
               _mm256_broadcast_ss)
AXPY_ROWS_AVX2(double, d, __m256d, pd, 4, tail_mask_64, _mm256_maskload_pd, _mm256_maskstore_pd,
               _mm256_broadcast_sd)

/* Cache blocks for a core with 32 KB L1d and 512 KB L2: a B micro-panel
 * (kc·NR) stays in L1, the packed A block (mc·kc) in L2. */
const fnn_gemm_arch_s fnn_gemm_avx2_s = {ukernel_avx2_s, interleave_avx2_s, dot_rows_avx2_s,
                                         axpy_rows_avx2_s, 6, 16, 96, 512, 4080};
const fnn_gemm_arch_d fnn_gemm_avx2_d = {ukernel_avx2_d, interleave_avx2_d, dot_rows_avx2_d,
                                         axpy_rows_avx2_d, 6, 8, 72, 256, 4080};

#include "avx2_end.h"

#endif /* FNN_X86_64 */
