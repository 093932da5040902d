#include "CMemory.h"
#include <malloc.h>

void dr_malloc_tune(int arenas, int mmap_threshold, int keep_arenas, int keep_threshold) {
    if (!keep_arenas) mallopt(M_ARENA_MAX, arenas);
    if (!keep_threshold) mallopt(M_MMAP_THRESHOLD, mmap_threshold);
}

void dr_malloc_trim(void) { malloc_trim(0); }
