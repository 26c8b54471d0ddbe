/* activation_avx2.c — the elementwise activations on AVX2 vectors (8 floats,
 * 4 doubles), forward and backward: every activation, but for gelu (erf) in
 * double, whose erfc has no vector form here. Those, and the last elements of
 * the array that do not fill a vector, go to the portable code of
 * activation.c. */
#include "internal.h"

#ifdef FNN_X86_64

#include "avx2_begin.h"

/* The vector activations, in the order of act_scalar.h's formulas. */
#define VECTOR_ACT(T, SFX, V, VSFX)                                                 \
    /* tanh(√(2/π)(x + 0.044715 x³)), the inner part of gelu_tanh */             \
    static inline V gelu_tanh_inner_##VSFX(V x)                                     \
    {                                                                               \
        V x2 = _mm256_mul_##VSFX(x, x);                                             \
        V c = _mm256_mul_##VSFX(_mm256_set1_##VSFX((T)FNN_GELU_C), x2);             \
        V u = _mm256_mul_##VSFX(_mm256_set1_##VSFX((T)FNN_GELU_K), _mm256_fmadd_##VSFX(c, x, x)); \
        return fnn_tanh_##VSFX(u);                                                  \
    }                                                                               \
    /* softplus with beta and threshold: x where beta·x > threshold */             \
    static inline V softplus_##VSFX(const fnn_act_param *p, V x)                    \
    {                                                                               \
        const V beta = _mm256_set1_##VSFX((T)p->beta);                              \
        V z = _mm256_mul_##VSFX(beta, x);                                           \
        V e = fnn_exp_neg_##VSFX(_mm256_or_##VSFX(z, _mm256_set1_##VSFX((T)-0.0))); \
        V sp = _mm256_add_##VSFX(_mm256_max_##VSFX(z, _mm256_setzero_##VSFX()),      \
                                 fnn_log1p_unit_##VSFX(e));                         \
        sp = _mm256_div_##VSFX(sp, beta);                                           \
        V lin = _mm256_cmp_##VSFX(z, _mm256_set1_##VSFX((T)p->threshold), _CMP_GT_OQ); \
        return _mm256_blendv_##VSFX(sp, x, lin);                                    \
    }                                                                               \
    static inline V softplus_grad_##VSFX(const fnn_act_param *p, V x)               \
    {                                                                               \
        V z = _mm256_mul_##VSFX(_mm256_set1_##VSFX((T)p->beta), x);                 \
        V lin = _mm256_cmp_##VSFX(z, _mm256_set1_##VSFX((T)p->threshold), _CMP_GT_OQ); \
        return _mm256_blendv_##VSFX(fnn_sigmoid_##VSFX(z), _mm256_set1_##VSFX((T)1), lin); \
    }                                                                               \
    static inline V fwd_##VSFX(fnn_act act, const fnn_act_param *p, V slope, V x)                           \
    {                                                                               \
        const V zero = _mm256_setzero_##VSFX(), one = _mm256_set1_##VSFX((T)1);     \
        const V half = _mm256_set1_##VSFX((T)0.5);                                  \
        switch (act) {                                                              \
        case FNN_ACT_RELU: return _mm256_max_##VSFX(zero, x);                       \
        case FNN_ACT_LEAKY_RELU:                                                    \
            return _mm256_blendv_##VSFX(_mm256_mul_##VSFX(x, slope), x,             \
                                        _mm256_cmp_##VSFX(x, zero, _CMP_GT_OQ));    \
        case FNN_ACT_SIGMOID: return fnn_sigmoid_##VSFX(x);                         \
        case FNN_ACT_TANH: return fnn_tanh_##VSFX(x);                               \
        case FNN_ACT_GELU: return gelu_erf_##VSFX(x);                               \
        case FNN_ACT_SOFTPLUS: return softplus_##VSFX(p, x);                        \
        case FNN_ACT_GELU_TANH: {                                                   \
            V t = gelu_tanh_inner_##VSFX(x);                                        \
            return _mm256_mul_##VSFX(_mm256_mul_##VSFX(half, x), _mm256_add_##VSFX(one, t)); \
        }                                                                           \
        default: return x;                                                          \
        }                                                                           \
    }                                                                               \
    /* act' from the output y */                                                    \
    static inline V grad_out_##VSFX(fnn_act act, V slope, V y)                      \
    {                                                                               \
        const V one = _mm256_set1_##VSFX((T)1);                                     \
        V pos = _mm256_cmp_##VSFX(y, _mm256_setzero_##VSFX(), _CMP_GT_OQ);          \
        switch (act) {                                                              \
        case FNN_ACT_RELU: return _mm256_and_##VSFX(pos, one);                      \
        case FNN_ACT_LEAKY_RELU: return _mm256_blendv_##VSFX(slope, one, pos);      \
        case FNN_ACT_SIGMOID: return _mm256_mul_##VSFX(y, _mm256_sub_##VSFX(one, y)); \
        case FNN_ACT_TANH: return _mm256_fnmadd_##VSFX(y, y, one);                  \
        default: return one;                                                        \
        }                                                                           \
    }                                                                               \
    /* act' from the input x */                                                     \
    static inline V grad_in_##VSFX(fnn_act act, const fnn_act_param *p, V slope, V x)                       \
    {                                                                               \
        const V one = _mm256_set1_##VSFX((T)1), half = _mm256_set1_##VSFX((T)0.5);  \
        switch (act) {                                                              \
        case FNN_ACT_SIGMOID: return grad_out_##VSFX(act, slope, fnn_sigmoid_##VSFX(x)); \
        case FNN_ACT_TANH: return grad_out_##VSFX(act, slope, fnn_tanh_##VSFX(x));  \
        case FNN_ACT_GELU: return gelu_erf_grad_##VSFX(x);                          \
        case FNN_ACT_SOFTPLUS: return softplus_grad_##VSFX(p, x);                   \
        case FNN_ACT_GELU_TANH: {                                                   \
            V t = gelu_tanh_inner_##VSFX(x);                                        \
            V x2 = _mm256_mul_##VSFX(x, x);                                         \
            V left = _mm256_mul_##VSFX(half, _mm256_add_##VSFX(one, t));            \
            V du = _mm256_mul_##VSFX(_mm256_set1_##VSFX((T)FNN_GELU_K),             \
                       _mm256_fmadd_##VSFX(_mm256_set1_##VSFX((T)(3 * FNN_GELU_C)), x2, one)); \
            V right = _mm256_mul_##VSFX(_mm256_mul_##VSFX(half, x),                 \
                          _mm256_mul_##VSFX(_mm256_fnmadd_##VSFX(t, t, one), du));  \
            return _mm256_add_##VSFX(left, right);                                  \
        }                                                                           \
        default: return grad_out_##VSFX(act, slope, x); /* identity, relu, leaky */ \
        }                                                                           \
    }                                                                               \
                                                                                    \
    /* One loop per activation, the activation a constant in each, so that the \
     * compiler keeps every polynomial coefficient in a register. */           \
    static inline __attribute__((always_inline)) void range_##VSFX(const fnn_act_job_##SFX *job, fnn_act act, fnn_int *pi, \
                             fnn_int i1)                                            \
    {                                                                               \
        const int VL = (int)(sizeof(V) / sizeof(T));                                \
        const fnn_act_param *p = job->p;                                            \
        const V slope = _mm256_set1_##VSFX((T)p->slope);                            \
        const T *x = job->x, *dy = job->dy;                                         \
        T *y = job->y;                                                              \
        fnn_int i = *pi;                                                            \
        if (!dy)                                                                    \
            for (; i + VL <= i1; i += VL)                                           \
                _mm256_storeu_##VSFX(y + i, fwd_##VSFX(act, p, slope, _mm256_loadu_##VSFX(x + i))); \
        else if (job->from_input)                                                   \
            for (; i + VL <= i1; i += VL)                                           \
                _mm256_storeu_##VSFX(y + i, _mm256_mul_##VSFX(_mm256_loadu_##VSFX(dy + i), \
                                     grad_in_##VSFX(act, p, slope, _mm256_loadu_##VSFX(x + i)))); \
        else                                                                        \
            for (; i + VL <= i1; i += VL)                                           \
                _mm256_storeu_##VSFX(y + i, _mm256_mul_##VSFX(_mm256_loadu_##VSFX(dy + i), \
                                     grad_out_##VSFX(act, slope, _mm256_loadu_##VSFX(x + i)))); \
        *pi = i;                                                                    \
    }                                                                               \
                                                                                    \
    void fnn_act_range_avx2_##SFX(const fnn_act_job_##SFX *job, fnn_int i0, fnn_int i1) \
    {                                                                               \
        fnn_int i = i0;                                                             \
        switch (job->act) {                                                         \
        case FNN_ACT_RELU: range_##VSFX(job, FNN_ACT_RELU, &i, i1); break;          \
        case FNN_ACT_LEAKY_RELU: range_##VSFX(job, FNN_ACT_LEAKY_RELU, &i, i1); break; \
        case FNN_ACT_SIGMOID: range_##VSFX(job, FNN_ACT_SIGMOID, &i, i1); break;    \
        case FNN_ACT_TANH: range_##VSFX(job, FNN_ACT_TANH, &i, i1); break;          \
        case FNN_ACT_GELU: range_##VSFX(job, FNN_ACT_GELU, &i, i1); break;          \
        case FNN_ACT_GELU_TANH: range_##VSFX(job, FNN_ACT_GELU_TANH, &i, i1); break; \
        case FNN_ACT_SOFTPLUS: range_##VSFX(job, FNN_ACT_SOFTPLUS, &i, i1); break;  \
        default: range_##VSFX(job, FNN_ACT_IDENTITY, &i, i1); break;                \
        }                                                                           \
        if (i < i1)                                                                 \
            fnn_act_range_generic_##SFX(job, i, i1);                                \
    }

