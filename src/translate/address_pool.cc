#include "translate/address_pool.h"

#include <arpa/inet.h>

namespace portico::translate {
namespace {

std::optional<uint32_t> parseV4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string formatV4(uint32_t v) {
  in_addr a{};
  a.s_addr = htonl(v);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::optional<std::pair<uint32_t, uint32_t>> parseCidr(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto base = parseV4(cidr.substr(0, slash));
  int bits = -1;
  try {
    size_t used = 0;
    bits = std::stoi(cidr.substr(slash + 1), &used);
    if (used != cidr.size() - slash - 1) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  if (!base || bits < 0 || bits > 32) return std::nullopt;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  uint32_t first = *base & mask;
  uint32_t last = first | ~mask;
  if (bits < 31) {
    ++first;
    --last;
  }
  return std::make_pair(first, last);
}

}  // namespace

AddressPool::AddressPool(const std::vector<std::string>& cidrs) {
  for (const auto& c : cidrs) {
    if (auto r = parseCidr(c)) ranges_.push_back({r->first, r->second});
  }
}

bool AddressPool::validCidr(const std::string& cidr) { return parseCidr(cidr).has_value(); }

bool AddressPool::contains(const std::string& ip) const {
  auto v = parseV4(ip);
  if (!v) return false;
  for (const auto& r : ranges_) {
    if (*v >= r.first && *v <= r.last) return true;
  }
  return false;
}

std::optional<std::string> AddressPool::allocate(std::set<std::string>& taken) const {
  for (const auto& r : ranges_) {
    for (uint64_t v = r.first; v <= r.last; ++v) {
      std::string s = formatV4(static_cast<uint32_t>(v));
      if (taken.insert(s).second) return s;
    }
  }
  return std::nullopt;
}

}  // namespace portico::translate
