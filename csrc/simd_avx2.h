/* simd_avx2.h — activations on AVX2 vectors (8 floats or 4 doubles).
 *
 * Include only from files compiled for the avx2,fma target. Every function
 * keeps NaN as NaN and never overflows:
 *   exp(x), x <= 0: x = n·ln2 + r with |r| <= ln2/2, e^r by its Taylor series
 *                   (degree 7 in float, 13 in double), times 2^n built in the
 *                   exponent bits; below the smallest normal result it is 0;
 *   sigmoid(x)      = x >= 0 ? 1/(1+e) : e/(1+e)  with e = exp(−|x|);
 *   tanh(x)         = sign(x)·(1−e)/(1+e) with e = exp(−2|x|), and for small |x|
 *                     the odd Taylor series x − x³/3 + 2x⁵/15 − ..., which
 *                     keeps full relative accuracy near 0.
 */
#ifndef FASTNN_SIMD_AVX2_H
#define FASTNN_SIMD_AVX2_H

#include <immintrin.h>

/* ---- float32 ---------------------------------------------------------- */

static inline __m256 fnn_exp_neg_ps(__m256 x)
{
    const __m256 lo = _mm256_set1_ps(-87.0f);
    __m256 xc = _mm256_max_ps(lo, x);          /* NaN in x stays NaN */
    __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 y = _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
    return _mm256_andnot_ps(_mm256_cmp_ps(x, lo, _CMP_LT_OQ), y);
}

static inline __m256 fnn_abs_ps(__m256 x)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

static inline __m256 fnn_sigmoid_ps(__m256 x)
{
    __m256 e = fnn_exp_neg_ps(_mm256_or_ps(x, _mm256_set1_ps(-0.0f)));  /* −|x| */
    __m256 s = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(s, _mm256_mul_ps(e, s), neg);
}

static inline __m256 fnn_tanh_ps(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 ax = fnn_abs_ps(x);
    __m256 e = fnn_exp_neg_ps(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
    __m256 big = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
    /* |x| < 0.5: x·(1 + x²·(c3 + x²·(c5 + ...))), terms to x^15 */
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-1.4558343870513183e-3f);
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(3.5921280365724810e-3f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-8.8632355299021966e-3f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(2.1869488536155203e-2f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-5.3968253968253968e-2f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(1.3333333333333333e-1f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-3.3333333333333333e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, x2), x, x);
    /* big carries |tanh|: give it x's sign */
    big = _mm256_or_ps(big, _mm256_and_ps(x, _mm256_set1_ps(-0.0f)));
    __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.5f), _CMP_LT_OQ);
    return _mm256_blendv_ps(big, small, is_small);
}

/* ---- float64 ---------------------------------------------------------- */

static inline __m256d fnn_exp_neg_pd(__m256d x)
{
    const __m256d lo = _mm256_set1_pd(-708.0);
    __m256d xc = _mm256_max_pd(lo, x);
    __m256d n = _mm256_round_pd(_mm256_mul_pd(xc, _mm256_set1_pd(1.4426950408889634)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93147180369123816490e-01), xc);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.90821492927058770002e-10), r);
    /* Σ_{i=0}^{13} r^i / i! by Horner, highest degree first */
    static const double inv_fact[14] = {
        1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
        1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
        1.0 / 479001600, 1.0 / 6227020800.0};
    __m256d p = _mm256_set1_pd(inv_fact[13]);
    for (int i = 12; i >= 0; i--)
        p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(inv_fact[i]));
    /* 2^n: n + 1.5·2^52 holds n in its low mantissa bits */
    const __m256d magic = _mm256_set1_pd(6755399441055744.0);
    __m256i ni = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(n, magic)),
                                  _mm256_castpd_si256(magic));
    __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(ni, _mm256_set1_epi64x(1023)), 52);
    __m256d y = _mm256_mul_pd(p, _mm256_castsi256_pd(bits));
    return _mm256_andnot_pd(_mm256_cmp_pd(x, lo, _CMP_LT_OQ), y);
}

static inline __m256d fnn_abs_pd(__m256d x)
{
    return _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
}

static inline __m256d fnn_sigmoid_pd(__m256d x)
{
    __m256d e = fnn_exp_neg_pd(_mm256_or_pd(x, _mm256_set1_pd(-0.0)));
    __m256d s = _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_add_pd(_mm256_set1_pd(1.0), e));
    __m256d neg = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ);
    return _mm256_blendv_pd(s, _mm256_mul_pd(e, s), neg);
}

