/* activation_impl.h — activation.c's driver for one element type (T, SFX):
 * checks, then the range kernel of the kernel table over blocks of the array
 * on the thread pool. */
static fnn_status FN(act_part)(void *ctx, int part, int nparts)
{
    const FN(fnn_act_job) *job = ctx;
    fnn_int i0, i1;
    if (fnn_elem_part(job->n, part, nparts, &i0, &i1))
        fnn_cur_arch()->FN(act)(job, i0, i1);
    return FNN_OK;
}

static fnn_status FN(act_run)(FN(fnn_act_job) *job)
{
    if (job->act < FNN_ACT_IDENTITY || job->act > FNN_ACT_SOFTPLUS || !job->p)
        return FNN_EINVAL;
    if (job->n <= 0)
        return FNN_OK;
    return fnn_parallel_elems(job->n, FNN_ELEM_COST, FN(act_part), job);
}

fnn_status FN(fnn_act_forward)(fnn_act act, const fnn_act_param *p, fnn_int n,
                                 const T *x, T *y)
{
    FN(fnn_act_job) job = {act, p, 0, n, x, NULL, y};
    return FN(act_run)(&job);
}

fnn_status FN(fnn_act_backward)(fnn_act act, const fnn_act_param *p,
                                  int from_input, fnn_int n, const T *dy,
                                  const T *s, T *dx)
{
    if (!from_input && act > FNN_ACT_TANH)
        return FNN_EINVAL;  /* only these derivatives follow from the output */
    FN(fnn_act_job) job = {act, p, from_input, n, s, dy, dx};
    return FN(act_run)(&job);
}
