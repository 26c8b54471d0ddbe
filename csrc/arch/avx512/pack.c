/* pack.c (AVX-512) — the GEMM's packing for the AVX-512 entry: w rows of a
 * matrix interleaved k-major through 16×16 (float) and 8×8 (double)
 * transposes in zmm registers, AVX512F only. The same loop as the AVX2
 * packing (avx2/interleave_impl.h), over wider blocks. Not compiled where the
 * compiler lacks the avx512f target (FNN_NO_AVX512). */
#include "internal.h"

#if defined(FNN_X86_64) && !defined(FNN_NO_AVX512)

#include "arch/avx512/vec.h"

/* Rows r[0..15] become columns: four steps, each pairing halves of the
 * previous step's registers (elements, pairs, 128-bit lanes, lane pairs). */
static inline void transpose16_ps(__m512 r[16])
{
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {      /* 2×2 blocks of elements */
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {      /* 4×4 blocks inside each 128-bit lane */
        u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    /* column 4L + j is lane L of u[j], u[4 + j], u[8 + j], u[12 + j] */
    for (int j = 0; j < 4; j++) {
        __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44);
        __m512 v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xEE);
        __m512 v2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44);
        __m512 v3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xEE);
        r[j] = _mm512_shuffle_f32x4(v0, v2, 0x88);
        r[4 + j] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
        r[8 + j] = _mm512_shuffle_f32x4(v1, v3, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
    }
}

static inline void transpose8_pd(__m512d r[8])
{
    __m512d t[8];
    for (int i = 0; i < 8; i += 2) {       /* 2×2 blocks inside each 128-bit lane */
        t[i] = _mm512_unpacklo_pd(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_pd(r[i], r[i + 1]);
    }
    /* column 2L + j is lane L of t[j], t[2 + j], t[4 + j], t[6 + j] */
    for (int j = 0; j < 2; j++) {
        __m512d v0 = _mm512_shuffle_f64x2(t[j], t[2 + j], 0x44);
        __m512d v1 = _mm512_shuffle_f64x2(t[j], t[2 + j], 0xEE);
        __m512d v2 = _mm512_shuffle_f64x2(t[4 + j], t[6 + j], 0x44);
        __m512d v3 = _mm512_shuffle_f64x2(t[4 + j], t[6 + j], 0xEE);
        r[j] = _mm512_shuffle_f64x2(v0, v2, 0x88);
        r[2 + j] = _mm512_shuffle_f64x2(v0, v2, 0xDD);
        r[4 + j] = _mm512_shuffle_f64x2(v1, v3, 0x88);
        r[6 + j] = _mm512_shuffle_f64x2(v1, v3, 0xDD);
    }
}

void fnn_interleave_avx512_s(int w, const float *src, fnn_int ld, fnn_int kc, float *dst);
void fnn_interleave_avx512_d(int w, const double *src, fnn_int ld, fnn_int kc, double *dst);

#define INAME fnn_interleave_avx512
#define IT float
#define IV __m512
#define IVL 16
#define ILOADU _mm512_loadu_ps
#define ISTOREU _mm512_storeu_ps
#define ITRANSPOSE transpose16_ps
#define ISFX s
#include "arch/avx2/interleave_impl.h"

#define IT double
#define IV __m512d
#define IVL 8
#define ILOADU _mm512_loadu_pd
#define ISTOREU _mm512_storeu_pd
#define ITRANSPOSE transpose8_pd
#define ISFX d
#include "arch/avx2/interleave_impl.h"

#ifdef FNN_VEC_TARGET_PUSHED
#pragma clang attribute pop
#endif

#endif
