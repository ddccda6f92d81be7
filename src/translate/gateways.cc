// Gateway and ListenerSet status (spec §3, §4, §11, §12.2).
#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>

#include "translate/address_pool.h"
#include "translate/conditions.h"
#include "translate/context.h"
#include "translate/listeners.h"
#include "translate/ordering.h"

namespace portico::translate {
namespace {

bool isIPAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::unique_ptr<ListenerInfo> makeListener(const api::Gateway* gw, const api::ListenerSet* set,
                                           const api::Listener* spec, size_t index,
                                           status::ListenerStatus* st) {
  auto l = std::make_unique<ListenerInfo>();
  l->gateway = gw;
  l->listenerSet = set;
  l->spec = spec;
  l->ownerNamespace = set ? set->meta.namespace_ : gw->meta.namespace_;
  l->ownerKind = set ? "ListenerSet" : "Gateway";
  l->generation = set ? set->meta.generation : gw->meta.generation;
  l->fieldPath = fmt::format("spec.listeners[{}]", index);
  l->status = st;
  st->name = spec->name;
  return l;
}

// Gateway.spec.addresses: IPAddress values are bound (and reported);
// other types are not supported by a standalone proxy (spec §3). With an
// address pool, addresses are assigned from it and static ones must lie in
// it.
void checkAddresses(GatewayInfo& gw, const AddressPool& pool, std::set<std::string>& taken,
                    std::string& acceptedReason, std::string& acceptedMsg, std::string& programmedReason,
                    std::string& programmedMsg) {
  const auto& addrs = gw.gateway->addresses;
  auto assign = [&](const std::string& why) {
    if (pool.empty()) {
      programmedReason = cond::kAddressNotAssigned;
      programmedMsg = why + " and no address pool to assign from";
      return;
    }
    if (auto a = pool.allocate(taken)) {
      gw.addresses.push_back(*a);
      gw.status->addresses.push_back({"IPAddress", *a});
    } else {
      programmedReason = cond::kAddressNotAssigned;
      programmedMsg = why + " and the address pool is exhausted";
    }
  };
  for (size_t i = 0; i < addrs.size(); ++i) {
    const auto& a = addrs[i];
    if (a.type != "IPAddress") {
      acceptedReason = cond::kUnsupportedAddress;
      acceptedMsg = fmt::format("spec.addresses[{}].type: {} is not supported (IPAddress only)", i, a.type);
      return;
    }
    if (!a.value || a.value->empty()) {
      assign(fmt::format("spec.addresses[{}] has no value", i));
      continue;
    }
    if (!isIPAddress(*a.value) || (!pool.empty() && !pool.contains(*a.value))) {
      programmedReason = cond::kAddressNotUsable;
      programmedMsg =
          fmt::format("spec.addresses[{}].value: {} is not an address this gateway can use", i, *a.value);
      continue;
    }
    gw.addresses.push_back(*a.value);
    gw.status->addresses.push_back({"IPAddress", *a.value});
  }
  if (addrs.empty() && !pool.empty()) assign("no spec.addresses");
}

}  // namespace

void translateGateways(Context& ctx) {
  // Gateways in creation order, so the older one keeps a shared port.
  std::vector<const api::Gateway*> ordered;
  for (const auto& [key, gw] : ctx.snap.gateways) ordered.push_back(gw.get());
  std::sort(ordered.begin(), ordered.end(), olderThan<api::Gateway>);

  // ListenerSets grouped by parent, in merge order (spec §4).
  std::vector<const api::ListenerSet*> sets;
  for (const auto& [key, s] : ctx.snap.listenerSets) sets.push_back(s.get());
  std::sort(sets.begin(), sets.end(), olderThan<api::ListenerSet>);

  std::map<std::string, std::string> portOwner;  // "addr|port|tcp" -> gateway ns/name
  const AddressPool pool(ctx.options.addressPool);
  std::set<std::string> taken;  // static addresses are never handed out
  for (const api::Gateway* g : ordered) {
    for (const auto& a : g->addresses) {
      if (a.value && !a.value->empty()) taken.insert(*a.value);
    }
  }

  for (const api::Gateway* g : ordered) {
    const std::string key = nsName(g->meta.namespace_, g->meta.name);
    const api::GatewayClass* gc = ctx.snap.gatewayClasses.find("", g->gatewayClassName);
    if (!gc || gc->controllerName != ctx.options.controllerName) continue;  // not ours
    auto* os = &ctx.statusOf(g);
    auto& st = std::get<status::GatewayStatus>(os->status);
    st.conditions.clear();
    GatewayInfo& gw = ctx.gateways[key];
    gw.gateway = g;
    gw.status = &st;
    gw.controllerName = gc->controllerName;
    const int64_t gen = g->meta.generation;

    // Effective listeners: own ones, then allowed ListenerSets' (§4).
    std::vector<const api::ListenerSet*> mine;
    for (const api::ListenerSet* s : sets) {
      const std::string pns = s->parentRef.namespace_.value_or(s->meta.namespace_);
      if (s->parentRef.group == api::kGatewayGroup && s->parentRef.kind == "Gateway" &&
          pns == g->meta.namespace_ && s->parentRef.name == g->meta.name) {
        mine.push_back(s);
      }
    }
    st.listeners.resize(g->listeners.size());
    for (size_t i = 0; i < g->listeners.size(); ++i) {
      gw.listeners.push_back(makeListener(g, nullptr, &g->listeners[i], i, &st.listeners[i]));
    }
    const api::AllowedListeners defaultAllowed;
    const auto& allowed = g->allowedListeners ? *g->allowedListeners : defaultAllowed;
    for (const api::ListenerSet* s : mine) {
      const std::string skey = nsName(s->meta.namespace_, s->meta.name);
      auto& sst = std::get<status::ListenerSetStatus>(ctx.statusOf(s).status);
      sst.conditions.clear();
      ListenerSetInfo& info = ctx.listenerSets[skey];
      info.set = s;
      info.status = &sst;
      info.parent = &gw;
      if (!namespaceAllowed(allowed.namespaces, g->meta.namespace_, s->meta.namespace_, ctx.namespaces)) {
        std::string msg = fmt::format(
            "Gateway {} does not allow ListenerSets from namespace {} "
            "(spec.allowedListeners.namespaces.from: {})",
            key, s->meta.namespace_, allowed.namespaces.from);
        setCondition(sst.conditions, cond::kAccepted, false, cond::kNotAllowed, msg, s->meta.generation);
        setCondition(sst.conditions, cond::kProgrammed, false, cond::kNotAllowed, msg, s->meta.generation);
        continue;
      }
      info.accepted = true;
      sst.listeners.resize(s->listeners.size());
      for (size_t i = 0; i < s->listeners.size(); ++i) {
        gw.listeners.push_back(makeListener(g, s, &s->listeners[i], i, &sst.listeners[i]));
        info.listeners.push_back(gw.listeners.back().get());
      }
    }
    for (size_t i = 0; i < gw.listeners.size(); ++i) gw.listeners[i]->mergeOrder = i;

    // Gateway-level checks.
    std::string acceptedReason, acceptedMsg, programmedReason, programmedMsg;
    if (!ctx.ourClasses.count(g->gatewayClassName)) {
      acceptedReason = cond::kInvalid;
      acceptedMsg = fmt::format("GatewayClass {} is not accepted", g->gatewayClassName);
    }
    if (acceptedReason.empty() && g->infrastructure && g->infrastructure->parametersRef) {
      const auto& p = *g->infrastructure->parametersRef;
      acceptedReason = cond::kInvalidParameters;
      acceptedMsg = fmt::format("spec.infrastructure.parametersRef: {}/{} {} is not supported by Portico",
                                p.group.empty() ? "core" : p.group, p.kind, p.name);
    }
    if (acceptedReason.empty()) {
      checkAddresses(gw, pool, taken, acceptedReason, acceptedMsg, programmedReason, programmedMsg);
    }

    for (auto& l : gw.listeners) validateListener(ctx, *l);
    bool insecure = applyFrontendValidation(ctx, gw);
    detectConflicts(gw);

    // A port already taken by an older Gateway on the same address cannot
    // be bound again: PortUnavailable (standalone mode binds for real).
    std::vector<std::string> binds = gw.addresses.empty() ? std::vector<std::string>{""} : gw.addresses;
    std::vector<std::string> unbound;
    for (auto& l : gw.listeners) {
      if (!l->protocolSupported) continue;
      for (const auto& addr : binds) {
        std::string bk =
            fmt::format("{}|{}|{}", addr, l->spec->port, l->protocol == ir::Protocol::UDP ? "udp" : "tcp");
        if (ctx.options.pendingBinds.count(bk) && l->programmedReason.empty()) {
          l->programmedReason = cond::kPending;
          l->programmedMessage =
              fmt::format("this data plane does not serve {} listeners yet", l->spec->protocol);
          continue;
        }
        if (ctx.options.unbindable.count(bk) && l->acceptedReason.empty()) {
          auto why = ctx.options.unbindableReasons.find(bk);
          l->acceptedReason = cond::kPortUnavailable;
          l->acceptedMessage =
              fmt::format("port {} cannot be opened: {}", l->spec->port,
                          why == ctx.options.unbindableReasons.end() ? "bind failed" : why->second);
          unbound.push_back(l->spec->name);
          continue;
        }
        auto [it, fresh] = portOwner.try_emplace(bk, key);
        if (!fresh && it->second != key && l->acceptedReason.empty()) {
          l->acceptedReason = cond::kPortUnavailable;
          l->acceptedMessage = fmt::format("port {} on {} is already used by Gateway {}", l->spec->port,
                                           addr.empty() ? "the listen address" : addr, it->second);
        }
      }
    }

    const bool addressesUsable = programmedReason.empty();
    if (!unbound.empty() && programmedReason.empty()) {
      programmedReason = cond::kNoResources;
      programmedMsg =
          fmt::format("the data plane could not open the port of listener(s) {}", fmt::join(unbound, ", "));
    }
    gw.accepted = acceptedReason.empty();
    if (!gw.accepted) {
      setCondition(st.conditions, cond::kAccepted, false, acceptedReason, acceptedMsg, gen);
      setCondition(st.conditions, cond::kProgrammed, false, cond::kInvalid, acceptedMsg, gen);
    } else if (!programmedReason.empty()) {
      setCondition(st.conditions, cond::kProgrammed, false, programmedReason, programmedMsg, gen);
    }
    if (g->defaultScope && *g->defaultScope != "None") {
      setCondition(st.conditions, cond::kDefaultGateway, true, cond::kDefaultGateway,
                   fmt::format("default Gateway for routes with useDefaultGateways: {}", *g->defaultScope),
                   gen);
    }
    if (insecure) {
      setCondition(st.conditions, cond::kInsecureFrontendValidationMode, true, cond::kConfigurationChanged,
                   "client certificate validation uses AllowInsecureFallback: clients without a valid "
                   "certificate are let through",
                   gen);
    }
    for (auto& l : gw.listeners) {
      // NoResources (a port that could not be opened) only stops the
      // listeners concerned; the rest keeps serving.
      l->programmed = gw.accepted && addressesUsable && l->accepted() && l->programmedReason.empty();
    }
  }
}

}  // namespace portico::translate
