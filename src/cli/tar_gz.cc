#include "cli/tar_gz.h"

#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <cstring>

namespace portico::cli {
namespace {

constexpr size_t kBlock = 512;

// Octal, zero-padded to width-1 digits, NUL-terminated (ustar numeric fields).
void octal(char* field, size_t width, unsigned long long value) {
  const std::string s = fmt::format("{:0{}o}", value, width - 1);
  std::memcpy(field, s.data(), width - 1);
  field[width - 1] = '\0';
}

std::array<char, kBlock> header(const TarEntry& e, std::time_t mtime) {
  std::array<char, kBlock> h{};
  std::memcpy(h.data(), e.name.data(), e.name.size());  // name[100]
  octal(h.data() + 100, 8, 0644);                       // mode
  octal(h.data() + 108, 8, 0);                          // uid
  octal(h.data() + 116, 8, 0);                          // gid
  octal(h.data() + 124, 12, e.content.size());          // size
  octal(h.data() + 136, 12, static_cast<unsigned long long>(mtime));
  h[156] = '0';                               // regular file
  std::memcpy(h.data() + 257, "ustar", 6);    // magic, NUL-terminated
  std::memcpy(h.data() + 263, "00", 2);       // version
  std::memcpy(h.data() + 265, "portico", 7);  // uname
  std::memcpy(h.data() + 297, "portico", 7);  // gname
  // The checksum is computed with its own field read as spaces.
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  const std::string s = fmt::format("{:06o}", sum);
  std::memcpy(h.data() + 148, s.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  return h;
}

}  // namespace

std::string tarGz(const std::vector<TarEntry>& entries, std::time_t mtime, std::string& error) {
  std::string tar;
  for (const auto& e : entries) {
    if (e.name.empty() || e.name.size() >= 100) {
      error = fmt::format("tar: name '{}' does not fit a ustar header", e.name);
      return {};
    }
    const auto h = header(e, mtime);
    tar.append(h.data(), h.size());
    tar += e.content;
    tar.append((kBlock - e.content.size() % kBlock) % kBlock, '\0');
  }
  tar.append(2 * kBlock, '\0');  // end of archive

  z_stream z{};
  // 15 window bits + 16: gzip framing rather than a raw zlib stream.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    error = "gzip: cannot initialise zlib";
    return {};
  }
  std::string out(deflateBound(&z, static_cast<uLong>(tar.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(tar.data());
  z.avail_in = static_cast<uInt>(tar.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    error = "gzip: compression failed";
    return {};
  }
  return out;
}

}  // namespace portico::cli
