// Condition types and reasons of Gateway API v1.6.1 (apis/v1/*_types.go),
// and a small builder. Spelled once here so a typo cannot reach status.
#pragma once

#include <string>
#include <vector>

#include "api/meta.h"

namespace portico::translate {

namespace cond {
// Types.
inline constexpr const char* kAccepted = "Accepted";
inline constexpr const char* kProgrammed = "Programmed";
inline constexpr const char* kResolvedRefs = "ResolvedRefs";
inline constexpr const char* kConflicted = "Conflicted";
inline constexpr const char* kOverlappingTLSConfig = "OverlappingTLSConfig";
inline constexpr const char* kPartiallyInvalid = "PartiallyInvalid";
inline constexpr const char* kSupportedVersion = "SupportedVersion";
inline constexpr const char* kInsecureFrontendValidationMode = "InsecureFrontendValidationMode";
inline constexpr const char* kDefaultGateway = "DefaultGateway";  // [EXP] GEP-3793

// Reasons.
inline constexpr const char* kPending = "Pending";
inline constexpr const char* kInvalid = "Invalid";
inline constexpr const char* kInvalidParameters = "InvalidParameters";
inline constexpr const char* kUnsupported = "Unsupported";
inline constexpr const char* kUnsupportedVersion = "UnsupportedVersion";
inline constexpr const char* kUnsupportedAddress = "UnsupportedAddress";
inline constexpr const char* kListenersNotValid = "ListenersNotValid";
inline constexpr const char* kListenersNotResolved = "ListenersNotResolved";
inline constexpr const char* kAddressNotAssigned = "AddressNotAssigned";
inline constexpr const char* kAddressNotUsable = "AddressNotUsable";
inline constexpr const char* kNoResources = "NoResources";
inline constexpr const char* kRefNotPermitted = "RefNotPermitted";
inline constexpr const char* kInvalidClientCertificateRef = "InvalidClientCertificateRef";
inline constexpr const char* kConfigurationChanged = "ConfigurationChanged";
inline constexpr const char* kPortUnavailable = "PortUnavailable";
inline constexpr const char* kUnsupportedProtocol = "UnsupportedProtocol";
inline constexpr const char* kNoValidCACertificate = "NoValidCACertificate";
inline constexpr const char* kUnsupportedValue = "UnsupportedValue";
inline constexpr const char* kHostnameConflict = "HostnameConflict";
inline constexpr const char* kProtocolConflict = "ProtocolConflict";
inline constexpr const char* kListenerConflict = "ListenerConflict";
inline constexpr const char* kNoConflicts = "NoConflicts";
inline constexpr const char* kInvalidCertificateRef = "InvalidCertificateRef";
inline constexpr const char* kInvalidRouteKinds = "InvalidRouteKinds";
inline constexpr const char* kInvalidCACertificateRef = "InvalidCACertificateRef";
inline constexpr const char* kInvalidCACertificateKind = "InvalidCACertificateKind";
inline constexpr const char* kOverlappingHostnames = "OverlappingHostnames";
inline constexpr const char* kOverlappingCertificates = "OverlappingCertificates";
inline constexpr const char* kNotAllowed = "NotAllowed";
inline constexpr const char* kParentNotAccepted = "ParentNotAccepted";
inline constexpr const char* kParentNotProgrammed = "ParentNotProgrammed";
inline constexpr const char* kTooManyListeners = "TooManyListeners";
inline constexpr const char* kNotAllowedByListeners = "NotAllowedByListeners";
inline constexpr const char* kNoMatchingListenerHostname = "NoMatchingListenerHostname";
inline constexpr const char* kNoMatchingParent = "NoMatchingParent";
inline constexpr const char* kIncompatibleFilters = "IncompatibleFilters";
inline constexpr const char* kInvalidKind = "InvalidKind";
inline constexpr const char* kBackendNotFound = "BackendNotFound";
inline constexpr const char* kConflictedReason = "Conflicted";
inline constexpr const char* kTargetNotFound = "TargetNotFound";
}  // namespace cond

// Sets (or replaces) the condition of `type` in `conds`, keeping order of
// first insertion: conditions are a map keyed by type (spec §11).
void setCondition(std::vector<api::Condition>& conds, std::string type, bool status, std::string reason,
                  std::string message, int64_t generation);
void setUnknown(std::vector<api::Condition>& conds, std::string type, std::string reason,
                std::string message, int64_t generation);

}  // namespace portico::translate
