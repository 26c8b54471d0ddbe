/* gemm_packed_impl.h — the packed GEMM (gemm_impl.h includes it, once per
 * element type): BLIS-style loops around one register-blocked micro-kernel, with packing
 * shared by all threads:
 *
 *   for each chunk of C (one chunk unless an operand packs to > FNN_PACK_CAP),
 *   one pool call whose parts are, in the order threads claim them:
 *     packing: op(B)'s columns and op(A)'s rows, once, into shared buffers
 *       (NR-column / MR-row panels, every K block of a panel);
 *     computing: C in blocks of rows × columns, each part starting once the
 *       packing parts are done (they were claimed first, so they are running):
 *       for jc over its columns by NC:
 *         for pc over K by KC:
 *           for ic over its rows by MC:        packed A block stays in L2
 *             for jr over NC by NR:            packed B micro-panel in L1
 *               for ir over MC by MR:          micro-kernel on one MR×NR tile
 *
 * When A is stored M×K and no row sums are taken (a forward product, grad_x),
 * A is not packed: the micro-kernel reads its rows in place (kernel_rows,
 * the same arithmetic), and only B is.
 *
 * Each operand is packed once per chunk whatever the thread count, and the
 * parts of both passes go to whichever thread is free (fnn_parallel): one
 * hand-out wakes the team once, and a thread that finds no packing left goes
 * on to the products while the last panels are packed. Packing
 * absorbs the transposes; the epilogue runs in the micro-kernel on the last K
 * block. Every element of C sums its K products in the same order whatever the
 * parts, which is why the result does not depend on the thread count; the K
 * block size depends on K alone for the same reason.
 */

/* d[0..n) = src[0..n), d[n..w) = 0: one k of a panel w wide, n of it inside
 * the matrix, from a contiguous row of the operand. */
static inline void FN(copy_padded)(T *restrict d, const T *restrict src, int n, int w)
{
    for (int c = 0; c < n; c++)
        d[c] = src[c];
    for (int c = n; c < w; c++)
        d[c] = 0;
}

/* Pack rows [i0, i0+rows) and k in [p0, p0+kc) of op(A) into MR-row panels,
 * k-major, zero-padding the last panel. With sums, add each row's values. */
static void FN(pack_a)(const FN(gemm_job) *job, const FN(fnn_gemm_arch) *arch, fnn_int i0,
                      fnn_int rows, fnn_int p0, fnn_int kc, T *restrict dst,
                      T *restrict sums)
{
    const int mr = arch->mr;
    for (fnn_int ir = 0; ir < rows; ir += mr, dst += (fnn_int)mr * kc) {
        int m = rows - ir < mr ? (int)(rows - ir) : mr;
        if (job->ta) {          /* A stored K×M: a row of the panel is contiguous */
            for (fnn_int k = 0; k < kc; k++) {
                const T *src = job->A + (p0 + k) * job->lda + i0 + ir;
                FN(copy_padded)(dst + k * mr, src, m, mr);
                if (sums)
                    for (int r = 0; r < m; r++)
                        sums[ir + r] += src[r];
            }
        } else {                /* A stored M×K: transpose rows into the panel */
            const T *rows0 = job->A + (i0 + ir) * job->lda + p0;
            if (m == mr)
                arch->interleave(mr, rows0, job->lda, kc, dst);
            for (int r = 0; r < m; r++) {
                const T *src = rows0 + r * job->lda;
                if (m < mr)
                    for (fnn_int k = 0; k < kc; k++)
                        dst[k * mr + r] = src[k];
                if (sums) {
                    T s = sums[ir + r];
                    for (fnn_int k = 0; k < kc; k++)
                        s += src[k];
                    sums[ir + r] = s;
                }
            }
            for (int r = m; r < mr; r++)
                for (fnn_int k = 0; k < kc; k++)
                    dst[k * mr + r] = 0;
        }
    }
}

/* The width of a packed B panel of `cols` columns: NR, but with A's rows
 * read in place a last, narrower panel is as wide as its columns rounded up
 * to whole vectors (kernel_rows reads B's panel that wide). */
