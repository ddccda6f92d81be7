#include "dataplane/access_log.h"

#include <fmt/format.h>

#include <ctime>

namespace portico::dataplane {
namespace {

void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through
        }
    }
  }
  out += '"';
}

// nginx's escape=default: printable ASCII as is, the rest as \xHH. Spaces
// are escaped too, so every field stays one token.
void appendTextField(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '-';
    return;
  }
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02X}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
}

}  // namespace

std::string utcTimestamp(std::chrono::system_clock::time_point now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

std::string formatAccessLog(AccessLogFormat format, const RequestRecord& r, std::string_view client,
                            double durationMs, std::chrono::system_clock::time_point now) {
  std::string out;
  out.reserve(256);
  if (format == AccessLogFormat::Json) {
    out += "{\"method\":";
    appendJsonString(out, r.method);
    out += ",\"host\":";
    appendJsonString(out, r.host);
    out += ",\"path\":";
    appendJsonString(out, r.path);
    out += fmt::format(",\"status\":{},\"duration_ms\":{:.3f},\"bytes\":{},\"route\":", r.status, durationMs,
                       r.bytesOut);
    appendJsonString(out, r.route);
    out += ",\"upstream\":";
    appendJsonString(out, r.upstream);
    out += ",\"request_id\":";
    appendJsonString(out, r.requestId);
    out += ",\"client\":";
    appendJsonString(out, client);
    if (!r.upstreamError.empty()) {
      out += ",\"upstream_error\":";
      appendJsonString(out, r.upstreamError);
    }
    out += '}';
    return out;
  }
  appendTextField(out, client);
  out += " [";
  out += utcTimestamp(now);
  out += "] \"";
  appendTextField(out, r.method);
  out += ' ';
  appendTextField(out, r.path);
  out += fmt::format("\" {} {} {:.3f}ms host=", r.status, r.bytesOut, durationMs);
  appendTextField(out, r.host);
  out += " route=";
  appendTextField(out, r.route);
  out += " upstream=";
  appendTextField(out, r.upstream);
  out += " request_id=";
  appendTextField(out, r.requestId);
  if (!r.upstreamError.empty()) {
    out += " upstream_error=";
    appendTextField(out, r.upstreamError);
  }
  return out;
}

}  // namespace portico::dataplane
