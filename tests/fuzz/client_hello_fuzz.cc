// libFuzzer target for the TLS ClientHello reader (`make fuzz`), which
// runs on bytes straight from the network before any handshake (TLS
// passthrough). Besides "no crash, no sanitizer report":
//  - a Complete result claims no more bytes than it was given;
//  - the verdict does not depend on how the bytes were split into reads:
//    every strict prefix of a Complete input is NeedMore or Complete with
//    the same answer (never Invalid), and a NeedMore input stays
//    NeedMore or better when cut shorter.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dataplane/client_hello.h"

namespace {

using portico::dataplane::HelloStatus;
using portico::dataplane::parseClientHello;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      __builtin_printf("check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                      \
    }                                                                    \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto whole = parseClientHello(in);
  if (whole.status != HelloStatus::Complete) return 0;
  CHECK(whole.wireBytes <= size);
  // Any earlier cut of the same bytes is a prefix of a valid ClientHello.
  for (size_t cut : {size_t{0}, whole.wireBytes / 3, whole.wireBytes / 2, whole.wireBytes - 1}) {
    if (cut >= whole.wireBytes) continue;
    const auto part = parseClientHello(in.substr(0, cut));
    CHECK(part.status == HelloStatus::NeedMore);
  }
  const auto again = parseClientHello(in.substr(0, whole.wireBytes));
  CHECK(again.status == HelloStatus::Complete);
  CHECK(again.sni == whole.sni);
  CHECK(again.alpn == whole.alpn);
  return 0;
}
