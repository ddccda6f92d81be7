// Response-head parsing: status-line (RFC 9112 §4), field section (§5) and
// message body length (§6.3).
#include "http1/fields.h"
#include "http1/parser.h"
#include "http1/tokens.h"

namespace portico::http1 {

void ResponseHead::clear() {
  status = 0;
  reason = {};
  versionMinor = 1;
  headers.clear();  // keeps the capacity
  framing = BodyFraming::None;
  contentLength = 0;
  keepAlive = true;
}

namespace {

using detail::fail;

// status-line = HTTP-version SP status-code SP [ reason-phrase ]. A missing
// final SP ("HTTP/1.1 200") is tolerated: the reason is ignored anyway
// (RFC 9112 §4) and it cannot affect framing.
Result parseStatusLine(std::string_view line, ResponseHead& out, Error& err) {
  if (line.size() < 12 || line[8] != ' ') return fail(err, 502, "malformed status line");
  const int minor = detail::parseVersion(line.substr(0, 8));
  if (minor < 0) return fail(err, 502, "unsupported upstream HTTP version");
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return fail(err, 502, "malformed status code");
    status = status * 10 + (line[i] - '0');
  }
  // RFC 9110 §15: status codes are 100..599.
  if (status < 100 || status > 599) return fail(err, 502, "malformed status code");
  if (line.size() > 12) {
    if (line[12] != ' ') return fail(err, 502, "malformed status line");
    out.reason = line.substr(13);
    if (!detail::allOf(out.reason, detail::kFieldValue)) return fail(err, 502, "invalid reason phrase");
  }
  out.versionMinor = minor;
  out.status = status;
  return Result::Done;
}

// RFC 9112 §6.3, in order.
Result finishResponse(ResponseHead& out, std::string_view requestMethod, Error& err) {
  detail::FramingFields f;
  f.scan(out.headers);
  const bool http11 = out.versionMinor == 1;
  out.keepAlive = http11 ? !f.connClose : (f.connKeepAlive && !f.connClose);

  // 1. HEAD, 1xx, 204 and 304 never carry content, whatever the fields say.
  const int s = out.status;
  if (requestMethod == "HEAD" || s < 200 || s == 204 || s == 304) return Result::Done;
  // 2. A 2xx to CONNECT turns the connection into a tunnel.
  if (requestMethod == "CONNECT" && s < 300) return Result::Done;

  if (f.te.present) {
    // §6.1: TE in an HTTP/1.0 message is faulty framing. §6.3 item 3: TE
    // with Content-Length "ought to be handled as an error" (response
    // splitting); a proxy must not forward the pair either way.
    if (!http11) return fail(err, 502, "Transfer-Encoding in HTTP/1.0 response");
    if (f.contentLengthCount > 0) return fail(err, 502, "both Transfer-Encoding and Content-Length");
    // Any coding besides a single chunked would have to be forwarded as is
    // and re-framed, which we do not implement: answer 502 instead of
    // reading until close with an unknown coding.
    if (f.te.invalid || f.te.otherCodings || f.te.chunkedCount != 1) {
      return fail(err, 502, "unsupported upstream Transfer-Encoding");
    }
    out.framing = BodyFraming::Chunked;
    return Result::Done;
  }
  if (f.contentLengthCount > 0) {
    if (f.contentLengthCount > 1 || !detail::parseContentLength(f.contentLength, out.contentLength)) {
      return fail(err, 502, "invalid upstream Content-Length");
    }
    out.framing = BodyFraming::ContentLength;
    return Result::Done;
  }
  // 8. Otherwise the body runs until the server closes the connection.
  out.framing = BodyFraming::UntilClose;
  out.keepAlive = false;
  return Result::Done;
}

}  // namespace

Result parseResponseHead(std::string_view buf, std::string_view requestMethod, const Limits& limits,
                         ResponseHead& out, size_t& consumed, Error& err) {
  out.clear();
  consumed = 0;
  std::string_view line;
  size_t next = 0;
  Result r = detail::findLine(buf, 0, line, next, err);
  if (r != Result::Error && line.size() > limits.maxRequestLine + (r == Result::NeedMore ? 1 : 0)) {
    return fail(err, 502, "status line too long");
  }
  if (r == Result::Error) err.status = 502;
  if (r != Result::Done) return r;
  if (parseStatusLine(line, out, err) != Result::Done) return Result::Error;
  size_t pos = next;
  r = detail::parseFieldSection(buf, pos, limits, out.headers, err);
  if (r == Result::Error) err.status = 502;  // the client sees a bad gateway, not 400/431
  if (r != Result::Done) return r;
  if (finishResponse(out, requestMethod, err) != Result::Done) return Result::Error;
  consumed = pos;
  return Result::Done;
}

Result parseResponseHead(std::string_view buf, std::string_view requestMethod, ResponseHead& out,
                         size_t& consumed, Error& err) {
  return parseResponseHead(buf, requestMethod, Limits{}, out, consumed, err);
}

}  // namespace portico::http1
