/* losses_impl.h — losses.c's entry point for one element type (T, SFX): the
 * kernel table's loss range over blocks of the array, then the block sums in
 * order (formulas in losses.c). */

static fnn_status FN(loss_part)(void *ctx, int part, int nparts)
{
    const fnn_loss_job *job = ctx;
    const fnn_int blocks = (job->n + FNN_ELEM_BLOCK - 1) / FNN_ELEM_BLOCK;
    fnn_cur_arch()->FN(loss)(job, blocks * part / nparts, blocks * (part + 1) / nparts);
    return FNN_OK;
}

fnn_status FN(fnn_loss)(fnn_loss kind, fnn_int n, const T *x, const T *y,
                          const T *w, const T *pos_weight, fnn_int C, double delta,
                          fnn_reduction reduction, T *loss_elems, double *loss,
                          T *grad)
{
    if (n < 0 || (pos_weight && C <= 0 && n > 0) || kind < FNN_LOSS_MSE ||
        kind > FNN_LOSS_POISSON)
        return FNN_EINVAL;
    const fnn_int blocks = (n + FNN_ELEM_BLOCK - 1) / FNN_ELEM_BLOCK;
    double *partial = fnn_scratch(FNN_SCRATCH_BLOCK_SUMS, (size_t)(blocks > 0 ? blocks : 1) * sizeof(double));
    if (!partial)
        return FNN_ENOMEM;
    double gscale = reduction == FNN_REDUCTION_MEAN ? 1.0 / (double)n : 1.0;
    fnn_loss_job job = {kind, n, C, x, y, w, pos_weight, delta, gscale, loss_elems, grad, partial};
    fnn_status st = fnn_run_parts((double)n * FNN_ELEM_COST, blocks, FN(loss_part), &job);
    double total = 0;
    for (fnn_int b = 0; b < blocks; b++)
        total += partial[b];
    *loss = reduction == FNN_REDUCTION_MEAN ? total / (double)n : total;
    return st;
}
