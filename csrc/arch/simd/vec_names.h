/* vec_names.h — FN(name): a function name per element type (name_s, name_d,
 * from SFX), so that a template included for float and for double defines
 * both. */
#ifndef FNN_CAT
#define FNN_CAT_(a, b) a##_##b
#define FNN_CAT(a, b) FNN_CAT_(a, b)
#endif
#define FN(name) FNN_CAT(name, SFX)
