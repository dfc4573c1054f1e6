// The open(2) flag for direct I/O, which Swift's Glibc module does not export (it needs
// _GNU_SOURCE) and whose value differs between processor architectures. 0 where there is none.
#ifndef CDIRECTIO_H
#define CDIRECTIO_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>

#ifdef O_DIRECT
static inline int fr_o_direct(void) { return O_DIRECT; }
#else
static inline int fr_o_direct(void) { return 0; }
#endif

#endif