static inline int FN(b_panel_width)(const FN(gemm_job) *job, const FN(fnn_gemm_arch) *arch,
                                    fnn_int cols)
{
    if (!job->a_in_place || cols >= arch->nr)
        return arch->nr;
    return (int)((cols + arch->vl - 1) / arch->vl * arch->vl);
}

/* Pack k in [p0, p0+kc) and columns [j0, j0+cols) of op(B) into NR-column
 * panels, k-major, zero-padding the last panel. */
static void FN(pack_b)(const FN(gemm_job) *job, const FN(fnn_gemm_arch) *arch, fnn_int p0,
                      fnn_int kc, fnn_int j0, fnn_int cols, T *restrict dst)
{
    const int nr = FN(b_panel_width)(job, arch, cols);
    for (fnn_int jr = 0; jr < cols; jr += nr, dst += (fnn_int)nr * kc) {
        int n = cols - jr < nr ? (int)(cols - jr) : nr;
        if (job->tb && n == nr) {   /* B stored N×K: transpose rows into the panel */
            arch->interleave(nr, job->B + (j0 + jr) * job->ldb + p0, job->ldb, kc, dst);
        } else if (job->tb) {
            for (int c = 0; c < n; c++) {
                const T *src = job->B + (j0 + jr + c) * job->ldb + p0;
                for (fnn_int k = 0; k < kc; k++)
                    dst[k * nr + c] = src[k];
            }
            for (int c = n; c < nr; c++)
                for (fnn_int k = 0; k < kc; k++)
                    dst[k * nr + c] = 0;
        } else {                /* B stored K×N: each k of the panel is contiguous */
            for (fnn_int k = 0; k < kc; k++)
                FN(copy_padded)(dst + k * nr, job->B + (p0 + k) * job->ldb + j0 + jr, n, nr);
        }
    }
}

/* One MR×NR tile at (i, j) of C, m×n of it inside C: a tile cut by the
 * matrix edge stores through the micro-kernel's lane masks, so every element
 * is computed alike. */
static void FN(run_tile)(const FN(gemm_job) *job, const FN(fnn_gemm_arch) *arch, fnn_int kc,
                        const T *Ap, const T *Bp, fnn_int i, fnn_int j, int m,
                        int n, int first, int last)
{
    T *c = job->C + i * job->ldc + j;
    int load_c = first ? job->beta != 0 : 1;
    T beta = first ? job->beta : 1;
    FN(fnn_tile_epi) te;
    arch->kernel(kc, Ap, Bp, c, job->ldc, load_c, beta, last ? FN(tile_epi)(job, i, j, &te) : NULL,
                 m, n);
}

/* The same tile with A's rows read in place (a_in_place): MR rows from row
 * i of op(A) = A, k from p0, through kernel_rows; a last, shorter block of
 * rows is copied (the last row repeated) into this thread's scratch, since
 * kernel_rows reads all MR rows. The arithmetic is the packed tile's. */
static fnn_status FN(run_tile_rows)(const FN(gemm_job) *job, const FN(fnn_gemm_arch) *arch,
                                    fnn_int kc, fnn_int p0, const T *Bp, fnn_int i, fnn_int j,
                                    int m, int n, int first, int last)
{
    const T *a = job->A + i * job->lda + p0;
    fnn_int lda = job->lda;
    if (m < arch->mr) {
        if (!(a = FN(padded_rows)(a, lda, m, arch->mr, kc)))
            return FNN_ENOMEM;
        lda = kc;
    }
    T *c = job->C + i * job->ldc + j;
    FN(fnn_tile_epi) te;
    arch->kernel_rows(kc, a, lda, Bp, c, job->ldc, first ? job->beta != 0 : 1, first ? job->beta : 1,
                      last ? FN(tile_epi)(job, i, j, &te) : NULL, m, n);
    return FNN_OK;
}

