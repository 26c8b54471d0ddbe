/* threads.c — the thread count, fastnn's own worker pool, and per-thread
 * scratch buffers (the CPUs the process may use: usable_cpus.c).
 *
 * The pool. A call is cut into parts (more parts than threads); the calling
 * thread and up to nthreads−1 workers claim parts one at a time from a shared
 * counter, so a thread that the OS deschedules holds up at most the one part it
 * is on, and a worker that wakes late finds the parts taken and goes back to
 * sleep without being waited for: the call ends when every part is done, not
 * when every thread has arrived. Which thread runs which part never changes a
 * result: each part writes its own outputs, and partial sums are kept per part
 * index and added in index order by the caller.
 *
 * Waiting is bounded: an idle worker spins for FNN_SPIN_NS (long enough to
 * bridge the Python between two kernel calls of a training step), then sleeps
 * on a futex until the next call wakes it; when a spinning thread finds its
 * CPU was taken from it, all waiting stops spinning for a while (see
 * "Waiting" below). Workers are woken in a binary tree (each wakes two), so
 * waking a large team costs the caller two system calls. The process's OpenMP settings are
 * never touched, and fastnn never opens an OpenMP parallel region, so OpenMP
 * libraries in the same process (numpy's BLAS, PyTorch) keep their own
 * behaviour, and theirs no longer spin against ours.
 *
 * The thread count is one number for the whole process: fnn_set_num_threads
 * from any Python thread is seen by every thread. It is a ceiling: a call uses
 * no more threads than its work warrants (fnn_threads_for) nor than the CPUs
 * this process may run on (affinity mask and cgroup CPU quota). Where the
 * kernels are built with OpenMP, its setting of the calling thread caps the
 * count when it was lowered below the process default (threadpoolctl,
 * OMP_NUM_THREADS), so those limits act on fastnn as on any OpenMP library. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#include "internal.h"

int fnn_openmp_enabled(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

/* ---- the thread count -------------------------------------------------- */

static atomic_int requested_threads = 0;   /* 0: no fnn_set_num_threads yet */
static atomic_int default_threads = 0;     /* the count nobody set, read once */
#ifdef _OPENMP
static atomic_int omp_default = 0;         /* OpenMP's own default, read once */
#endif

/* The default: OpenMP's (OMP_NUM_THREADS, else the CPUs it sees), within the
 * CPUs this process may use. Read once, in the first thread that asks (at
 * import), before any other thread can have lowered its own OpenMP limit. */
static int read_default(void)
{
    int d = atomic_load_explicit(&default_threads, memory_order_relaxed);
    if (d > 0)
        return d;
    int cpus = fnn_get_usable_cpus();
    const char *env = getenv("OMP_NUM_THREADS");
#ifdef _OPENMP
    int od = omp_get_max_threads();
    atomic_store_explicit(&omp_default, od < 1 ? 1 : od, memory_order_relaxed);
    d = od;
    if ((env == NULL || *env == 0) && d > cpus)
        d = cpus;                   /* OpenMP counts the mask, not the quota */
#else
    d = env && atoi(env) > 0 ? atoi(env) : cpus;
#endif
    if (d < 1)
        d = 1;
    atomic_store_explicit(&default_threads, d, memory_order_relaxed);
    return d;
}

void fnn_set_num_threads(int n)
{
    if (n < 1)
        n = 1;
    read_default();
    fnn_refresh_usable_cpus();
    atomic_store_explicit(&requested_threads, n, memory_order_relaxed);
}

int fnn_get_num_threads(void)
{
    int n = read_default();
    int set = atomic_load_explicit(&requested_threads, memory_order_relaxed);
    if (set > 0)
        n = set;
#ifdef _OPENMP
    /* the calling thread's OpenMP limit, where it was lowered below the
     * process default (threadpoolctl.threadpool_limits) */
    int cap = omp_get_max_threads();
    int od = atomic_load_explicit(&omp_default, memory_order_relaxed);
    if (cap < od && cap < n)
        n = cap < 1 ? 1 : cap;
#endif
    return n;
}

/* The ceiling of one call's team: the thread count, within the CPUs this
 * process may use (more threads than CPUs only take turns on them). */
