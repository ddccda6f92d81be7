// The HTTP/1.1 codec in one include: head parsing, chunked decoding and
// serialisation helpers. Pure functions over byte buffers (no sockets).
#pragma once

#include "http1/chunked.h"    // IWYU pragma: export
#include "http1/header.h"     // IWYU pragma: export
#include "http1/parser.h"     // IWYU pragma: export
#include "http1/serialize.h"  // IWYU pragma: export