/* The K block: at most kc_max, the same for every block, chosen from K. */
static fnn_int FN(k_block)(fnn_int K, fnn_int kc_max)
{
    if (K <= 0)
        return 0;
    fnn_int nk = (K + kc_max - 1) / kc_max;
    return (K + nk - 1) / nk;
}

/* Where panel `panel` of K block p starts in a packed operand of `panels`
 * panels of width w: blocks are laid out one after the other, panels inside,
 * each panel followed by FNN_PACK_SLACK elements that its packing may
 * overwrite (so panels packed by different threads never touch). */
static inline T *FN(packed_at)(T *base, const FN(gemm_job) *job, fnn_int panels, int w,
                                 fnn_int p, fnn_int panel, fnn_int kc)
{
    return base + p * panels * (job->kcb * w + FNN_PACK_SLACK) + panel * (kc * w + FNN_PACK_SLACK);
}

static inline fnn_int FN(block_len)(const FN(gemm_job) *job, fnn_int p)
{
    fnn_int k = job->K - p * job->kcb;
    return k < job->kcb ? (k > 0 ? k : 0) : job->kcb;
}

/* The first panel of width w, laid out from offset `base`, that starts at or
 * after offset lo. */
static inline fnn_int FN(first_panel_at)(fnn_int lo, fnn_int base, int w)
{
    return lo <= base ? 0 : (lo - base + w - 1) / w;
}

/* Pack panel u of A (all of its K blocks, so a row's sum runs over k in
 * order), or panel u - na of B. */
static void FN(pack_panel)(const FN(gemm_job) *job, fnn_int u, fnn_int na)
{
    const FN(fnn_gemm_arch) *arch = job->arch;
    const int mr = arch->mr, nr = arch->nr;
    if (u < na) {
        fnn_int r0 = u * mr, rows = job->mlen - r0 < mr ? job->mlen - r0 : mr;
        /* row sums on the first column chunk only */
        T *sums = job->sums && job->n0 == 0 ? job->sums + r0 : NULL;
        for (fnn_int r = 0; sums && r < rows; r++)
            sums[r] = 0;
        for (fnn_int p = 0; p < job->nk; p++) {
            fnn_int kc = FN(block_len)(job, p);
            FN(pack_a)(job, arch, job->m0 + r0, rows, p * job->kcb, kc,
                      FN(packed_at)(job->Ap, job, na, mr, p, u, kc), sums);
        }
        for (fnn_int r = 0; sums && r < rows; r++) {
            T *out = job->rowsum + job->m0 + r0 + r;
            *out = (job->beta != 0 ? job->beta * *out : 0) + sums[r];
        }
    } else {
        fnn_int q = u - na, c0 = q * nr, cols = job->nlen - c0 < nr ? job->nlen - c0 : nr;
        for (fnn_int p = 0; p < job->nk; p++) {
            fnn_int kc = FN(block_len)(job, p);
            FN(pack_b)(job, arch, p * job->kcb, kc, job->n0 + c0, cols,
                      FN(packed_at)(job->Bp, job, job->bpanels, nr, p, q, kc));
        }
    }
}

/* Packing pass: the A panels (MR rows each) then the B panels (NR columns
 * each) are cut into parts of about equal rows, whole panels each: a panel
 * goes to the part its first row falls in. */
static fnn_status FN(pack_part)(void *ctx, int part, int nparts)
{
    const FN(gemm_job) *job = ctx;
    const int mr = job->arch->mr, nr = job->arch->nr;
    const fnn_int na = job->pack_a ? job->apanels : 0, nb = job->pack_b ? job->bpanels : 0;
    const fnn_int a_rows = na * mr, total = a_rows + nb * nr;
    const fnn_int lo = total * part / nparts, hi = total * (part + 1) / nparts;
    fnn_int a0 = FN(first_panel_at)(lo, 0, mr), a1 = FN(first_panel_at)(hi, 0, mr);
    fnn_int b0 = FN(first_panel_at)(lo, a_rows, nr), b1 = FN(first_panel_at)(hi, a_rows, nr);
    for (fnn_int u = a0; u < a1 && u < na; u++)
        FN(pack_panel)(job, u, na);
    for (fnn_int q = b0; q < b1 && q < nb; q++)
        FN(pack_panel)(job, na + q, na);
    return FNN_OK;
}

