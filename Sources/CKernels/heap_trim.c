// Returns the heap's free pages to the OS (glibc keeps them for reuse): after a model is unloaded, RSS
// then shows the memory it held. Large blocks are mapped and unmapped directly (LargeAllocation.swift);
// this covers the many small ones.
#include "ckernels.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void clip_heap_trim(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
