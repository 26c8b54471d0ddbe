/* cat.h — FNN_CAT(a, b) pastes a_b after expanding both (kernel names:
 * FNN_CAT(gemm, SFX) is gemm_s or gemm_d). */
#ifndef FNN_CAT_H
#define FNN_CAT_H
#define FNN_CAT_(a, b) a##_##b
#define FNN_CAT(a, b) FNN_CAT_(a, b)
#endif
