#ifndef CLIP_THREAD_POOL_H
#define CLIP_THREAD_POOL_H
// A small worker pool for the model's data-parallel loops (one job at a time).
//
// A forward pass runs ~90 parallel loops per image; at batch 1 each is ~100 µs of work, so waking a parked
// thread per loop (what DispatchQueue.concurrentPerform does) costs a large share of it. Here the workers
// spin briefly on a ticket before they park, and chunks are claimed, not assigned: a worker that is slow to
// wake finds its chunk already done by the caller instead of holding everyone up.

/// One chunk of a job: `body(context, chunk)`.
typedef void (*clip_pool_body)(void *context, long chunk);

/// Runs `body(context, c)` for every c in [0, chunks) on the caller and up to `workers` pool threads, and
/// returns 1 when all are done. Returns 0 without running anything when the pool is busy with another
/// caller's job (the caller then runs its job some other way).
int clip_pool_run(long chunks, long workers, clip_pool_body body, void *context);

#endif
