#ifndef DARKROOM_CMEMORY_H
#define DARKROOM_CMEMORY_H

/* glibc's allocator controls, which Swift's Glibc module does not carry (malloc.h). */
void dr_malloc_tune(int arenas, int mmap_threshold, int keep_arenas, int keep_threshold);
void dr_malloc_trim(void);

#endif
