// The search kernels are header-only (static inline, so they inline into the Swift callers); this file
// makes the C target buildable.
#include "prefetch.h"
#include "half_vectors.h"
