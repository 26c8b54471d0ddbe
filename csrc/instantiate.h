/* instantiate.h — includes the template named by FNN_IMPL (a quoted file
 * name) once per element type, then forgets FNN_IMPL:
 *   T float,  SFX s, FNN_DOUBLE 0, and libm's float functions
 *   T double, SFX d, FNN_DOUBLE 1, and the double ones,
 * the functions as EXP, LOG, LOG1P, FABS, TANH, ERFC, SQRT. In the template,
 * FN(name) is name_s or name_d. */
#include "arch/simd/vec_names.h"

#define T float
#define SFX s
#define FNN_DOUBLE 0
#define EXP expf
#define LOG logf
#define LOG1P log1pf
#define FABS fabsf
#define TANH tanhf
#define ERFC erfcf
#define SQRT sqrtf
#define FMA fmaf
#include FNN_IMPL
#undef T
#undef SFX
#undef FNN_DOUBLE
#undef EXP
#undef LOG
#undef LOG1P
#undef FABS
#undef TANH
#undef ERFC
#undef SQRT
#undef FMA

#define T double
#define SFX d
#define FNN_DOUBLE 1
#define EXP exp
#define LOG log
#define LOG1P log1p
#define FABS fabs
#define TANH tanh
#define ERFC erfc
#define SQRT sqrt
#define FMA fma
#include FNN_IMPL
#undef T
#undef SFX
#undef FNN_DOUBLE
#undef EXP
#undef LOG
#undef LOG1P
#undef FABS
#undef TANH
#undef ERFC
#undef SQRT
#undef FMA

#undef FNN_IMPL
