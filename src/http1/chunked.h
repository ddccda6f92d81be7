// Incremental decoder for the chunked transfer coding (RFC 9112 §7.1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http1/parser.h"

namespace portico::http1 {

// Feed it the bytes following the head, as they arrive:
//
//   decode(in, consumed, data, err)
//
// consumes a prefix of `in` (`consumed` bytes; the caller drops them and
// calls again with the rest plus new bytes), appends views of decoded data
// (into `in`, so forward them before reusing the buffer) and returns Done
// after the last chunk and its trailer section, NeedMore, or Error. A
// partial chunk-size or trailer line is left unconsumed until its CRLF
// arrives; data is handed out as soon as it is buffered.
//
// Errors are sticky until reset(); err.status is 400 (431 for oversized
// trailers); a proxy decoding a response answers 502 instead.
class ChunkedDecoder {
 public:
  Result decode(std::string_view in, size_t& consumed, std::vector<std::string_view>& data, Error& err);

  // Trailer fields (name, value) in wire order, copied out of the input.
  // They are not merged into the head: RFC 9110 §6.5.1.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }

  bool done() const { return state_ == State::Done; }

  // Ready for the next message; keeps the trailer vector's capacity.
  void reset();

  // Largest accepted chunk-size; at most 16 hex digits are read in any case.
  uint64_t maxChunkSize = static_cast<uint64_t>(INT64_MAX);
  // Bytes of a chunk-size line including extensions, excluding CRLF.
  // Extensions are skipped, so this bounds the work an extension can cause.
  size_t maxChunkLine = 4096;
  // Trailer section bounds (maxHeaderBytes, maxHeaders), as for the head.
  Limits trailerLimits;

 private:
  enum class State { Size, Data, DataCrlf, Trailers, Done, Error };
  Result failWith(Error& err, int status, std::string_view message);

  State state_ = State::Size;
  uint64_t remaining_ = 0;
  size_t trailerBytes_ = 0;
  Error error_;
  std::vector<std::pair<std::string, std::string>> trailers_;
};

}  // namespace portico::http1
