// Cluster configuration (issue 9): kubeconfig files as kubectl writes them
// (data vs file fields, token vs client certificate, contexts) and the
// in-cluster service-account mount, from temporary directories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "kube/config.h"
#include "support/test_support.h"

namespace portico {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("portico-kubeconfig-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

constexpr const char* kCa = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr const char* kCert = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
constexpr const char* kKey = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

TEST(Kubeconfig, TokenAndCertificateAuthorityDataFromTheCurrentContext) {
  TempDir dir;
  const std::string path = dir.write("config", R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: prod-cluster
  cluster: {server: "https://prod.example:6443"}
- name: dev-cluster
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: )" + testing::base64(kCa) +
                                                   R"(
contexts:
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
users:
- name: prod-user
  user: {token: prod-token}
- name: dev-user
  user: {token: dev-token}
)");
  std::string error;
  auto c = kube::loadKubeconfig(path, "", error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->server, "https://10.0.0.1:6443") << "the trailing slash is dropped";
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->bearerToken, "dev-token");
  EXPECT_EQ(c->namespace_, "team-a");
  EXPECT_TRUE(c->clientCertPem.empty());
  EXPECT_FALSE(c->insecureSkipTlsVerify);
  EXPECT_NE(c->origin.find("context dev"), std::string::npos) << c->origin;

  auto prod = kube::loadKubeconfig(path, "prod", error);
  ASSERT_TRUE(prod) << error;
  EXPECT_EQ(prod->server, "https://prod.example:6443");
  EXPECT_EQ(prod->bearerToken, "prod-token");
  EXPECT_EQ(prod->namespace_, "default");
  EXPECT_TRUE(prod->caPem.empty()) << "no CA: the system store";
}

TEST(Kubeconfig, ClientCertificateFilesResolveAgainstTheKubeconfigsDirectory) {
  TempDir dir;
  fs::create_directories(dir.path() / "pki");
  dir.write("pki/ca.crt", kCa);
  dir.write("pki/client.crt", kCert);
  const std::string keyPath = dir.write("pki/client.key", kKey);
  const std::string path = dir.write("config", R"(apiVersion: v1
kind: Config
current-context: kind
clusters:
- name: kind
  cluster:
    server: https://127.0.0.1:40000
    certificate-authority: pki/ca.crt
    tls-server-name: kubernetes.default
contexts:
- name: kind
  context: {cluster: kind, user: admin}
users:
- name: admin
  user:
    client-certificate: pki/client.crt
    client-key: )" + keyPath + R"(
)");
  std::string error;
  auto c = kube::loadKubeconfig(path, "", error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->clientCertPem, kCert);
  EXPECT_EQ(c->clientKeyPem, kKey) << "absolute paths are used as they are";
  EXPECT_EQ(c->tlsServerName, "kubernetes.default");
  EXPECT_TRUE(c->bearerToken.empty());
}

TEST(Kubeconfig, ClientCertificateDataAndInsecureSkipTlsVerify) {
  TempDir dir;
  const std::string path = dir.write("config", R"(apiVersion: v1
kind: Config
current-context: c
clusters:
- name: c
  cluster: {server: "https://[::1]:6443", insecure-skip-tls-verify: true}
contexts:
- name: c
  context: {cluster: c, user: u}
users:
- name: u
  user:
    client-certificate-data: )" + testing::base64(kCert) +
                                                   R"(
    client-key-data: )" + testing::base64(kKey) + R"(
)");
  std::string error;
  auto c = kube::loadKubeconfig(path, "", error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(c->insecureSkipTlsVerify);
  EXPECT_EQ(c->clientCertPem, kCert);
  EXPECT_EQ(c->clientKeyPem, kKey);
  EXPECT_EQ(c->server, "https://[::1]:6443");
}

