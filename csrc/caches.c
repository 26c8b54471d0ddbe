/* caches.c — the data caches of the CPU, read once at first use, for the
 * GEMM's cache blocks (gemm_blocks in gemm_impl.h): Linux's sysfs (cpu0's
 * cache/index*: level, type, size, and how many CPUs share it), else CPUID's
 * deterministic cache leaves (Intel's leaf 4, AMD's 0x8000001D), else none
 * (zeros: the entry's own blocks are used). FASTNN_CACHES="l1d,l2,l3" in
 * bytes overrides them (to try blocks for another machine), and
 * FASTNN_CACHES=cpuid skips sysfs (to test the CPUID reader). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef FNN_X86_64
#include <cpuid.h>
#endif

static fnn_caches caches;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* "32K", "1024K", "32M" or plain bytes; 0 if unreadable */
static fnn_int read_size(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char unit = 0;
    long long v = 0;
    int n = fscanf(f, "%lld%c", &v, &unit);
    fclose(f);
    if (n < 1 || v <= 0)
        return 0;
    return (fnn_int)(unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : unit == 'G' ? v << 30 : v);
}

static int read_text(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    buf[strcspn(buf, "\n")] = 0;
    return ok;
}

/* CPUs in a list like "0-3,8,10-11" */
static int count_cpus(const char *list)
{
    int count = 0;
    for (const char *p = list; *p;) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p)
            break;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        count += b >= a ? (int)(b - a + 1) : 1;
        p = *end == ',' ? end + 1 : end;
        if (*end != ',')
            break;
    }
    return count > 0 ? count : 1;
}

/* Store a data (or unified) cache of `level`, `size` bytes shared by `sharing`
 * CPUs: the last level's share of one CPU. */
static void note(int level, fnn_int size, int sharing)
{
    if (level == 1 && !caches.l1d)
        caches.l1d = size;
    else if (level == 2 && !caches.l2)
        caches.l2 = size;
    else if (level == 3 && !caches.l3)
        caches.l3 = size / (sharing > 0 ? sharing : 1);
}

static int from_sysfs(void)
{
    char path[128], text[256];
    int found = 0;
    for (int i = 0; i < 16; i++) {
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if (!read_text(path, text, sizeof text))
            break;
        if (strcmp(text, "Data") != 0 && strcmp(text, "Unified") != 0)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        int level = read_text(path, text, sizeof text) ? atoi(text) : 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        fnn_int size = read_size(path);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", i);
        int sharing = read_text(path, text, sizeof text) ? count_cpus(text) : 1;
        if (level > 0 && size > 0) {
            note(level, size, sharing);
            found = 1;
        }
    }
    return found;
}

#ifdef FNN_X86_64
/* CPUID's deterministic cache parameters, leaf 4 (Intel) or 0x8000001D (AMD):
 * one subleaf a cache, until the type field reads 0. */
static int from_cpuid(void)
{
    unsigned a, b, c, d, leaf;
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return 0;
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    if (strcmp(vendor, "GenuineIntel") == 0 && a >= 4)
        leaf = 4;
    else if ((strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0) &&
             __get_cpuid_max(0x80000000u, 0) >= 0x8000001Du)
        leaf = 0x8000001Du;
    else
        return 0;
    int found = 0;
    for (unsigned i = 0; i < 16; i++) {
        __cpuid_count(leaf, i, a, b, c, d);
        unsigned type = a & 31, level = (a >> 5) & 7;
        if (type == 0)
            break;
        if (type != 1 && type != 3)         /* data or unified */
            continue;
        fnn_int size = (fnn_int)((b >> 22) + 1) * (((b >> 12) & 1023) + 1) * ((b & 4095) + 1) *
                       ((fnn_int)c + 1);
        note((int)level, size, (int)((a >> 14) & 4095) + 1);
        found = 1;
    }
    return found;
}
#endif

static void read_caches(void)
{
    const char *env = getenv("FASTNN_CACHES");
    long long l1 = 0, l2 = 0, l3 = 0;
    if (env && sscanf(env, "%lld,%lld,%lld", &l1, &l2, &l3) == 3 && l1 > 0 && l2 > 0 && l3 >= 0) {
        caches = (fnn_caches){.l1d = (fnn_int)l1, .l2 = (fnn_int)l2, .l3 = (fnn_int)l3,
                              .source = "FASTNN_CACHES"};
        return;
    }
    int cpuid_only = env && strcmp(env, "cpuid") == 0;
    if (!cpuid_only && from_sysfs()) {
        caches.source = "sysfs";
        return;
    }
    caches = (fnn_caches){0};
#ifdef FNN_X86_64
    if (from_cpuid()) {
        caches.source = "cpuid";
        return;
    }
#endif
    caches = (fnn_caches){.source = "none"};
}

const fnn_caches *fnn_cpu_caches(void)
{
    pthread_once(&once, read_caches);
    return &caches;
}
