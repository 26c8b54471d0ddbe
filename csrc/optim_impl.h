/* optim_impl.h — optim.c's entry point for one element type (T, SFX):
 * checks, then the kernel table's optimizer range over blocks of the buffer. */

static fnn_status FN(opt_part)(void *ctx, int part, int nparts)
{
    const fnn_opt_job *job = ctx;
    fnn_int i0, i1;
    if (fnn_elem_part(job->n, part, nparts, &i0, &i1))
        fnn_cur_arch()->FN(opt)(job, i0, i1);
    return FNN_OK;
}

fnn_status FN(fnn_optim_step)(const fnn_optim_args *a, fnn_int n, T *p, const T *g, T *s1, T *s2,
                              T *s3)
{
    if (!a || n < 0 || a->kind < FNN_OPT_SGD || a->kind > FNN_OPT_RMSPROP)
        return FNN_EINVAL;
    fnn_opt_job job = {n, a, p, g, s1, s2, s3};
    return fnn_parallel_elems(n, OPT_COST, FN(opt_part), &job);
}
