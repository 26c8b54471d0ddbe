/* activation_avx2.c — the elementwise activations on AVX2 vectors (8 floats,
 * 4 doubles) for relu, leaky_relu, sigmoid, tanh and gelu_tanh, forward and
 * backward. gelu (erf) and softplus, and the last elements of the array that
 * do not fill a vector, go to the portable code of activation.c. */
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
    static inline V fwd_##VSFX(fnn_act act, V slope, V x)                           \
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
    static inline V grad_in_##VSFX(fnn_act act, V slope, V x)                       \
    {                                                                               \
        const V one = _mm256_set1_##VSFX((T)1), half = _mm256_set1_##VSFX((T)0.5);  \
        switch (act) {                                                              \
        case FNN_ACT_SIGMOID: return grad_out_##VSFX(act, slope, fnn_sigmoid_##VSFX(x)); \
        case FNN_ACT_TANH: return grad_out_##VSFX(act, slope, fnn_tanh_##VSFX(x));  \
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
    void fnn_act_range_avx2_##SFX(const fnn_act_job_##SFX *job, fnn_int i0, fnn_int i1) \
    {                                                                               \
        const int VL = (int)(sizeof(V) / sizeof(T));                                \
        const fnn_act act = job->act;                                               \
        if (act == FNN_ACT_GELU || act == FNN_ACT_SOFTPLUS) {                       \
            fnn_act_range_generic_##SFX(job, i0, i1);                               \
            return;                                                                 \
        }                                                                           \
        const V slope = _mm256_set1_##VSFX((T)job->p->slope);                       \
        const T *x = job->x, *dy = job->dy;                                         \
        T *y = job->y;                                                              \
        fnn_int i = i0;                                                             \
        if (!dy) {                                                                  \
            for (; i + VL <= i1; i += VL)                                           \
                _mm256_storeu_##VSFX(y + i, fwd_##VSFX(act, slope, _mm256_loadu_##VSFX(x + i))); \
        } else if (job->from_input) {                                               \
            for (; i + VL <= i1; i += VL)                                           \
                _mm256_storeu_##VSFX(y + i, _mm256_mul_##VSFX(_mm256_loadu_##VSFX(dy + i), \
                                     grad_in_##VSFX(act, slope, _mm256_loadu_##VSFX(x + i)))); \
        } else {                                                                    \
            for (; i + VL <= i1; i += VL)                                           \
                _mm256_storeu_##VSFX(y + i, _mm256_mul_##VSFX(_mm256_loadu_##VSFX(dy + i), \
                                     grad_out_##VSFX(act, slope, _mm256_loadu_##VSFX(x + i)))); \
        }                                                                           \
        if (i < i1)                                                                 \
            fnn_act_range_generic_##SFX(job, i, i1);                                \
    }

#include "act_scalar.h"

VECTOR_ACT(float, s, __m256, ps)
VECTOR_ACT(double, d, __m256d, pd)

#include "avx2_end.h"

#endif /* FNN_X86_64 */
