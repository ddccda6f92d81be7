// Where the API server is and how to authenticate to it: in-cluster
// (service-account token, CA, KUBERNETES_SERVICE_HOST/PORT) or a kubeconfig
// (client certificates, tokens, certificate-authority-data). No I/O beyond
// reading the files named.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portico::kube {

inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct ClusterConfig {
  std::string server;  // "https://host:port", no trailing slash
  std::string caPem;   // PEM bundle that signs the API server's certificate; empty = system store
  bool insecureSkipTlsVerify = false;
  std::string tlsServerName;  // SNI / name checked; empty = the host of `server`
  std::string bearerToken;    // static token (kubeconfig `token`)
  std::string tokenFile;      // re-read when it changes (projected service-account tokens rotate)
  std::string clientCertPem;  // kubeconfig client-certificate(-data)
  std::string clientKeyPem;   // kubeconfig client-key(-data)
  std::string namespace_;     // the service account's namespace, or the context's; "default" otherwise
  std::string origin;         // "in-cluster" or "kubeconfig PATH (context NAME)", for logs and errors
};

// In-cluster: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT and
// `saDir`/{token,ca.crt,namespace}. nullopt with `error` naming what is missing.
std::optional<ClusterConfig> inClusterConfig(std::string& error, std::string_view saDir = kServiceAccountDir);

// A kubeconfig file (YAML): `context` empty = current-context. Relative
// file paths in it resolve against the kubeconfig's directory.
std::optional<ClusterConfig> loadKubeconfig(const std::string& path, const std::string& context,
                                            std::string& error);

}  // namespace portico::kube
