/* usable_cpus.c — how many CPUs this process may use: the CPUs of its
 * affinity mask, within the CPU quota of its cgroup (a container limited to
 * 2 CPUs on a 64-core host may use 2). fastnn's thread count never goes above
 * it (threads.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastnn.h"

/* ceil(quota / period) of a cgroup CPU limit, 0 when there is none. */
static int quota_cpus(long long quota, long long period)
{
    if (quota <= 0 || period <= 0)
        return 0;
    long long n = (quota + period - 1) / period;
    return n < 1 ? 1 : (n > (1 << 16) ? 1 << 16 : (int)n);
}

static int read_two_numbers(const char *path, long long *a, long long *b)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char text[64] = {0};
    int got = 0;
    if (fgets(text, sizeof text, f)) {
        if (strncmp(text, "max", 3) == 0) {     /* cgroup v2: "max 100000" */
            *a = -1;
            got = sscanf(text + 3, "%lld", b) == 1 ? 2 : 0;
        } else {
            got = sscanf(text, "%lld %lld", a, b);
        }
    }
    fclose(f);
    return got;
}

static int read_number(const char *path, long long *v)
{
    long long unused;
    return read_two_numbers(path, v, &unused) >= 1;
}

/* The tightest CPU quota on the path from a process's cgroup (as listed in
 * proc_file, /proc/self/cgroup) to the root of the hierarchy mounted at root
 * (/sys/fs/cgroup): cgroup v2 cpu.max, or v1 cpu.cfs_quota_us and
 * cpu.cfs_period_us; 0 when there is none. */
int fnn_cgroup_cpus(const char *proc_file, const char *root)
{
#ifdef __linux__
    FILE *f = fopen(proc_file, "r");
    if (!f)
        return 0;
    char line[1024], v2[512] = "", v1[512] = "";
    int have_v2 = 0, have_v1 = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || strlen(c2 + 1) >= sizeof v2)
            continue;
        *c1 = 0;                                    /* "id:controllers:path" */
        *c2 = 0;
        const char *ctrl = c1 + 1, *path = c2 + 1;
        if (strncmp(line, "0", 2) == 0 && *ctrl == 0) {
            strcpy(v2, path);
            have_v2 = 1;
        }
        /* v1: the hierarchy whose controller list has "cpu" */
        for (const char *p = ctrl; *p;) {
            size_t len = strcspn(p, ",");
            if (len == 3 && strncmp(p, "cpu", 3) == 0) {
                strcpy(v1, path);
                have_v1 = 1;
            }
            p += len + (p[len] == ',');
        }
    }
    fclose(f);
    int best = 0;
    char dir[1200], file[1300];
    long long q, per;
    const size_t root_len = strlen(root);
    if (root_len > 600)
        return 0;
    if (have_v2) {
        snprintf(dir, sizeof dir, "%s%s", root, v2);
        for (;;) {                                  /* walk up to the root */
            snprintf(file, sizeof file, "%s/cpu.max", dir);
            if (read_two_numbers(file, &q, &per) == 2) {
                int n = quota_cpus(q, per);
                if (n && (!best || n < best))
                    best = n;
            }
            char *slash = strrchr(dir, '/');
            if (!slash || (size_t)(slash - dir) < root_len)
                break;
            *slash = 0;
        }
    }
    if (have_v1) {
        const char *mounts[] = {"cpu", "cpu,cpuacct"};
        for (int r = 0; r < 2; r++)
            for (int with_path = 1; with_path >= 0; with_path--) {
                snprintf(dir, sizeof dir, "%s/%s%s", root, mounts[r], with_path ? v1 : "");
                long long qq, pp;
                snprintf(file, sizeof file, "%s/cpu.cfs_quota_us", dir);
                if (!read_number(file, &qq))
                    continue;
                snprintf(file, sizeof file, "%s/cpu.cfs_period_us", dir);
                if (!read_number(file, &pp))
                    continue;
                int n = quota_cpus(qq, pp);
                if (n && (!best || n < best))
                    best = n;
            }
    }
    return best;
#else
    (void)proc_file;
    (void)root;
    return 0;
#endif
}

/* CPUs in this process's affinity mask (the online CPUs where there is no
 * mask to read). */
static int affinity_cpus(void)
{
#ifdef __linux__
    for (int ncpu = 1024; ncpu <= (1 << 16); ncpu *= 4) {
        cpu_set_t *set = CPU_ALLOC(ncpu);
        if (!set)
            break;
        size_t size = CPU_ALLOC_SIZE(ncpu);
        int ok = sched_getaffinity(0, size, set) == 0;
        int n = ok ? CPU_COUNT_S(size, set) : 0;
        CPU_FREE(set);
        if (ok)
            return n > 0 ? n : 1;
        if (errno != EINVAL)
            break;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static atomic_int usable_cpus = 0;      /* 0: not measured yet */
static atomic_int usable_override = 0;  /* >0: fnn_set_usable_cpus said so */

void fnn_refresh_usable_cpus(void)
{
    int n = affinity_cpus(), q = fnn_cgroup_cpus("/proc/self/cgroup", "/sys/fs/cgroup");
    if (q > 0 && q < n)
        n = q;
    atomic_store_explicit(&usable_cpus, n, memory_order_relaxed);
}

int fnn_get_usable_cpus(void)
{
    int o = atomic_load_explicit(&usable_override, memory_order_relaxed);
    if (o > 0)
        return o;
    int n = atomic_load_explicit(&usable_cpus, memory_order_relaxed);
    if (n == 0) {
        fnn_refresh_usable_cpus();
        n = atomic_load_explicit(&usable_cpus, memory_order_relaxed);
    }
    return n;
}

void fnn_set_usable_cpus(int n)
{
    atomic_store_explicit(&usable_override, n > 0 ? n : 0, memory_order_relaxed);
}
