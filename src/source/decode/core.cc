// Service, EndpointSlice, Secret, ConfigMap and Namespace: the fields Portico
// reads are decoded; the other fields of those core schemas are accepted and
// ignored, and anything else is an unknown field.
#include <array>

#include "source/decode/decode.h"
#include "source/decode/refs.h"

namespace portico::source::decode {
namespace {

template <size_t N>
bool oneOf(std::string_view k, const std::array<std::string_view, N>& keys) {
  for (auto x : keys) {
    if (x == k) return true;
  }
  return false;
}

// Standard base64 (Go's base64.StdEncoding, which skips \r and \n).
bool base64Decode(std::string_view in, std::string& out) {
  auto value = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
  };
  out.clear();
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0, chars = 0, pad = 0;
  for (char ch : in) {
    if (ch == '\r' || ch == '\n') continue;
    if (ch == '=') {
      ++pad;
      ++chars;
      continue;
    }
    int v = value(ch);
    if (v < 0 || pad > 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    ++chars;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (chars % 4 != 0 || pad > 2) return false;
  // Leftover bits must be zero padding bits.
  return (acc & ((1u << bits) - 1)) == 0;
}

void base64Map(Ctx& c, const Node& v, const FieldPath& fp, std::map<std::string, std::string>& out) {
  std::map<std::string, std::string> raw;
  c.strMap(v, fp, raw);
  for (auto& [key, encoded] : raw) {
    std::string bytes;
    if (!base64Decode(encoded, bytes)) {
      c.error(fp.field(key), "invalid base64 data: values under data must be base64-encoded (use stringData for plain text)");
      continue;
    }
    out[key] = std::move(bytes);
  }
}

}  // namespace

void decode(Ctx& c, const Node& root, api::Service& out) {
  static constexpr std::array<std::string_view, 16> kIgnoredSpec{
      "clusterIPs", "externalIPs", "sessionAffinity", "loadBalancerIP", "loadBalancerSourceRanges",
      "externalTrafficPolicy", "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig",
      "ipFamilies", "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass",
      "internalTrafficPolicy", "trafficDistribution", "topologyKeys"};
  fields(c, root, FieldPath(), {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (isEnvelopeKey(k)) return true;
    if (k != "spec") return false;
    fields(c, v, fp, {}, [&](std::string_view sk, const Node& sv, const FieldPath& sfp) {
      if (sk == "type") return c.str(sv, sfp, out.type), true;
      if (sk == "clusterIP") return c.str(sv, sfp, out.clusterIP), true;
      if (sk == "externalName") return c.str(sv, sfp, out.externalName), true;
      if (sk == "selector") return c.strMap(sv, sfp, out.selector), true;
      if (sk == "ports") {
        list(c, sv, sfp, out.ports, [&](const Node& n, const FieldPath& ip, api::ServicePort& port) {
          fields(c, n, ip, {"port"}, [&](std::string_view pk, const Node& pv, const FieldPath& pfp) {
            if (pk == "name") return c.str(pv, pfp, port.name), true;
            if (pk == "port") return c.i32(pv, pfp, port.port), true;
            if (pk == "protocol") return c.str(pv, pfp, port.protocol), true;
            if (pk == "appProtocol") return c.str(pv, pfp, port.appProtocol), true;
            if (pk == "targetPort") {
              // IntOrString: a number or a named container port.
              ValueType t = valueType(pv);
              if (t == ValueType::Integer || t == ValueType::String) {
                port.targetPort = pv.scalar();
              } else {
                c.error(pfp, std::string("expected integer or string, got ") + typeName(t));
              }
              return true;
            }
            return pk == "nodePort";
          });
          // targetPort defaults to port.
          if (port.targetPort.empty() && port.port != 0) port.targetPort = std::to_string(port.port);
        });
        return true;
      }
      return oneOf(sk, kIgnoredSpec);
    });
    return true;
  });
}

void decode(Ctx& c, const Node& root, api::EndpointSlice& out) {
  fields(c, root, FieldPath(), {"addressType"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (isEnvelopeKey(k)) return true;
    if (k == "addressType") return c.str(v, fp, out.addressType), true;
    if (k == "endpoints") {
      list(c, v, fp, out.endpoints, [&](const Node& n, const FieldPath& ip, api::Endpoint& e) {
        fields(c, n, ip, {"addresses"}, [&](std::string_view ek, const Node& ev, const FieldPath& efp) {
          if (ek == "addresses") return c.strList(ev, efp, e.addresses), true;
          if (ek == "hostname") return c.str(ev, efp, e.hostname), true;
          if (ek == "nodeName") return c.str(ev, efp, e.nodeName), true;
          if (ek == "zone") return c.str(ev, efp, e.zone), true;
          if (ek == "conditions") {
            fields(c, ev, efp, {}, [&](std::string_view ck, const Node& cv, const FieldPath& cfp) {
              if (ck == "ready") return c.boolean(cv, cfp, e.conditions.ready), true;
              if (ck == "serving") return c.boolean(cv, cfp, e.conditions.serving), true;
              if (ck == "terminating") return c.boolean(cv, cfp, e.conditions.terminating), true;
              return false;
            });
            return true;
          }
          if (ek == "targetRef") {
            static constexpr std::array<std::string_view, 6> kRefIgnored{"kind", "namespace", "uid", "apiVersion",
                                                                         "resourceVersion", "fieldPath"};
            fields(c, ev, efp, {}, [&](std::string_view rk, const Node& rv, const FieldPath& rfp) {
              if (rk == "name") return c.str(rv, rfp, e.targetRefName), true;
              return oneOf(rk, kRefIgnored);
            });
            return true;
          }
          return ek == "hints" || ek == "deprecatedTopology";
        });
      });
      return true;
    }
    if (k == "ports") {
      list(c, v, fp, out.ports, [&](const Node& n, const FieldPath& ip, api::EndpointPort& port) {
        fields(c, n, ip, {}, [&](std::string_view pk, const Node& pv, const FieldPath& pfp) {
          if (pk == "name") return c.str(pv, pfp, port.name), true;
          if (pk == "port") return c.i32(pv, pfp, port.port), true;
          if (pk == "protocol") return c.str(pv, pfp, port.protocol), true;
          if (pk == "appProtocol") return c.str(pv, pfp, port.appProtocol), true;
          return false;
        });
      });
      return true;
    }
    return false;
  });
}

void decode(Ctx& c, const Node& root, api::Secret& out) {
  Node stringData;  // a handle copy: iterator values are temporaries
  bool hasStringData = false;
  FieldPath stringDataPath = FieldPath::root("stringData");
  fields(c, root, FieldPath(), {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (isEnvelopeKey(k) || k == "immutable") return true;
    if (k == "type") return c.str(v, fp, out.type), true;
    if (k == "data") return base64Map(c, v, fp, out.data), true;
    if (k == "stringData") return stringData = v, hasStringData = true;
    return false;
  });
  // stringData is merged over data (write-only convenience field).
  if (hasStringData) {
    std::map<std::string, std::string> plain;
    c.strMap(stringData, stringDataPath, plain);
    for (auto& [k, v] : plain) out.data[k] = std::move(v);
  }
}

void decode(Ctx& c, const Node& root, api::ConfigMap& out) {
  fields(c, root, FieldPath(), {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (isEnvelopeKey(k) || k == "immutable") return true;
    if (k == "data") return c.strMap(v, fp, out.data), true;
    // binaryData is base64; Portico reads it like data (e.g. ca.crt).
    if (k == "binaryData") return base64Map(c, v, fp, out.data), true;
    return false;
  });
}

void decode(Ctx& c, const Node& root, api::Namespace&) {
  fields(c, root, FieldPath(), {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (isEnvelopeKey(k)) return true;
    if (k == "spec") {
      fields(c, v, fp, {}, [&](std::string_view sk, const Node&, const FieldPath&) { return sk == "finalizers"; });
      return true;
    }
    return false;
  });
}

// Only spec.group is read; the schema itself is the API server's business,
// so the rest of the spec is accepted as it is.
void decode(Ctx& c, const Node& root, api::CustomResourceDefinition& out) {
  fields(c, root, FieldPath(), {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (isEnvelopeKey(k)) return true;
    if (k == "spec") {
      fields(c, v, fp, {}, [&](std::string_view sk, const Node& sv, const FieldPath& sfp) {
        if (sk == "group") c.str(sv, sfp, out.group);
        return true;
      });
      return true;
    }
    return false;
  });
}

}  // namespace portico::source::decode
