// Ingress -> Gateway API. The steps, in order:
//   1. read the manifests (Ingresses, and Services for named ports);
//   2. choose the Gateway's class, name and namespace;
//   3. one HTTPS listener per TLS host (plus `http` on port 80);
//   4. per Ingress and host, the rules (paths, default backend, app-root,
//      annotations as filters and timeouts);
//   5. canary Ingresses merged into their primary's rules;
//   6. routes attached to the listeners (HTTP->HTTPS redirects), split at
//      16 rules, ReferenceGrants for what crosses namespaces;
//   7. YAML, checked with the same loader `portico validate` uses.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "api/validate/patterns.h"
#include "migrate/annotations.h"
#include "migrate/emit.h"
#include "migrate/ingress.h"
#include "migrate/migrate.h"
#include "migrate/paths.h"
#include "source/loader.h"
#include "translate/hostname.h"

namespace portico::migrate {

std::optional<MirrorTarget> parseMirrorTarget(std::string_view text, std::string* error) {
  MirrorTarget t;
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    *error = "expected [NAMESPACE/]SERVICE:PORT, e.g. shadow:8080 or staging/shadow:8080";
    return std::nullopt;
  }
  std::string_view name = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (const auto slash = name.find('/'); slash != std::string_view::npos) {
    t.namespace_ = std::string(name.substr(0, slash));
    name = name.substr(slash + 1);
    if (!api::validate::isDnsLabel(t.namespace_) || t.namespace_.size() > 63) {
      *error = fmt::format("\"{}\" is not a namespace name", t.namespace_);
      return std::nullopt;
    }
  }
  t.name = std::string(name);
  if (!api::validate::isDnsLabel(t.name) || t.name.size() > 63) {
    *error = fmt::format("\"{}\" is not a Service name", t.name);
    return std::nullopt;
  }
  int p = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || p > 65535) {
      p = -1;
      break;
    }
    p = p * 10 + (c - '0');
  }
  if (port.empty() || p < 1 || p > 65535) {
    *error = fmt::format("\"{}\" is not a port number", port);
    return std::nullopt;
  }
  t.port = p;
  return t;
}

namespace {

constexpr const char* kMigratedFrom = "portico.dev/migrated-from";
constexpr int32_t kPlaceholderPort = 1;
constexpr size_t kMaxRules = 16;

std::string slug(std::string_view host) {
  if (host.empty()) return "any-host";
  std::string s;
  if (host.starts_with("*.")) {
    s = "wildcard-";
    host.remove_prefix(2);
  }
  for (char c : host) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      s += static_cast<char>(std::tolower(u));
    } else if (!s.empty() && s.back() != '-') {
      s += '-';
    }
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s;
}

std::string where(const Loc& l) { return l.line > 0 ? fmt::format("{}:{}", l.file, l.line) : l.file; }

struct RuleDraft {
  api::HTTPRouteRule rule;
  std::string ingressPath;      // the Ingress path it came from (canary key); "" for generated rules
  bool primaryBackend = false;  // a path rule whose backendRefs[0] is the Ingress backend
};

struct RouteDraft {
  const Ingress* ing = nullptr;
  const NginxConfig* cfg = nullptr;
  std::string host;  // "" = any
  std::string baseName;
  std::vector<RuleDraft> rules;
  std::vector<std::string> comments;
  std::vector<std::string> canaries;  // "ns/name (file:line)"
};

struct TlsHost {
  std::string secretNamespace, secretName;
  const Ingress* ing = nullptr;
  std::string listener;
};

class Converter {
 public:
  Converter(const Options& opt, Inputs& in, Result& res)
      : opt_(opt), in_(in), res_(res), diags_(res.diagnostics) {}

  void run() {
    res_.ingresses = static_cast<int>(in_.ingresses.size());
    collect();
    if (primaries_.empty() && canaries_.empty()) return;
    chooseGateway();
    listeners();
    for (const Ingress* ing : primaries_) buildIngress(*ing);
    for (const Ingress* ing : canaries_) mergeCanary(*ing);
    for (auto& d : drafts_) {
      if (!d.rules.empty()) converted_.insert(d.ing);
    }
    res_.converted = static_cast<int>(converted_.size() + mergedCanaries_.size());
    if (res_.converted == 0) return;
    attachAndSplit();
    finishGateway();
    render();
  }

 private:
  const Options& opt_;
  Inputs& in_;
  Result& res_;
  api::Diagnostics& diags_;

