/* avx2_end.h — closes avx2_begin.h. */
#if defined(__clang__)
#pragma clang attribute pop
#endif
