// One request builder for both upstream protocols: forward.cc prepares the
// request (filters, X-Forwarded-*, rewrites, hop-by-hop fields); for an
// HTTP/2 upstream it is written here as fields: method, Host and target as
// pseudo-header fields (:scheme http, h2c), names lower case,
// connection-specific fields dropped (RFC 9113 §8.2.2, §8.3.1), and
// "te: trailers" added when asked (gRPC servers require it).
#pragma once

#include <string_view>

#include "dataplane/forward.h"
#include "dataplane/h2_client.h"

namespace portico::dataplane {

FieldList upstreamH2Fields(const UpstreamRequest& u, bool teTrailers);

// The same from an HTTP/1.1 head forward.cc already wrote (the HTTP/1.1
// session hands its attempts and mirrors the head, not the prepared
// request).
FieldList h1HeadToH2Fields(std::string_view head, bool teTrailers);

}  // namespace portico::dataplane
