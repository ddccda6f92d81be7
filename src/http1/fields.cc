#include "http1/fields.h"

#include <cstring>

#include "http1/tokens.h"

namespace portico::http1 {

const Header* findHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

}  // namespace portico::http1

namespace portico::http1::detail {

Result findLine(std::string_view buf, size_t pos, std::string_view& line, size_t& next, Error& err) {
  const size_t avail = buf.size() - pos;
  const void* lf = avail == 0 ? nullptr : std::memchr(buf.data() + pos, '\n', avail);
  if (lf == nullptr) {
    line = buf.substr(pos);
    return Result::NeedMore;
  }
  const size_t end = static_cast<size_t>(static_cast<const char*>(lf) - buf.data());
  if (end == pos || buf[end - 1] != '\r') return fail(err, 400, "bare LF line ending");
  line = buf.substr(pos, end - 1 - pos);
  next = end + 1;
  return Result::Done;
}

bool parseFieldLine(std::string_view line, Header& out, Error& err) {
  // A line starting with whitespace continues the previous one (obs-fold);
  // servers must reject or unfold it (RFC 9112 §5.2). Unfolding changes the
  // value other hops see, so reject. This also covers whitespace between
  // the start-line and the first field (RFC 9112 §2.2).
  if (isOws(line.front())) {
    fail(err, 400, "obsolete line folding");
    return false;
  }
  const size_t nameLen = spanOf(line, kTchar);
  if (nameLen == line.size() || line[nameLen] != ':') {
    // No whitespace is allowed between field name and colon (RFC 9112
    // §5.1): some parsers strip it, some keep it in the name.
    if (nameLen < line.size() && isOws(line[nameLen])) {
      fail(err, 400, "whitespace before colon");
    } else {
      fail(err, 400, "invalid character in field name");
    }
    return false;
  }
  if (nameLen == 0) {
    fail(err, 400, "empty field name");
    return false;
  }
  const std::string_view raw = line.substr(nameLen + 1);
  // NUL, CR, LF and other CTLs in a value are invalid (RFC 9110 §5.5) and
  // have been used to split or truncate fields downstream.
  if (!allOf(raw, kFieldValue)) {
    fail(err, 400, "invalid character in field value");
    return false;
  }
  out.name = line.substr(0, nameLen);
  out.value = trimOws(raw);
  return true;
}

Result parseFieldSection(std::string_view buf, size_t& pos, const Limits& limits, std::vector<Header>& out,
                         Error& err) {
  const size_t start = pos;
  while (true) {
    std::string_view line;
    size_t next = 0;
    const Result r = findLine(buf, pos, line, next, err);
    // Checked before the NeedMore return so a peer cannot make us buffer an
    // unbounded head (RFC 9110 §15.5.20 / RFC 6585 §5: 431).
    const size_t used = (r == Result::Done ? next : buf.size()) - start;
    if (used > limits.maxHeaderBytes) return fail(err, 431, "header section too large");
    if (r != Result::Done) return r;
    pos = next;
    if (line.empty()) return Result::Done;
    if (out.size() >= limits.maxHeaders) return fail(err, 431, "too many header fields");
    Header h;
    if (!parseFieldLine(line, h, err)) return Result::Error;
    out.push_back(h);
  }
}

int parseVersion(std::string_view v) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return -1;
  const char major = v[5], minor = v[7];
  if (major < '0' || major > '9' || minor < '0' || minor > '9') return -1;
  if (major != '1' || minor > '1') return -2;
  return minor - '0';
}

bool parseContentLength(std::string_view v, uint64_t& out) {
  if (v.empty()) return false;
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (kMax - d) / 10) return false;
    n = n * 10 + d;
  }
  out = n;
  return true;
}

void TransferCodings::add(std::string_view value) {
  present = true;
  forEachListElement(value, [this](std::string_view element) {
    // transfer-coding = token *( OWS ";" OWS transfer-parameter ); chunked
    // takes no parameters, so only the bare token counts as chunked.
    if (iequals(element, "chunked")) {
      ++chunkedCount;
      lastIsChunked = true;
      return;
    }
    lastIsChunked = false;
    otherCodings = true;
    const size_t nameLen = spanOf(element, kTchar);
    if (nameLen == 0) invalid = true;
    const std::string_view rest = trimOws(element.substr(nameLen));
    if (!rest.empty() && rest.front() != ';') invalid = true;
  });
}

void FramingFields::scan(const std::vector<Header>& headers) {
  // Dispatch on the name length first: most fields are none of these.
  for (const Header& h : headers) {
    switch (h.name.size()) {
      case 4:
        if (iequals(h.name, "host")) {
          ++hostCount;
          host = h.value;
        }
        break;
      case 6:
        // RFC 9110 §10.1.1: 100-continue is the only expectation defined.
        if (iequals(h.name, "expect") && iequals(h.value, "100-continue")) expectContinue = true;
        break;
      case 7:
        if (iequals(h.name, "upgrade")) upgradeField = true;
        break;
      case 10:
        if (iequals(h.name, "connection")) {
          forEachListElement(h.value, [this](std::string_view opt) {
            if (iequals(opt, "close"))
              connClose = true;
            else if (iequals(opt, "keep-alive"))
              connKeepAlive = true;
            else if (iequals(opt, "upgrade"))
              connUpgrade = true;
          });
        }
        break;
      case 14:
        if (iequals(h.name, "content-length")) {
          ++contentLengthCount;
          contentLength = h.value;
        }
        break;
      case 17:
        if (iequals(h.name, "transfer-encoding")) te.add(h.value);
        break;
      default:
        break;
    }
  }
}

}  // namespace portico::http1::detail
