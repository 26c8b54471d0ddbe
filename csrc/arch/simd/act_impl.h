/* act_impl.h — the activations and their derivatives on vectors (formulas in
 * act_scalar.h), and the range kernel of activation.c: y = act(x) or
 * dx = dy ⊙ act'(·) over [i0, i1), whole vectors then one masked vector for
 * the last elements. Written once over vec_float.h's names; the GEMM epilogue
 * (gemm_kernel_impl.h) uses the same functions. Needs vmath_impl.h. */

#define ACT_JOB FNN_CAT(fnn_act_job, SFX)

#if FNN_DOUBLE
/* gelu in double: lane by lane with the C library's erfc (no vector erfc
 * here is accurate to double) */
static inline V FN(vgelu_lanes)(V x, int grad)
{
    T v[VL];
    vstoreu(v, x);
    for (int i = 0; i < VL; i++)
        v[i] = grad ? fnn_act_grad_in_d(FNN_ACT_GELU, NULL, 0, v[i])
                    : fnn_act_d(FNN_ACT_GELU, NULL, 0, v[i]);
    return vloadu(v);
}
#else
/* gelu(x) = x/2·erfc(−x/√2),  gelu'(x) = erfc(−x/√2)/2 + x·φ(x) */
static inline V FN(vgelu)(V x)
{
    V c = FN(verfc)(vmul(x, vset1((T)-FNN_INV_SQRT2)));
    return vmul(vmul(vset1((T)0.5), x), c);
}
static inline V FN(vgelu_grad)(V x)
{
    V c = FN(verfc)(vmul(x, vset1((T)-FNN_INV_SQRT2)));
    V phi = vmul(FN(vexp_neg)(vmul(vset1((T)-0.5), vmul(x, x))), vset1((T)FNN_INV_SQRT_2PI));
    return vfmadd(x, phi, vmul(vset1((T)0.5), c));
}
#endif

/* tanh(√(2/π)(x + 0.044715 x³)), the inner part of gelu_tanh */
static inline V FN(vgelu_tanh_inner)(V x)
{
    V c = vmul(vset1((T)FNN_GELU_C), vmul(x, x));
    return FN(vtanh)(vmul(vset1((T)FNN_GELU_K), vfmadd(c, x, x)));
}

/* softplus with beta and threshold: x where beta·x > threshold */
static inline V FN(vsoftplus)(const fnn_act_param *p, V x)
{
    const V beta = vset1((T)p->beta);
    V z = vmul(beta, x);
    V e = FN(vexp_neg)(vneg_abs(z));
    V sp = vdiv(vadd(vmax(z, vzero()), FN(vlog1p_unit)(e)), beta);
    return vblend(vgt(z, vset1((T)p->threshold)), sp, x);
}

static inline V FN(vsoftplus_grad)(const fnn_act_param *p, V x)
{
    V z = vmul(vset1((T)p->beta), x);
    return vblend(vgt(z, vset1((T)p->threshold)), FN(vsigmoid)(z), vset1((T)1));
}

/* act(x); p may be NULL for the activations without parameters */
static inline V FN(vact)(fnn_act act, const fnn_act_param *p, V slope, V x)
{
    const V zero = vzero();
    switch (act) {
    case FNN_ACT_RELU: return vmax(zero, x);
    case FNN_ACT_LEAKY_RELU: return vblend(vgt(x, zero), vmul(x, slope), x);
    case FNN_ACT_SIGMOID: return FN(vsigmoid)(x);
    case FNN_ACT_TANH: return FN(vtanh)(x);
#if FNN_DOUBLE
    case FNN_ACT_GELU: return FN(vgelu_lanes)(x, 0);
#else
    case FNN_ACT_GELU: return FN(vgelu)(x);
#endif
    case FNN_ACT_SOFTPLUS: return FN(vsoftplus)(p, x);
    case FNN_ACT_GELU_TANH: {
        V t = FN(vgelu_tanh_inner)(x);
        return vmul(vmul(vset1((T)0.5), x), vadd(vset1((T)1), t));
    }
    default: return x;
    }
}