TEST(Kubeconfig, TokenFileIsKeptForRereading) {
  TempDir dir;
  dir.write("token", "file-token\n");
  const std::string path = dir.write("config", R"(apiVersion: v1
kind: Config
current-context: c
clusters:
- name: c
  cluster: {server: "https://k8s.example"}
contexts:
- name: c
  context: {cluster: c, user: u}
users:
- name: u
  user: {tokenFile: token}
)");
  std::string error;
  auto c = kube::loadKubeconfig(path, "", error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->bearerToken, "file-token") << "trailing newline trimmed";
  EXPECT_EQ(c->tokenFile, (dir.path() / "token").string());
}

TEST(Kubeconfig, ProblemsAreNamed) {
  TempDir dir;
  std::string error;
  EXPECT_FALSE(kube::loadKubeconfig((dir.path() / "missing").string(), "", error));
  EXPECT_NE(error.find("cannot read kubeconfig"), std::string::npos) << error;

  const std::string path = dir.write("config", R"(apiVersion: v1
kind: Config
current-context: c
clusters:
- name: c
  cluster: {server: "https://k8s.example", certificate-authority: nowhere.crt}
- name: plain
  cluster: {server: "http://k8s.example"}
contexts:
- name: c
  context: {cluster: c, user: u}
- name: ghost
  context: {cluster: absent, user: u}
- name: plain
  context: {cluster: plain, user: u}
users:
- name: u
  user: {token: t, client-certificate-data: )" + testing::base64(kCert) +
                                                   R"(}
)");
  EXPECT_FALSE(kube::loadKubeconfig(path, "nope", error));
  EXPECT_NE(error.find("context \"nope\" not found"), std::string::npos) << error;
  EXPECT_FALSE(kube::loadKubeconfig(path, "ghost", error));
  EXPECT_NE(error.find("cluster \"absent\""), std::string::npos) << error;
  EXPECT_FALSE(kube::loadKubeconfig(path, "plain", error));
  EXPECT_NE(error.find("only https://"), std::string::npos) << error;
  EXPECT_FALSE(kube::loadKubeconfig(path, "c", error));
  EXPECT_NE(error.find("nowhere.crt"), std::string::npos) << error;

  const std::string broken = dir.write("broken", "clusters: [\n");
  EXPECT_FALSE(kube::loadKubeconfig(broken, "", error));
  EXPECT_NE(error.find("malformed YAML"), std::string::npos) << error;
}

// Sets environment variables for one test and puts them back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(InCluster, ServiceAccountFilesAndServiceEnvironment) {
  TempDir dir;
  dir.write("token", "sa-token\n");
  dir.write("ca.crt", kCa);
  dir.write("namespace", "portico-system");
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  std::string error;
  auto c = kube::inClusterConfig(error, dir.path().string());
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->bearerToken, "sa-token");
  EXPECT_EQ(c->tokenFile, (dir.path() / "token").string()) << "projected tokens rotate";
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->namespace_, "portico-system");
  EXPECT_EQ(c->origin, "in-cluster");
}

TEST(InCluster, Ipv6ServiceHostIsBracketed) {
  TempDir dir;
  dir.write("token", "t");
  dir.write("ca.crt", kCa);
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "fd00::1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "6443");
  std::string error;
  auto c = kube::inClusterConfig(error, dir.path().string());
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->server, "https://[fd00::1]:6443");
  EXPECT_EQ(c->namespace_, "default") << "no namespace file";
}

TEST(InCluster, MissingPiecesAreNamed) {
  TempDir dir;
  std::string error;
  {
    ScopedEnv host("KUBERNETES_SERVICE_HOST", nullptr);
    EXPECT_FALSE(kube::inClusterConfig(error, dir.path().string()));
    EXPECT_NE(error.find("KUBERNETES_SERVICE_HOST"), std::string::npos) << error;
  }
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  EXPECT_FALSE(kube::inClusterConfig(error, dir.path().string()));
  EXPECT_NE(error.find("token"), std::string::npos) << error;
  dir.write("token", "t");
  EXPECT_FALSE(kube::inClusterConfig(error, dir.path().string()));
  EXPECT_NE(error.find("ca.crt"), std::string::npos) << error;
}

}  // namespace
}  // namespace portico
