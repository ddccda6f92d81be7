// The test API server's TLS certificate (fake_apiserver.cc).
#pragma once

#include "support/test_support.h"

namespace portico::testing::fakeapi {

// The server certificate: IP SAN 127.0.0.1 (what clients dial) and DNS
// localhost, CN kube-apiserver, signed by the CA from makeCa.
KeyPair makeServerCert(const KeyPair& ca);

}  // namespace portico::testing::fakeapi
