/* rows_impl.h — the row operations of softmax.c on vectors: the row maximum
 * (NaN if the row holds one) and e_j = exp(x_j − m) with their sum Σ_j e_j,
 * kept as one partial sum per lane and added up in a fixed order. The last
 * elements of a row that do not fill a vector go through one masked vector.
 * Needs vmath_impl.h. */

static T FN(row_max)(fnn_int C, const T *x)
{
    V vm = vset1(x[0]);
    VM nan = visnan(vm);
    fnn_int j = 0;
    for (; j + VL <= C; j += VL) {
        V v = vloadu(x + j);
        nan = vmor(nan, visnan(v));
        vm = vmax(vm, v);
    }
    if (j < C) {   /* lanes off the row hold x[0] again, which changes no max */
        V v = vblend(vfirst(C - j), vset1(x[0]), vmaskloadu(x + j, vfirst(C - j)));
        nan = vmor(nan, visnan(v));
        vm = vmax(vm, v);
    }
    return vmany(nan) ? (T)NAN : vhmax(vm);
}

static T FN(row_exp)(fnn_int C, const T *x, T m, T *e)
{
    const V vm = vset1(m);
    V acc = vzero();
    fnn_int j = 0;
    for (; j + VL <= C; j += VL) {
        V v = FN(vexp_neg)(vsub(vloadu(x + j), vm));
        vstoreu(e + j, v);
        acc = vadd(acc, v);
    }
    if (j < C) {   /* lanes off the row: exp(−inf) = 0 adds nothing */
        VM k = vfirst(C - j);
        V v = FN(vexp_neg)(vsub(vblend(k, vset1(-(T)INFINITY), vmaskloadu(x + j, k)), vm));
        vmaskstoreu(e + j, k, v);
        acc = vadd(acc, v);
    }
    return vhsum(acc);
}