/* Compute pass: part = a·cblocks + b is row block a × column block b of the
 * chunk, in whole panels, read from the shared packed operands. */
static fnn_status FN(compute_part)(void *ctx, int part, int nparts)
{
    const FN(gemm_job) *job = ctx;
    const FN(fnn_gemm_arch) *arch = job->arch;
    const int mr = arch->mr, nr = arch->nr;
    (void)nparts;
    const fnn_int a = part / job->cblocks, b = part % job->cblocks;
    const fnn_int pa0 = a * job->apanels / job->rblocks, pa1 = (a + 1) * job->apanels / job->rblocks;
    const fnn_int pb0 = b * job->bpanels / job->cblocks, pb1 = (b + 1) * job->bpanels / job->cblocks;
    const fnn_int mcp = job->mc / mr, ncp = job->nc / nr;   /* cache blocks, in panels */
    for (fnn_int jc = pb0; jc < pb1; jc += ncp) {
        fnn_int jc1 = jc + ncp < pb1 ? jc + ncp : pb1;
        for (fnn_int p = 0; p < job->nk; p++) {
            fnn_int kc = FN(block_len)(job, p);
            int first = p == 0, last = p == job->nk - 1;
            for (fnn_int ic = pa0; ic < pa1; ic += mcp) {
                fnn_int ic1 = ic + mcp < pa1 ? ic + mcp : pa1;
                for (fnn_int jr = jc; jr < jc1; jr++) {
                    fnn_int j = jr * nr;
                    int n = job->nlen - j < nr ? (int)(job->nlen - j) : nr;
                    const T *Bp = FN(packed_at)(job->Bp, job, job->bpanels, nr, p, jr, kc);
                    for (fnn_int ir = ic; ir < ic1; ir++) {
                        fnn_int i = ir * mr;
                        int m = job->mlen - i < mr ? (int)(job->mlen - i) : mr;
                        if (job->a_in_place) {
                            fnn_status st = FN(run_tile_rows)(job, arch, kc, p * job->kcb, Bp,
                                                              job->m0 + i, job->n0 + j, m, n,
                                                              first, last);
                            if (st != FNN_OK)
                                return st;
                            continue;
                        }
                        FN(run_tile)(job, arch, kc,
                                    FN(packed_at)(job->Ap, job, job->apanels, mr, p, ir, kc), Bp,
                                    job->m0 + i, job->n0 + j, m, n, first, last);
                    }
                }
            }
        }
    }
    return FNN_OK;
}

/* One part of a chunk's pool call: packing parts first, then computing parts
 * (see the top of this file). */
static fnn_status FN(chunk_part)(void *ctx, int part, int nparts)
{
    FN(gemm_job) *job = ctx;
    if (part < job->npack) {
        FN(pack_part)(job, part, job->npack);
        atomic_fetch_add_explicit(&job->packed, 1, memory_order_release);
        return FNN_OK;
    }
    fnn_wait_count(&job->packed, job->npack);
    return FN(compute_part)(job, part - job->npack, nparts - job->npack);
}

/* Rows (or columns) per chunk: all of them when the packed operand fits in
 * FNN_PACK_CAP bytes, else as many whole panels of width w as do. */
static fnn_int FN(chunk_len)(fnn_int len, fnn_int K, int w)
{
    fnn_int per = (FNN_PACK_CAP / (fnn_int)sizeof(T)) / (K > 0 ? K : 1) / w * w;
    if (per < w)
        per = w;
    return len < per ? len : per;
}

/* Cut the chunk into about `want` compute parts: row blocks of at most MC
 * rows, and column blocks to make up the count. */
