#include "http1/serialize.h"

#include <charconv>

#include "http1/tokens.h"

namespace portico::http1 {

namespace {

void appendNumber(std::string& out, uint64_t n, int base) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n, base);
  out.append(buf, r.ptr);
}

}  // namespace

void appendChunkHeader(std::string& out, uint64_t size) {
  appendNumber(out, size, 16);
  out += "\r\n";
}

void appendLastChunk(std::string& out, const std::vector<std::pair<std::string, std::string>>& trailers) {
  out += "0\r\n";
  for (const auto& [name, value] : trailers) appendHeader(out, name, value);
  out += "\r\n";
}

void appendStatusLine(std::string& out, int status, std::string_view reason, int versionMinor) {
  out += versionMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
  appendNumber(out, static_cast<uint64_t>(status), 10);
  out += ' ';
  out += reason.empty() ? reasonPhrase(status) : reason;
  out += "\r\n";
}

void appendRequestLine(std::string& out, std::string_view method, std::string_view target, int versionMinor) {
  out += method;
  out += ' ';
  out += target;
  out += versionMinor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n";
}

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void appendHeaders(std::string& out, const std::vector<Header>& headers) {
  for (const Header& h : headers) appendHeader(out, h.name, h.value);
}

void appendEndToEndHeaders(std::string& out, const std::vector<Header>& headers) {
  const HopByHop hop(headers);
  for (const Header& h : headers) {
    if (!hop(h.name)) appendHeader(out, h.name, h.value);
  }
}

std::string_view reasonPhrase(int status) {
  // RFC 9110 §15.
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

bool isHopByHop(std::string_view name) {
  switch (name.size()) {
    case 2:
      return iequals(name, "te");
    case 7:
      return iequals(name, "trailer") || iequals(name, "upgrade");
    case 10:
      return iequals(name, "connection") || iequals(name, "keep-alive");
    case 16:
      return iequals(name, "proxy-connection");
    case 17:
      return iequals(name, "transfer-encoding");
    default:
      return false;
  }
}

bool connectionHas(const std::vector<Header>& headers, std::string_view option) {
  bool found = false;
  for (const Header& h : headers) {
    if (found || !iequals(h.name, "connection")) continue;
    detail::forEachListElement(h.value, [&](std::string_view opt) { found = found || iequals(opt, option); });
  }
  return found;
}

bool isHopByHop(std::string_view name, const std::vector<Header>& headers) {
  return isHopByHop(name) || connectionHas(headers, name);
}

HopByHop::HopByHop(const std::vector<Header>& headers) {
  for (const Header& h : headers) {
    if (overflow_ || !iequals(h.name, "connection")) continue;
    detail::forEachListElement(h.value, [&](std::string_view opt) {
      if (overflow_) return;
      if (count_ == kInline) {
        overflow_ = &headers;
        return;
      }
      options_[count_++] = opt;
    });
  }
}

bool HopByHop::operator()(std::string_view name) const {
  if (isHopByHop(name)) return true;
  if (overflow_) return connectionHas(*overflow_, name);
  for (size_t i = 0; i < count_; ++i) {
    if (iequals(options_[i], name)) return true;
  }
  return false;
}

}  // namespace portico::http1
