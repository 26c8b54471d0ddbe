/* act_scalar.h — one element of each activation and of its derivative, in
 * portable C (the generic path and the tails of vector loops use these).
 *
 *   relu(x)    = max(x, 0)                 relu'    = [y > 0]
 *   leaky(x)   = x > 0 ? x : slope·x       leaky'   = y > 0 ? 1 : slope
 *   sigmoid(x) = 1 / (1 + e^-x)            sigmoid' = y (1 − y)
 *   tanh(x)                                tanh'    = 1 − y²
 *
 * Derivatives are taken from the activation's output y. Sigmoid is evaluated
 * through e^-|x| so it never overflows; NaN stays NaN. */
#ifndef FASTNN_ACT_SCALAR_H
#define FASTNN_ACT_SCALAR_H

#include <math.h>

#include "fastnn.h"

#define FNN_DEFINE_SCALAR_ACT(T, SFX, EXP, FABS, TANH)                              \
    static inline T fnn_sigmoid_##SFX(T x)                                    \
    {                                                                         \
        T e = EXP(-FABS(x));                                                  \
        T s = (T)1 / ((T)1 + e);                                              \
        return x >= 0 ? s : e * s;                                            \
    }                                                                         \
    static inline T fnn_act_##SFX(fnn_act act, T slope, T x)                  \
    {                                                                         \
        switch (act) {                                                        \
        case FNN_ACT_RELU: return x > 0 ? x : (x != x ? x : (T)0);            \
        case FNN_ACT_LEAKY_RELU: return x > 0 ? x : slope * x;                \
        case FNN_ACT_SIGMOID: return fnn_sigmoid_##SFX(x);                    \
        case FNN_ACT_TANH: return TANH(x);                                    \
        default: return x;                                                    \
        }                                                                     \
    }                                                                         \
    static inline T fnn_act_grad_##SFX(fnn_act act, T slope, T y)             \
    {                                                                         \
        switch (act) {                                                        \
        case FNN_ACT_RELU: return y > 0 ? (T)1 : (T)0;                        \
        case FNN_ACT_LEAKY_RELU: return y > 0 ? (T)1 : slope;                 \
        case FNN_ACT_SIGMOID: return y * ((T)1 - y);                          \
        case FNN_ACT_TANH: return (T)1 - y * y;                               \
        default: return (T)1;                                                 \
        }                                                                     \
    }

FNN_DEFINE_SCALAR_ACT(float, s, expf, fabsf, tanhf)
FNN_DEFINE_SCALAR_ACT(double, d, exp, fabs, tanh)

#endif /* FASTNN_ACT_SCALAR_H */
