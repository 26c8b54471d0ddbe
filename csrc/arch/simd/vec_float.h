/* vec_float.h — binds the names the kernels in simd/ are written with to the
 * float vectors of the ISA whose vec.h came first (T, SFX and FN(name) come
 * from instantiate.h); vec_end.h undoes it.
 *
 *   V, VM, VL           vector, lane mask, lanes per vector
 *   vzero() vset1(x) vload(p) (aligned) vloadu(p) vstoreu(p, v) vbcast(p)
 *   vadd vsub vmul vdiv vmax vmin      lane by lane
 *   vfmadd(a, b, c) = a·b + c    vfnmadd(a, b, c) = c − a·b   (one rounding)
 *   vabs(x)   vneg_abs(x) = −|x|   vwith_sign_of(m, x) = m with x's sign (m >= 0)
 *   vround(x) to nearest integer   vpow2i(n) = 2^n for integral n in range
 *   vgt(a, b) vlt(a, b) (false on NaN)   visnan(a)   vmor(m1, m2)   vmany(m)
 *   vblend(m, f, t) = m ? t : f      vfirst(n) = lanes [0, n)
 *   vmaskloadu(p, m) (0 off the mask, never touches memory there)
 *   vmaskstoreu(p, m, v) (m from vfirst: lanes [0, n) only)
 *   vhsum(v)   vhmax(v)  (fixed order per ISA)
 */
#define V vs_t
#define VM vs_m
#define VL VS_LANES
#define vzero vs_zero
#define vset1 vs_set1
#define vload vs_load
#define vloadu vs_loadu
#define vstoreu vs_storeu
#define vbcast vs_bcast
#define vadd vs_add
#define vsub vs_sub
#define vmul vs_mul
#define vdiv vs_div
#define vmax vs_max
#define vmin vs_min
#define vfmadd vs_fmadd
#define vfnmadd vs_fnmadd
#define vabs vs_abs
#define vneg_abs vs_neg_abs
#define vwith_sign_of vs_with_sign_of
#define vround vs_round
#define vpow2i vs_pow2i
#define vgt vs_gt
#define vlt vs_lt
#define visnan vs_isnan
#define vmor vs_mor
#define vmany vs_many
#define vblend vs_blend
#define vfirst vs_first
#define vmaskloadu vs_maskloadu
#define vmaskstoreu vs_maskstoreu
#define vhsum vs_hsum
#define vhmax vs_hmax