  std::vector<const Ingress*> primaries_, canaries_;
  std::map<const Ingress*, NginxConfig> cfg_;
  std::string className_, classFrom_;
  api::Gateway gw_;
  std::vector<std::string> gwComments_;
  std::map<std::string, TlsHost> tlsHosts_;  // hostname ("" = any) -> listener
  std::vector<RouteDraft> drafts_;
  std::set<const Ingress*> converted_, mergedCanaries_;
  std::map<std::string, std::set<std::string>> usedNames_;  // namespace -> route names

  struct OutRoute {
    api::HTTPRoute route;
    std::vector<std::string> comments;
  };
  std::vector<OutRoute> routes_;
  // Cross-namespace references: target namespace -> (from kind, from ns) -> names.
  std::map<std::string, std::map<std::pair<std::string, std::string>, std::set<std::string>>> grants_;

  const std::string& gwNs() const { return gw_.meta.namespace_; }

  void collect() {
    std::vector<const Ingress*> all;
    for (const auto& i : in_.ingresses) all.push_back(&i);
    std::stable_sort(all.begin(), all.end(), [](const Ingress* a, const Ingress* b) {
      return std::tie(a->namespace_, a->name) < std::tie(b->namespace_, b->name);
    });
    const Ingress* prev = nullptr;
    for (const Ingress* ing : all) {
      if (prev && prev->namespace_ == ing->namespace_ && prev->name == ing->name) {
        warn(diags_, *ing, ing->loc, "",
             fmt::format("duplicate Ingress (also at {}); this one is skipped", where(prev->loc)));
        continue;
      }
      prev = ing;
      NginxConfig& cfg = cfg_[ing] = readNginxAnnotations(*ing, diags_);
      (cfg.canary.enabled ? canaries_ : primaries_).push_back(ing);
    }
  }

  void chooseGateway() {
    if (!opt_.gatewayClass.empty()) {
      className_ = opt_.gatewayClass;
      classFrom_ = "--gateway-class";
    } else {
      for (const Ingress* ing : primaries_) {
        if (ing->className) {
          className_ = *ing->className;
          classFrom_ = fmt::format("{} of Ingress {}", ing->classField, ing->ref());
          break;
        }
      }
      if (className_.empty()) {
        className_ = "portico";
        classFrom_ = "the default (no Ingress names a class)";
        api::Diagnostic d;
        d.severity = api::Severity::Warning;
        d.message =
            "no Ingress names an ingress class: the Gateway uses GatewayClass \"portico\" (set "
            "--gateway-class)";
        diags_.push_back(std::move(d));
      }
      for (const Ingress* ing : primaries_) {
        if (ing->className && *ing->className != className_) {
          warn(
              diags_, *ing, ing->loc, ing->classField,
              fmt::format("class \"{}\" differs from \"{}\" used for the Gateway: every converted Ingress is "
                          "served by the one Gateway (convert each class separately with --gateway-class to "
                          "keep them apart)",
                          *ing->className, className_));
        }
      }
    }
    gw_.gatewayClassName = className_;
    gw_.meta.name = opt_.gatewayName.empty() ? className_ : opt_.gatewayName;
    if (!opt_.gatewayNamespace.empty()) {
      gw_.meta.namespace_ = opt_.gatewayNamespace;
    } else {
      std::set<std::string> nss;
      for (const Ingress* ing : primaries_) nss.insert(ing->namespace_);
      gw_.meta.namespace_ = nss.size() == 1 ? *nss.begin() : "default";
    }
  }

  // --- listeners -------------------------------------------------------------