static inline __m256d fnn_tanh_pd(__m256d x)
{
    const __m256d one = _mm256_set1_pd(1.0);
    __m256d ax = fnn_abs_pd(x);
    __m256d e = fnn_exp_neg_pd(_mm256_mul_pd(ax, _mm256_set1_pd(-2.0)));
    __m256d big = _mm256_div_pd(_mm256_sub_pd(one, e), _mm256_add_pd(one, e));
    /* |x| < 0.25: odd Taylor series to x^21 */
    static const double c[10] = {
        -3.3333333333333333e-01, 1.3333333333333333e-01, -5.3968253968253968e-02,
        2.1869488536155203e-02, -8.8632355299021966e-03, 3.5921280365724810e-03,
        -1.4558343870513183e-03, 5.9002744094558598e-04, -2.3912911424355248e-04,
        9.6915379569294509e-05};
    __m256d x2 = _mm256_mul_pd(x, x);
    __m256d p = _mm256_set1_pd(c[9]);
    for (int i = 8; i >= 0; i--)
        p = _mm256_fmadd_pd(p, x2, _mm256_set1_pd(c[i]));
    __m256d small = _mm256_fmadd_pd(_mm256_mul_pd(p, x2), x, x);
    big = _mm256_or_pd(big, _mm256_and_pd(x, _mm256_set1_pd(-0.0)));
    __m256d is_small = _mm256_cmp_pd(ax, _mm256_set1_pd(0.25), _CMP_LT_OQ);
    return _mm256_blendv_pd(big, small, is_small);
}

/* ---- erfc and log1p, for gelu and softplus ----------------------------- */

/* erfc(z), float. For z >= 0 the Chebyshev fit erfc(z) = t·exp(−z² + P(t)),
 * t = 1/(1 + z/2), whose fractional error is below 1.2e-7 for every z >= 0
 * (Numerical Recipes' erfcc); for z < 0, 2 − erfc(−z). */
static inline __m256 fnn_erfc_ps(__m256 z)
{
    static const float c[10] = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f,
                                -0.18628806f, 0.27886807f, -1.13520398f, 1.48851587f,
                                -0.82215223f, 0.17087277f};
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 az = fnn_abs_ps(z);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.5f), az, one));
    __m256 p = _mm256_set1_ps(c[9]);
    for (int i = 8; i >= 0; i--)
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(c[i]));
    __m256 arg = _mm256_min_ps(_mm256_setzero_ps(), _mm256_fnmadd_ps(az, az, p));
    __m256 r = _mm256_mul_ps(t, fnn_exp_neg_ps(arg));
    __m256 neg = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(r, _mm256_sub_ps(_mm256_set1_ps(2.0f), r), neg);
}

/* log(1 + e) for e in [0, 1]: 2·atanh(t) = 2t(1 + t²/3 + t⁴/5 + ...) with
 * t = e/(2 + e) <= 1/3, exact to rounding even for tiny e. */
static inline __m256 fnn_log1p_unit_ps(__m256 e)
{
    __m256 t = _mm256_div_ps(e, _mm256_add_ps(_mm256_set1_ps(2.0f), e));
    __m256 t2 = _mm256_mul_ps(t, t);
    __m256 p = _mm256_set1_ps(1.0f / 13);
    for (int k = 11; k >= 1; k -= 2)
        p = _mm256_fmadd_ps(p, t2, _mm256_set1_ps(1.0f / (float)k));
    return _mm256_mul_ps(_mm256_add_ps(t, t), p);
}

static inline __m256d fnn_log1p_unit_pd(__m256d e)
{
    __m256d t = _mm256_div_pd(e, _mm256_add_pd(_mm256_set1_pd(2.0), e));
    __m256d t2 = _mm256_mul_pd(t, t);
    __m256d p = _mm256_set1_pd(1.0 / 37);
    for (int k = 35; k >= 1; k -= 2)
        p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / (double)k));
    return _mm256_mul_pd(_mm256_add_pd(t, t), p);
}

/* ---- horizontal reductions of one vector ------------------------------ */

static inline float fnn_hsum_ps(__m256 v)
{
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_shuffle_ps(x, x, 1));
    return _mm_cvtss_f32(x);
}

static inline double fnn_hsum_pd(__m256d v)
{
    __m128d x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    x = _mm_add_sd(x, _mm_unpackhi_pd(x, x));
    return _mm_cvtsd_f64(x);
}

static inline float fnn_hmax_ps(__m256 v)
{
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    x = _mm_max_ss(x, _mm_shuffle_ps(x, x, 1));
    return _mm_cvtss_f32(x);
}

static inline double fnn_hmax_pd(__m256d v)
{
    __m128d x = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    x = _mm_max_sd(x, _mm_unpackhi_pd(x, x));
    return _mm_cvtsd_f64(x);
}

#endif /* FASTNN_SIMD_AVX2_H */
