/* pack.c — the GEMM's packing on AVX2: w rows of a matrix interleaved k-major
 * through 8×8 (float) and 4×4 (double) in-register transposes. Used by every
 * x86 vector entry (AVX-512 CPUs run AVX2), for any panel width up to
 * FNN_PACK_W_MAX. */
#include "internal.h"

#ifdef FNN_X86_64

#include "arch/avx2/vec.h"

static inline void transpose8_ps(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

static inline void transpose4_pd(__m256d r[4])
{
    __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

#define INAME fnn_interleave_avx2
#define IT float
#define IV __m256
#define IVL 8
#define ILOADU _mm256_loadu_ps
#define ISTOREU _mm256_storeu_ps
#define ITRANSPOSE transpose8_ps
#define ISFX s
#include "arch/avx2/interleave_impl.h"

#define IT double
#define IV __m256d
#define IVL 4
#define ILOADU _mm256_loadu_pd
#define ISTOREU _mm256_storeu_pd
#define ITRANSPOSE transpose4_pd
#define ISFX d
#include "arch/avx2/interleave_impl.h"

#ifdef FNN_VEC_TARGET_PUSHED
#pragma clang attribute pop
#endif

#endif /* FNN_X86_64 */
