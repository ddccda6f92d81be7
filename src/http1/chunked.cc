#include "http1/chunked.h"

#include <algorithm>

#include "http1/fields.h"
#include "http1/tokens.h"

namespace portico::http1 {

using namespace detail;

namespace {

// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4),
// starting at s[i] == '"'. Advances i past the closing quote.
bool skipQuotedString(std::string_view s, size_t& i) {
  for (++i; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      ++i;
      return true;
    }
    if (c == '\\') {
      if (++i == s.size()) return false;
      if (!is(s[i], kFieldValue)) return false;
    } else if (!is(c, kFieldValue)) {
      return false;
    }
  }
  return false;
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// (RFC 9112 §7.1.1). Validated, then ignored: we understand no extension.
bool validChunkExt(std::string_view s) {
  size_t i = 0;
  auto skipBws = [&](size_t& k) {
    while (k < s.size() && isOws(s[k])) ++k;
  };
  while (i < s.size()) {
    skipBws(i);
    if (i == s.size() || s[i] != ';') return false;
    ++i;
    skipBws(i);
    const size_t name = spanOf(s.substr(i), kTchar);
    if (name == 0) return false;
    i += name;
    size_t j = i;
    skipBws(j);
    if (j < s.size() && s[j] == '=') {
      i = j + 1;
      skipBws(i);
      if (i < s.size() && s[i] == '"') {
        if (!skipQuotedString(s, i)) return false;
      } else {
        const size_t val = spanOf(s.substr(i), kTchar);
        if (val == 0) return false;
        i += val;
      }
    }
  }
  return true;
}

}  // namespace

void ChunkedDecoder::reset() {
  state_ = State::Size;
  remaining_ = 0;
  trailerBytes_ = 0;
  error_ = {};
  trailers_.clear();
}

Result ChunkedDecoder::failWith(Error& err, int status, std::string_view message) {
  state_ = State::Error;
  error_ = {status, message};
  err = error_;
  return Result::Error;
}

Result ChunkedDecoder::decode(std::string_view in, size_t& consumed, std::vector<std::string_view>& data,
                              Error& err) {
  consumed = 0;
  size_t pos = 0;
  while (true) {
    switch (state_) {
      case State::Size: {
        std::string_view line;
        size_t next = 0;
        const Result r = findLine(in, pos, line, next, err);
        if (r == Result::Error) return failWith(err, err.status, err.message);
        // +1: the CR of a pending CRLF may already be buffered.
        if (line.size() > maxChunkLine + (r == Result::NeedMore ? 1 : 0)) {
          return failWith(err, 400, "chunk size line too long");
        }
        if (r == Result::NeedMore) return r;
        // chunk-size = 1*HEXDIG; more than 16 digits cannot fit in 64 bits
        // (leading zeros included: nobody needs them, and it keeps the
        // overflow check trivial).
        const size_t digits = spanOf(line, kHex);
        if (digits == 0) return failWith(err, 400, "invalid chunk size");
        if (digits > 16) return failWith(err, 400, "chunk size too large");
        uint64_t size = 0;
        for (size_t i = 0; i < digits; ++i) size = (size << 4) | static_cast<uint64_t>(hexValue(line[i]));
        if (size > maxChunkSize) return failWith(err, 400, "chunk size too large");
        if (!validChunkExt(line.substr(digits))) return failWith(err, 400, "invalid chunk extension");
        pos = consumed = next;
        remaining_ = size;
        state_ = size == 0 ? State::Trailers : State::Data;
        break;
      }
      case State::Data: {
        if (pos == in.size()) return Result::NeedMore;
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - pos));
        data.push_back(in.substr(pos, n));
        pos = consumed = pos + n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::DataCrlf;
        break;
      }
      case State::DataCrlf: {
        // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF: the CRLF is
        // mandatory; a parser that skips to the next LF can be desynced.
        const size_t avail = in.size() - pos;
        if (avail >= 1 && in[pos] != '\r') return failWith(err, 400, "missing CRLF after chunk data");
        if (avail >= 2 && in[pos + 1] != '\n') return failWith(err, 400, "missing CRLF after chunk data");
        if (avail < 2) return Result::NeedMore;
        pos = consumed = pos + 2;
        state_ = State::Size;
        break;
      }
      case State::Trailers: {
        // trailer-section = *( field-line CRLF ), then CRLF (RFC 9112 §7.1.2),
        // bounded like the header section.
        std::string_view line;
        size_t next = 0;
        const Result r = findLine(in, pos, line, next, err);
        if (r == Result::Error) return failWith(err, err.status, err.message);
        const size_t lineBytes = r == Result::Done ? next - pos : line.size();
        if (trailerBytes_ + lineBytes > trailerLimits.maxHeaderBytes) {
          return failWith(err, 431, "trailer section too large");
        }
        if (r == Result::NeedMore) return r;
        trailerBytes_ += lineBytes;
        pos = consumed = next;
        if (line.empty()) {
          state_ = State::Done;
          return Result::Done;
        }
        if (trailers_.size() >= trailerLimits.maxHeaders)
          return failWith(err, 431, "too many trailer fields");
        Header h;
        if (!parseFieldLine(line, h, err)) return failWith(err, err.status, err.message);
        trailers_.emplace_back(std::string(h.name), std::string(h.value));
        break;
      }
      case State::Done:
        return Result::Done;
      case State::Error:
        err = error_;
        return Result::Error;
    }
  }
}

}  // namespace portico::http1
