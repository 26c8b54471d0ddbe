/* dropout_range_impl.h — the loop of dropout.c over one range of elements, written
 * once and included by every kernel-table entry for float and double (T,
 * SFX); the compiler vectorises the integer mixer for the entry's target, and
 * every entry gives the same bits (formulas in dropout.c). */

static void FN(drop_range)(const fnn_drop_job *job, fnn_int i0, fnn_int i1)
{
    const T *x = job->x;
    T *y = job->y;
    uint8_t *mask = job->mask;
    const T scale = (T)job->scale;
    const uint32_t thr = job->threshold, seed_lo = (uint32_t)job->seed;
    while (i0 < i1) {
        /* a run of elements whose counters share the high word */
        uint64_t c0 = job->offset + (uint64_t)i0;
        uint64_t room = ((uint64_t)1 << 32) - (c0 & 0xffffffffu);
        fnn_int run = (uint64_t)(i1 - i0) < room ? i1 - i0 : (fnn_int)room;
        const uint32_t k = (uint32_t)(c0 >> 32) ^ (uint32_t)(job->seed >> 32) ^ 0x9e3779b9U;
        const uint32_t lo0 = (uint32_t)c0;
        if (x)
            for (fnn_int i = 0; i < run; i++) {
                T keep = fnn_draw24(seed_lo, k, lo0 + (uint32_t)i) >= thr ? scale : (T)0;
                y[i0 + i] = x[i0 + i] * keep;
            }
        if (mask)
            for (fnn_int i = 0; i < run; i++)
                mask[i0 + i] = fnn_draw24(seed_lo, k, lo0 + (uint32_t)i) >= thr;
        i0 += run;
    }
}
