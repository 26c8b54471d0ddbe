/* wide.h — the AVX-512 entry's vector layer (16 floats, 8 doubles, lane masks
 * as bits) emulated with pairs of AVX2 registers. It lets the AVX-512 entry's
 * tile shapes, block sizes and masked edges run, and be tested, on a CPU
 * without AVX-512: the avx512_on_avx2 entry (avx512_on_avx2.c) is the AVX-512
 * entry's source over this layer instead of avx512/vec.h. Slower than either
 * (the 12×32 tile's accumulators do not fit in 16 ymm registers); for tests. */
#ifndef FASTNN_ARCH_VEC_H
#define FASTNN_ARCH_VEC_H

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define FNN_VEC_TARGET_PUSHED 1
#elif defined(__GNUC__)
#pragma GCC target("avx2,fma")
#endif

#include <immintrin.h>
#include <stdint.h>

/* ---- float: 16 lanes as two halves ------------------------------------ */

typedef struct { __m256 lo, hi; } vs_t;
typedef uint16_t vs_m;
#define VS_LANES 16

#define WS_MAP1(expr_lo, expr_hi) do { vs_t r_; r_.lo = (expr_lo); r_.hi = (expr_hi); return r_; } while (0)
static inline vs_t vs_zero(void) { WS_MAP1(_mm256_setzero_ps(), _mm256_setzero_ps()); }
static inline vs_t vs_set1(float x) { WS_MAP1(_mm256_set1_ps(x), _mm256_set1_ps(x)); }
static inline vs_t vs_load(const float *p) { WS_MAP1(_mm256_load_ps(p), _mm256_load_ps(p + 8)); }
static inline vs_t vs_loadu(const float *p) { WS_MAP1(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)); }
static inline void vs_storeu(float *p, vs_t v) { _mm256_storeu_ps(p, v.lo); _mm256_storeu_ps(p + 8, v.hi); }
static inline vs_t vs_bcast(const float *p) { return vs_set1(*p); }
#define WS_OP2(name, op) \
    static inline vs_t name(vs_t a, vs_t b) { WS_MAP1(op(a.lo, b.lo), op(a.hi, b.hi)); }
WS_OP2(vs_add, _mm256_add_ps)
WS_OP2(vs_sub, _mm256_sub_ps)
WS_OP2(vs_mul, _mm256_mul_ps)
WS_OP2(vs_div, _mm256_div_ps)
WS_OP2(vs_max, _mm256_max_ps)
WS_OP2(vs_min, _mm256_min_ps)
static inline vs_t vs_fmadd(vs_t a, vs_t b, vs_t c)
{
    WS_MAP1(_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi));
}
static inline vs_t vs_fnmadd(vs_t a, vs_t b, vs_t c)
{
    WS_MAP1(_mm256_fnmadd_ps(a.lo, b.lo, c.lo), _mm256_fnmadd_ps(a.hi, b.hi, c.hi));
}
static inline vs_t vs_abs(vs_t x)
{
    const __m256 s = _mm256_set1_ps(-0.0f);
    WS_MAP1(_mm256_andnot_ps(s, x.lo), _mm256_andnot_ps(s, x.hi));
}
static inline vs_t vs_neg_abs(vs_t x)
{
    const __m256 s = _mm256_set1_ps(-0.0f);
    WS_MAP1(_mm256_or_ps(s, x.lo), _mm256_or_ps(s, x.hi));
}
static inline vs_t vs_with_sign_of(vs_t m, vs_t x)
{
    const __m256 s = _mm256_set1_ps(-0.0f);
    WS_MAP1(_mm256_or_ps(m.lo, _mm256_and_ps(x.lo, s)), _mm256_or_ps(m.hi, _mm256_and_ps(x.hi, s)));
}
static inline vs_t vs_round(vs_t x)
{
    const int r = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    WS_MAP1(_mm256_round_ps(x.lo, r), _mm256_round_ps(x.hi, r));
}
static inline __m256 ws_pow2i_half(__m256 n)
{
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
static inline vs_t vs_pow2i(vs_t n) { WS_MAP1(ws_pow2i_half(n.lo), ws_pow2i_half(n.hi)); }
/* bits of a mask <-> all-ones lanes */
static inline __m256 ws_lanes(unsigned bits)
{
    const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    __m256i b = _mm256_and_si256(_mm256_set1_epi32((int)bits), sel);
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(b, sel));
}
static inline vs_m ws_bits(__m256 lo, __m256 hi)
{
    return (vs_m)(_mm256_movemask_ps(lo) | (_mm256_movemask_ps(hi) << 8));
}
static inline vs_m vs_gt(vs_t a, vs_t b)
{
    return ws_bits(_mm256_cmp_ps(a.lo, b.lo, _CMP_GT_OQ), _mm256_cmp_ps(a.hi, b.hi, _CMP_GT_OQ));
}
static inline vs_m vs_lt(vs_t a, vs_t b)
{
    return ws_bits(_mm256_cmp_ps(a.lo, b.lo, _CMP_LT_OQ), _mm256_cmp_ps(a.hi, b.hi, _CMP_LT_OQ));
}
static inline vs_m vs_isnan(vs_t a)
{
    return ws_bits(_mm256_cmp_ps(a.lo, a.lo, _CMP_UNORD_Q), _mm256_cmp_ps(a.hi, a.hi, _CMP_UNORD_Q));
}
static inline vs_m vs_mor(vs_m a, vs_m b) { return (vs_m)(a | b); }
static inline int vs_many(vs_m m) { return m != 0; }
static inline vs_t vs_blend(vs_m m, vs_t f, vs_t t)
{
    WS_MAP1(_mm256_blendv_ps(f.lo, t.lo, ws_lanes(m & 0xff)), _mm256_blendv_ps(f.hi, t.hi, ws_lanes(m >> 8)));
}
static inline vs_m vs_first(long n)
{
    return n <= 0 ? (vs_m)0 : n >= 16 ? (vs_m)0xffff : (vs_m)((1u << n) - 1);
}
static inline vs_t vs_maskloadu(const float *p, vs_m m)
{
    WS_MAP1(_mm256_maskload_ps(p, _mm256_castps_si256(ws_lanes(m & 0xff))),
            _mm256_maskload_ps(p + 8, _mm256_castps_si256(ws_lanes(m >> 8))));
}
static inline void vs_maskstoreu(float *p, vs_m m, vs_t v)
{
    _mm256_maskstore_ps(p, _mm256_castps_si256(ws_lanes(m & 0xff)), v.lo);
    _mm256_maskstore_ps(p + 8, _mm256_castps_si256(ws_lanes(m >> 8)), v.hi);
}
static inline float ws_hsum8(__m256 v)
{
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_shuffle_ps(x, x, 1));
    return _mm_cvtss_f32(x);
}
static inline float vs_hsum(vs_t v) { return ws_hsum8(_mm256_add_ps(v.lo, v.hi)); }
static inline float vs_hmax(vs_t v)
{
    __m256 m = _mm256_max_ps(v.lo, v.hi);
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    x = _mm_max_ss(x, _mm_shuffle_ps(x, x, 1));
    return _mm_cvtss_f32(x);
}

