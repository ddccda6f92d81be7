// The certificates a config serves, per listener: every certificate of each
// chain with subject, issuer, names and dates, read from the IR (what the
// data plane loaded, not what the Secrets hold now). For `portico bundle`
// and the admin server's /certificates.
#pragma once

#include <ctime>
#include <string>

#include "ir/ir.h"

namespace portico::diagnose {

// Schema "portico.dev/certificates/v1" (docs/troubleshooting.md). `now`
// gives each certificate's daysLeft.
std::string renderCertificatesJson(const ir::Config& config, std::time_t now);
// One block per listener, readable on 80 columns.
std::string renderCertificatesText(const ir::Config& config, std::time_t now);

}  // namespace portico::diagnose
