#include "kube/fake_apiserver_cert.h"

namespace portico::testing::fakeapi {

KeyPair makeServerCert(const KeyPair& ca) {
  CertSpec spec;
  spec.commonName = "kube-apiserver";
  spec.dnsNames = {"localhost"};
  spec.ips = {"127.0.0.1"};
  return makeCert(spec, &ca);
}

}  // namespace portico::testing::fakeapi
