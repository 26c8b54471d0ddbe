/* pool_stress.c — the thread pool under ThreadSanitizer (built and run by
 * .ci/sanitize): many calls with changing team sizes and part counts, from
 * several caller threads at once, each checked for every part done exactly
 * once and for the first failure being reported. Exit status 0: all good. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

typedef struct {
    int nparts;
    int *hits;          /* hits[part]: how often part ran */
    int fail_part;      /* this part reports FNN_EINVAL, or -1 */
} job_t;

static fnn_status task(void *ctx, int part, int nparts)
{
    job_t *job = ctx;
    if (nparts != job->nparts)
        return FNN_ENOMEM;
    job->hits[part] += 1;           /* one writer per part: no race if correct */
    return part == job->fail_part ? FNN_EINVAL : FNN_OK;
}

static int run_calls(unsigned seed, int calls)
{
    int bad = 0;
    int hits[257];
    for (int c = 0; c < calls; c++) {
        seed = seed * 1103515245u + 12345u;
        int nthreads = 1 + (int)(seed >> 16) % 5;
        int nparts = 1 + (int)(seed >> 8) % 256;
        job_t job = {nparts, hits, (c % 7 == 0) ? (int)(seed % (unsigned)nparts) : -1};
        for (int p = 0; p < nparts; p++)
            hits[p] = 0;
        fnn_status st = fnn_parallel(nthreads, nparts, task, &job);
        for (int p = 0; p < nparts; p++)
            if (hits[p] != 1) {
                fprintf(stderr, "call %d: part %d of %d ran %d times\n", c, p, nparts, hits[p]);
                bad = 1;
            }
        if (st != (job.fail_part >= 0 ? FNN_EINVAL : FNN_OK)) {
            fprintf(stderr, "call %d: status %d\n", c, (int)st);
            bad = 1;
        }
    }
    return bad;
}

static void *caller(void *arg)
{
    return (void *)(long)run_calls((unsigned)(long)arg, 2000);
}

int main(void)
{
    fnn_set_usable_cpus(5);
    fnn_set_num_threads(5);
    int bad = run_calls(1, 5000);
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, caller, (void *)(i + 2));
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= (int)(long)r;
    }
    printf(bad ? "pool_stress: FAILED\n" : "pool_stress: ok\n");
    return bad;
}
