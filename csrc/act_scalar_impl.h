/* act_scalar_impl.h — act_scalar.h's functions for one element type (T, SFX,
 * EXP, FABS, TANH, ERFC, LOG1P); formulas in act_scalar.h. */
static inline T FN(fnn_sigmoid)(T x)
{
    T e = EXP(-FABS(x));
    T s = (T)1 / ((T)1 + e);
    return x >= 0 ? s : e * s;
}
static inline T FN(fnn_softplus)(T beta, T threshold, T x)
{
    T z = beta * x;
    if (z > threshold)
        return x;
    return ((z > 0 ? z : (T)0) + LOG1P(EXP(-FABS(z)))) / beta;
}
static inline T FN(fnn_gelu_tanh)(T x)
{
    T u = (T)FNN_GELU_K * (x + (T)FNN_GELU_C * x * x * x);
    return (T)0.5 * x * ((T)1 + TANH(u));
}
static inline T FN(fnn_act)(fnn_act act, const fnn_act_param *p, T slope, T x)
{
    switch (act) {
    case FNN_ACT_RELU: return x > 0 ? x : (x != x ? x : (T)0);
    case FNN_ACT_LEAKY_RELU: return x > 0 ? x : slope * x;
    case FNN_ACT_SIGMOID: return FN(fnn_sigmoid)(x);
    case FNN_ACT_TANH: return TANH(x);
    case FNN_ACT_GELU: return (T)0.5 * x * ERFC(-x * (T)FNN_INV_SQRT2);
    case FNN_ACT_GELU_TANH: return FN(fnn_gelu_tanh)(x);
    case FNN_ACT_SOFTPLUS:
        return FN(fnn_softplus)((T)p->beta, (T)p->threshold, x);
    default: return x;
    }
}
static inline T FN(fnn_act_grad)(fnn_act act, T slope, T y)
{
    switch (act) {
    case FNN_ACT_RELU: return y > 0 ? (T)1 : (T)0;
    case FNN_ACT_LEAKY_RELU: return y > 0 ? (T)1 : slope;
    case FNN_ACT_SIGMOID: return y * ((T)1 - y);
    case FNN_ACT_TANH: return (T)1 - y * y;
    default: return (T)1;
    }
}
static inline T FN(fnn_act_grad_in)(fnn_act act, const fnn_act_param *p, T slope, T x)
{
    switch (act) {
    case FNN_ACT_RELU: return x > 0 ? (T)1 : (T)0;
    case FNN_ACT_LEAKY_RELU: return x > 0 ? (T)1 : slope;
    case FNN_ACT_SIGMOID: {
        T s = FN(fnn_sigmoid)(x);
        return s * ((T)1 - s);
    }
    case FNN_ACT_TANH: {
        T t = TANH(x);
        return (T)1 - t * t;
    }
    case FNN_ACT_GELU:
        return (T)0.5 * ERFC(-x * (T)FNN_INV_SQRT2) +
               x * (T)FNN_INV_SQRT_2PI * EXP((T)-0.5 * x * x);
    case FNN_ACT_GELU_TANH: {
        T x2 = x * x;
        T t = TANH((T)FNN_GELU_K * (x + (T)FNN_GELU_C * x2 * x));
        return (T)0.5 * ((T)1 + t) + (T)0.5 * x * ((T)1 - t * t) * (T)FNN_GELU_K *
               ((T)1 + (T)(3 * FNN_GELU_C) * x2);
    }
    case FNN_ACT_SOFTPLUS: {
        T z = (T)p->beta * x;
        return z > (T)p->threshold ? (T)1 : FN(fnn_sigmoid)(z);
    }
    default: return (T)1;
    }
}
