// libxml2, the system library (Debian: libxml2-dev), for streaming XML input.
//
// Debian builds libxml2 with ICU, and its encoding header then includes the system's ICU headers,
// whose declarations clash with the ICU that Foundation carries ("UErrorCode has different
// definitions in different modules") in every module that sees both. FairRecruit only ever hands
// libxml2 UTF-8 and never touches an encoding handler except through a pointer, so the ICU part of
// the header is left out; the library itself is unchanged.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
