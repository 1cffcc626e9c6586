// See thread_pool.h. Jobs are published as a 64-bit ticket, generation << 32 | next chunk: a worker claims a
// chunk with one compare-and-swap, which fails if a newer job replaced the one it saw, so a late worker can
// never run a chunk of a job it did not read.
#include "thread_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#define MAX_WORKERS 63
// ~50-100 µs of spinning before a worker parks: longer than the gaps between a forward pass's loops.
#define SPIN_ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static _Atomic uint64_t ticket;
static _Atomic long done;
static _Atomic long sleepers;
static _Atomic int busy;
static long started;                 // workers created so far (under `lock`)
// The job, written before its ticket is published (atomic only so that a late worker's read of a field
// being rewritten for the next job is defined; its claim then fails on the ticket).
static _Atomic(clip_pool_body) job_body;
static _Atomic(void *) job_context;
static _Atomic long job_chunks;
static _Atomic long job_workers;  // workers with an index below this take part (the caller's thread count − 1)

static inline void relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

// Claims and runs chunks of the job with generation `generation` until none are left.
static void work(uint32_t generation) {
    uint64_t seen = atomic_load(&ticket);
    for (;;) {
        if ((uint32_t)(seen >> 32) != generation || (long)(seen & 0xFFFFFFFF) >= job_chunks) return;
        if (atomic_compare_exchange_weak(&ticket, &seen, seen + 1)) {
            job_body(job_context, (long)(seen & 0xFFFFFFFF));
            atomic_fetch_add(&done, 1);
            seen = atomic_load(&ticket);
        }
    }
}

static void *worker(void *argument) {
    long index = (long)(intptr_t)argument;
    uint32_t last = (uint32_t)(atomic_load(&ticket) >> 32);
    for (;;) {
        uint32_t generation = last;
        for (int i = 0; i < SPIN_ROUNDS && generation == last; i++) {
            relax();
            generation = (uint32_t)(atomic_load(&ticket) >> 32);
        }
        if (generation == last) {
            pthread_mutex_lock(&lock);
            atomic_fetch_add(&sleepers, 1);
            while ((generation = (uint32_t)(atomic_load(&ticket) >> 32)) == last) pthread_cond_wait(&wake, &lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&lock);
        }
        last = generation;
        if (index < atomic_load(&job_workers)) work(generation);
    }
    return 0;
}

int clip_pool_run(long chunks, long workers, clip_pool_body body, void *context) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&busy, &expected, 1)) return 0;
    if (workers > MAX_WORKERS) workers = MAX_WORKERS;
    if (started < workers) {
        pthread_mutex_lock(&lock);
        while (started < workers) {
            pthread_t thread;
            if (pthread_create(&thread, 0, worker, (void *)(intptr_t)started) != 0) break;
            pthread_detach(thread);
            started++;
        }
        pthread_mutex_unlock(&lock);
    }
    job_body = body;
    job_context = context;
    job_chunks = chunks;
    job_workers = workers;
    atomic_store(&done, 0);
    uint32_t generation = (uint32_t)(atomic_load(&ticket) >> 32) + 1;
    atomic_store(&ticket, (uint64_t)generation << 32);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    work(generation);
    for (long spins = 0; atomic_load(&done) < chunks; spins++) {
        if (spins < SPIN_ROUNDS) relax(); else sched_yield();
    }
    atomic_store(&busy, 0);
    return 1;
}
