/* act_scalar.h — one element of each activation and of its derivative, in
 * portable C (the generic path, and the elements the vector loops leave).
 *
 *   relu(x)      = max(x, 0)                    relu'      = [x > 0]
 *   leaky(x)     = x > 0 ? x : slope·x          leaky'     = x > 0 ? 1 : slope
 *   sigmoid(x)   = 1 / (1 + e^-x)               sigmoid'   = σ (1 − σ)
 *   tanh(x)                                     tanh'      = 1 − tanh²
 *   gelu(x)      = x·Φ(x), Φ(x) = erfc(−x/√2)/2 gelu'      = Φ(x) + x·φ(x)
 *                  (erfc, not 1 + erf, keeps the far negative side accurate)
 *   gelu_tanh(x) = x/2 (1 + tanh(u)), u = √(2/π)(x + 0.044715 x³)
 *                  gelu_tanh' = (1 + tanh u)/2 + x/2 (1 − tanh² u) √(2/π)(1 + 3·0.044715 x²)
 *   softplus(x)  = beta·x > threshold ? x : log(1 + e^(beta·x)) / beta
 *                  softplus'  = beta·x > threshold ? 1 : σ(beta·x)
 *
 * fnn_act_grad_* takes the derivative from the OUTPUT y (relu' = [y > 0],
 * leaky' = y > 0 ? 1 : slope for slope >= 0, sigmoid' = y(1 − y), tanh' =
 * 1 − y²); fnn_act_grad_in_* from the input x. Sigmoid goes through e^-|x|
 * and softplus through log1p(e^-|z|) so neither overflows; NaN stays NaN. */
#ifndef FASTNN_ACT_SCALAR_H
#define FASTNN_ACT_SCALAR_H

#include <math.h>

#include "fastnn.h"

#define FNN_GELU_K 0.7978845608028654     /* √(2/π) */
#define FNN_GELU_C 0.044715
#define FNN_INV_SQRT2 0.7071067811865476  /* 1/√2 */
#define FNN_INV_SQRT_2PI 0.3989422804014327

#define FNN_IMPL "act_scalar_impl.h"
#include "instantiate.h"

#endif /* FASTNN_ACT_SCALAR_H */
