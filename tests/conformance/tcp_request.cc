#include "conformance/tcp_request.h"

#include <fmt/format.h>

#include "conformance/json_fields.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

constexpr std::string_view kWelcome = "Gateway API Test TCP Server\n";

}  // namespace

TcpEchoResult tcpEchoExchange(const std::string& address, int port, const StreamTls* tls,
                              std::chrono::milliseconds timeout) {
  TcpEchoResult r;
  StreamConn conn(address, port, tls, timeout);
  if (!conn.ok()) {
    r.transportError = conn.error();
    return r;
  }
  // A mismatching line still completes the exchange; the comparison
  // reports it (the suite asserts after reading every reply).
  auto ask = [&](std::string_view command, std::string& into, const char* what) {
    if (!command.empty() && !conn.send(command)) {
      r.transportError = fmt::format("writing {} failed", what);
      return false;
    }
    auto line = conn.readLine();
    if (!line) {
      r.transportError = fmt::format("reading the {} reply failed (EOF, reset or timeout)", what);
      return false;
    }
    into = *line;
    return true;
  };
  std::string test;
  if (!ask("", r.welcome, "welcome") || !ask("PING\n", r.pong, "PING") ||
      !ask("IS_TLS\n", r.isTls, "IS_TLS") || !ask("TEST\n", test, "TEST"))
    return r;
  r.test = json::parse(test, nullptr, false);
  if (r.test.is_discarded() || !r.test.is_object()) r.transportError = "TEST reply is not JSON: " + test;
  return r;
}

std::string compareTcpEcho(const json& expected, const TcpEchoResult& r) {
  if (!r.transportError.empty()) return r.transportError;
  if (r.welcome != kWelcome) return fmt::format("welcome line {:?}", r.welcome);
  if (r.pong != "PONG\n") return fmt::format("PING answered {:?}", r.pong);
  const json& tcp = field(expected, "tcpEcho");
  const bool wantTls = field(tcp, "backendIsTLS").is_boolean() && tcp["backendIsTLS"].get<bool>();
  std::string isTls = r.isTls;
  if (isTls.ends_with('\n')) isTls.pop_back();
  if (isTls != (wantTls ? "true" : "false"))
    return fmt::format("IS_TLS answered {:?}, want {}", isTls, wantTls ? "true" : "false");
  if (has(expected, "namespace") && str(r.test, "namespace") != str(expected, "namespace"))
    return fmt::format("namespace {:?}, want {:?}", str(r.test, "namespace"), str(expected, "namespace"));
  const std::string prefix = str(expected, "backend") + "-";
  if (!str(r.test, "pod").starts_with(prefix))
    return fmt::format("pod {:?} does not start with {:?}", str(r.test, "pod"), prefix);
  if (const std::string sni = str(tcp, "tlsServerName"); !sni.empty()) {
    const json& t = field(r.test, "tls");
    if (!t.is_object()) return fmt::format("backend saw no TLS, want server name {:?}", sni);
    if (str(t, "serverName") != sni)
      return fmt::format("backend TLS server name {:?}, want {:?}", str(t, "serverName"), sni);
  }
  return {};
}

std::pair<std::string, std::string> tcpEchoSendOnce(const std::string& address, int port,
                                                    std::chrono::milliseconds timeout) {
  StreamConn conn(address, port, nullptr, timeout);
  if (!conn.ok()) return {conn.error(), ""};
  auto welcome = conn.readLine();
  if (!welcome) return {"reading the TCP welcome message failed", ""};
  if (*welcome != kWelcome) return {fmt::format("unexpected TCP welcome message {:?}", *welcome), ""};
  if (!conn.send("TEST\n")) return {"writing TEST failed", ""};
  auto line = conn.readLine();
  if (!line) return {"reading the TEST reply failed", ""};
  const json j = json::parse(*line, nullptr, false);
  if (j.is_discarded()) return {"TEST reply is not JSON: " + *line, ""};
  if (str(j, "pod").empty()) return {"TEST reply has no pod: " + *line, ""};
  return {"", str(j, "pod")};
}

}  // namespace portico::conformance
