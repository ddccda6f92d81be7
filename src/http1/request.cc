// Request-head parsing: request-line (RFC 9112 §3), field section (§5) and
// message framing (§6.3).
#include "http1/fields.h"
#include "http1/parser.h"
#include "http1/tokens.h"

namespace portico::http1 {

void RequestHead::clear() {
  method = target = path = query = host = {};
  versionMinor = 1;
  headers.clear();  // keeps the capacity: no allocation on the next request
  framing = BodyFraming::None;
  contentLength = 0;
  keepAlive = true;
  expectContinue = upgrade = false;
}

namespace {

using detail::fail;

bool validHost(std::string_view h) { return detail::allOf(h, detail::kHost); }

// origin-form / absolute-path: split at the first '?'. '#' never appears in
// a request-target (RFC 9112 §3.2), so a fragment is malformed.
bool splitPathQuery(std::string_view pq, RequestHead& out) {
  if (pq.find('#') != std::string_view::npos) return false;
  const size_t q = pq.find('?');
  out.path = pq.substr(0, q);
  if (q != std::string_view::npos) out.query = pq.substr(q + 1);
  return true;
}

// absolute-form (RFC 9112 §3.2.2): "http(s)://authority[path][?query]".
bool parseAbsoluteForm(std::string_view t, RequestHead& out) {
  size_t schemeLen = 0;
  if (t.size() > 7 && iequals(t.substr(0, 7), "http://"))
    schemeLen = 7;
  else if (t.size() > 8 && iequals(t.substr(0, 8), "https://"))
    schemeLen = 8;
  else
    return false;
  const std::string_view rest = t.substr(schemeLen);
  const size_t end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  // Userinfo ('@') is deprecated in http(s) URIs and a classic way to make
  // a proxy and a backend see different hosts (RFC 9110 §4.2.4): the host
  // table excludes '@', so it is rejected here.
  if (authority.empty() || !validHost(authority)) return false;
  out.host = authority;
  if (end == std::string_view::npos) {
    out.path = "/";  // empty path means "/" (RFC 9112 §3.2.1)
    return true;
  }
  if (!splitPathQuery(rest.substr(end), out)) return false;
  if (out.path.empty()) out.path = "/";
  return true;
}

// authority-form (RFC 9112 §3.2.3): uri-host ":" port, CONNECT only.
bool parseAuthorityForm(std::string_view t) {
  const size_t colon = t.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == t.size()) return false;
  const std::string_view port = t.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
  return validHost(t.substr(0, colon));
}

Result parseTarget(RequestHead& out, Error& err) {
  const std::string_view t = out.target;
  const bool connect = out.method == "CONNECT";
  if (connect) {
    if (!parseAuthorityForm(t)) return fail(err, 400, "CONNECT requires authority-form target");
    return Result::Done;
  }
  if (t == "*") {
    // asterisk-form only for a server-wide OPTIONS (RFC 9112 §3.2.4).
    if (out.method != "OPTIONS") return fail(err, 400, "asterisk-form target requires OPTIONS");
    out.path = t;
    return Result::Done;
  }
  if (t.front() == '/') {
    if (!splitPathQuery(t, out)) return fail(err, 400, "invalid request target");
    return Result::Done;
  }
  if (!parseAbsoluteForm(t, out)) return fail(err, 400, "invalid request target");
  return Result::Done;
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
// Exactly one SP between the parts: lenient whitespace handling is one of
// the ways front- and back-ends come to split a request differently.
Result parseRequestLine(std::string_view line, RequestHead& out, Error& err) {
  const size_t m = detail::spanOf(line, detail::kTchar);
  if (m == 0 || m == line.size() || line[m] != ' ') return fail(err, 400, "malformed request line");
  out.method = line.substr(0, m);
  const std::string_view rest = line.substr(m + 1);
  const size_t t = detail::spanOf(rest, detail::kTarget);
  if (t == 0 || t == rest.size() || rest[t] != ' ') return fail(err, 400, "malformed request line");
  out.target = rest.substr(0, t);
  const int minor = detail::parseVersion(rest.substr(t + 1));
  if (minor == -1) return fail(err, 400, "malformed request line");
  if (minor == -2) return fail(err, 505, "HTTP version not supported");
  out.versionMinor = minor;
  return parseTarget(out, err);
}

// Message framing and connection semantics once all fields are known.
Result finishRequest(RequestHead& out, Error& err) {
  detail::FramingFields f;
  f.scan(out.headers);
  const bool http11 = out.versionMinor == 1;

  // Host (RFC 9112 §3.2): required in 1.1, never more than one, valid.
  if (f.hostCount > 1) return fail(err, 400, "duplicate Host header");
  if (f.hostCount == 0 && http11) return fail(err, 400, "missing Host header");
  if (f.hostCount == 1 && !validHost(f.host)) return fail(err, 400, "invalid Host header");
  if (out.host.empty()) out.host = f.host;  // absolute-form authority wins (§3.2.2)

  if (f.te.present) {
    // RFC 9112 §6.1: TE in HTTP/1.0 means faulty framing. §6.3: TE with
    // Content-Length "ought to be handled as an error" - the classic
    // CL.TE/TE.CL smuggling vector, so reject rather than pick one.
    if (!http11) return fail(err, 400, "Transfer-Encoding in HTTP/1.0 request");
    if (f.contentLengthCount > 0) return fail(err, 400, "both Transfer-Encoding and Content-Length");
    // §6.3 item 4: chunked must be the final coding, else 400.
    if (f.te.invalid || !f.te.lastIsChunked || f.te.chunkedCount > 1) {
      return fail(err, 400, "invalid Transfer-Encoding");
    }
    // We only implement chunked; §6.1 says 501 for codings not understood.
    if (f.te.otherCodings) return fail(err, 501, "unsupported transfer coding");
    out.framing = BodyFraming::Chunked;
  } else if (f.contentLengthCount > 0) {
    // Repeated Content-Length lines are rejected even when identical: RFC
    // 9110 §8.6 permits collapsing them, but rejecting is never ambiguous.
    if (f.contentLengthCount > 1) return fail(err, 400, "duplicate Content-Length");
    if (!detail::parseContentLength(f.contentLength, out.contentLength)) {
      return fail(err, 400, "invalid Content-Length");
    }
    out.framing = BodyFraming::ContentLength;
  }

  // Persistence (RFC 9112 §9.3): 1.1 unless "close", 1.0 only with
  // "keep-alive". Upgrade and Expect are ignored in 1.0 requests (RFC 9110
  // §7.8, §10.1.1).
  out.keepAlive = http11 ? !f.connClose : (f.connKeepAlive && !f.connClose);
  out.upgrade = http11 && f.connUpgrade && f.upgradeField;
  out.expectContinue = http11 && f.expectContinue;
  return Result::Done;
}

}  // namespace

Result parseRequestHead(std::string_view buf, const Limits& limits, RequestHead& out, size_t& consumed,
                        Error& err) {
  out.clear();
  consumed = 0;
  // RFC 9112 §2.2: ignore empty lines (CRLF) before the request-line; they
  // count toward the request-line limit so they cannot be sent forever.
  size_t pos = 0;
  while (pos + 1 < buf.size() && buf[pos] == '\r' && buf[pos + 1] == '\n') pos += 2;

  std::string_view line;
  size_t next = 0;
  const Result r = detail::findLine(buf, pos, line, next, err);
  if (r == Result::Error) return r;
  // +1: a trailing CR of the pending CRLF may already be buffered.
  const size_t limit = limits.maxRequestLine + (r == Result::NeedMore ? 1 : 0);
  if (pos + line.size() > limit) return fail(err, 414, "request line too long");
  if (r == Result::NeedMore) return r;

  if (parseRequestLine(line, out, err) != Result::Done) return Result::Error;
  pos = next;
  const Result fr = detail::parseFieldSection(buf, pos, limits, out.headers, err);
  if (fr != Result::Done) return fr;
  if (finishRequest(out, err) != Result::Done) return Result::Error;
  consumed = pos;
  return Result::Done;
}

}  // namespace portico::http1
