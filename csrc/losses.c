/* losses.c — elementwise losses and their gradients in one pass, with the
 * reductions 'none', 'mean' (over all elements) and 'sum', as PyTorch defines
 * them. With d = x − y:
 *
 *   mse    l = d²                                g = 2d
 *   l1     l = |d|                               g = sign(d)   (0 at 0)
 *   huber  l = |d| < δ ? d²/2 : δ(|d| − δ/2)     g = |d| < δ ? d : δ·sign(d)
 *   bce    (x logits, y targets, pos_weight p, stable for any |x|)
 *          l = p·y·softplus(−x) + (1 − y)·softplus(x)   (two terms >= 0: no
 *              cancellation; softplus(±x) = max(±x, 0) + log1p(e^−|x|))
 *          g = (1 − y)·σ(x) − p·y·σ(−x)
 *   poisson (x log-rates, y counts; PyTorch's poisson_nll_loss with log_input
 *          and without the Stirling term)
 *          l = e^x − y·x                        g = e^x − y
 *
 * An element weight w multiplies l and g. For 'mean' the gradient is divided
 * by n. The total is summed in blocks of FNN_ELEM_BLOCK elements (in double),
 * then the block sums in order: the same bits for any thread count. The loop
 * (arch/common/loss_range_impl.h) is compiled into every entry of the kernel
 * table; here is the driver. */
#include <math.h>

#include "internal.h"

#define FNN_IMPL "losses_impl.h"
#include "instantiate.h"

