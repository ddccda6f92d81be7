// Access-log lines (no sockets, no Asio): the facts a session records
// about one request and the two line formats of `portico run --access-log`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/server.h"
#include "dataplane/stats.h"

namespace portico::dataplane {

// The facts of one request kept for the access log.
struct RequestRecord {
  std::chrono::steady_clock::time_point start;
  std::string method, host, path, route, upstream, requestId;
  // Why the upstream connection failed when that decided the answer, e.g.
  // "tls:unknown_ca" (docs/backend-tls.md); empty otherwise.
  std::string upstreamError;
  int status = 0;
  uint64_t bytesOut = 0;
  RequestProtocol protocol = RequestProtocol::Http1;
};

// "2025-01-31T10:42:07.123Z": UTC with milliseconds, as access-log lines
// carry it (also the /access-log ring's stamps).
std::string utcTimestamp(std::chrono::system_clock::time_point t);

// One line, without the trailing newline.
//
// Json: {"method","host","path","status","duration_ms","bytes","route",
//   "upstream","request_id","client"}, strings JSON-escaped.
// Text (nginx "combined"-like, one request per line, fields separated by
//   single spaces, "-" for an empty field):
//     CLIENT [TIME] "METHOD PATH" STATUS BYTES DURATIONms host=HOST route=ROUTE upstream=UPSTREAM
//     request_id=ID
//   and, when set, " upstream_error=ERROR" ("upstream_error" in JSON).
//   TIME is UTC, RFC 3339 with milliseconds (`now`). Like nginx's
//   escape=default, '"', '\', spaces, control and non-ASCII bytes are
//   written as \xHH so a client-supplied value (X-Request-Id) cannot forge
//   fields or lines.
std::string formatAccessLog(AccessLogFormat format, const RequestRecord& r, std::string_view client,
                            double durationMs, std::chrono::system_clock::time_point now);

}  // namespace portico::dataplane
