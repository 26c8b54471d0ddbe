/* act_scalar.h — one element of each activation and of its derivative, in
 * portable C (the generic path, and the elements the vector loops leave).
 *
 *   relu(x)      = max(x, 0)                    relu'      = [x > 0]
 *   leaky(x)     = x > 0 ? x : slope·x          leaky'     = x > 0 ? 1 : slope
 *   sigmoid(x)   = 1 / (1 + e^-x)               sigmoid'   = σ (1 − σ)
 *   tanh(x)                                     tanh'      = 1 − tanh²
 *   gelu(x)      = x·Φ(x), Φ(x) = erfc(−x/√2)/2 gelu'      = Φ(x) + x·φ(x)
 *                  (erfc, not 1 + erf, keeps the far negative side accurate)
 *   gelu_tanh(x) = x/2 (1 + tanh(u)), u = √(2/π)(x + 0.044715 x³)
 *                  gelu_tanh' = (1 + tanh u)/2 + x/2 (1 − tanh² u) √(2/π)(1 + 3·0.044715 x²)
 *   softplus(x)  = beta·x > threshold ? x : log(1 + e^(beta·x)) / beta
 *                  softplus'  = beta·x > threshold ? 1 : σ(beta·x)
 *
 * fnn_act_grad_* takes the derivative from the OUTPUT y (relu' = [y > 0],
 * leaky' = y > 0 ? 1 : slope for slope >= 0, sigmoid' = y(1 − y), tanh' =
 * 1 − y²); fnn_act_grad_in_* from the input x. Sigmoid goes through e^-|x|
 * and softplus through log1p(e^-|z|) so neither overflows; NaN stays NaN. */
#ifndef FASTNN_ACT_SCALAR_H
#define FASTNN_ACT_SCALAR_H

#include <math.h>

#include "fastnn.h"

#define FNN_GELU_K 0.7978845608028654     /* √(2/π) */
#define FNN_GELU_C 0.044715
#define FNN_INV_SQRT2 0.7071067811865476  /* 1/√2 */
#define FNN_INV_SQRT_2PI 0.3989422804014327

#define FNN_DEFINE_SCALAR_ACT(T, SFX, EXP, FABS, TANH, ERFC, LOG1P)                  \
    static inline T fnn_sigmoid_##SFX(T x)                                          \
    {                                                                               \
        T e = EXP(-FABS(x));                                                        \
        T s = (T)1 / ((T)1 + e);                                                    \
        return x >= 0 ? s : e * s;                                                  \
    }                                                                               \
    static inline T fnn_softplus_##SFX(T beta, T threshold, T x)                    \
    {                                                                               \
        T z = beta * x;                                                             \
        if (z > threshold)                                                          \
            return x;                                                               \
        return ((z > 0 ? z : (T)0) + LOG1P(EXP(-FABS(z)))) / beta;                  \
    }                                                                               \
    static inline T fnn_gelu_tanh_##SFX(T x)                                        \
    {                                                                               \
        T u = (T)FNN_GELU_K * (x + (T)FNN_GELU_C * x * x * x);                      \
        return (T)0.5 * x * ((T)1 + TANH(u));                                       \
    }                                                                               \
    static inline T fnn_act_##SFX(fnn_act act, const fnn_act_param *p, T slope, T x) \
    {                                                                               \
        switch (act) {                                                              \
        case FNN_ACT_RELU: return x > 0 ? x : (x != x ? x : (T)0);                  \
        case FNN_ACT_LEAKY_RELU: return x > 0 ? x : slope * x;                      \
        case FNN_ACT_SIGMOID: return fnn_sigmoid_##SFX(x);                          \
        case FNN_ACT_TANH: return TANH(x);                                          \
        case FNN_ACT_GELU: return (T)0.5 * x * ERFC(-x * (T)FNN_INV_SQRT2);      \
        case FNN_ACT_GELU_TANH: return fnn_gelu_tanh_##SFX(x);                      \
        case FNN_ACT_SOFTPLUS:                                                      \
            return fnn_softplus_##SFX((T)p->beta, (T)p->threshold, x);              \
        default: return x;                                                          \
        }                                                                           \
    }                                                                               \
    static inline T fnn_act_grad_##SFX(fnn_act act, T slope, T y)                   \
    {                                                                               \
        switch (act) {                                                              \
        case FNN_ACT_RELU: return y > 0 ? (T)1 : (T)0;                              \
        case FNN_ACT_LEAKY_RELU: return y > 0 ? (T)1 : slope;                       \
        case FNN_ACT_SIGMOID: return y * ((T)1 - y);                                \
        case FNN_ACT_TANH: return (T)1 - y * y;                                     \
        default: return (T)1;                                                       \
        }                                                                           \
    }                                                                               \
    static inline T fnn_act_grad_in_##SFX(fnn_act act, const fnn_act_param *p, T slope, T x) \
    {                                                                               \
        switch (act) {                                                              \
        case FNN_ACT_RELU: return x > 0 ? (T)1 : (T)0;                              \
        case FNN_ACT_LEAKY_RELU: return x > 0 ? (T)1 : slope;                       \
        case FNN_ACT_SIGMOID: {                                                     \
            T s = fnn_sigmoid_##SFX(x);                                             \
            return s * ((T)1 - s);                                                  \
        }                                                                           \
        case FNN_ACT_TANH: {                                                        \
            T t = TANH(x);                                                          \
            return (T)1 - t * t;                                                    \
        }                                                                           \
        case FNN_ACT_GELU:                                                          \
            return (T)0.5 * ERFC(-x * (T)FNN_INV_SQRT2) +                                              \
                   x * (T)FNN_INV_SQRT_2PI * EXP((T)-0.5 * x * x);                  \
        case FNN_ACT_GELU_TANH: {                                                   \
            T x2 = x * x;                                                           \
            T t = TANH((T)FNN_GELU_K * (x + (T)FNN_GELU_C * x2 * x));               \
            return (T)0.5 * ((T)1 + t) + (T)0.5 * x * ((T)1 - t * t) * (T)FNN_GELU_K * \
                   ((T)1 + (T)(3 * FNN_GELU_C) * x2);                               \
        }                                                                           \
        case FNN_ACT_SOFTPLUS: {                                                    \
            T z = (T)p->beta * x;                                                   \
            return z > (T)p->threshold ? (T)1 : fnn_sigmoid_##SFX(z);               \
        }                                                                           \
        default: return (T)1;                                                       \
        }                                                                           \
    }

FNN_DEFINE_SCALAR_ACT(float, s, expf, fabsf, tanhf, erfcf, log1pf)
FNN_DEFINE_SCALAR_ACT(double, d, exp, fabs, tanh, erfc, log1p)

#endif /* FASTNN_ACT_SCALAR_H */
