// The translator: a pure, deterministic function from a snapshot of objects
// to the status of every Gateway API object and the IR the data plane
// serves. No I/O, no clock, no global state: same snapshot, same output.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/diagnostic.h"
#include "ir/ir.h"
#include "status/types.h"
#include "store/snapshot.h"

namespace portico::translate {

inline constexpr const char* kDefaultControllerName = "portico.dev/gateway-controller";

struct Options {
  // Only GatewayClasses with this spec.controllerName are ours.
  std::string controllerName = kDefaultControllerName;
  // Features to declare in GatewayClass status; empty = supportedFeatures().
  std::vector<std::string> supportedFeatures;
  // IPv4 CIDRs to assign Gateway addresses from (standalone stand-in for
  // a load-balancer controller); empty = Gateways without spec.addresses
  // bind the run's listen address.
  std::vector<std::string> addressPool;
  // GatewayClass SupportedVersion: when Gateway API CRDs of a bundle
  // version Portico does not support are present, best effort (default)
  // keeps Accepted=True and sets SupportedVersion=False; strict sets
  // Accepted=False UnsupportedVersion too.
  bool strictCRDVersions = false;
  // Sockets the data plane could not open ("address|port|tcp" with the IR
  // bind address, "" = the listen address), fed back by `portico run`:
  // their listeners become Accepted=False PortUnavailable and the Gateway
  // Programmed=False NoResources.
  std::set<std::string> unbindable;
  // Why each of them failed, for the condition message.
  std::map<std::string, std::string> unbindableReasons;
  // Sockets of a kind this data plane does not serve yet (e.g. TCP
  // listeners before issue 6): their listeners are Programmed=False
  // Pending, and a Gateway with nothing else to serve is too.
  std::set<std::string> pendingBinds;
  // When not empty, only these GatewayClasses are Portico's: another class
  // naming Portico's controller is Accepted=False Unsupported (one Portico
  // per class, e.g. several installations sharing a controllerName).
  std::set<std::string> gatewayClassNames;
};

struct Result {
  status::StatusSet status;
  ir::Config ir;
  // Translation-time warnings (e.g. deprecated fields honoured).
  api::Diagnostics diagnostics;
};

// Compiled routes kept between translations of snapshots that share
// objects (route_memo.h): with one, a translation compiles only the routes
// that are new objects. The result is the same with or without it.
class RouteMemo {
 public:
  RouteMemo();
  ~RouteMemo();
  RouteMemo(const RouteMemo&) = delete;
  RouteMemo& operator=(const RouteMemo&) = delete;
  // Routes the last translation took from the memo, and compiled.
  size_t hits() const;
  size_t misses() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

Result translate(const store::Snapshot& snapshot, const Options& options = {}, RouteMemo* memo = nullptr);

// The conformance features Portico declares in GatewayClass
// status.supportedFeatures (sorted).
const std::vector<std::string>& supportedFeatures();

}  // namespace portico::translate
