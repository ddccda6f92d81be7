// The string-type predicates behind validation (apis/v1/shared_types.go).
#include <gtest/gtest.h>

#include "api/validate/field_path.h"
#include "api/validate/patterns.h"

namespace portico::api::validate {
namespace {

TEST(Patterns, Hostnames) {
  EXPECT_TRUE(isWildcardHostname("example.com"));
  EXPECT_TRUE(isWildcardHostname("*.example.com"));
  EXPECT_TRUE(isWildcardHostname("a-b.c0"));
  EXPECT_FALSE(isWildcardHostname("*"));
  EXPECT_FALSE(isWildcardHostname("*.*.example.com"));
  EXPECT_FALSE(isWildcardHostname("a.*.example.com"));
  EXPECT_FALSE(isWildcardHostname("Example.com"));
  EXPECT_FALSE(isWildcardHostname("-a.com"));
  EXPECT_FALSE(isWildcardHostname("a-.com"));
  EXPECT_FALSE(isWildcardHostname("a..com"));
  EXPECT_FALSE(isWildcardHostname("a.com."));
  EXPECT_FALSE(isWildcardHostname(""));
  EXPECT_FALSE(isDnsSubdomain("*.example.com"));
  EXPECT_TRUE(isDnsLabel("abc-1"));
  EXPECT_FALSE(isDnsLabel("a.b"));
}

TEST(Patterns, KindsHeadersPaths) {
  EXPECT_TRUE(isKindName("HTTPRoute"));
  EXPECT_TRUE(isKindName("a-B9"));
  EXPECT_FALSE(isKindName("9a"));
  EXPECT_FALSE(isKindName("a-"));
  EXPECT_TRUE(isHeaderName("X-Request-Id"));
  EXPECT_TRUE(isHeaderName("a!#$%&'*+-.^_`|~"));
  EXPECT_FALSE(isHeaderName(":authority"));
  EXPECT_FALSE(isHeaderName("a b"));
  EXPECT_TRUE(isHeaderValue("a b\tc"));
  EXPECT_FALSE(isHeaderValue("a  b"));
  EXPECT_FALSE(isHeaderValue(" a"));
  EXPECT_FALSE(isHeaderValue("a "));
  EXPECT_FALSE(isHeaderValue("caf\xc3\xa9"));
  EXPECT_TRUE(isHttpPathChars("/a%2Fb;c=d@e"));
  EXPECT_FALSE(isHttpPathChars("/a%2"));
  EXPECT_FALSE(isHttpPathChars("/a?b"));
  EXPECT_FALSE(isHttpPathChars(""));
}

TEST(Patterns, Durations) {
  EXPECT_EQ(parseDuration("0s"), 0);
  EXPECT_EQ(parseDuration("1h"), 3600000);
  EXPECT_EQ(parseDuration("1h30m"), 5400000);
  EXPECT_EQ(parseDuration("500ms"), 500);
  EXPECT_EQ(parseDuration("1m1s1ms"), 61001);
  EXPECT_EQ(parseDuration("99999s"), 99999000);
  EXPECT_FALSE(parseDuration("0"));
  EXPECT_FALSE(parseDuration(""));
  EXPECT_FALSE(parseDuration("100000s"));
  EXPECT_FALSE(parseDuration("1s1s1s1s1s"));
  EXPECT_FALSE(parseDuration("1.5s"));
  EXPECT_FALSE(parseDuration("1d"));
  EXPECT_FALSE(parseDuration("-1s"));
  EXPECT_FALSE(parseDuration("s"));
}

TEST(Patterns, LabelsAndMisc) {
  EXPECT_TRUE(isLabelKey("app"));
  EXPECT_TRUE(isLabelKey("example.com/app.name_x-y"));
  EXPECT_FALSE(isLabelKey("Example.com/app"));
  EXPECT_FALSE(isLabelKey("a/" + std::string(64, 'x')));
  EXPECT_FALSE(isLabelKey("/app"));
  EXPECT_TRUE(isLabelValue(""));
  EXPECT_TRUE(isLabelValue("v1.2_3-x"));
  EXPECT_FALSE(isLabelValue("-x"));
  EXPECT_TRUE(isControllerName("example.com/gateway"));
  EXPECT_FALSE(isControllerName("gateway"));
  EXPECT_TRUE(isProtocolType("HTTPS"));
  EXPECT_TRUE(isProtocolType("example.com/Proto1"));
  EXPECT_FALSE(isProtocolType("HT TP"));
  EXPECT_TRUE(isAddressType("IPAddress"));
  EXPECT_TRUE(isAddressType("example.com/custom"));
  EXPECT_FALSE(isAddressType("Custom"));
  EXPECT_TRUE(isCorsOrigin("*"));
  EXPECT_TRUE(isCorsOrigin("https://*.example.com:443"));
  EXPECT_FALSE(isCorsOrigin("https://example.com/path"));
  EXPECT_TRUE(isGrpcService("helloworld.Greeter"));
  EXPECT_TRUE(isGrpcService(".pkg.Svc_1"));
  EXPECT_FALSE(isGrpcService("pkg..Svc"));
  EXPECT_TRUE(isGrpcMethod("SayHello"));
  EXPECT_FALSE(isGrpcMethod("Say.Hello"));
  EXPECT_TRUE(isWellKnownCA("System"));
  EXPECT_FALSE(isWellKnownCA("system"));
  EXPECT_TRUE(isAbsoluteUri("spiffe://trust/ns/x"));
  EXPECT_FALSE(isAbsoluteUri("no-scheme"));
  EXPECT_TRUE(isIPAddress("10.1.2.3"));
  EXPECT_TRUE(isIPAddress("fe80::1"));
  EXPECT_FALSE(isIPAddress("10.1.2"));
}

TEST(FieldPathTest, Renders) {
  FieldPath spec = FieldPath::root("spec");
  FieldPath rules = spec.field("rules");
  FieldPath r2 = rules.at(2);
  FieldPath matches = r2.field("matches");
  EXPECT_EQ(matches.at(0).field("path").str(), "spec.rules[2].matches[0].path");
  EXPECT_EQ(FieldPath().str(), "");
  EXPECT_EQ(FieldPath().field("kind").str(), "kind");
}

}  // namespace
}  // namespace portico::api::validate
