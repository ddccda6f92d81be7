// One request head builder for both upstream protocols: forward.cc builds
// the HTTP/1.1 head (filters, X-Forwarded-*, rewrites, hop-by-hop fields);
// for an HTTP/2 upstream it is converted here: request line and Host to
// pseudo-header fields (:scheme http, h2c), names lower case,
// connection-specific fields dropped (RFC 9113 §8.2.2, §8.3.1), and
// "te: trailers" added when asked (gRPC servers require it).
#pragma once

#include <string_view>

#include "dataplane/h2_client.h"

namespace portico::dataplane {

FieldList h1HeadToH2Fields(std::string_view head, bool teTrailers);

}  // namespace portico::dataplane
