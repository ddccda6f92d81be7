#include "support/test_support.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

namespace portico::testing {

source::LoadResult loadOk(std::string_view yaml) {
  auto r = source::loadString(yaml, "test.yaml");
  for (const auto& d : r.diagnostics) {
    if (d.severity == api::Severity::Error) ADD_FAILURE() << d.format();
  }
  return r;
}

std::string sourceDir() { return PORTICO_SOURCE_DIR; }

std::string sharedDir() {
  std::string dir;
  if (const char* env = std::getenv("PORTICO_SHARED_DIR"); env && *env) {
    dir = env;
  } else {
    dir = sourceDir() + "/../shared";
  }
  return std::filesystem::is_directory(dir) ? dir : std::string();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// The low end of the kernel's ephemeral range (net.ipv4.ip_local_port_range):
// outgoing connections take their local ports from there.
int ephemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0, high = 0;
  if (in >> low >> high && low > 2048) return low;
  return 32768;
}

bool bindable(int type, int port) {
  const int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// Below the ephemeral range, so that no outgoing connection of the tests
// running in parallel (every proxied request makes one) is given the port
// between this check and the moment the code under test binds it: with
// bind(0) the port came from that same range, and a busy run hit "Address
// already in use". Free for both TCP and UDP when returned.
int freePort() {
  static thread_local std::minstd_rand rng{std::random_device{}()};
  static thread_local std::set<int> given;  // two calls in one test never get the same port
  const int high = ephemeralLow() - 1, low = std::max(1024, high - 20000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = std::uniform_int_distribution<int>(low, high)(rng);
    if (given.count(port) || !bindable(SOCK_STREAM, port) || !bindable(SOCK_DGRAM, port)) continue;
    given.insert(port);
    return port;
  }
  ADD_FAILURE() << "no free port below the ephemeral range";
  return 0;
}

}  // namespace portico::testing
