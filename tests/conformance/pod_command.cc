#include "conformance/pod_command.h"

#include <fmt/format.h>

#include "conformance/json_fields.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

std::string text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  return {};
}

// An env var's literal value; "<ref>" when it comes from valueFrom.
std::string envValue(const json& container, const std::string& name) {
  for (const auto& e : field(container, "env")) {
    if (text(field(e, "name")) != name) continue;
    return e.contains("value") ? text(e["value"]) : std::string("<ref>");
  }
  return {};
}

// An env var's port, or echo-basic's default when unset or not a literal.
int envPort(const json& container, const std::string& name, int fallback) {
  const std::string v = envValue(container, name);
  return v.empty() || v == "<ref>" ? fallback : std::stoi(v);
}

// The local copy of the file an env var names; "" when unset or unmounted.
std::string envFile(const json& container, const std::string& name, const PodVolumes& volumes) {
  const std::string v = envValue(container, name);
  return v.empty() || v == "<ref>" ? std::string() : volumes.localPath(v);
}

}  // namespace

PodCommand podCommand(const json& container, const std::string& ip, const std::string& ns,
                      const std::string& podName, const PodVolumes& volumes, const EchoBinaries& bin) {
  PodCommand out;
  const std::string image = text(field(container, "image"));
  auto at = [&](int port) { return fmt::format("{}:{}", ip, port); };
  auto add = [&](std::initializer_list<std::string> args) { out.argv.insert(out.argv.end(), args); };
  if (image.find("coredns") != std::string::npos) {
    out.mode = EchoMode::kDns;
    add({bin.echo, "--die-with-parent", "--dns-listen", at(53)});
    out.describe = "dns " + at(53);
    return out;
  }
  if (image.find("echo-basic") == std::string::npos) {
    out.skipReason = "image " + image + " (mesh echo)";
    return out;
  }
  const std::string cert = envFile(container, "TLS_SERVER_CERT", volumes);
  if (!envValue(container, "TCP_ECHO_SERVER").empty()) {
    // tcpserver: TCP_PORT (3000); TLS_PORT (8443) with TLS_SERVER_CERT and
    // TLS_SERVER_PRIV_KEY.
    out.mode = EchoMode::kTcp;
    add({bin.echo, "--die-with-parent", "--tcp-listen", at(envPort(container, "TCP_PORT", 3000))});
    const std::string key = envFile(container, "TLS_SERVER_PRIV_KEY", volumes);
    if (!cert.empty() && !key.empty()) {
      add({"--tcp-tls-listen", at(envPort(container, "TLS_PORT", 8443)), "--tls-cert", cert, "--tls-key",
           key});
    }
  } else if (!envValue(container, "UDP_ECHO_SERVER").empty()) {
    out.mode = EchoMode::kUdp;  // udpechoserver: UDP_PORT (8080)
    add({bin.echo, "--die-with-parent", "--udp-listen", at(envPort(container, "UDP_PORT", 8080))});
  } else if (!envValue(container, "GRPC_ECHO_SERVER").empty()) {
    // gRPC: HTTP_PORT; HTTPS_PORT with TLS_SERVER_CERT and TLS_SERVER_PRIV_KEY.
    out.mode = EchoMode::kGrpc;
    add({bin.grpcEcho, "--die-with-parent", "--listen", at(envPort(container, "HTTP_PORT", 3000))});
    const std::string key = envFile(container, "TLS_SERVER_PRIV_KEY", volumes);
    if (!cert.empty() && !key.empty()) {
      add({"--tls-listen", at(envPort(container, "HTTPS_PORT", 8443)), "--tls-cert", cert, "--tls-key", key});
    }
  } else {
    // HTTP: HTTP_PORT, and always H2C_PORT (Services with appProtocol
    // kubernetes.io/h2c target it); it reports HTTP_PORT whichever port
    // served the request. HTTPS_PORT with TLS_SERVER_CERT and
    // TLS_SERVER_PRIVKEY; TLS_CLIENT_CACERTS verifies client certificates.
    out.mode = EchoMode::kHttp;
    const int httpPort = envPort(container, "HTTP_PORT", 3000);
    add({bin.echo, "--die-with-parent", "--listen", at(httpPort), "--h2c-listen",
         at(envPort(container, "H2C_PORT", 3001)), "--http-port", std::to_string(httpPort)});
    const std::string key = envFile(container, "TLS_SERVER_PRIVKEY", volumes);
    if (!cert.empty() && !key.empty()) {
      add({"--tls-listen", at(envPort(container, "HTTPS_PORT", 8443)), "--tls-cert", cert, "--tls-key", key});
      if (std::string ca = envFile(container, "TLS_CLIENT_CACERTS", volumes); !ca.empty())
        add({"--tls-client-ca", ca});
    }
  }
  add({"--pod", podName, "--namespace", ns});
  if (std::string svc = envValue(container, "SERVICE_NAME"); !svc.empty() && svc != "<ref>")
    add({"--service", svc});
  for (size_t i = 2; i + 1 < out.argv.size(); ++i) {
    if (out.argv[i].ends_with("-listen"))
      out.describe += (out.describe.empty() ? "" : ", ") + out.argv[i + 1];
  }
  return out;
}

}  // namespace portico::conformance