int fnn_get_team_ceiling(void)
{
    int n = fnn_get_num_threads(), cpus = fnn_get_usable_cpus();
    return n < cpus ? n : cpus;
}

static _Thread_local int inside_pool = 0;   /* 1 on a worker, or in a running call */
static int team_after_backoff(int n);       /* the pool's own verdict, below */

/* The team decisions, counted for the bench: calls whose work warranted 2 or
 * more threads, and those of them the pool's review gave fewer threads. */
static _Atomic uint64_t stat_team_calls = 0, stat_team_halved = 0, stat_contended = 0,
                        stat_waited = 0, stat_moved = 0;

static uint64_t read_count(_Atomic uint64_t *c, int reset)
{
    return reset ? atomic_exchange(c, 0) : atomic_load(c);
}

void fnn_team_stats(fnn_team_counts *out, int reset)
{
    out->calls = read_count(&stat_team_calls, reset);
    out->halved = read_count(&stat_team_halved, reset);
    out->contended = read_count(&stat_contended, reset);
    out->waited = read_count(&stat_waited, reset);
    out->moved = read_count(&stat_moved, reset);
}

/* n threads within what the work and the parts allow */
static int within_work(int n, double work, fnn_int max_parts)
{
    double by_work = work / FNN_THREAD_WORK;
    if ((double)n > by_work)
        n = (int)by_work;
    if ((fnn_int)n > max_parts)
        n = (int)max_parts;
    return n < 1 ? 1 : n;
}

int fnn_threads_for(double work, fnn_int max_parts)
{
    if (work < 2.0 * FNN_THREAD_WORK || max_parts <= 1 || inside_pool)
        return 1;
    const int ceiling = fnn_get_team_ceiling();
    const int full = within_work(ceiling, work, max_parts);
    const int n = within_work(team_after_backoff(ceiling), work, max_parts);
    if (full >= 2) {
        atomic_fetch_add_explicit(&stat_team_calls, 1, memory_order_relaxed);
        if (n < full)
            atomic_fetch_add_explicit(&stat_team_halved, 1, memory_order_relaxed);
    }
    return n;
}

int fnn_parts_for(int nthreads, double work, fnn_int max_parts)
{
    if (nthreads <= 1)
        return 1;
    double by_work = work / FNN_PART_WORK;
    double want = (double)nthreads * FNN_PARTS_PER_THREAD;
    if (want > by_work)
        want = by_work;
    if (want < nthreads)
        want = nthreads;
    if (want > (double)max_parts)
        want = (double)max_parts;
    if (want > (double)(1 << 20))
        want = (double)(1 << 20);
    return want < 1 ? 1 : (int)want;
}

fnn_status fnn_run_parts(double work, fnn_int max_parts, fnn_task task, void *ctx)
{
    int nt = fnn_threads_for(work, max_parts);
    return fnn_parallel(nt, fnn_parts_for(nt, work, max_parts), task, ctx);
}

/* ---- the pool ---------------------------------------------------------- */

static inline void cpu_relax(void);

