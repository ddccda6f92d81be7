#include "gen_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace portico::bench {
namespace {

class Writer {
 public:
  explicit Writer(GeneratedConfig& out) : out_(out) {}

  // Starts a new document; `header` is its apiVersion/kind/metadata block.
  template <class... Args>
  void doc(fmt::format_string<Args...> f, Args&&... args) {
    out_.yaml += "---\n";
    ++out_.objects;
    add(f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void add(fmt::format_string<Args...> f, Args&&... args) {
    fmt::format_to(std::back_inserter(out_.yaml), f, std::forward<Args>(args)...);
  }

 private:
  GeneratedConfig& out_;
};

struct Layout {
  int gateways;
  int servicesPerNamespace;
};

void writeNamespaceObjects(Writer& w, const Layout& l, int g, const std::string& crtB64,
                           const std::string& keyB64) {
  w.doc("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench-{0}\n  labels:\n    tenant: t{0}\n", g);
  w.doc(
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gw-{0}-tls\n  namespace: bench-{0}\n"
      "type: kubernetes.io/tls\ndata:\n  tls.crt: {1}\n  tls.key: {2}\n",
      g, crtB64, keyB64);
  w.doc(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw-{0}\n"
      "  namespace: bench-{0}\nspec:\n  gatewayClassName: portico\n  listeners:\n"
      "  - name: http\n    protocol: HTTP\n    port: 80\n    hostname: \"*.gw{0}.example.com\"\n"
      "  - name: https\n    protocol: HTTPS\n    port: 443\n    hostname: \"*.gw{0}.example.com\"\n"
      "    tls:\n      mode: Terminate\n      certificateRefs:\n      - name: gw-{0}-tls\n",
      g);
  for (int k = 0; k < l.servicesPerNamespace; ++k) {
    w.doc(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{1}\n  namespace: bench-{0}\nspec:\n"
        "  selector:\n    app: svc-{1}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n",
        g, k);
    // Unique addresses: 10.x.y.z from a running counter, 4 per service.
    const int base = (g * l.servicesPerNamespace + k) * 4;
    w.doc(
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc-{1}-x7k2p\n"
        "  namespace: bench-{0}\n  labels:\n    kubernetes.io/service-name: svc-{1}\naddressType: IPv4\n"
        "endpoints:\n",
        g, k);
    for (int e = 1; e <= 3; ++e) {
      const int n = base + e;
      w.add(
          "- addresses:\n  - 10.{}.{}.{}\n  conditions:\n    ready: true\n  targetRef:\n    kind: Pod\n"
          "    name: svc-{}-pod-{}\n  zone: zone-{}\n",
          (n >> 16) & 255, (n >> 8) & 255, n & 255, k, e, e % 3);
    }
    w.add("ports:\n- name: http\n  port: 8080\n  protocol: TCP\n");
  }
  if (l.gateways > 1) {
    w.doc(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: ReferenceGrant\nmetadata:\n"
        "  name: from-bench-{1}\n  namespace: bench-{0}\nspec:\n  from:\n"
        "  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n    namespace: bench-{1}\n"
        "  to:\n  - group: \"\"\n    kind: Service\n",
        g, (g + l.gateways - 1) % l.gateways);
  }
}

// One route: 2-3 rules mixing path match kinds, header and query matches,
// a header modifier and weighted backends.
void writeRoute(Writer& w, const Layout& l, int r, bool crossNamespace) {
  const int g = r % l.gateways;
  const int perNs = l.servicesPerNamespace;
  const int a = (r / l.gateways) % perNs;
  const int b = (a + 1) % perNs;
  w.doc(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: route-{0}\n"
      "  namespace: bench-{1}\nspec:\n  parentRefs:\n  - name: gw-{1}\n  hostnames:\n"
      "  - r{0}.gw{1}.example.com\n",
      r, g);
  if (r % 2 == 1) w.add("  - r{}-alt.gw{}.example.com\n", r, g);

  w.add(
      "  rules:\n  - matches:\n    - path:\n        type: PathPrefix\n        value: /api/v{1}/r{0}\n"
      "      headers:\n      - name: x-tenant\n        value: tenant-{2}\n"
      "    - path:\n        type: Exact\n        value: /healthz/r{0}\n"
      "    filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier:\n"
      "        set:\n        - name: x-route\n          value: route-{0}\n"
      "        add:\n        - name: x-bench\n          value: \"1\"\n"
      "        remove:\n        - x-debug\n"
      "    backendRefs:\n    - name: svc-{3}\n      port: 80\n      weight: 80\n",
      r, r % 3 + 1, r % 7, a);
  if (crossNamespace) {
    w.add("    - name: svc-{}\n      namespace: bench-{}\n      port: 80\n      weight: 20\n", a,
          (g + 1) % l.gateways);
  } else {
    w.add("    - name: svc-{}\n      port: 80\n      weight: 20\n", b);
  }

  w.add(
      "  - matches:\n    - path:\n        type: RegularExpression\n        value: \"/items/[0-9]+/r{0}\"\n"
      "      headers:\n      - name: authorization\n        type: RegularExpression\n"
      "        value: \"Bearer .+\"\n"
      "      queryParams:\n      - name: version\n        value: v2\n"
      "    backendRefs:\n    - name: svc-{1}\n      port: 80\n      weight: 50\n"
      "    - name: svc-{2}\n      port: 80\n      weight: 50\n",
      r, b, a);
  if (r % 2 == 0) {
    w.add(
        "  - matches:\n    - path:\n        type: PathPrefix\n        value: /r{0}\n      method: GET\n"
        "    backendRefs:\n    - name: svc-{1}\n      port: 80\n      weight: 90\n"
        "    - name: svc-{2}\n      port: 80\n      weight: 10\n",
        r, a, b);
  }
}

}  // namespace

std::vector<std::string> gatewayWildcards(int gateways) {
  std::vector<std::string> names;
  for (int g = 0; g < gateways; ++g) names.push_back(fmt::format("*.gw{}.example.com", g));
  return names;
}

GeneratedConfig generateConfig(const GenParams& params, const KeyPairPem& tls) {
  GeneratedConfig out;
  const int gateways = std::max(1, params.gateways);
  const int services = params.services > 0 ? params.services : params.routes / 10;
  Layout l{gateways, std::max(1, services / gateways)};
  out.services = l.servicesPerNamespace * gateways;
  // ~2.2 KB per route and ~1 KB per service: reserve to skip regrowth.
  out.yaml.reserve(static_cast<size_t>(params.routes) * 2300 + static_cast<size_t>(out.services) * 1200 +
                   static_cast<size_t>(gateways) * 4096);

  Writer w(out);
  w.doc(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: portico\n"
      "spec:\n  controllerName: portico.dev/gateway-controller\n");
  const std::string crt = base64(tls.certPem), key = base64(tls.keyPem);
  for (int g = 0; g < gateways; ++g) writeNamespaceObjects(w, l, g, crt, key);
  out.referenceGrants = gateways > 1 ? gateways : 0;

  const int every = std::max(1, params.crossNamespaceEvery);
  for (int r = 0; r < params.routes; ++r) {
    const bool cross = gateways > 1 && r % every == 0;
    writeRoute(w, l, r, cross);
    out.crossNamespaceRefs += cross ? 1 : 0;
  }
  out.routes = params.routes;
  return out;
}

}  // namespace portico::bench