/* ---- double: 8 lanes as two halves ------------------------------------ */

typedef struct { __m256d lo, hi; } vd_t;
typedef uint8_t vd_m;
#define VD_LANES 8

#define WD_MAP1(expr_lo, expr_hi) do { vd_t r_; r_.lo = (expr_lo); r_.hi = (expr_hi); return r_; } while (0)
static inline vd_t vd_zero(void) { WD_MAP1(_mm256_setzero_pd(), _mm256_setzero_pd()); }
static inline vd_t vd_set1(double x) { WD_MAP1(_mm256_set1_pd(x), _mm256_set1_pd(x)); }
static inline vd_t vd_load(const double *p) { WD_MAP1(_mm256_load_pd(p), _mm256_load_pd(p + 4)); }
static inline vd_t vd_loadu(const double *p) { WD_MAP1(_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4)); }
static inline void vd_storeu(double *p, vd_t v) { _mm256_storeu_pd(p, v.lo); _mm256_storeu_pd(p + 4, v.hi); }
static inline vd_t vd_bcast(const double *p) { return vd_set1(*p); }
#define WD_OP2(name, op) \
    static inline vd_t name(vd_t a, vd_t b) { WD_MAP1(op(a.lo, b.lo), op(a.hi, b.hi)); }
WD_OP2(vd_add, _mm256_add_pd)
WD_OP2(vd_sub, _mm256_sub_pd)
WD_OP2(vd_mul, _mm256_mul_pd)
WD_OP2(vd_div, _mm256_div_pd)
WD_OP2(vd_max, _mm256_max_pd)
WD_OP2(vd_min, _mm256_min_pd)
static inline vd_t vd_fmadd(vd_t a, vd_t b, vd_t c)
{
    WD_MAP1(_mm256_fmadd_pd(a.lo, b.lo, c.lo), _mm256_fmadd_pd(a.hi, b.hi, c.hi));
}
static inline vd_t vd_fnmadd(vd_t a, vd_t b, vd_t c)
{
    WD_MAP1(_mm256_fnmadd_pd(a.lo, b.lo, c.lo), _mm256_fnmadd_pd(a.hi, b.hi, c.hi));
}
static inline vd_t vd_abs(vd_t x)
{
    const __m256d s = _mm256_set1_pd(-0.0);
    WD_MAP1(_mm256_andnot_pd(s, x.lo), _mm256_andnot_pd(s, x.hi));
}
static inline vd_t vd_neg_abs(vd_t x)
{
    const __m256d s = _mm256_set1_pd(-0.0);
    WD_MAP1(_mm256_or_pd(s, x.lo), _mm256_or_pd(s, x.hi));
}
static inline vd_t vd_with_sign_of(vd_t m, vd_t x)
{
    const __m256d s = _mm256_set1_pd(-0.0);
    WD_MAP1(_mm256_or_pd(m.lo, _mm256_and_pd(x.lo, s)), _mm256_or_pd(m.hi, _mm256_and_pd(x.hi, s)));
}
static inline vd_t vd_round(vd_t x)
{
    const int r = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    WD_MAP1(_mm256_round_pd(x.lo, r), _mm256_round_pd(x.hi, r));
}
static inline __m256d wd_pow2i_half(__m256d n)
{
    const __m256d magic = _mm256_set1_pd(6755399441055744.0);
    __m256i ni = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(n, magic)),
                                  _mm256_castpd_si256(magic));
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(ni, _mm256_set1_epi64x(1023)), 52));
}
static inline vd_t vd_pow2i(vd_t n) { WD_MAP1(wd_pow2i_half(n.lo), wd_pow2i_half(n.hi)); }
static inline __m256d wd_lanes(unsigned bits)
{
    const __m256i sel = _mm256_setr_epi64x(1, 2, 4, 8);
    __m256i b = _mm256_and_si256(_mm256_set1_epi64x((long long)bits), sel);
    return _mm256_castsi256_pd(_mm256_cmpeq_epi64(b, sel));
}
static inline vd_m wd_bits(__m256d lo, __m256d hi)
{
    return (vd_m)(_mm256_movemask_pd(lo) | (_mm256_movemask_pd(hi) << 4));
}
static inline vd_m vd_gt(vd_t a, vd_t b)
{
    return wd_bits(_mm256_cmp_pd(a.lo, b.lo, _CMP_GT_OQ), _mm256_cmp_pd(a.hi, b.hi, _CMP_GT_OQ));
}
static inline vd_m vd_lt(vd_t a, vd_t b)
{
    return wd_bits(_mm256_cmp_pd(a.lo, b.lo, _CMP_LT_OQ), _mm256_cmp_pd(a.hi, b.hi, _CMP_LT_OQ));
}
static inline vd_m vd_isnan(vd_t a)
{
    return wd_bits(_mm256_cmp_pd(a.lo, a.lo, _CMP_UNORD_Q), _mm256_cmp_pd(a.hi, a.hi, _CMP_UNORD_Q));
}
static inline vd_m vd_mor(vd_m a, vd_m b) { return (vd_m)(a | b); }
static inline int vd_many(vd_m m) { return m != 0; }
static inline vd_t vd_blend(vd_m m, vd_t f, vd_t t)
{
    WD_MAP1(_mm256_blendv_pd(f.lo, t.lo, wd_lanes(m & 0xf)), _mm256_blendv_pd(f.hi, t.hi, wd_lanes(m >> 4)));
}
static inline vd_m vd_first(long n)
{
    return n <= 0 ? (vd_m)0 : n >= 8 ? (vd_m)0xff : (vd_m)((1u << n) - 1);
}
static inline vd_t vd_maskloadu(const double *p, vd_m m)
{
    WD_MAP1(_mm256_maskload_pd(p, _mm256_castpd_si256(wd_lanes(m & 0xf))),
            _mm256_maskload_pd(p + 4, _mm256_castpd_si256(wd_lanes(m >> 4))));
}
static inline void vd_maskstoreu(double *p, vd_m m, vd_t v)
{
    _mm256_maskstore_pd(p, _mm256_castpd_si256(wd_lanes(m & 0xf)), v.lo);
    _mm256_maskstore_pd(p + 4, _mm256_castpd_si256(wd_lanes(m >> 4)), v.hi);
}
static inline double vd_hsum(vd_t v)
{
    __m256d s = _mm256_add_pd(v.lo, v.hi);
    __m128d x = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    x = _mm_add_sd(x, _mm_unpackhi_pd(x, x));
    return _mm_cvtsd_f64(x);
}
static inline double vd_hmax(vd_t v)
{
    __m256d m = _mm256_max_pd(v.lo, v.hi);
    __m128d x = _mm_max_pd(_mm256_castpd256_pd128(m), _mm256_extractf128_pd(m, 1));
    x = _mm_max_sd(x, _mm_unpackhi_pd(x, x));
    return _mm_cvtsd_f64(x);
}

#endif /* FASTNN_ARCH_VEC_H */
