/* dropout.c — inverted dropout with a counter-based generator.
 *
 * Element i of a call with (seed, offset) draws u = hash(seed, offset + i), 24
 * random bits, and is kept when u >= p·2^24 (so p = 0 keeps all, p = 1 none):
 *   y_i = keep_i ? x_i / (1 − p) : 0.
 * The hash is a stateless function of its inputs, so any split of the
 * elements between threads, and a later call for the backward pass, sees the
 * same mask. hash: two rounds of a 32-bit integer mixer (xor-shift-multiply),
 * the first on the low counter word plus the low seed word, the second on
 * that result xor the high counter word, the high seed word and a constant.
 *
 * The loop (arch/common/dropout_range_impl.h) has no data-dependent branches
 * and is written once; every entry of the kernel table compiles it for its
 * target (the compiler vectorises the integer mixer, fnn_draw24 in
 * internal.h), and all give the same bits. Here is the driver. */
#include <math.h>

#include "internal.h"

#define FNN_IMPL "dropout_impl.h"
#include "instantiate.h"
