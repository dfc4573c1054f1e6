// A software prefetch, which Swift has no spelling for: the ledger asks for the hash-table slots of
// rows a few places ahead, so that their cache misses overlap instead of coming one after another.
#ifndef CPREFETCH_H
#define CPREFETCH_H

static inline void fr_prefetch(const void *address) { __builtin_prefetch(address, 1, 3); }

#endif
