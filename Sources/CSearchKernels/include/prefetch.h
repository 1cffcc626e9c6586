#ifndef CLIP_PREFETCH_H
#define CLIP_PREFETCH_H
// Swift has no prefetch intrinsic; graph search wants the next neighbour's vector on its way while the
// current one is scored.
static inline void clip_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
// A whole vector: the graph search reads `lines` cache lines from `address` next.
static inline void clip_prefetch_lines(const void *address, int lines) {
    const char *p = (const char *)address;
    for (int i = 0; i < lines; i++) __builtin_prefetch(p + 64 * i, 0, 3);
}
#endif
