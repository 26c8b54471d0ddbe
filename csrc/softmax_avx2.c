/* softmax_avx2.c — the row operations of softmax.c on AVX2 vectors: the
 * row maximum and e_j = exp(x_j − m) with their sum. The last elements of a
 * row that do not fill a vector are done in scalar code, always the same ones
 * for a given row length. */
#include <math.h>

#include "internal.h"

#ifdef FNN_X86_64

#include "avx2_begin.h"

#define ROWOPS_AVX2(T, SFX, V, VSFX, EXP, HMAX, HSUM)                               \
    static T row_max_avx2_##SFX(fnn_int C, const T *x)                              \
    {                                                                               \
        const int VL = (int)(sizeof(V) / sizeof(T));                                \
        fnn_int j = 0;                                                              \
        T m = x[0];                                                                 \
        int nan = x[0] != x[0];                                                     \
        if (C >= VL) {                                                              \
            V vm = _mm256_loadu_##VSFX(x), un = _mm256_setzero_##VSFX();            \
            for (j = VL; j + VL <= C; j += VL) {                                    \
                V v = _mm256_loadu_##VSFX(x + j);                                   \
                un = _mm256_or_##VSFX(un, _mm256_cmp_##VSFX(v, v, _CMP_UNORD_Q));   \
                vm = _mm256_max_##VSFX(vm, v);                                      \
            }                                                                       \
            V v0 = _mm256_loadu_##VSFX(x);                                          \
            un = _mm256_or_##VSFX(un, _mm256_cmp_##VSFX(v0, v0, _CMP_UNORD_Q));     \
            nan |= _mm256_movemask_##VSFX(un) != 0;                                 \
            m = HMAX(vm);                                                           \
        }                                                                           \
        for (; j < C; j++) {                                                        \
            nan |= x[j] != x[j];                                                    \
            m = x[j] > m ? x[j] : m;                                                \
        }                                                                           \
        return nan ? (T)NAN : m;                                                    \
    }                                                                               \
    static T row_exp_avx2_##SFX(fnn_int C, const T *x, T m, T *e)                   \
    {                                                                               \
        const int VL = (int)(sizeof(V) / sizeof(T));                                \
        V vm = _mm256_set1_##VSFX(m), acc = _mm256_setzero_##VSFX();                \
        fnn_int j = 0;                                                              \
        for (; j + VL <= C; j += VL) {                                              \
            V v = fnn_exp_neg_##VSFX(_mm256_sub_##VSFX(_mm256_loadu_##VSFX(x + j), vm)); \
            _mm256_storeu_##VSFX(e + j, v);                                         \
            acc = _mm256_add_##VSFX(acc, v);                                        \
        }                                                                           \
        T s = HSUM(acc);                                                            \
        for (; j < C; j++) {                                                        \
            e[j] = EXP(x[j] - m);                                                   \
            s += e[j];                                                              \
        }                                                                           \
        return s;                                                                   \
    }                                                                               \
    const fnn_rowops_##SFX fnn_rowops_avx2_##SFX = {row_max_avx2_##SFX, row_exp_avx2_##SFX};

ROWOPS_AVX2(float, s, __m256, ps, expf, fnn_hmax_ps, fnn_hsum_ps)
ROWOPS_AVX2(double, d, __m256d, pd, exp, fnn_hmax_pd, fnn_hsum_pd)

#include "avx2_end.h"

#endif /* FNN_X86_64 */