/* act' from the output y (identity, relu, leaky_relu, sigmoid, tanh) */
static inline V FN(vact_grad_out)(fnn_act act, V slope, V y)
{
    const V one = vset1((T)1);
    switch (act) {
    case FNN_ACT_RELU: return vblend(vgt(y, vzero()), vzero(), one);
    case FNN_ACT_LEAKY_RELU: return vblend(vgt(y, vzero()), slope, one);
    case FNN_ACT_SIGMOID: return vmul(y, vsub(one, y));
    case FNN_ACT_TANH: return vfnmadd(y, y, one);
    default: return one;
    }
}

/* act' from the input x */
static inline V FN(vact_grad_in)(fnn_act act, const fnn_act_param *p, V slope, V x)
{
    const V one = vset1((T)1), half = vset1((T)0.5);
    switch (act) {
    case FNN_ACT_SIGMOID: return FN(vact_grad_out)(act, slope, FN(vsigmoid)(x));
    case FNN_ACT_TANH: return FN(vact_grad_out)(act, slope, FN(vtanh)(x));
#if FNN_DOUBLE
    case FNN_ACT_GELU: return FN(vgelu_lanes)(x, 1);
#else
    case FNN_ACT_GELU: return FN(vgelu_grad)(x);
#endif
    case FNN_ACT_SOFTPLUS: return FN(vsoftplus_grad)(p, x);
    case FNN_ACT_GELU_TANH: {
        V t = FN(vgelu_tanh_inner)(x);
        V left = vmul(half, vadd(one, t));
        V du = vmul(vset1((T)FNN_GELU_K), vfmadd(vset1((T)(3 * FNN_GELU_C)), vmul(x, x), one));
        V right = vmul(vmul(half, x), vmul(vfnmadd(t, t, one), du));
        return vadd(left, right);
    }
    default: return FN(vact_grad_out)(act, slope, x);   /* identity, relu, leaky */
    }
}

/* One element vector of the job: forward, or dy times the derivative. */
static inline __attribute__((always_inline)) V FN(act_one)(const ACT_JOB *job, fnn_act act,
                                                            V slope, V x, V dy)
{
    if (!job->dy)
        return FN(vact)(act, job->p, slope, x);
    if (job->from_input)
        return vmul(dy, FN(vact_grad_in)(act, job->p, slope, x));
    return vmul(dy, FN(vact_grad_out)(act, slope, x));
}

/* One loop per activation, the activation a constant in each, so that the
 * compiler keeps every coefficient in a register. */
static inline __attribute__((always_inline)) void FN(act_loop)(const ACT_JOB *job, fnn_act act,
                                                                fnn_int i0, fnn_int i1)
{
    const V slope = vset1((T)job->p->slope);
    const T *x = job->x, *dy = job->dy;
    T *y = job->y;
    fnn_int i = i0;
    for (; i + VL <= i1; i += VL)
        vstoreu(y + i, FN(act_one)(job, act, slope, vloadu(x + i), dy ? vloadu(dy + i) : vzero()));
    if (i < i1) {
        VM m = vfirst(i1 - i);
        V d = dy ? vmaskloadu(dy + i, m) : vzero();
        vmaskstoreu(y + i, m, FN(act_one)(job, act, slope, vmaskloadu(x + i, m), d));
    }
}

static void FN(act_range)(const ACT_JOB *job, fnn_int i0, fnn_int i1)
{
    switch (job->act) {
    case FNN_ACT_RELU: FN(act_loop)(job, FNN_ACT_RELU, i0, i1); break;
    case FNN_ACT_LEAKY_RELU: FN(act_loop)(job, FNN_ACT_LEAKY_RELU, i0, i1); break;
    case FNN_ACT_SIGMOID: FN(act_loop)(job, FNN_ACT_SIGMOID, i0, i1); break;
    case FNN_ACT_TANH: FN(act_loop)(job, FNN_ACT_TANH, i0, i1); break;
    case FNN_ACT_GELU: FN(act_loop)(job, FNN_ACT_GELU, i0, i1); break;
    case FNN_ACT_GELU_TANH: FN(act_loop)(job, FNN_ACT_GELU_TANH, i0, i1); break;
    case FNN_ACT_SOFTPLUS: FN(act_loop)(job, FNN_ACT_SOFTPLUS, i0, i1); break;
    default: FN(act_loop)(job, FNN_ACT_IDENTITY, i0, i1); break;
    }
}

#undef ACT_JOB
