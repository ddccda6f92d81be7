// ReferenceGrant, BackendTLSPolicy and XBackendTrafficPolicy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"
#include "api/refs.h"
#include "api/routes.h"

namespace portico::api {

struct ReferenceGrantFrom {
  std::string group;
  std::string kind;
  std::string namespace_;
};

struct ReferenceGrantTo {
  std::string group;
  std::string kind;
  std::optional<std::string> name;
};

struct ReferenceGrant {
  ObjectMeta meta;
  std::string apiVersion;
  std::vector<ReferenceGrantFrom> from;
  std::vector<ReferenceGrantTo> to;
};

struct SubjectAltName {
  std::string type;  // Hostname | URI
  std::optional<std::string> hostname;
  std::optional<std::string> uri;
};

struct BackendTLSPolicyValidation {
  std::vector<LocalObjectReference> caCertificateRefs;
  std::optional<std::string> wellKnownCACertificates;  // System
  std::string hostname;
  std::vector<SubjectAltName> subjectAltNames;
};

struct BackendTLSPolicy {
  ObjectMeta meta;
  std::string apiVersion;
  std::vector<PolicyTargetReference> targetRefs;
  BackendTLSPolicyValidation validation;
  std::map<std::string, std::string> options;
};

struct RetryBudget {
  int32_t percent = 20;
  std::string interval = "10s";
};

struct RequestRate {
  int32_t count = 10;
  std::string interval = "1s";
};

struct RetryConstraint {
  std::optional<RetryBudget> budget;
  std::optional<RequestRate> minRetryRate;
};

struct XBackendTrafficPolicy {
  ObjectMeta meta;
  std::string apiVersion;
  std::vector<PolicyTargetReference> targetRefs;
  std::optional<RetryConstraint> retryConstraint;
  std::optional<SessionPersistence> sessionPersistence;
};

}  // namespace portico::api
