/* vec_names.h — FN(name): a function name per element type (name_s, name_d,
 * from SFX), so that a template included for float and for double defines
 * both. */
#include "../../cat.h"
#define FN(name) FNN_CAT(name, SFX)
