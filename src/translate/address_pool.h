// Addresses for Gateways in standalone mode: what a cluster's load-balancer
// controller would hand out. Each Gateway without spec.addresses (or with
// an IPAddress entry without a value, GatewayAddressEmpty) gets the next
// free address; a static address outside the pool is AddressNotUsable.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace portico::translate {

class AddressPool {
 public:
  // IPv4 CIDRs such as "127.0.1.0/24"; invalid entries are ignored
  // (the CLI validates its flags before building Options).
  explicit AddressPool(const std::vector<std::string>& cidrs);

  bool empty() const { return ranges_.empty(); }
  bool contains(const std::string& ip) const;
  // Next address not in `taken` (network and broadcast addresses of
  // prefixes shorter than /31 are skipped); records it in `taken`.
  std::optional<std::string> allocate(std::set<std::string>& taken) const;

  static bool validCidr(const std::string& cidr);

 private:
  struct Range {
    uint32_t first = 0;
    uint32_t last = 0;
  };
  std::vector<Range> ranges_;
};

}  // namespace portico::translate
