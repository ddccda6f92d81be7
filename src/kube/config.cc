// Cluster configuration from the two places client-go looks: the pod's
// service-account mount (rest.InClusterConfig) and a kubeconfig file
// (clientcmd, https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/).
#include "kube/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "source/loader.h"

namespace portico::kube {
namespace {

namespace fs = std::filesystem;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
  return s.substr(i);
}

// Standard base64 as kubeconfig's *-data fields use it (Go's
// base64.StdEncoding); whitespace is skipped.
bool base64Decode(std::string_view in, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z')
      v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z')
      v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9')
      v = ch - '0' + 52;
    else if (ch == '+')
      v = 62;
    else if (ch == '/')
      v = 63;
    else if (ch == '=' || ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t')
      continue;
    else
      return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

std::string scalar(const YAML::Node& n, const char* key) {
  if (!n || !n.IsMap()) return {};
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.Scalar() : std::string();
}

// The entry of a named list (clusters, users, contexts) called `name`,
// returning its inner mapping (`cluster`, `user`, `context`).
std::optional<YAML::Node> namedEntry(const YAML::Node& root, const char* list, const char* inner,
                                     const std::string& name) {
  const YAML::Node l = root[list];
  if (!l || !l.IsSequence()) return std::nullopt;
  for (auto it = l.begin(); it != l.end(); ++it) {
    const YAML::Node entry = *it;
    if (scalar(entry, "name") == name) {
      const YAML::Node v = entry[inner];
      return v && v.IsMap() ? v : YAML::Node(YAML::NodeType::Map);
    }
  }
  return std::nullopt;
}

// `<field>-data` (base64) wins over `<field>` (a file path), as in clientcmd.
bool dataOrFile(const YAML::Node& n, const std::string& field, const fs::path& baseDir, std::string& out,
                std::string& error) {
  const std::string data = scalar(n, (field + "-data").c_str());
  if (!data.empty()) {
    if (!base64Decode(data, out)) {
      error = field + "-data: invalid base64";
      return false;
    }
    return true;
  }
  std::string file = scalar(n, field.c_str());
  if (file.empty()) return true;
  fs::path p(file);
  if (p.is_relative()) p = baseDir / p;
  if (!source::readWhole(p.string(), out)) {
    error = field + ": cannot read " + p.string();
    return false;
  }
  return true;
}

}  // namespace

std::optional<ClusterConfig> inClusterConfig(std::string& error, std::string_view saDir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) {
    error = "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set";
    return std::nullopt;
  }
  ClusterConfig c;
  const std::string h(host);
  // An IPv6 service address needs brackets in a URL (client-go does the same).
  c.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  const fs::path dir(saDir);
  c.tokenFile = (dir / "token").string();
  if (!source::readWhole(c.tokenFile, c.bearerToken)) {
    error = "in-cluster: cannot read the service-account token " + c.tokenFile;
    return std::nullopt;
  }
  c.bearerToken = trim(c.bearerToken);
  const std::string ca = (dir / "ca.crt").string();
  if (!source::readWhole(ca, c.caPem)) {
    error = "in-cluster: cannot read the service-account CA " + ca;
    return std::nullopt;
  }
  std::string ns;
  c.namespace_ =
      source::readWhole((dir / "namespace").string(), ns) && !trim(ns).empty() ? trim(ns) : "default";
  c.origin = "in-cluster";
  return c;
}

std::optional<ClusterConfig> loadKubeconfig(const std::string& path, const std::string& context,
                                            std::string& error) {
  std::string text;
  if (!source::readWhole(path, text)) {
    error = "cannot read kubeconfig " + path;
    return std::nullopt;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    error = "kubeconfig " + path + ": malformed YAML: " + e.msg;
    return std::nullopt;
  }
  if (!root.IsMap()) {
    error = "kubeconfig " + path + ": expected a mapping";
    return std::nullopt;
  }
  const std::string ctxName = context.empty() ? scalar(root, "current-context") : context;
  auto fail = [&](const std::string& what) {
    error = "kubeconfig " + path + ": " + what;
    return std::nullopt;
  };
  if (ctxName.empty()) return fail("no context given and no current-context");
  const auto foundCtx = namedEntry(root, "contexts", "context", ctxName);
  if (!foundCtx) return fail("context \"" + ctxName + "\" not found");
  const YAML::Node ctx = *foundCtx;
  const std::string clusterName = scalar(ctx, "cluster"), userName = scalar(ctx, "user");
  const auto foundCluster = namedEntry(root, "clusters", "cluster", clusterName);
  if (!foundCluster) return fail("cluster \"" + clusterName + "\" (context " + ctxName + ") not found");
  const YAML::Node cluster = *foundCluster;
  std::optional<YAML::Node> user;
  if (!userName.empty()) {
    user = namedEntry(root, "users", "user", userName);
    if (!user) return fail("user \"" + userName + "\" (context " + ctxName + ") not found");
  }

  ClusterConfig c;
  const fs::path baseDir = fs::path(path).parent_path();
  c.server = scalar(cluster, "server");
  while (c.server.ends_with("/")) c.server.pop_back();
  if (c.server.empty()) return fail("cluster \"" + clusterName + "\" has no server");
  if (!c.server.starts_with("https://")) return fail("server " + c.server + ": only https:// is supported");
  c.insecureSkipTlsVerify = scalar(cluster, "insecure-skip-tls-verify") == "true";
  c.tlsServerName = scalar(cluster, "tls-server-name");
  std::string err;
  if (!dataOrFile(cluster, "certificate-authority", baseDir, c.caPem, err)) return fail(err);
  if (user) {
    if (!dataOrFile(*user, "client-certificate", baseDir, c.clientCertPem, err)) return fail(err);
    if (!dataOrFile(*user, "client-key", baseDir, c.clientKeyPem, err)) return fail(err);
    if (c.clientCertPem.empty() != c.clientKeyPem.empty())
      return fail("user \"" + userName + "\": client-certificate and client-key go together");
    c.bearerToken = scalar(*user, "token");
    std::string tokenFile = scalar(*user, "tokenFile");
    if (!tokenFile.empty()) {
      fs::path p(tokenFile);
      if (p.is_relative()) p = baseDir / p;
      c.tokenFile = p.string();
      // A static token wins over tokenFile (clientcmd's precedence).
      if (c.bearerToken.empty() && !source::readWhole(c.tokenFile, c.bearerToken))
        return fail("tokenFile: cannot read " + c.tokenFile);
      c.bearerToken = trim(c.bearerToken);
      if (!scalar(*user, "token").empty()) c.tokenFile.clear();
    }
    const YAML::Node& u = *user;  // const: lookups never add keys
    if (u["exec"] || u["auth-provider"])
      if (c.bearerToken.empty() && c.clientCertPem.empty())
        return fail("user \"" + userName + "\": exec and auth-provider credentials are not supported");
  }
  const std::string ns = scalar(ctx, "namespace");
  c.namespace_ = ns.empty() ? "default" : ns;
  c.origin = "kubeconfig " + path + " (context " + ctxName + ")";
  return c;
}

}  // namespace portico::kube