static void FN(plan_parts)(FN(gemm_job) *job, int want)
{
    const fnn_int mcp = job->mc / job->arch->mr;
    fnn_int rb = (job->apanels + mcp - 1) / mcp, cb = (want + rb - 1) / rb;
    if (cb > job->bpanels) {
        cb = job->bpanels;
        rb = (want + cb - 1) / cb;
        if (rb > job->apanels)
            rb = job->apanels;
    }
    job->rblocks = rb < 1 ? 1 : rb;
    job->cblocks = cb < 1 ? 1 : cb;
}

/* The packed path of gemm_run (C chunk by chunk; see the top of this file). */
static fnn_status FN(gemm_packed)(FN(gemm_job) *job)
{
    const FN(fnn_gemm_arch) *arch = job->arch;
    const fnn_int M = job->M, N = job->N, K = job->K;
    const int mr = arch->mr, nr = arch->nr;
    FN(gemm_blocks)(arch, &job->mc, &job->kc, &job->nc);
    /* A stored M×K (rows contiguous), no row sums to take: the micro-kernel
     * reads its rows in place (kernel_rows), as fast as from a packed panel,
     * and A is not copied at all */
    job->a_in_place = !job->ta && !job->rowsum && arch->kernel_rows != NULL;
    job->kcb = FN(k_block)(K, job->kc);
    job->nk = K > 0 ? (K + job->kcb - 1) / job->kcb : 1;
    const fnn_int kalloc = K > 0 ? K : 1;
    const fnn_int mch = FN(chunk_len)(M, K, mr), nch = FN(chunk_len)(N, K, nr);
    const fnn_int mpan = (mch + mr - 1) / mr, npan = (nch + nr - 1) / nr;
    const size_t nk = (size_t)job->nk, kcb = (size_t)job->kcb;
    job->Ap = job->a_in_place ? NULL
                              : fnn_scratch(FNN_SCRATCH_GEMM_A,
                                            nk * (size_t)mpan * (kcb * mr + FNN_PACK_SLACK) * sizeof(T));
    job->Bp = fnn_scratch(FNN_SCRATCH_GEMM_B, nk * (size_t)npan * (kcb * nr + FNN_PACK_SLACK) * sizeof(T));
    job->sums = job->rowsum ? fnn_scratch(FNN_SCRATCH_GEMM_SUMS, (size_t)mpan * mr * sizeof(T)) : NULL;
    if ((!job->a_in_place && !job->Ap) || !job->Bp || (job->rowsum && !job->sums))
        return FNN_ENOMEM;

    for (fnn_int n0 = 0; n0 < N; n0 += nch) {
        job->n0 = n0;
        job->nlen = N - n0 < nch ? N - n0 : nch;
        job->bpanels = (job->nlen + nr - 1) / nr;
        for (fnn_int m0 = 0; m0 < M; m0 += mch) {
            job->m0 = m0;
            job->mlen = M - m0 < mch ? M - m0 : mch;
            job->apanels = (job->mlen + mr - 1) / mr;
            job->pack_b = m0 == 0;                   /* once per column chunk */
            job->pack_a = !job->a_in_place && (n0 == 0 || mch < M);   /* kept when A is one chunk */
            double chunk_flops = 2.0 * (double)job->mlen * (double)job->nlen * (double)kalloc;
            fnn_int units = (job->pack_a ? job->apanels : 0) + (job->pack_b ? job->bpanels : 0);
            double pack_work = (double)((job->pack_a ? job->apanels * mr : 0) +
                                        (job->pack_b ? job->bpanels * nr : 0)) *
                               (double)kalloc * FNN_PACK_COST;
            fnn_int tiles = job->apanels * job->bpanels;
            int nt = fnn_threads_for(chunk_flops + pack_work, tiles);
            job->npack = units > 0 ? fnn_parts_for(nt, pack_work, units) : 0;
            atomic_store_explicit(&job->packed, 0, memory_order_relaxed);
            FN(plan_parts)(job, fnn_parts_for(nt, chunk_flops, tiles));
            fnn_status st = fnn_parallel(nt, job->npack + (int)(job->rblocks * job->cblocks),
                                         FN(chunk_part), job);
            if (st != FNN_OK)
                return st;
        }
    }
    return FNN_OK;
}
