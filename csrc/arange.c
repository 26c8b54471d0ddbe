/* arange.c — the values of torch.arange(start, end, step), bit for bit.
 *
 * PyTorch's CPU kernel computes in double and, on its vector path, in blocks
 * of `lanes` elements (the width of its vectors: 8 floats / 4 doubles with
 * AVX2, and on AVX-512 CPUs too, as measured against PyTorch 2.13), two
 * vectors at a time; the elements past the last pair of vectors go one by one:
 *   vector path, block at i0:  base = start + step·i0         (one rounding: fma)
 *                              x[i0 + k] = base_T + k·step    (base_T: base in
 *                                                              the output type)
 *   one by one:                x[i] = start + step·i
 * each rounded once in double (its compiler contracts them into fmas where the
 * CPU has them: `fused`), then to the output type. A naive start + i·step
 * differs in the last bits (e.g. at i = 80 of arange(-8, 8, 0.1): PyTorch's
 * 4.4e-16 against -2.8e-14), and a ReLU's gradient at that point with it. */
#include <math.h>

#include "fastnn.h"

static inline double mul_add(double a, double b, double c, int fused)
{
    return fused ? fma(a, b, c) : a * b + c;
}

void fnn_arange(fnn_dtype dtype, fnn_int n, double start, double step, int lanes, int fused,
                void *out)
{
    const fnn_int pair = 2 * (fnn_int)lanes, vec_end = lanes > 0 ? n - n % pair : 0;
    float *fs = (float *)out;
    double *ds = (double *)out;
    for (fnn_int i0 = 0; i0 < vec_end; i0 += lanes) {
        const double base = mul_add(step, (double)i0, start, fused);
        const double b = dtype == FNN_FLOAT32 ? (double)(float)base : base;
        for (int k = 0; k < lanes; k++) {
            const double v = mul_add((double)k, step, b, fused);
            if (dtype == FNN_FLOAT32)
                fs[i0 + k] = (float)v;
            else
                ds[i0 + k] = v;
        }
    }
    for (fnn_int i = vec_end; i < n; i++) {
        const double v = mul_add(step, (double)i, start, fused);
        if (dtype == FNN_FLOAT32)
            fs[i] = (float)v;
        else
            ds[i] = v;
    }
}
