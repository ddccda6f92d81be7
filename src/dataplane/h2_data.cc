#include "dataplane/h2_data.h"

#include <cstring>

namespace portico::dataplane {

std::vector<nghttp2_nv> toNv(FieldList& fields) {
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (auto& [name, value] : fields) {
    nghttp2_nv nv;
    nv.name = reinterpret_cast<uint8_t*>(name.data());
    nv.value = reinterpret_cast<uint8_t*>(value.data());
    nv.namelen = name.size();
    nv.valuelen = value.size();
    nv.flags = NGHTTP2_NV_FLAG_NONE;
    nva.push_back(nv);
  }
  return nva;
}

ssize_t readPending(H2Pending p, uint8_t* buf, size_t length, uint32_t* flags) {
  const size_t n = std::min(length, p.out.size() - p.at);
  std::memcpy(buf, p.out.data() + p.at, n);
  p.at += n;
  if (p.at == p.out.size()) {
    p.out.clear();
    p.at = 0;
  }
  if (n) p.room.cancel();
  if (p.out.empty() && p.eof) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  if (n == 0) {
    p.deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(n);
}

void appendPending(std::string& out, size_t& at, std::string_view data) {
  if (at > 0 && at >= out.size() / 2) {
    out.erase(0, at);
    at = 0;
  }
  out.append(data);
}

}  // namespace portico::dataplane