  void listeners() {
    api::Listener http;
    http.name = "http";
    http.port = 80;
    http.protocol = "HTTP";
    gw_.listeners.push_back(std::move(http));
    std::set<std::string> names{"http"};
    for (const Ingress* ing : primaries_) {
      for (const auto& t : ing->tls) {
        if (t.secretName.empty()) {
          warn(diags_, *ing, t.loc, t.field + ".secretName",
               "missing: ingress-nginx served its default certificate; no HTTPS listener is created for "
               "these hosts");
          continue;
        }
        std::vector<std::string> hosts = t.hosts;
        if (hosts.empty()) hosts.push_back("");
        for (const auto& h : hosts) {
          if (!h.empty() && !api::validate::isWildcardHostname(h)) {
            warn(diags_, *ing, t.loc, t.field + ".hosts",
                 fmt::format("\"{}\" is not a hostname; skipped", h));
            continue;
          }
          auto [it, inserted] = tlsHosts_.try_emplace(h);
          if (!inserted) {
            const TlsHost& prev = it->second;
            if (prev.secretNamespace != ing->namespace_ || prev.secretName != t.secretName) {
              warn(diags_, *ing, t.loc, t.field,
                   fmt::format("host {} already has certificate {}/{} from Ingress {}; secret {} is not used",
                               h.empty() ? "(any)" : h, prev.secretNamespace, prev.secretName,
                               prev.ing->ref(), t.secretName));
            }
            continue;
          }
          TlsHost& th = it->second;
          th.secretNamespace = ing->namespace_;
          th.secretName = t.secretName;
          th.ing = ing;
          std::string name = h.empty() ? "https" : "https-" + slug(h);
          for (int n = 2; names.contains(name); ++n) name = fmt::format("https-{}-{}", slug(h), n);
          names.insert(name);
          th.listener = name;
          api::Listener l;
          l.name = name;
          if (!h.empty()) l.hostname = h;
          l.port = 443;
          l.protocol = "HTTPS";
          api::ListenerTLSConfig tls;
          tls.mode = "Terminate";
          api::SecretObjectReference ref;
          ref.name = t.secretName;
          if (ing->namespace_ != gwNs()) {
            ref.namespace_ = ing->namespace_;
            grants_[ing->namespace_][{"Gateway", gwNs()}].insert(t.secretName);
          }
          tls.certificateRefs.push_back(std::move(ref));
          l.tls = std::move(tls);
          gw_.listeners.push_back(std::move(l));
        }
      }
    }
    // Most specific first, as a reader expects (and `portico status` lists them).
    std::stable_sort(
        gw_.listeners.begin() + 1, gw_.listeners.end(), [](const api::Listener& a, const api::Listener& b) {
          return translate::moreSpecificHostname(a.hostname.value_or(""), b.hostname.value_or(""));
        });
    if (gw_.listeners.size() > 64) {
      api::Diagnostic d;
      d.severity = api::Severity::Warning;
      d.message = fmt::format(
          "{} listeners: a Gateway holds at most 64; split the Ingresses over several "
          "Gateways (--gateway-name) or move hosts to ListenerSets",
          gw_.listeners.size());
      diags_.push_back(std::move(d));
    }
  }

