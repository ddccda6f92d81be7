// The byte buffer of an upstream connection (upstream_pool.h): response
// heads are parsed in it and bodies relayed through it.
//
// Unlike std::string, growing it does not write the new bytes: the relays
// make room for a whole read (kRelayChunk, 64 KiB) before every read, and
// std::string::resize zero-filled that much each time: 65% of the proxy's
// instructions per request (callgrind, HTTP/1.1 keep-alive, 19-byte
// responses, at cde5f49). Shrinking keeps the storage, so a pooled
// connection's next response reuses it without an allocation.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace portico::dataplane {

class RelayBuffer {
 public:
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  operator std::string_view() const { return {data_.get(), size_}; }

  // The first min(n, size()) bytes are kept; bytes past them are
  // unspecified until written.
  void resize(size_t n) {
    if (n > capacity_) {
      auto grown = std::make_unique_for_overwrite<char[]>(n);
      if (size_) std::memcpy(grown.get(), data_.get(), size_);
      data_ = std::move(grown);
      capacity_ = n;
    }
    size_ = n;
  }
  void clear() { size_ = 0; }
  // Drops the first n bytes (n <= size()).
  void consume(size_t n) {
    if (n < size_) std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= n;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace portico::dataplane
