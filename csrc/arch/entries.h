/* entries.h — the kernel table's entries, best first, one line each;
 * included by arch.h (declarations) and cpu.c (the list), each time with its
 * own FNN_ENTRY(name), naming the fnn_arch fnn_arch_<name> of a folder. */
#if defined(FNN_X86_64) && !defined(FNN_NO_AVX512)
FNN_ENTRY(avx512)
#endif
#ifdef FNN_X86_64
FNN_ENTRY(avx2)
FNN_ENTRY(avx512_on_avx2)   /* test entry: the AVX-512 tiles on AVX2 (in avx2/) */
#endif
FNN_ENTRY(generic)
FNN_ENTRY(faulty)           /* test entry: fails its self-check on purpose */
