/* vec.h (AVX-512) — the vector layer of the AVX-512 entry: 16 floats or 8
 * doubles in a zmm register, lane masks in k registers. AVX512F only (no VL,
 * DQ or BW instructions), so any AVX-512 CPU runs it. The same names as every
 * vector ISA folder (simd/vec_float.h lists them); include first in the
 * folder's C file: what follows is compiled for the avx512f,avx2,fma target
 * whatever the build flags. */
#ifndef FASTNN_ARCH_VEC_H
#define FASTNN_ARCH_VEC_H

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#define FNN_VEC_TARGET_PUSHED 1
#elif defined(__GNUC__)
#pragma GCC target("avx512f,avx2,fma")
#endif

#include <immintrin.h>

/* ---- float: 16 lanes -------------------------------------------------- */

typedef __m512 vs_t;
typedef __mmask16 vs_m;
#define VS_LANES 16

static inline vs_t vs_zero(void) { return _mm512_setzero_ps(); }
static inline vs_t vs_set1(float x) { return _mm512_set1_ps(x); }
static inline vs_t vs_load(const float *p) { return _mm512_load_ps(p); }
static inline vs_t vs_loadu(const float *p) { return _mm512_loadu_ps(p); }
static inline void vs_storeu(float *p, vs_t v) { _mm512_storeu_ps(p, v); }
static inline vs_t vs_bcast(const float *p) { return _mm512_set1_ps(*p); }
static inline vs_t vs_add(vs_t a, vs_t b) { return _mm512_add_ps(a, b); }
static inline vs_t vs_sub(vs_t a, vs_t b) { return _mm512_sub_ps(a, b); }
static inline vs_t vs_mul(vs_t a, vs_t b) { return _mm512_mul_ps(a, b); }
static inline vs_t vs_div(vs_t a, vs_t b) { return _mm512_div_ps(a, b); }
static inline vs_t vs_max(vs_t a, vs_t b) { return _mm512_max_ps(a, b); }
static inline vs_t vs_min(vs_t a, vs_t b) { return _mm512_min_ps(a, b); }
static inline vs_t vs_fmadd(vs_t a, vs_t b, vs_t c) { return _mm512_fmadd_ps(a, b, c); }
static inline vs_t vs_fnmadd(vs_t a, vs_t b, vs_t c) { return _mm512_fnmadd_ps(a, b, c); }
/* sign-bit logic on the integer view (the float forms need AVX512DQ) */
static inline vs_t vs_abs(vs_t x)
{
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)));
}
static inline vs_t vs_neg_abs(vs_t x)
{
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
}
static inline vs_t vs_with_sign_of(vs_t mag, vs_t x)
{
    __m512i s = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(mag), s));
}
static inline vs_t vs_round(vs_t x)
{
    return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vs_t vs_pow2i(vs_t n)
{
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}
static inline vs_m vs_gt(vs_t a, vs_t b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vs_m vs_lt(vs_t a, vs_t b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vs_m vs_isnan(vs_t a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
static inline vs_m vs_mor(vs_m a, vs_m b) { return (vs_m)(a | b); }
static inline int vs_many(vs_m m) { return m != 0; }
static inline vs_t vs_blend(vs_m m, vs_t if_false, vs_t if_true)
{
    return _mm512_mask_blend_ps(m, if_false, if_true);
}
static inline vs_m vs_first(long n)
{
    return n <= 0 ? (vs_m)0 : n >= 16 ? (vs_m)0xffff : (vs_m)((1u << n) - 1);
}
static inline vs_t vs_maskloadu(const float *p, vs_m m) { return _mm512_maskz_loadu_ps(m, p); }
static inline void vs_maskstoreu(float *p, vs_m m, vs_t v) { _mm512_mask_storeu_ps(p, m, v); }
static inline float vs_hsum(vs_t v) { return _mm512_reduce_add_ps(v); }
static inline float vs_hmax(vs_t v) { return _mm512_reduce_max_ps(v); }

/* ---- double: 8 lanes -------------------------------------------------- */

typedef __m512d vd_t;
typedef __mmask8 vd_m;
#define VD_LANES 8

static inline vd_t vd_zero(void) { return _mm512_setzero_pd(); }
static inline vd_t vd_set1(double x) { return _mm512_set1_pd(x); }
static inline vd_t vd_load(const double *p) { return _mm512_load_pd(p); }
static inline vd_t vd_loadu(const double *p) { return _mm512_loadu_pd(p); }
static inline void vd_storeu(double *p, vd_t v) { _mm512_storeu_pd(p, v); }
static inline vd_t vd_bcast(const double *p) { return _mm512_set1_pd(*p); }
static inline vd_t vd_add(vd_t a, vd_t b) { return _mm512_add_pd(a, b); }
static inline vd_t vd_sub(vd_t a, vd_t b) { return _mm512_sub_pd(a, b); }
static inline vd_t vd_mul(vd_t a, vd_t b) { return _mm512_mul_pd(a, b); }
static inline vd_t vd_div(vd_t a, vd_t b) { return _mm512_div_pd(a, b); }
static inline vd_t vd_max(vd_t a, vd_t b) { return _mm512_max_pd(a, b); }
static inline vd_t vd_min(vd_t a, vd_t b) { return _mm512_min_pd(a, b); }
static inline vd_t vd_fmadd(vd_t a, vd_t b, vd_t c) { return _mm512_fmadd_pd(a, b, c); }
static inline vd_t vd_fnmadd(vd_t a, vd_t b, vd_t c) { return _mm512_fnmadd_pd(a, b, c); }
static inline vd_t vd_abs(vd_t x)
{
    return _mm512_castsi512_pd(
        _mm512_and_si512(_mm512_castpd_si512(x), _mm512_set1_epi64(0x7fffffffffffffffll)));
}
static inline vd_t vd_neg_abs(vd_t x)
{
    return _mm512_castsi512_pd(
        _mm512_or_si512(_mm512_castpd_si512(x), _mm512_set1_epi64((long long)0x8000000000000000ull)));
}
static inline vd_t vd_with_sign_of(vd_t mag, vd_t x)
{
    __m512i s = _mm512_and_si512(_mm512_castpd_si512(x),
                                 _mm512_set1_epi64((long long)0x8000000000000000ull));
    return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(mag), s));
}
static inline vd_t vd_round(vd_t x)
{
    return _mm512_roundscale_pd(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vd_t vd_pow2i(vd_t n)
{
    const __m512d magic = _mm512_set1_pd(6755399441055744.0);
    __m512i ni = _mm512_sub_epi64(_mm512_castpd_si512(_mm512_add_pd(n, magic)),
                                  _mm512_castpd_si512(magic));
    return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(ni, _mm512_set1_epi64(1023)), 52));
}
static inline vd_m vd_gt(vd_t a, vd_t b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
static inline vd_m vd_lt(vd_t a, vd_t b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
static inline vd_m vd_isnan(vd_t a) { return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q); }
static inline vd_m vd_mor(vd_m a, vd_m b) { return (vd_m)(a | b); }
static inline int vd_many(vd_m m) { return m != 0; }
static inline vd_t vd_blend(vd_m m, vd_t if_false, vd_t if_true)
{
    return _mm512_mask_blend_pd(m, if_false, if_true);
}
static inline vd_m vd_first(long n)
{
    return n <= 0 ? (vd_m)0 : n >= 8 ? (vd_m)0xff : (vd_m)((1u << n) - 1);
}
static inline vd_t vd_maskloadu(const double *p, vd_m m) { return _mm512_maskz_loadu_pd(m, p); }
static inline void vd_maskstoreu(double *p, vd_m m, vd_t v) { _mm512_mask_storeu_pd(p, m, v); }
static inline double vd_hsum(vd_t v) { return _mm512_reduce_add_pd(v); }
static inline double vd_hmax(vd_t v) { return _mm512_reduce_max_pd(v); }

#endif /* FASTNN_ARCH_VEC_H */
