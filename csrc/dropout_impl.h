/* dropout_impl.h — dropout.c's entry point for one element type (T,
 * SFX): checks, then the kernel table's dropout range over blocks. */

static fnn_status FN(drop_part)(void *ctx, int part, int nparts)
{
    const fnn_drop_job *job = ctx;
    fnn_int i0, i1;
    if (fnn_elem_part(job->n, part, nparts, &i0, &i1))
        fnn_cur_arch()->FN(drop)(job, i0, i1);
    return FNN_OK;
}

fnn_status FN(fnn_dropout)(fnn_int n, double p, uint64_t seed, uint64_t offset, const T *x, T *y,
                           uint8_t *mask_out)
{
    if (!(p >= 0 && p <= 1) || n < 0 || (x && !y))
        return FNN_EINVAL;
    double t = ceil(p * 16777216.0);
    fnn_drop_job job = {n, (uint32_t)t, p < 1 ? 1.0 / (1.0 - p) : 0.0, seed, offset, x, y, mask_out};
    return fnn_parallel_elems(n, FNN_ELEM_COST, FN(drop_part), &job);
}