  // The HTTPS listeners a route for `host` attaches to.
  std::vector<std::string> httpsListenersFor(const std::string& host) const {
    std::vector<std::string> out;
    for (const auto& [h, th] : tlsHosts_) {
      if (h.empty() || (!host.empty() && translate::intersectHostnames(h, host))) out.push_back(th.listener);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // --- backends ----------------------------------------------------------------

  std::optional<api::HTTPBackendRef> backendRef(const Ingress& ing, const IngressBackend& b,
                                                const std::string& routeNs,
                                                std::vector<std::string>& comments) {
    if (b.service.empty()) {
      warn(diags_, ing, b.loc, b.field + ".resource",
           fmt::format(
               "a {} resource backend has no Gateway API equivalent (backendRefs name Services); skipped",
               b.resourceKind));
      return std::nullopt;
    }
    api::HTTPBackendRef ref;
    ref.ref.name = b.service;
    if (ing.namespace_ != routeNs) {
      ref.ref.namespace_ = ing.namespace_;
      grants_[ing.namespace_][{"HTTPRoute", routeNs}].insert(b.service);
    }
    const std::string key = ing.namespace_ + "/" + b.service;
    const auto svc = in_.services.find(key);
    if (b.portNumber) {
      ref.ref.port = *b.portNumber;
      if (svc != in_.services.end() && std::find(svc->second.numbers.begin(), svc->second.numbers.end(),
                                                 *b.portNumber) == svc->second.numbers.end()) {
        warn(diags_, ing, b.portLoc, b.field + ".service.port.number",
             fmt::format("Service {} (at {}) has no port {}: the route will report ResolvedRefs=False", key,
                         where(svc->second.loc), *b.portNumber));
      }
      return ref;
    }
    if (svc != in_.services.end()) {
      auto p = svc->second.byName.find(*b.portName);
      if (p != svc->second.byName.end()) {
        ref.ref.port = p->second;
        return ref;
      }
    }
    ref.ref.port = kPlaceholderPort;
    const std::string how =
        fmt::format("kubectl get service -n {} {} -o jsonpath='{{.spec.ports[?(@.name==\"{}\")].port}}'",
                    ing.namespace_, b.service, *b.portName);
    warn(diags_, ing, b.portLoc, b.field + ".service.port.name",
         svc == in_.services.end()
             ? fmt::format(
                   "Service {} is not in the input, so port name \"{}\" cannot be resolved (backendRefs "
                   "take port numbers): written as port {}, a placeholder; replace it with the number "
                   "of that port ({}) or pass the Service manifest to -f",
                   key, *b.portName, kPlaceholderPort, how)
             : fmt::format("Service {} (at {}) has no port named \"{}\": written as port {}, a placeholder; "
                           "replace it with the right port number",
                           key, where(svc->second.loc), *b.portName, kPlaceholderPort));
    comments.push_back(fmt::format("TODO: port {} of Service {} is a placeholder for the port named \"{}\"",
                                   kPlaceholderPort, key, *b.portName));
    return ref;
  }

  // Filters and timeouts every rule serving a backend of `ing` carries.
  void decorate(api::HTTPRouteRule& rule, const NginxConfig& cfg, const std::string& routeNs,
                const std::optional<api::HTTPPathModifier>& rewrite) {
    if (cfg.redirect) {
      api::HTTPRouteFilter f;
      f.type = "RequestRedirect";
      f.requestRedirect = *cfg.redirect;
      rule.filters.push_back(std::move(f));
      rule.backendRefs.clear();
      return;
    }
    if (rewrite || cfg.upstreamVhost) {
      api::HTTPRouteFilter f;
      f.type = "URLRewrite";
      f.urlRewrite = api::HTTPURLRewriteFilter{cfg.upstreamVhost, rewrite};
      rule.filters.push_back(std::move(f));
    }
    if (cfg.cors) {
      api::HTTPRouteFilter f;
      f.type = "CORS";
      f.cors = *cfg.cors;
      rule.filters.push_back(std::move(f));
    }
    if (opt_.mirror) {
      api::HTTPRouteFilter f;
      f.type = "RequestMirror";
      api::HTTPRequestMirrorFilter m;
      m.backendRef.name = opt_.mirror->name;
      m.backendRef.port = opt_.mirror->port;
      if (!opt_.mirror->namespace_.empty() && opt_.mirror->namespace_ != routeNs) {
        m.backendRef.namespace_ = opt_.mirror->namespace_;
        grants_[opt_.mirror->namespace_][{"HTTPRoute", routeNs}].insert(opt_.mirror->name);
      }
      f.requestMirror = std::move(m);
      rule.filters.push_back(std::move(f));
    }
    if (cfg.backendRequestTimeout)
      rule.timeouts = api::HTTPRouteTimeouts{std::nullopt, cfg.backendRequestTimeout};
  }

  // --- rules per Ingress and host ---------------------------------------------------

  void buildIngress(const Ingress& ing) {
    const NginxConfig& cfg = cfg_.at(&ing);
    const std::string* target = cfg.rewriteTarget ? &cfg.rewriteTarget->value : nullptr;
    const size_t first = drafts_.size();
    std::map<std::string, size_t> byHost;
    auto draftFor = [&](const std::string& host) -> RouteDraft& {
      auto [it, inserted] = byHost.try_emplace(host, drafts_.size());
      if (inserted) {
        RouteDraft d;
        d.ing = &ing;
        d.cfg = &cfg;
        d.host = host;
        drafts_.push_back(std::move(d));
      }
      return drafts_[it->second];
    };
    bool narrowed = false;
    for (const auto& rule : ing.rules) {
      if (!rule.host.empty() && !api::validate::isWildcardHostname(rule.host)) {
        warn(diags_, ing, rule.loc, rule.field + ".host",
             fmt::format("\"{}\" is not a hostname; rule skipped", rule.host));
        continue;
      }
      RouteDraft& d = draftFor(rule.host);
      for (const auto& p : rule.paths) {
        PathPlan plan = planPath(p.path, p.pathType, cfg.regexPaths, target);
        for (auto& n : plan.pathNotes) warn(diags_, ing, p.loc, p.field, std::move(n));
        for (auto& n : plan.rewriteNotes) warnAnnotation(diags_, ing, *cfg.rewriteTarget, std::move(n));
        if (!plan.ok) continue;
        narrowed = narrowed || plan.segmentNarrowed;
        if (cfg.appRoot && plan.match.type == "Exact" && plan.match.value == "/") {
          warn(diags_, ing, p.loc, p.field,
               "Exact \"/\" is answered by the app-root redirect (ingress-nginx checks app-root first); "
               "skipped");
          continue;
        }
        const bool dup = std::any_of(d.rules.begin(), d.rules.end(), [&](const RuleDraft& r) {
          return r.rule.matches.size() == 1 && r.rule.matches[0].path->type == plan.match.type &&
                 r.rule.matches[0].path->value == plan.match.value;
        });
        if (dup) {
          warn(diags_, ing, p.loc, p.field,
               fmt::format(
                   "{} {} is already routed by an earlier path of this host; skipped (ingress-nginx uses "
                   "the first)",
                   plan.match.type, plan.match.value));
          continue;
        }
        auto ref = backendRef(ing, p.backend, ing.namespace_, d.comments);
        if (!ref) continue;
        RuleDraft rd;
        api::HTTPRouteMatch m;
        m.path = plan.match;
        rd.rule.matches.push_back(std::move(m));
        rd.rule.backendRefs.push_back(std::move(*ref));
        rd.ingressPath = p.path.empty() ? "/" : p.path;
        rd.primaryBackend = true;
        decorate(rd.rule, cfg, ing.namespace_, plan.rewrite);
        d.rules.push_back(std::move(rd));
      }
    }
    if (narrowed) {
      const Annotation* a = cfg.rewriteTarget ? cfg.rewriteTarget : cfg.useRegex;
      warnAnnotation(
          diags_, ing, *a,
          "paths are regular expressions for ingress-nginx, matched by character (\"/app\" also "
          "matched \"/application\"); the PathPrefix matches written instead match whole segments");
    }
    if (ing.defaultBackend) {
      // ingress-nginx: the default backend of an Ingress answers the paths
      // its rules leave unmatched on its hosts, and every host when the
      // Ingress has no rules.
      if (byHost.empty()) draftFor("");
      for (size_t i = first; i < drafts_.size(); ++i) {
        RouteDraft& d = drafts_[i];
        const bool hasRoot = std::any_of(d.rules.begin(), d.rules.end(), [](const RuleDraft& r) {
          return r.rule.matches[0].path->type == "PathPrefix" && r.rule.matches[0].path->value == "/";
        });
        if (hasRoot) continue;
        auto ref = backendRef(ing, *ing.defaultBackend, ing.namespace_, d.comments);
        if (!ref) break;
        RuleDraft rd;
        api::HTTPRouteMatch m;
        m.path = api::HTTPPathMatch{"PathPrefix", "/"};
        rd.rule.matches.push_back(std::move(m));
        rd.rule.backendRefs.push_back(std::move(*ref));
        rd.ingressPath = "";
        decorate(rd.rule, cfg, ing.namespace_, std::nullopt);
        d.rules.push_back(std::move(rd));
      }
    }
    if (cfg.appRoot) {
      for (size_t i = first; i < drafts_.size(); ++i) {
        RuleDraft rd;
        api::HTTPRouteMatch m;
        m.path = api::HTTPPathMatch{"Exact", "/"};
        rd.rule.matches.push_back(std::move(m));
        api::HTTPRouteFilter f;
        f.type = "RequestRedirect";
        api::HTTPRequestRedirectFilter r;
        r.path = api::HTTPPathModifier{"ReplaceFullPath", *cfg.appRoot, std::nullopt};
        r.statusCode = 302;
        f.requestRedirect = std::move(r);
        rd.rule.filters.push_back(std::move(f));
        drafts_[i].rules.insert(drafts_[i].rules.begin(), std::move(rd));
      }
    }
    const bool any = std::any_of(drafts_.begin() + static_cast<long>(first), drafts_.end(),
                                 [](const RouteDraft& d) { return !d.rules.empty(); });
    if (!any)
      warn(diags_, ing, ing.loc, "", "nothing to convert: no rule with a usable path and no default backend");
    for (size_t i = first; i < drafts_.size(); ++i) {
      drafts_[i].comments.insert(drafts_[i].comments.begin(),
                                 fmt::format("From Ingress {} ({})", ing.ref(), where(ing.loc)));
    }
  }

  // --- canary Ingresses --------------------------------------------------------

  void mergeCanary(const Ingress& c) {
    const NginxConfig& cfg = cfg_.at(&c);
    const Canary& can = cfg.canary;
    if (c.defaultBackend) {
      warn(
          diags_, c, c.defaultBackend->loc, c.defaultBackend->field,
          "a canary Ingress's default backend is not converted (only its paths are merged into the primary's "
          "rules)");
    }
    bool merged = false;
    for (const auto& rule : c.rules) {
      for (const auto& p : rule.paths) {
        const std::string key = p.path.empty() ? "/" : p.path;
        bool found = false;
        for (auto& d : drafts_) {
          if (d.host != rule.host) continue;
          for (size_t i = 0; i < d.rules.size(); ++i) {
            if (!d.rules[i].primaryBackend || d.rules[i].ingressPath != key ||
                d.rules[i].rule.backendRefs.empty()) {
              continue;
            }
            found = true;
            if (d.rules[i].rule.backendRefs.size() > 1) {
              warn(
                  diags_, c, p.loc, p.field,
                  fmt::format("host {} path {} already has a canary; ingress-nginx uses one canary per path; "
                              "skipped",
                              rule.host.empty() ? "(any)" : rule.host, key));
              continue;
            }
            std::vector<std::string> comments;
            auto ref = backendRef(c, p.backend, d.ing->namespace_, comments);
            if (!ref) continue;
            d.comments.insert(d.comments.end(), comments.begin(), comments.end());
            i += insertCanary(d, i, *ref, can);
            merged = true;
            const std::string note = fmt::format("canary Ingress {} ({})", c.ref(), where(c.loc));
            if (std::find(d.canaries.begin(), d.canaries.end(), note) == d.canaries.end())
              d.canaries.push_back(note);
          }
        }
        if (!found) {
          warn(diags_, c, p.loc, p.field,
               fmt::format("no primary Ingress serves host {} path {}: ingress-nginx ignores such a canary; "
                           "skipped",
                           rule.host.empty() ? "(any)" : rule.host, key));
        }
      }
    }
    if (merged) mergedCanaries_.insert(&c);
  }

  // Adds the canary to rule `i` of `d` (weights) and the header/cookie
  // rules after it; returns how many rules were inserted.
  size_t insertCanary(RouteDraft& d, size_t i, const api::HTTPBackendRef& canaryRef, const Canary& can) {
    api::HTTPRouteRule primary = d.rules[i].rule;  // filters, timeouts and match to copy
    if (can.weight) {
      auto& refs = d.rules[i].rule.backendRefs;
      refs[0].weight = can.total - *can.weight;
      api::HTTPBackendRef w = canaryRef;
      w.weight = *can.weight;
      refs.push_back(std::move(w));
    }
    std::vector<RuleDraft> extra;
    auto headerRule = [&](const std::string& name, const std::string& type, const std::string& value,
                          bool toCanary) {
      RuleDraft rd;
      rd.rule = primary;
      rd.rule.matches[0].headers.push_back(api::HTTPHeaderMatch{type, name, value});
      rd.rule.backendRefs = {toCanary ? canaryRef : primary.backendRefs[0]};
      rd.rule.backendRefs[0].weight = 1;
      extra.push_back(std::move(rd));
    };
    // ingress-nginx order: header, then cookie, then weight. Within one
    // route, rules with equally many header matches keep their order.
    if (!can.header.empty()) {
      if (!can.headerValue.empty()) {
        headerRule(can.header, "Exact", can.headerValue, true);
      } else if (!can.headerPattern.empty()) {
        headerRule(can.header, "RegularExpression", can.headerPattern, true);
      } else {
        headerRule(can.header, "Exact", "never", false);
        headerRule(can.header, "Exact", "always", true);
      }
    }
    if (!can.cookie.empty()) {
      auto cookieRe = [&](const char* v) { return fmt::format("(.*;[ ]*)?{}={}(;.*)?", can.cookie, v); };
      headerRule("Cookie", "RegularExpression", cookieRe("never"), false);
      headerRule("Cookie", "RegularExpression", cookieRe("always"), true);
    }
    d.rules.insert(d.rules.begin() + static_cast<long>(i) + 1, std::make_move_iterator(extra.begin()),
                   std::make_move_iterator(extra.end()));
    return extra.size();
  }

  // --- routes -------------------------------------------------------------------------

  std::string uniqueName(const std::string& ns, const std::string& base) {
    auto& used = usedNames_[ns];
    std::string name = base.size() > 240 ? base.substr(0, 240) : base;
    while (!name.empty() && name.back() == '-') name.pop_back();
    const std::string stem = name;
    for (int n = 2; used.contains(name); ++n) name = fmt::format("{}-{}", stem, n);
    used.insert(name);
    return name;
  }

  api::ParentReference parent(const std::string& routeNs, const std::string& section) const {
    api::ParentReference p;
    p.name = gw_.meta.name;
    if (routeNs != gwNs()) p.namespace_ = gwNs();
    p.sectionName = section;
    return p;
  }

  void emitRoutes(const RouteDraft& d, const std::string& base, std::vector<api::HTTPRouteRule> rules,
                  const std::vector<api::ParentReference>& parents, std::vector<std::string> comments) {
    const std::string& ns = d.ing->namespace_;
    const size_t parts = (rules.size() + kMaxRules - 1) / kMaxRules;
    for (size_t part = 0; part < parts; ++part) {
      OutRoute o;
      o.route.meta.namespace_ = ns;
      o.route.meta.name = uniqueName(ns, part == 0 ? base : fmt::format("{}-{}", base, part + 1));
      o.route.meta.annotations[kMigratedFrom] = "Ingress " + d.ing->ref();
      o.route.common.parentRefs = parents;
      if (!d.host.empty()) o.route.hostnames.push_back(d.host);
      for (size_t k = part * kMaxRules; k < std::min(rules.size(), (part + 1) * kMaxRules); ++k) {
        o.route.rules.push_back(std::move(rules[k]));
      }
      o.comments = comments;
      if (parts > 1) {
        o.comments.push_back(
            fmt::format("Part {} of {}: an HTTPRoute holds at most {} rules", part + 1, parts, kMaxRules));
      }
      routes_.push_back(std::move(o));
    }
  }

  void attachAndSplit() {
    // Names: the Ingress's own when it has one host, else one per host.
    std::map<const Ingress*, int> hostsPer;
    for (const auto& d : drafts_) {
      if (!d.rules.empty()) ++hostsPer[d.ing];
    }
    for (auto& d : drafts_) {
      if (d.rules.empty()) continue;
      const Ingress& ing = *d.ing;
      const NginxConfig& cfg = *d.cfg;
      const std::string base = hostsPer[d.ing] == 1 ? ing.name : ing.name + "-" + slug(d.host);
      const std::vector<std::string> https = httpsListenersFor(d.host);
      bool redirect = false;
      if (!cfg.redirect) {
        if (!https.empty()) {
          redirect = cfg.sslRedirect.value_or(true) || cfg.forceSslRedirect;
        } else if (cfg.forceSslRedirect) {
          warnAnnotation(
              diags_, ing, *cfg.forceSslRedirectSource,
              fmt::format("not carried over for {}: no HTTPS listener serves it (no spec.tls entry of any "
                          "Ingress names it); ingress-nginx redirected to TLS terminated elsewhere, "
                          "which a Gateway cannot know about",
                          d.host.empty() ? "requests without a TLS host" : "host " + d.host));
        }
      }
      std::vector<std::string> comments = d.comments;
      for (const auto& c : d.canaries) comments.push_back("Merged: " + c);
      std::vector<api::ParentReference> parents;
      if (!redirect) parents.push_back(parent(ing.namespace_, "http"));
      for (const auto& l : https) parents.push_back(parent(ing.namespace_, l));
      if (redirect) {
        comments.push_back("HTTPS only: plain HTTP requests get the 308 redirect of route " + base +
                           "-https-redirect");
      }
      std::vector<api::HTTPRouteRule> rules;
      for (auto& r : d.rules) rules.push_back(std::move(r.rule));
      if (redirect) {
        // The HTTP side: the same matches, answered with a redirect to HTTPS
        // (ingress-nginx's ssl-redirect, status 308 like its default).
        std::vector<api::HTTPRouteMatch> matches;
        for (const auto& r : rules) {
          for (const auto& m : r.matches) {
            api::HTTPRouteMatch plain;
            plain.path = m.path;
            const bool seen = std::any_of(matches.begin(), matches.end(), [&](const api::HTTPRouteMatch& x) {
              return x.path->type == plain.path->type && x.path->value == plain.path->value;
            });
            if (!seen) matches.push_back(std::move(plain));
          }
        }
        std::vector<api::HTTPRouteRule> redirectRules;
        for (size_t k = 0; k < matches.size(); k += 64) {
          api::HTTPRouteRule rr;
          rr.matches.assign(matches.begin() + static_cast<long>(k),
                            matches.begin() + static_cast<long>(std::min(matches.size(), k + 64)));
          api::HTTPRouteFilter f;
          f.type = "RequestRedirect";
          api::HTTPRequestRedirectFilter rf;
          rf.scheme = "https";
          rf.statusCode = 308;
          f.requestRedirect = std::move(rf);
          rr.filters.push_back(std::move(f));
          redirectRules.push_back(std::move(rr));
        }
        const Annotation* why = cfg.forceSslRedirect ? cfg.forceSslRedirectSource : nullptr;
        emitRoutes(
            d, base + "-https-redirect", std::move(redirectRules), {parent(ing.namespace_, "http")},
            {fmt::format("From Ingress {} ({}): HTTP -> HTTPS redirect ({})", ing.ref(), where(ing.loc),
                         why ? "force-ssl-redirect" : "ingress-nginx's default for hosts with TLS")});
      }
      emitRoutes(d, base, std::move(rules), parents, std::move(comments));
    }
  }

  // --- Gateway and grants -------------------------------------------------------------

  void finishGateway() {
    std::set<std::string> nss;
    for (const auto& r : routes_) nss.insert(r.route.meta.namespace_);
    gwComments_.push_back(fmt::format("Generated by `portico migrate ingress` from {} Ingress object{}.",
                                      res_.converted, res_.converted == 1 ? "" : "s"));
    gwComments_.push_back(fmt::format("GatewayClass {}: {}.", className_, classFrom_));
    gwComments_.push_back(
        "Listeners: http (port 80) for every host, one HTTPS listener (port 443) per TLS host.");
    if (nss.size() > 1 || (nss.size() == 1 && *nss.begin() != gwNs())) {
      nss.insert(gwNs());
      api::LabelSelector sel;
      api::LabelSelectorRequirement req;
      req.key = "kubernetes.io/metadata.name";
      req.operator_ = "In";
      req.values.assign(nss.begin(), nss.end());
      sel.matchExpressions.push_back(std::move(req));
      for (auto& l : gw_.listeners) {
        l.allowedRoutes.namespaces.from = "Selector";
        l.allowedRoutes.namespaces.selector = sel;
      }
      gwComments_.push_back(
          "allowedRoutes: a Selector on kubernetes.io/metadata.name (a label Kubernetes sets on every "
          "namespace)");
      gwComments_.push_back(
          "admits the routes of exactly these namespaces; `from: All` would also admit any other "
          "namespace's.");
    }
    res_.gateways = 1;
  }

  std::vector<std::pair<api::ReferenceGrant, std::vector<std::string>>> referenceGrants() {
    std::vector<std::pair<api::ReferenceGrant, std::vector<std::string>>> out;
    for (const auto& [targetNs, byFrom] : grants_) {
      for (const auto& [from, names] : byFrom) {
        const auto& [kind, fromNs] = from;
        if (fromNs == targetNs) continue;
        const bool secrets = kind == "Gateway";
        std::vector<std::string> list(names.begin(), names.end());
        for (size_t k = 0, part = 1; k < list.size(); k += 16, ++part) {
          api::ReferenceGrant g;
          g.meta.namespace_ = targetNs;
          std::string base = secrets ? fmt::format("{}-gateway-certificates", gw_.meta.name)
                                     : fmt::format("httproutes-from-{}", fromNs);
          g.meta.name = part == 1 ? base : fmt::format("{}-{}", base, part);
          g.from.push_back(api::ReferenceGrantFrom{api::kGatewayGroup, kind, fromNs});
          for (size_t j = k; j < std::min(list.size(), k + 16); ++j) {
            g.to.push_back(api::ReferenceGrantTo{"", secrets ? "Secret" : "Service", list[j]});
          }
          std::vector<std::string> comments{
              secrets
                  ? fmt::format("Lets Gateway {}/{} use these TLS Secrets of namespace {}.", gwNs(),
                                gw_.meta.name, targetNs)
                  : fmt::format("Lets the HTTPRoutes of namespace {} send to these Services of namespace {}.",
                                fromNs, targetNs)};
          out.emplace_back(std::move(g), std::move(comments));
        }
      }
    }
    return out;
  }

  void render() {
    std::string yaml = emitGateway(gw_, gwComments_);
    auto grants = referenceGrants();
    std::sort(grants.begin(), grants.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first.meta.namespace_, a.first.meta.name) <
             std::tie(b.first.meta.namespace_, b.first.meta.name);
    });
    for (const auto& [g, comments] : grants) yaml += "---\n" + emitReferenceGrant(g, comments);
    std::sort(routes_.begin(), routes_.end(), [](const OutRoute& a, const OutRoute& b) {
      return std::tie(a.route.meta.namespace_, a.route.meta.name) <
             std::tie(b.route.meta.namespace_, b.route.meta.name);
    });
    for (const auto& r : routes_) yaml += "---\n" + emitHTTPRoute(r.route, r.comments);
    res_.referenceGrants = static_cast<int>(grants.size());
    res_.httpRoutes = static_cast<int>(routes_.size());
    res_.yaml = std::move(yaml);
  }
};

}  // namespace

