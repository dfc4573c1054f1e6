// libxml2, the system library (Debian: libxml2-dev), for streaming XML input.
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
