/* vmath_impl.h — exp, sigmoid, tanh, erfc and log1p on vectors, written once
 * over the names of vec_float.h and included for float and for double.
 * Every function keeps NaN as NaN and never overflows:
 *   exp(x), x <= 0: x = n·ln2 + r with |r| <= ln2/2, e^r by its Taylor series
 *                   (degree 7 in float, 13 in double), times 2^n built in the
 *                   exponent bits; below the smallest normal result it is 0;
 *   sigmoid(x)      = x >= 0 ? 1/(1+e) : e/(1+e)  with e = exp(−|x|);
 *   tanh(x)         = sign(x)·(1−e)/(1+e) with e = exp(−2|x|), and for small |x|
 *                     the odd Taylor series x − x³/3 + 2x⁵/15 − ..., which
 *                     keeps full relative accuracy near 0;
 *   erfc(z) (float) = t·exp(−z² + P(t)), t = 1/(1 + |z|/2), for z >= 0
 *                     (Numerical Recipes' erfcc: fractional error < 1.2e-7),
 *                     2 − erfc(−z) for z < 0;
 *   log1p(e), e in [0, 1] = 2·atanh(t) = 2t(1 + t²/3 + t⁴/5 + ...), t = e/(2+e). */

static inline V FN(vexp_neg)(V x)
{
#if FNN_DOUBLE
    const V lo = vset1(-708.0);
    V xc = vmax(lo, x);                         /* NaN in x stays NaN */
    V n = vround(vmul(xc, vset1(1.4426950408889634)));
    V r = vfnmadd(n, vset1(6.93147180369123816490e-01), xc);
    r = vfnmadd(n, vset1(1.90821492927058770002e-10), r);
    static const double inv_fact[14] = {
        1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
        1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
        1.0 / 479001600, 1.0 / 6227020800.0};
    V p = vset1(inv_fact[13]);
    for (int i = 12; i >= 0; i--)
        p = vfmadd(p, r, vset1(inv_fact[i]));
#else
    const V lo = vset1(-87.0f);
    V xc = vmax(lo, x);
    V n = vround(vmul(xc, vset1(1.44269504088896341f)));
    V r = vfnmadd(n, vset1(0.693359375f), xc);
    r = vfnmadd(n, vset1(-2.12194440e-4f), r);
    V p = vset1(1.0f / 5040.0f);
    p = vfmadd(p, r, vset1(1.0f / 720.0f));
    p = vfmadd(p, r, vset1(1.0f / 120.0f));
    p = vfmadd(p, r, vset1(1.0f / 24.0f));
    p = vfmadd(p, r, vset1(1.0f / 6.0f));
    p = vfmadd(p, r, vset1(0.5f));
    p = vfmadd(p, r, vset1(1.0f));
    p = vfmadd(p, r, vset1(1.0f));
#endif
    V y = vmul(p, vpow2i(n));
    return vblend(vlt(x, lo), y, vzero());
}

static inline V FN(vsigmoid)(V x)
{
    V e = FN(vexp_neg)(vneg_abs(x));
    V s = vdiv(vset1((T)1), vadd(vset1((T)1), e));
    return vblend(vlt(x, vzero()), s, vmul(e, s));
}

static inline V FN(vtanh)(V x)
{
    const V one = vset1((T)1);
    V ax = vabs(x);
    V e = FN(vexp_neg)(vmul(ax, vset1((T)-2)));
    V big = vwith_sign_of(vdiv(vsub(one, e), vadd(one, e)), x);
    V x2 = vmul(x, x);
#if FNN_DOUBLE
    /* |x| < 0.25: odd Taylor series to x^21 */
    static const double c[10] = {
        -3.3333333333333333e-01, 1.3333333333333333e-01, -5.3968253968253968e-02,
        2.1869488536155203e-02, -8.8632355299021966e-03, 3.5921280365724810e-03,
        -1.4558343870513183e-03, 5.9002744094558598e-04, -2.3912911424355248e-04,
        9.6915379569294509e-05};
    const T small_below = 0.25;
    V p = vset1(c[9]);
    for (int i = 8; i >= 0; i--)
        p = vfmadd(p, x2, vset1(c[i]));
#else
    /* |x| < 0.5: terms to x^15 */
    const T small_below = 0.5f;
    V p = vset1(-1.4558343870513183e-3f);
    p = vfmadd(p, x2, vset1(3.5921280365724810e-3f));
    p = vfmadd(p, x2, vset1(-8.8632355299021966e-3f));
    p = vfmadd(p, x2, vset1(2.1869488536155203e-2f));
    p = vfmadd(p, x2, vset1(-5.3968253968253968e-2f));
    p = vfmadd(p, x2, vset1(1.3333333333333333e-1f));
    p = vfmadd(p, x2, vset1(-3.3333333333333333e-1f));
#endif
    V small = vfmadd(vmul(p, x2), x, x);
    return vblend(vlt(ax, vset1(small_below)), big, small);
}

static inline V FN(vlog1p_unit)(V e)
{
    V t = vdiv(e, vadd(vset1((T)2), e));
    V t2 = vmul(t, t);
#if FNN_DOUBLE
    V p = vset1(1.0 / 37);
    for (int k = 35; k >= 1; k -= 2)
        p = vfmadd(p, t2, vset1(1.0 / (double)k));
#else
    V p = vset1(1.0f / 13);
    for (int k = 11; k >= 1; k -= 2)
        p = vfmadd(p, t2, vset1(1.0f / (float)k));
#endif
    return vmul(vadd(t, t), p);
}

#if !FNN_DOUBLE
static inline V FN(verfc)(V z)
{
    static const float c[10] = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f,
                                -0.18628806f, 0.27886807f, -1.13520398f, 1.48851587f,
                                -0.82215223f, 0.17087277f};
    const V one = vset1(1.0f);
    V az = vabs(z);
    V t = vdiv(one, vfmadd(vset1(0.5f), az, one));
    V p = vset1(c[9]);
    for (int i = 8; i >= 0; i--)
        p = vfmadd(p, t, vset1(c[i]));
    V arg = vmin(vzero(), vfnmadd(az, az, p));
    V r = vmul(t, FN(vexp_neg)(arg));
    return vblend(vlt(z, vzero()), r, vsub(vset1(2.0f), r));
}
#endif
