#ifndef CLIP_PREFETCH_H
#define CLIP_PREFETCH_H
// Swift has no prefetch intrinsic; graph search wants the next neighbour's vector on its way while the
// current one is scored.
static inline void clip_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
#endif