#include "act_scalar.h"

/* gelu(x) = x/2·erfc(−x/√2) and gelu'(x) = erfc(−x/√2)/2 + x·φ(x); in float
 * with the vector erfc, in double lane by lane with the C library's erfc. */
static inline __m256 gelu_erf_ps(__m256 x)
{
    __m256 c = fnn_erfc_ps(_mm256_mul_ps(x, _mm256_set1_ps((float)-FNN_INV_SQRT2)));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), c);
}

static inline __m256 gelu_erf_grad_ps(__m256 x)
{
    __m256 c = fnn_erfc_ps(_mm256_mul_ps(x, _mm256_set1_ps((float)-FNN_INV_SQRT2)));
    __m256 phi = fnn_exp_neg_ps(_mm256_mul_ps(_mm256_set1_ps(-0.5f), _mm256_mul_ps(x, x)));
    phi = _mm256_mul_ps(phi, _mm256_set1_ps((float)FNN_INV_SQRT_2PI));
    return _mm256_fmadd_ps(x, phi, _mm256_mul_ps(_mm256_set1_ps(0.5f), c));
}

static inline __m256d gelu_erf_pd(__m256d x)
{
    double v[4];
    _mm256_storeu_pd(v, x);
    for (int i = 0; i < 4; i++)
        v[i] = fnn_act_d(FNN_ACT_GELU, NULL, 0, v[i]);
    return _mm256_loadu_pd(v);
}

static inline __m256d gelu_erf_grad_pd(__m256d x)
{
    double v[4];
    _mm256_storeu_pd(v, x);
    for (int i = 0; i < 4; i++)
        v[i] = fnn_act_grad_in_d(FNN_ACT_GELU, NULL, 0, v[i]);
    return _mm256_loadu_pd(v);
}

VECTOR_ACT(float, s, __m256, ps)
VECTOR_ACT(double, d, __m256d, pd)

#include "avx2_end.h"

#endif /* FNN_X86_64 */
