// glibc's malloc settings (mallopt), which Swift's Glibc module does not export (malloc.h).
// Does nothing with another C library.
#ifndef CMALLOC_H
#define CMALLOC_H

#include <stdlib.h>   // defines __GLIBC__ with glibc
#ifdef __GLIBC__
#include <malloc.h>
#endif

/// Freed blocks below `mmap_threshold` bytes are kept for reuse and a heap's free top is handed
/// back only past `trim_threshold` bytes (glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD).
static inline void fr_keep_freed_memory(int mmap_threshold, int trim_threshold) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
#endif
}

#endif
