// The module is header-only (a static inline function); SwiftPM needs one source file for a C target.
#include "CMalloc.h"