void fnn_wait_count(atomic_int *count, int target)
{
    for (unsigned i = 0; atomic_load_explicit(count, memory_order_acquire) < target; i++) {
        if (i < 4096)
            cpu_relax();
        else
            sched_yield();      /* the part waited for may need this CPU */
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double fnn_seconds(void)
{
    return (double)now_ns() * 1e-9;
}

/* CPU time of the calling thread: unlike the wall clock, it does not run
 * while the thread waits for a CPU another program (or thread) holds. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One call in 4 is reviewed (its parts timed in CPU time). Which one comes
 * from a multiplicative hash of the call's number, not from gen % 4: a
 * training step makes the same calls in the same order, and with 10 calls a
 * step gen % 4 would only ever look at the even ones. */
static inline int reviewed_call(uint32_t gen)
{
    return (uint32_t)(gen * 2654435761u) >> 30 == 0;
}

/* Waiting. A waiting thread spins for at most FNN_SPIN_NS (FASTNN_SPIN_US
 * overrides), then sleeps. It watches the clock while it spins: a gap of more
 * than FNN_PREEMPTED_NS between two looks means the OS ran something else on
 * its CPU, i.e. the CPUs are busy; every waiting thread then sleeps at once,
 * without spinning, for the next FNN_CONTENDED_NS, so that fastnn's idle
 * threads take no time from other programs (or from its own late parts). */
#define FNN_SPIN_NS 50000
#define FNN_PREEMPTED_NS 200000
#define FNN_CONTENDED_NS 50000000
#define FNN_MAX_WORKERS 1023

static uint64_t spin_ns(void)
{
    static _Atomic int64_t v = -1;
    int64_t s = atomic_load_explicit(&v, memory_order_relaxed);
    if (s < 0) {
        const char *e = getenv("FASTNN_SPIN_US");
        s = e && *e ? (int64_t)(atof(e) * 1000) : FNN_SPIN_NS;
        if (s < 0)
            s = 0;
        atomic_store_explicit(&v, s, memory_order_relaxed);
    }
    return (uint64_t)s;
}

static _Atomic uint64_t contended_until = 0;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Spin until ready(arg) or the spin ends (see "Waiting" above); returns
 * ready(arg) as last seen. */
static int spin_until(int (*ready)(const void *), const void *arg)
{
    uint64_t start = now_ns(), last = start;
    if (start < atomic_load_explicit(&contended_until, memory_order_relaxed))
        return ready(arg);
    const uint64_t budget = spin_ns();
    for (unsigned i = 1;; i++) {
        if (ready(arg))
            return 1;
        cpu_relax();
        if ((i & 31) == 0) {
            uint64_t t = now_ns();
            if (t - last > FNN_PREEMPTED_NS) {
                atomic_fetch_add_explicit(&stat_contended, 1, memory_order_relaxed);
                atomic_store_explicit(&contended_until, t + FNN_CONTENDED_NS, memory_order_relaxed);
                return ready(arg);
            }
            if (t - start > budget)
                return ready(arg);
            last = t;
        }
    }
}

/* The caller waiting for a call's last parts: after its spin, it yields the
 * CPU between looks for up to FNN_YIELD_NS before it sleeps on a futex. A
 * sleeping caller is woken by the worker that ends the last part, and the
 * kernel tends to wake a thread beside its waker: the caller would land on
 * the worker's CPU, both would share it on the next call, and the next call's
 * last part would be late again (seen on virtual machines, whose other vCPU
 * may look busy to the guest). Yielding keeps the caller where it is, and if
 * a worker shares its CPU, the worker runs. On a busy machine (see
 * "Waiting"), the caller sleeps at once. */
#define FNN_YIELD_NS 2000000

static int yield_until(int (*ready)(const void *), const void *arg)
{
    uint64_t start = now_ns();
    if (start < atomic_load_explicit(&contended_until, memory_order_relaxed))
        return ready(arg);
    while (!ready(arg)) {
        if (now_ns() - start > FNN_YIELD_NS)
            return ready(arg);
        sched_yield();
    }
    return 1;
}

/* Sleep while *word == expected (or until woken); wake one sleeper of word. */
static void park(atomic_uint *word, unsigned expected)
{
#ifdef __linux__
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#else
    (void)word;
    (void)expected;
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
#endif
}

static void unpark(atomic_uint *word)
{
#ifdef __linux__
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
#else
    (void)word;
#endif
}

typedef struct {
    _Alignas(64) atomic_uint seq;   /* bumped (and futex-woken) to wake the worker */
    atomic_int sleeping;            /* 1 while the worker is (about to be) asleep */
    /* what this thread did in call stat_gen: the CPU time of its parts */
    atomic_uint stat_gen;
    _Atomic uint64_t stat_ns;
    atomic_int stat_waited;         /* it waited for a CPU (waited_for_cpu) */
    atomic_int cpu;                 /* where it was last seen working, or -1 */
} worker_slot;

static struct {
    pthread_mutex_t lock;           /* one call at a time; others run serially */
    int nworkers;                   /* workers started: ids 1..nworkers */
    worker_slot *slot;              /* slot[id], id 1..FNN_MAX_WORKERS */
    /* the call: generation in the high 32 bits, next unclaimed part in the low */
    _Alignas(64) _Atomic uint64_t word;
    _Atomic(fnn_task) task;
    _Atomic(void *) ctx;
    atomic_int nparts, nthreads;
    _Alignas(64) atomic_uint done;  /* parts finished (also the master's futex word) */
    atomic_int master_sleeping;
    atomic_int master_cpu;          /* where the caller ran when it published */
    atomic_int status;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- does the team help? ----------------------------------------------
 *
 * On one call in 4 (that has enough parts), the caller estimates the
 * speedup its team gave: what running it alone would have taken (the CPU
 * time the threads spent in its parts, summed) over the call's wall time; a
 * call whose team gained less than FNN_MIN_GAIN per extra thread is a poor
 * one. The sum, not the fastest thread's time per part times the parts: the
 * parts of a call differ in size (edge tiles, uneven blocks), and the least
 * time per part would price a whole call at its smallest part and find a
 * well-shared call poor. CPU time, not wall time, because a thread that
 * shares its CPU with another program (another process, numpy's BLAS
 * threads still spinning after a call) or with the caller itself gets no CPU
 * for whole scheduler slices: its parts cost the same CPU time but finish
 * late, and the call's wall time shows it. When the poor calls take most of
 * the wall time of the last FNN_REVIEW_CALLS reviewed calls, calls use
 * half the team for a while (FNN_BACKOFF_NS, doubled each time the next try
 * of the whole team is poor again, up to 4×), then the whole team is tried
 * again. Weighing by time, a single late call or many tiny calls whose worker
 * woke late do not shrink the team. Only how many threads share the work
 * changes, never the parts, so results do not.
 *
 * A poor call counts only with evidence that a CPU was taken: one of the
 * call's threads spent a good share of its runnable time, since it last
 * looked, queued for a CPU that another thread held (waited_for_cpu, below).
 * Another process on the core, numpy's BLAS threads spinning after a call,
 * more runnable threads than CPUs: each queues fastnn's threads. A virtual
 * machine's host pausing a vCPU, a CPU waking from idle, a worker still
 * asleep when the call began, an occasional kernel thread: each can make a
 * call slow, but none keeps a thread of this machine queued for long, and
 * halving the team would not help. Where the OS does not say how long a
 * thread was queued, every poor call counts. */
#define FNN_MIN_GAIN 0.15
#define FNN_REVIEW_CALLS 8
#define FNN_BACKOFF_NS 200000000ull
static _Atomic uint64_t backoff_until = 0;
static atomic_int backoff_team = 0;
/* the review window and the backoff's doubling (pool.lock held) */
static int window_calls = 0, window_team = 0, backoff_shift = 0;
static double window_ns = 0, poor_ns = 0;

int fnn_get_team_now(void)
{
    return team_after_backoff(fnn_get_team_ceiling());
}

/* Whether the calling thread waits for a CPU: the share of its runnable time
 * that it spent queued while another thread held the CPU (Linux's
 * per-thread schedstat: time run, time queued), at least FNN_TAKEN_SHARE,
 * judged over stretches of at least FNN_TAKEN_SPAN_NS of runnable time (the
 * verdict of the last whole stretch holds until the next one is whole). A
 * worker woken from sleep on an idle CPU queues a little; one taken by
 * another program queues for scheduler slices, stretch after stretch. One
 * pread of a file kept open per thread. Where the OS does not say, 1: every
 * poor call counts. */
#define FNN_TAKEN_SHARE 0.25
#define FNN_TAKEN_SPAN_NS 2000000.0
static _Thread_local int schedstat_fd = -1;    /* -2: not available */
static _Thread_local uint64_t seen_run = 0, seen_wait = 0;
static _Thread_local int waited_verdict = 0;     /* of the last whole stretch */

/* This thread's schedstat: time run and time queued, in ns; 0 if unknown. */
static int read_schedstat(uint64_t *run, uint64_t *wait)
{
#ifdef __linux__
    if (schedstat_fd == -1) {
        schedstat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
        if (schedstat_fd < 0)
            schedstat_fd = -2;
    }
    char buf[96];
    ssize_t n = schedstat_fd >= 0 ? pread(schedstat_fd, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0)
        return 0;
    buf[n] = 0;
    unsigned long long r = 0, w = 0;
    if (sscanf(buf, "%llu %llu", &r, &w) != 2)
        return 0;
    *run = r;
    *wait = w;
    return 1;
#else
    (void)run;
    (void)wait;
    return 0;
#endif
}

/* Bumped when a worker moves off the caller's CPU: the queueing before it
 * was the team's own, and every thread starts a new stretch. */
static atomic_uint team_moves = 0;
static _Thread_local unsigned team_moves_seen = 0;

static int waited_for_cpu(void)
{
    uint64_t run, wait;
    if (!read_schedstat(&run, &wait))
        return 1;
    unsigned moves = atomic_load_explicit(&team_moves, memory_order_relaxed);
    if (moves != team_moves_seen) {
        team_moves_seen = moves;
        seen_run = seen_wait = 0;
        waited_verdict = 0;
    }
    if (seen_run == 0 && seen_wait == 0) {
        seen_run = run;
        seen_wait = wait;
        return 0;
    }
    double d_run = (double)(run - seen_run), d_wait = (double)(wait - seen_wait);
    if (d_run + d_wait < FNN_TAKEN_SPAN_NS)
        return waited_verdict;
    seen_run = run;
    seen_wait = wait;
    waited_verdict = d_wait > FNN_TAKEN_SHARE * (d_run + d_wait);
    return waited_verdict;
}

static int team_after_backoff(int n)
{
    uint64_t until = atomic_load_explicit(&backoff_until, memory_order_relaxed);
    if (until == 0 || now_ns() >= until)
        return n;
    int cap = atomic_load_explicit(&backoff_team, memory_order_relaxed);
    return cap >= 1 && cap < n ? cap : n;
}

/* The caller's review of call `gen`, run on nthreads threads (lock held). */
static void review_call(uint32_t gen, int nthreads, int nparts, uint64_t wall)
{
    if (!reviewed_call(gen) || nparts < 2 * nthreads || wall == 0)
        return;                     /* not sampled, or too few parts to judge */
    double alone = 0;               /* CPU time in the call's parts, all threads */
    int waited = 0;                 /* one of its threads waited for a CPU */
    for (int id = 0; id < nthreads; id++) {
        worker_slot *s = &pool.slot[id];
        if (atomic_load_explicit(&s->stat_gen, memory_order_relaxed) != gen)
            continue;
        alone += (double)atomic_load_explicit(&s->stat_ns, memory_order_relaxed);
        waited |= atomic_load_explicit(&s->stat_waited, memory_order_relaxed);
    }
    double gain = alone / (double)wall;
    if (window_team != nthreads) {  /* a new team size: a new window */
        window_team = nthreads;
        window_calls = 0;
        window_ns = poor_ns = 0;
    }
    window_calls++;
    window_ns += (double)wall;
    if (waited)
        atomic_fetch_add_explicit(&stat_waited, 1, memory_order_relaxed);
    if (gain < 1.0 + FNN_MIN_GAIN * (nthreads - 1) && waited)
        poor_ns += (double)wall;
    if (window_calls < FNN_REVIEW_CALLS)
        return;
    if (2 * poor_ns > window_ns) {
        atomic_store_explicit(&backoff_team, nthreads / 2 > 1 ? nthreads / 2 : 1, memory_order_relaxed);
        atomic_store_explicit(&backoff_until, now_ns() + (FNN_BACKOFF_NS << backoff_shift),
                              memory_order_relaxed);
        if (backoff_shift < 2)
            backoff_shift++;
    } else {
        backoff_shift = 0;
    }
    window_calls = 0;
    window_ns = poor_ns = 0;
}

/* The part index of a finished call: larger than any part count. */
#define CLOSED 0xFFFFFFFFu

/* The CPU the calling thread runs on, or -1. */
static int current_cpu(void)
{
#ifdef __linux__
    return sched_getcpu();
#else
    return -1;
#endif
}

/* A worker found on the caller's CPU shares that CPU with it: each runs
 * half the time while another CPU may sit idle (the kernel wakes a thread
 * where it last ran or beside its waker, and on some virtual machines takes
 * long to spread them again). The worker then moves itself once to a CPU of
 * its affinity set that no thread of the team was last seen on, and gives the kernel its whole set
 * back at once: a move, not a pin; the kernel may place it anywhere later.
 * It moves only while no more threads are runnable on the machine than it
 * has CPUs (so that some CPU has nothing to run): with another program
 * spinning on the other CPU, or numpy's BLAS threads, the kernel's choice
 * stands, and the review (below) sees the queueing and halves the team. A
 * worker that the kernel puts back beside the caller at its next wake-up
 * moves again, one system call each time. */
static _Thread_local int last_cpu = -1;

/* Threads runnable on the whole machine now (/proc/loadavg's fourth field,
 * this one included), or -1. */
static int runnable_now(void)
{
#ifdef __linux__
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    double l1, l5, l15;
    int running = -1;
    if (sscanf(buf, "%lf %lf %lf %d/", &l1, &l5, &l15, &running) != 4)
        return -1;
    return running;
#else
    return -1;
#endif
}

/* Move the calling thread off CPU `busy`, which it shares with the caller,
 * when no more threads are runnable than the machine has CPUs (so one CPU
 * has nothing to run: two of them are stacked here); returns 1 if it moved. */
static int move_off_cpu(int busy, int self)
{
#ifdef __linux__
    cpu_set_t all, one;
    if (sched_getaffinity(0, sizeof all, &all) != 0 || CPU_COUNT(&all) < 2)
        return 0;
    int runnable = runnable_now();
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (runnable < 0 || online < 1 || runnable > online)
        return 0;
    int n = atomic_load_explicit(&pool.nthreads, memory_order_relaxed) - 1, target = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE && target < 0; cpu++) {
        if (!CPU_ISSET(cpu, &all) || cpu == busy)
            continue;
        int used = 0;
        for (int id = 1; id <= n && !used; id++)
            used = id != self && atomic_load_explicit(&pool.slot[id].cpu, memory_order_relaxed) == cpu;
        if (!used)
            target = cpu;
    }
    if (target < 0)
        return 0;
    CPU_ZERO(&one);
    CPU_SET(target, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return 0;
    sched_setaffinity(0, sizeof all, &all);
    return 1;
#else
    (void)busy;
    (void)self;
    return 0;
#endif
}

static void unstack_from_caller(int id)
{
    int cpu = current_cpu();
    if (cpu < 0)
        return;
    if (cpu == atomic_load_explicit(&pool.master_cpu, memory_order_relaxed) &&
        move_off_cpu(cpu, id)) {
        cpu = current_cpu();
        /* the queueing so far was the team's own: no thread counts it */
        atomic_fetch_add_explicit(&team_moves, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&stat_moved, 1, memory_order_relaxed);
    }
    if (cpu != last_cpu) {
        last_cpu = cpu;
        atomic_store_explicit(&pool.slot[id].cpu, cpu, memory_order_relaxed);
    }
}

/* Wake worker id if it sleeps (its tree children are its own to wake). */
static void wake(int id)
{
    worker_slot *s = &pool.slot[id];
    if (atomic_exchange(&s->sleeping, 0)) {
        atomic_fetch_add(&s->seq, 1);
        unpark(&s->seq);
    }
}

/* A thread's share of call `gen`: claim parts until none is left. */
static void work_on(uint32_t gen, int id)
{
    if (id > 0) {
        int nt = atomic_load_explicit(&pool.nthreads, memory_order_relaxed);
        if (id >= nt)
            return;
        for (int child = 2 * id + 1; child <= 2 * id + 2 && child < nt; child++)
            wake(child);
        unstack_from_caller(id);
    }
    int parts_run = 0;
    uint64_t busy = 0;
    const int sampled = reviewed_call(gen);
    for (;;) {
        uint64_t w = atomic_load_explicit(&pool.word, memory_order_acquire);
        if ((uint32_t)(w >> 32) != gen)
            return;
        int nparts = atomic_load_explicit(&pool.nparts, memory_order_relaxed);
        uint32_t part = (uint32_t)w;
        if (part >= (uint32_t)nparts)
            return;
        /* the claim succeeds only while call `gen` is open (a finished call is
         * closed before its fields are reused), so the task, context and part
         * count read around it are this call's */
        if (!atomic_compare_exchange_weak_explicit(&pool.word, &w, w + 1, memory_order_acq_rel,
                                                   memory_order_relaxed))
            continue;
        fnn_task task = atomic_load_explicit(&pool.task, memory_order_relaxed);
        void *ctx = atomic_load_explicit(&pool.ctx, memory_order_relaxed);
        worker_slot *me = &pool.slot[id];
        if (sampled && parts_run == 0)   /* a look once per reviewed call */
            atomic_store_explicit(&me->stat_waited, waited_for_cpu(), memory_order_relaxed);
        uint64_t t0 = sampled ? cpu_ns() : 0;
        fnn_status st = task(ctx, (int)part, nparts);
        if (sampled) {              /* published before the part counts as done */
            parts_run++;
            busy += cpu_ns() - t0;
            if (parts_run == 1)
                atomic_store_explicit(&me->stat_gen, gen, memory_order_relaxed);
            atomic_store_explicit(&me->stat_ns, busy, memory_order_relaxed);
        }
        if (st != FNN_OK) {
            int ok = FNN_OK;
            atomic_compare_exchange_strong(&pool.status, &ok, (int)st);
        }
        unsigned d = atomic_fetch_add(&pool.done, 1) + 1;
        if (d == (unsigned)nparts && atomic_load(&pool.master_sleeping))
            unpark(&pool.done);
    }
}

/* Wait for a generation other than `seen`: spin a while, then sleep. */
static uint32_t current_gen(void)
{
    return (uint32_t)(atomic_load_explicit(&pool.word, memory_order_acquire) >> 32);
}

static int new_call(const void *seen)
{
    return current_gen() != *(const uint32_t *)seen;
}

static int all_done(const void *nparts)
{
    return atomic_load_explicit(&pool.done, memory_order_acquire) == *(const unsigned *)nparts;
}

static uint32_t wait_for_call(worker_slot *me, uint32_t seen)
{
    if (spin_until(new_call, &seen))
        return current_gen();
    for (;;) {
        unsigned s = atomic_load(&me->seq);
        atomic_store(&me->sleeping, 1);
        uint32_t g = (uint32_t)(atomic_load(&pool.word) >> 32);
        if (g != seen) {
            atomic_store(&me->sleeping, 0);
            return g;
        }
        park(&me->seq, s);
    }
}

typedef struct {
    int id;
    uint32_t gen;
} worker_start;

static void *worker_main(void *arg)
{
    worker_start start = *(worker_start *)arg;
    free(arg);
    inside_pool = 1;
    worker_slot *me = &pool.slot[start.id];
    uint32_t seen = start.gen;
    for (;;) {
        seen = wait_for_call(me, seen);
        work_on(seen, start.id);
    }
    return NULL;
}

/* Start workers up to `want` (called with the lock held); returns how many run. */
static int grow_pool(int want)
{
    if (want > FNN_MAX_WORKERS)
        want = FNN_MAX_WORKERS;
    if (want <= pool.nworkers)
        return pool.nworkers;
    if (!pool.slot) {
        void *p = NULL;
        if (posix_memalign(&p, 64, sizeof(worker_slot) * (FNN_MAX_WORKERS + 1)) != 0)
            return pool.nworkers;
        memset(p, 0, sizeof(worker_slot) * (FNN_MAX_WORKERS + 1));
        pool.slot = p;
    }
    /* workers take no signals: Ctrl-C goes to the Python thread */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    uint32_t gen = (uint32_t)(atomic_load(&pool.word) >> 32);
    while (pool.nworkers < want) {
        int id = pool.nworkers + 1;
        worker_start *arg = malloc(sizeof *arg);
        if (!arg)
            break;
        arg->id = id;
        arg->gen = gen;
        atomic_store(&pool.slot[id].sleeping, 0);
        atomic_store(&pool.slot[id].cpu, -1);
        pthread_t tid;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&tid, &attr, worker_main, arg);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            free(arg);
            break;
        }
        pool.nworkers = id;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pool.nworkers;
}

/* A forked child has none of its parent's workers: start afresh. */
static void forget_pool_in_child(void)
{
    if (schedstat_fd >= 0)      /* the parent's thread's file */
        close(schedstat_fd);
    schedstat_fd = -1;
    seen_run = seen_wait = 0;
    waited_verdict = 0;
    pthread_mutex_init(&pool.lock, NULL);
    pool.nworkers = 0;
    inside_pool = 0;
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void install_atfork(void)
{
    pthread_atfork(NULL, NULL, forget_pool_in_child);
}

static fnn_status run_serial(int nparts, fnn_task task, void *ctx)
{
    fnn_status status = FNN_OK;
    for (int part = 0; part < nparts; part++) {
        fnn_status st = task(ctx, part, nparts);
        if (st != FNN_OK && status == FNN_OK)
            status = st;
    }
    return status;
}

fnn_status fnn_parallel(int nthreads, int nparts, fnn_task task, void *ctx)
{
    if (nparts <= 0)
        return FNN_OK;
    if (nthreads > nparts)
        nthreads = nparts;
    if (nthreads <= 1 || inside_pool)
        return run_serial(nparts, task, ctx);
    pthread_once(&atfork_once, install_atfork);
    if (pthread_mutex_trylock(&pool.lock) != 0)   /* another Python thread's call */
        return run_serial(nparts, task, ctx);
    int have = grow_pool(nthreads - 1);
    if (nthreads > have + 1)
        nthreads = have + 1;
    if (nthreads <= 1) {
        pthread_mutex_unlock(&pool.lock);
        return run_serial(nparts, task, ctx);
    }
    inside_pool = 1;
    atomic_store_explicit(&pool.task, task, memory_order_relaxed);
    atomic_store_explicit(&pool.ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&pool.nparts, nparts, memory_order_relaxed);
    atomic_store_explicit(&pool.nthreads, nthreads, memory_order_relaxed);
    atomic_store_explicit(&pool.status, FNN_OK, memory_order_relaxed);
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.master_sleeping, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.master_cpu, current_cpu(), memory_order_relaxed);
    uint32_t gen = (uint32_t)(atomic_load(&pool.word) >> 32) + 1;
    uint64_t started = now_ns();
    atomic_store(&pool.word, (uint64_t)gen << 32);     /* publish: parts from 0 */
    for (int child = 1; child <= 2 && child < nthreads; child++)
        wake(child);
    work_on(gen, 0);
    /* wait for parts still running elsewhere: spin a while, then give the
     * CPU away between looks for up to FNN_YIELD_NS, then sleep */
    const unsigned want = (unsigned)nparts;
    if (!spin_until(all_done, &want) && !yield_until(all_done, &want)) {
        atomic_store(&pool.master_sleeping, 1);
        for (unsigned d; (d = atomic_load(&pool.done)) != want;)
            park(&pool.done, d);
    }
    /* close the call before the next one rewrites task, context and part
     * count: a thread that read (gen, nparts) just before the last part was
     * claimed must not claim "part nparts" once a longer call's count is in */
    atomic_store(&pool.word, ((uint64_t)gen << 32) | CLOSED);
    review_call(gen, nthreads, nparts, now_ns() - started);
    fnn_status status = (fnn_status)atomic_load(&pool.status);
    inside_pool = 0;
    pthread_mutex_unlock(&pool.lock);
    return status;
}

/* ---- scratch ----------------------------------------------------------- */

/* Each thread keeps a few growing buffers for packed panels; pool workers
 * persist between calls, so they are reused call after call. */
static _Thread_local void *scratch_ptr[FNN_SCRATCH_SLOTS];
static _Thread_local size_t scratch_size[FNN_SCRATCH_SLOTS];

void *fnn_scratch(int slot, size_t bytes)
{
    if (slot < 0 || slot >= FNN_SCRATCH_SLOTS)
        return NULL;
    if (bytes <= scratch_size[slot])
        return scratch_ptr[slot];
    size_t want = (bytes + FNN_ALIGN - 1) / FNN_ALIGN * FNN_ALIGN;
    void *p = NULL;
    if (posix_memalign(&p, FNN_ALIGN, want) != 0)
        return NULL;
    free(scratch_ptr[slot]);
    scratch_ptr[slot] = p;
    scratch_size[slot] = want;
    return p;
}
