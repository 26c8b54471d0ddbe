/* vec_double.h — binds the names the kernels in simd/ are written with to the
 * double vectors of the ISA whose vec.h came first. Include before each
 * *_impl.h instantiated for double (names as in vec_float.h). */
#define V vd_t
#define VM vd_m
#define VL VD_LANES
#define vzero vd_zero
#define vset1 vd_set1
#define vload vd_load
#define vloadu vd_loadu
#define vstoreu vd_storeu
#define vbcast vd_bcast
#define vadd vd_add
#define vsub vd_sub
#define vmul vd_mul
#define vdiv vd_div
#define vmax vd_max
#define vmin vd_min
#define vfmadd vd_fmadd
#define vfnmadd vd_fnmadd
#define vabs vd_abs
#define vneg_abs vd_neg_abs
#define vwith_sign_of vd_with_sign_of
#define vround vd_round
#define vpow2i vd_pow2i
#define vgt vd_gt
#define vlt vd_lt
#define visnan vd_isnan
#define vmor vd_mor
#define vmany vd_many
#define vblend vd_blend
#define vfirst vd_first
#define vmaskloadu vd_maskloadu
#define vmaskstoreu vd_maskstoreu
#define vhsum vd_hsum
#define vhmax vd_hmax
