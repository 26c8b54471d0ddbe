/* x86_probe.h — what the CPU and the OS let x86 code run (x86_probe.c, built
 * for the baseline target so that the probes run on any x86-64). */
#ifndef FASTNN_X86_PROBE_H
#define FASTNN_X86_PROBE_H

/* AVX2 and FMA, with the OS saving the ymm state */
int fnn_x86_has_avx2_fma(void);
/* AVX512F as well, with the OS saving the opmask and zmm state */
int fnn_x86_has_avx512f(void);

#endif /* FASTNN_X86_PROBE_H */
