// The certificates a config serves, per listener: every certificate of each
// chain with subject, issuer, names and dates, read from the IR (what the
// data plane loaded, not what the Secrets hold now). For `portico bundle`
// and the admin server's /certificates.
#pragma once

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "ir/ir.h"

namespace portico::diagnose {

// Schema "portico.dev/certificates/v1" (docs/troubleshooting.md). `now`
// gives each certificate's daysLeft.
std::string renderCertificatesJson(const ir::Config& config, std::time_t now);
// One block per listener, readable on 80 columns.
std::string renderCertificatesText(const ir::Config& config, std::time_t now);

// One PEM chain, leaf first, as indented report lines and as the JSON
// array both certificate reports use (subject, issuer, names, dates,
// daysLeft from `now`).
std::string chainText(const std::string& pem, std::time_t now);
nlohmann::ordered_json chainJson(const std::string& pem, std::time_t now);
// "Gateway ns/name" or "ListenerSet ns/name".
std::string listenerOwner(const ir::Listener& l);

}  // namespace portico::diagnose
