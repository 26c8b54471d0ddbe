/* optim.c — optimizer steps, one fused pass over a parameter buffer: read
 * the parameter, its gradient and the optimizer's state, write the parameter
 * and the state. Each follows PyTorch's single-tensor algorithm
 * (foreach=False) operation for operation, so float64 results agree with
 * PyTorch's to rounding. g is the gradient (negated first when maximize).
 *
 *   sgd:      g += wd·p (wd = 0 adds an exact zero);  with momentum: b = first ? g : μ·b + (1−τ)·g,
 *             g = nesterov ? g + μ·b : b;   p −= lr·g
 *   adam:     g += wd·p (Adam) or p ·= 1 − lr·wd (AdamW);  m += (1−β1)(g − m);
 *             v = β2·v + (1−β2)·g²;  v̂ = amsgrad ? (vmax = max(vmax, v)) : v;
 *             p −= lr/(1−β1^t) · m / (√v̂ / √(1−β2^t) + ε)
 *   adagrad:  g += wd·p;  s += g²;  p −= lr/(1 + (t−1)·decay) · g / (√s + ε)
 *   rmsprop:  g += wd·p;  s = α·s + (1−α)·g²;  centered: a += (1−α)(g − a),
 *             d = √(s − a²) + ε, else d = √s + ε;
 *             momentum: b = μ·b + g/d, p −= lr·b;  else p −= lr·g/d
 *
 * Elements are independent: threads take contiguous blocks and the result
 * does not depend on their number. The loops (arch/common/optim_range_impl.h)
 * are compiled into every entry of the kernel table; here is the driver. */
#include "internal.h"

#define OPT_COST 8.0   /* work units per element, against FNN_THREAD_WORK */

#define FNN_IMPL "optim_impl.h"
#include "instantiate.h"
