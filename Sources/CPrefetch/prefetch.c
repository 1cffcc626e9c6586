// The prefetch helper is header-only (static inline); this file makes the C target buildable.
#include "prefetch.h"
