/* interleave_impl.h — dst[k·w + r] = src[r·ld + k] for r < w, k < kc (packing
 * w rows k-major, for the GEMM), with VL×VL blocks transposed in registers.
 * Included by avx2/pack.c and avx512/pack.c for float and double (INAME,
 * IT, IV, IVL, ILOADU, ISTOREU, ITRANSPOSE, ISFX; all but INAME are undefined
 * at the end, for the next type). Rows are read in groups of IVL, the last group padded by
 * repeating the last row, and each column of a group stored whole, ascending:
 * the padding lands where the next column (or the next panel, or the panel's
 * FNN_PACK_SLACK) is written afterwards. */

void FNN_CAT(INAME, ISFX)(int w, const IT *src, fnn_int ld, fnn_int kc, IT *dst)
{
    enum { GROUPS = (FNN_PACK_W_MAX + IVL - 1) / IVL };
    if (w < 1 || w > FNN_PACK_W_MAX || (w % IVL != 0 && IVL - w % IVL > FNN_PACK_SLACK)) {
        FNN_CAT(fnn_interleave_generic, ISFX)(w, src, ld, kc, dst);
        return;
    }
    const int groups = (w + IVL - 1) / IVL;
    fnn_int k = 0;
    for (; k + IVL <= kc; k += IVL) {
        IV r[GROUPS][IVL];
        for (int g = 0; g < groups; g++) {
            for (int q = 0; q < IVL; q++) {
                int row = g * IVL + q < w ? g * IVL + q : w - 1;
                r[g][q] = ILOADU(src + row * ld + k);
            }
            ITRANSPOSE(r[g]);
        }
        for (int q = 0; q < IVL; q++)
            for (int g = 0; g < groups; g++)
                ISTOREU(dst + (k + q) * w + g * IVL, r[g][q]);
    }
    for (; k < kc; k++)
        for (int r = 0; r < w; r++)
            dst[k * w + r] = src[r * ld + k];
}

#undef IT
#undef IV
#undef IVL
#undef ILOADU
#undef ISTOREU
#undef ITRANSPOSE
#undef ISFX
