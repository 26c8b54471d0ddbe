/* vec.h (AVX2) — the vector layer of the AVX2+FMA entry: 8 floats or 4
 * doubles in a ymm register, lane masks held as vectors (all ones per lane).
 *
 * Every vector ISA folder provides the same names (see simd/vec_float.h for
 * the list and their meaning); the kernels in simd/ are written once over them.
 * Include first in the folder's one C file: every function after it is compiled
 * for the avx2,fma target whatever the build flags. */
#ifndef FASTNN_ARCH_VEC_H
#define FASTNN_ARCH_VEC_H

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define FNN_VEC_TARGET_PUSHED 1
#elif defined(__GNUC__)
#pragma GCC target("avx2,fma")
#endif

#include <immintrin.h>

/* ---- float: 8 lanes --------------------------------------------------- */

typedef __m256 vs_t;
typedef __m256 vs_m;
#define VS_LANES 8

static inline vs_t vs_zero(void) { return _mm256_setzero_ps(); }
static inline vs_t vs_set1(float x) { return _mm256_set1_ps(x); }
static inline vs_t vs_load(const float *p) { return _mm256_load_ps(p); }
static inline vs_t vs_loadu(const float *p) { return _mm256_loadu_ps(p); }
static inline void vs_storeu(float *p, vs_t v) { _mm256_storeu_ps(p, v); }
static inline vs_t vs_bcast(const float *p) { return _mm256_broadcast_ss(p); }
static inline vs_t vs_add(vs_t a, vs_t b) { return _mm256_add_ps(a, b); }
static inline vs_t vs_sub(vs_t a, vs_t b) { return _mm256_sub_ps(a, b); }
static inline vs_t vs_mul(vs_t a, vs_t b) { return _mm256_mul_ps(a, b); }
static inline vs_t vs_div(vs_t a, vs_t b) { return _mm256_div_ps(a, b); }
static inline vs_t vs_max(vs_t a, vs_t b) { return _mm256_max_ps(a, b); }
static inline vs_t vs_min(vs_t a, vs_t b) { return _mm256_min_ps(a, b); }
static inline vs_t vs_fmadd(vs_t a, vs_t b, vs_t c) { return _mm256_fmadd_ps(a, b, c); }
static inline vs_t vs_fnmadd(vs_t a, vs_t b, vs_t c) { return _mm256_fnmadd_ps(a, b, c); }
static inline vs_t vs_abs(vs_t x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
static inline vs_t vs_neg_abs(vs_t x) { return _mm256_or_ps(_mm256_set1_ps(-0.0f), x); }
static inline vs_t vs_with_sign_of(vs_t mag, vs_t x)
{
    return _mm256_or_ps(mag, _mm256_and_ps(x, _mm256_set1_ps(-0.0f)));
}
static inline vs_t vs_round(vs_t x)
{
    return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* 2^n for integral n in [-126, 127], built in the exponent bits */
static inline vs_t vs_pow2i(vs_t n)
{
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
static inline vs_m vs_gt(vs_t a, vs_t b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vs_m vs_lt(vs_t a, vs_t b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vs_m vs_isnan(vs_t a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
static inline vs_m vs_mor(vs_m a, vs_m b) { return _mm256_or_ps(a, b); }
static inline int vs_many(vs_m m) { return _mm256_movemask_ps(m) != 0; }
static inline vs_t vs_blend(vs_m m, vs_t if_false, vs_t if_true)
{
    return _mm256_blendv_ps(if_false, if_true, m);
}
/* lanes [0, n) */
static inline vs_m vs_first(long n)
{
    int k = n < 0 ? 0 : n > 8 ? 8 : (int)n;
    return _mm256_castsi256_ps(
        _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}
static inline vs_t vs_maskloadu(const float *p, vs_m m)
{
    return _mm256_maskload_ps(p, _mm256_castps_si256(m));
}
/* m is a vs_first mask: its lanes [0, n) go out as plain stores of 4, 2 and
 * 1 lanes (a masked vmaskmovps store is microcoded on AMD Zen, about ten
 * plain stores, and a load of what it wrote waits for it to retire) */
static inline void vs_maskstoreu(float *p, vs_m m, vs_t v)
{
    const int n = __builtin_popcount((unsigned)_mm256_movemask_ps(m));
    if (n == 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    __m128 x = _mm256_castps256_ps128(v);
    if (n & 4) {
        _mm_storeu_ps(p, x);
        p += 4;
        x = _mm256_extractf128_ps(v, 1);
    }
    if (n & 2) {
        _mm_storel_epi64((__m128i *)p, _mm_castps_si128(x));
        p += 2;
        x = _mm_movehl_ps(x, x);
    }
    if (n & 1)
        _mm_store_ss(p, x);
}
static inline float vs_hsum(vs_t v)
{
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_shuffle_ps(x, x, 1));
    return _mm_cvtss_f32(x);
}
static inline float vs_hmax(vs_t v)
{
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    x = _mm_max_ss(x, _mm_shuffle_ps(x, x, 1));
    return _mm_cvtss_f32(x);
}

/* ---- double: 4 lanes -------------------------------------------------- */

typedef __m256d vd_t;
typedef __m256d vd_m;
#define VD_LANES 4

static inline vd_t vd_zero(void) { return _mm256_setzero_pd(); }
static inline vd_t vd_set1(double x) { return _mm256_set1_pd(x); }
static inline vd_t vd_load(const double *p) { return _mm256_load_pd(p); }
static inline vd_t vd_loadu(const double *p) { return _mm256_loadu_pd(p); }
static inline void vd_storeu(double *p, vd_t v) { _mm256_storeu_pd(p, v); }
static inline vd_t vd_bcast(const double *p) { return _mm256_broadcast_sd(p); }
static inline vd_t vd_add(vd_t a, vd_t b) { return _mm256_add_pd(a, b); }
static inline vd_t vd_sub(vd_t a, vd_t b) { return _mm256_sub_pd(a, b); }
static inline vd_t vd_mul(vd_t a, vd_t b) { return _mm256_mul_pd(a, b); }
static inline vd_t vd_div(vd_t a, vd_t b) { return _mm256_div_pd(a, b); }
static inline vd_t vd_max(vd_t a, vd_t b) { return _mm256_max_pd(a, b); }
static inline vd_t vd_min(vd_t a, vd_t b) { return _mm256_min_pd(a, b); }
static inline vd_t vd_fmadd(vd_t a, vd_t b, vd_t c) { return _mm256_fmadd_pd(a, b, c); }
static inline vd_t vd_fnmadd(vd_t a, vd_t b, vd_t c) { return _mm256_fnmadd_pd(a, b, c); }
static inline vd_t vd_abs(vd_t x) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), x); }
static inline vd_t vd_neg_abs(vd_t x) { return _mm256_or_pd(_mm256_set1_pd(-0.0), x); }
static inline vd_t vd_with_sign_of(vd_t mag, vd_t x)
{
    return _mm256_or_pd(mag, _mm256_and_pd(x, _mm256_set1_pd(-0.0)));
}
static inline vd_t vd_round(vd_t x)
{
    return _mm256_round_pd(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* 2^n for integral n in [-1022, 1023]: n + 1.5·2^52 holds n in its low bits */
static inline vd_t vd_pow2i(vd_t n)
{
    const __m256d magic = _mm256_set1_pd(6755399441055744.0);
    __m256i ni = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(n, magic)),
                                  _mm256_castpd_si256(magic));
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(ni, _mm256_set1_epi64x(1023)), 52));
}
static inline vd_m vd_gt(vd_t a, vd_t b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
static inline vd_m vd_lt(vd_t a, vd_t b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
static inline vd_m vd_isnan(vd_t a) { return _mm256_cmp_pd(a, a, _CMP_UNORD_Q); }
static inline vd_m vd_mor(vd_m a, vd_m b) { return _mm256_or_pd(a, b); }
static inline int vd_many(vd_m m) { return _mm256_movemask_pd(m) != 0; }
static inline vd_t vd_blend(vd_m m, vd_t if_false, vd_t if_true)
{
    return _mm256_blendv_pd(if_false, if_true, m);
}
static inline vd_m vd_first(long n)
{
    long long k = n < 0 ? 0 : n > 4 ? 4 : n;
    return _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_set1_epi64x(k), _mm256_setr_epi64x(0, 1, 2, 3)));
}
static inline vd_t vd_maskloadu(const double *p, vd_m m)
{
    return _mm256_maskload_pd(p, _mm256_castpd_si256(m));
}
/* m is a vd_first mask: plain stores of 2 and 1 lanes (see vs_maskstoreu) */
static inline void vd_maskstoreu(double *p, vd_m m, vd_t v)
{
    const int n = __builtin_popcount((unsigned)_mm256_movemask_pd(m));
    if (n == 4) {
        _mm256_storeu_pd(p, v);
        return;
    }
    __m128d x = _mm256_castpd256_pd128(v);
    if (n & 2) {
        _mm_storeu_pd(p, x);
        p += 2;
        x = _mm256_extractf128_pd(v, 1);
    }
    if (n & 1)
        _mm_store_sd(p, x);
}
static inline double vd_hsum(vd_t v)
{
    __m128d x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    x = _mm_add_sd(x, _mm_unpackhi_pd(x, x));
    return _mm_cvtsd_f64(x);
}
static inline double vd_hmax(vd_t v)
{
    __m128d x = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    x = _mm_max_sd(x, _mm_unpackhi_pd(x, x));
    return _mm_cvtsd_f64(x);
}

#endif /* FASTNN_ARCH_VEC_H */