Result migrateIngress(const std::vector<Input>& inputs, const Options& options) {
  Result res;
  Inputs in;
  for (const auto& input : inputs) {
    readManifests(input.content, input.file == "-" ? "<stdin>" : input.file, in);
  }
  res.diagnostics = std::move(in.diagnostics);
  in.diagnostics.clear();
  Converter(options, in, res).run();
  // Warnings in reading order: by input file, then line (general ones last).
  std::map<std::string, size_t> fileIndex;
  for (const auto& input : inputs)
    fileIndex.try_emplace(input.file == "-" ? "<stdin>" : input.file, fileIndex.size());
  auto key = [&](const api::Diagnostic& d) {
    auto it = fileIndex.find(d.file);
    return std::pair(it == fileIndex.end() ? fileIndex.size() : it->second, d.line);
  };
  std::stable_sort(res.diagnostics.begin(), res.diagnostics.end(),
                   [&](const api::Diagnostic& a, const api::Diagnostic& b) { return key(a) < key(b); });
  if (!res.yaml.empty()) {
    // The promise of this command: output `portico validate` accepts.
    const source::LoadResult check = source::loadString(res.yaml, "<generated>");
    for (const auto& d : check.diagnostics) {
      if (d.severity != api::Severity::Error) continue;
      api::Diagnostic e = d;
      e.message = "generated output does not validate (please report this): " + e.message;
      res.diagnostics.push_back(std::move(e));
    }
  }
  return res;
}

}  // namespace portico::migrate
