/* tiles.h — the AVX-512 entry's register tiles and cache blocks, shared by
 * avx512.c and the test entry that runs them on AVX2 (avx2/avx512_on_avx2.c).
 *
 * float: 12 rows × 2 zmm (32 columns): 24 accumulators, 2 vectors of B and one
 * broadcast of A in 32 registers. double: 12 × 2 zmm (16 columns). The cache
 * blocks here serve only where the CPU reports no cache sizes (gemm_blocks in
 * gemm_impl.h sizes them from the caches); they are what that rule gives for
 * a 1 MB L2: kc 512, the packed A block (mc·kc: 768 KB) in L2. */
#define MR_S 12
#define NV_S 2
#define MC_S 384
#define KC_S 512
#define NC_S 4096
#define MR_D 12
#define NV_D 2
#define MC_D 192
#define KC_D 512
#define NC_D 2048
