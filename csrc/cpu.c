/* cpu.c — which entry of the kernel table runs (arch/arch.h).
 *
 * The entries, best first (arch/entries.h); the first one this CPU supports
 * (its probe: CPUID and XGETBV) and that passes its self-check
 * (arch/selfcheck.c) on first use is the default. FASTNN_SIMD=<name> asks for another entry, test entries
 * included; an entry the CPU lacks, or one that fails its self-check, is
 * passed over for the default with a warning that the bindings raise once
 * (fnn_simd_take_warning). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *fnn_arch_selfcheck(const fnn_arch *e);

static const fnn_arch *const entries[] = {
#define FNN_ENTRY(name) &fnn_arch_##name,
#include "arch/entries.h"
#undef FNN_ENTRY
};
#define NENTRIES ((int)(sizeof(entries) / sizeof(entries[0])))

static const fnn_arch *_Atomic current = &fnn_arch_generic;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int initialised = 0;
static signed char checked[NENTRIES];   /* 0 not yet, 1 passed, -1 failed */
static char warning[512];

static int find(const char *name)
{
    for (int i = 0; i < NENTRIES; i++)
        if (name && strcmp(entries[i]->name, name) == 0)
            return i;
    return -1;
}

/* supported and self-checked (lock held); a failure leaves a warning */
static int usable(int i)
{
    if (!entries[i]->supported())
        return 0;
    if (checked[i] == 0) {
        const char *why = entries[i] == &fnn_arch_generic ? NULL : fnn_arch_selfcheck(entries[i]);
        checked[i] = why ? -1 : 1;
        if (why)
            snprintf(warning, sizeof(warning),
                     "fastnn: the %s kernels failed their self-check (%s) and are disabled",
                     entries[i]->name, why);
    }
    return checked[i] > 0;
}

/* the best default entry (lock held) */
static const fnn_arch *best(void)
{
    for (int i = 0; i < NENTRIES; i++)
        if (!entries[i]->test_only && usable(i))
            return entries[i];
    return &fnn_arch_generic;
}

void fnn_cpu_init(void)
{
    pthread_mutex_lock(&lock);
    if (!initialised) {
        initialised = 1;
        const char *env = getenv("FASTNN_SIMD");
        const fnn_arch *pick = NULL;
        if (env && *env) {
            int i = find(env);
            if (i >= 0 && usable(i))
                pick = entries[i];
            else if (i < 0 || !entries[i]->supported())
                snprintf(warning, sizeof(warning),
                         i < 0 ? "fastnn: FASTNN_SIMD=%s names no kernel set of this build"
                               : "fastnn: FASTNN_SIMD=%s: this CPU cannot run those kernels",
                         env);
        }
        if (!pick)
            pick = best();
        current = pick;
    }
    pthread_mutex_unlock(&lock);
}

const fnn_arch *fnn_cur_arch(void)
{
    if (!initialised)
        fnn_cpu_init();
    return current;
}

int fnn_simd_count(void)
{
    return NENTRIES;
}

const char *fnn_simd_entry(int i, int *test_only)
{
    if (i < 0 || i >= NENTRIES)
        return NULL;
    if (test_only)
        *test_only = entries[i]->test_only;
    return entries[i]->name;
}

const char *fnn_simd_current(void)
{
    return fnn_cur_arch()->name;
}

int fnn_simd_supported(const char *name)
{
    int i = find(name);
    return i >= 0 && entries[i]->supported();
}

int fnn_simd_set(const char *name)
{
    fnn_cpu_init();
    int i = find(name);
    if (i < 0)
        return -1;
    if (!entries[i]->supported())
        return -2;
    pthread_mutex_lock(&lock);
    int ok = usable(i);
    current = ok ? entries[i] : best();
    pthread_mutex_unlock(&lock);
    return ok ? 0 : -3;
}

int fnn_simd_take_warning(char *buf, int size)
{
    pthread_mutex_lock(&lock);
    int have = warning[0] != 0;
    if (have) {
        snprintf(buf, (size_t)size, "%s", warning);
        warning[0] = 0;
    }
    pthread_mutex_unlock(&lock);
    return have;
}

#ifndef FNN_BUILD_FLAGS
#define FNN_BUILD_FLAGS "unknown"
#endif

const char *fnn_compiler(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown";
#endif
}

const char *fnn_build_flags(void)
{
    return FNN_BUILD_FLAGS;
}
