#include "support/test_support.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace portico::testing
