/* softmax.c — row-wise softmax and log-softmax, and softmax cross-entropy
 * with its gradient in one pass per row.
 *
 * For a row x of C logits:  m = max_j x_j,  e_j = exp(x_j − m),  S = Σ_j e_j,
 *   softmax_j = e_j / S,   log_softmax_j = (x_j − m) − log S   (= x_j − lse).
 * Subtracting m keeps every exponent <= 0: finite for any finite logits.
 *
 * Cross-entropy against a class index t with class weights w (all 1 when
 * absent) and label smoothing ε, as PyTorch defines it:
 *   loss = (1−ε)·w_t·(lse − x_t) + (ε/C)·Σ_j w_j·(lse − x_j)
 *   dloss/dx_j = (1−ε)·w_t·(p_j − [j = t]) + (ε/C)·(W·p_j − w_j),  W = Σ_j w_j
 * and against a probability row q (smoothed to (1−ε)q + ε/C):
 *   loss = Σ_j w_j q_j (lse − x_j),   dloss/dx_j = p_j·Σ_k w_k q_k − w_j q_j.
 * Rows whose target is ignore_index add nothing and get a zero gradient.
 * Reductions: 'none' leaves per-row losses and gradients; 'sum' adds the
 * losses; 'mean' divides loss and gradient by Σ w_t over the rows not
 * ignored (class targets) or by the number of rows (probability targets).
 *
 * Rows are independent and the total is summed serially in row order, so the
 * result does not depend on the thread count. */
#include <math.h>

#include "internal.h"

#define ROW_COST 24.0   /* work units per logit, against FNN_THREAD_WORK */

#define FNN_IMPL "softmax_impl.h"
#include "instantiate.h"

