// The certificates listeners really serve, found by handshaking with each
// of them (tls_probe.h) for each name a client would send, and checked
// against the Secrets the IR configures for that listener. Catches what
// reading the config cannot: SNI choosing another listener's certificate,
// a reload that never happened, a port owned by something else.
#pragma once

#include <chrono>
#include <ctime>
#include <functional>
#include <string>

#include "ir/ir.h"

namespace portico::diagnose {

struct ServedCertificatesOptions {
  // The address to dial for a bind (its own, or the run's listen address;
  // a wildcard address becomes loopback).
  std::function<std::string(const ir::Bind&)> dialAddress;
  std::chrono::milliseconds timeout{2000};  // per handshake
  std::time_t now = 0;
};

// Schema "portico.dev/served-certificates/v1" (docs/troubleshooting.md).
std::string renderServedCertificatesJson(const ir::Config& config, const ServedCertificatesOptions& options);
// One block per handshake, readable on 80 columns.
std::string renderServedCertificatesText(const ir::Config& config, const ServedCertificatesOptions& options);

}  // namespace portico::diagnose
