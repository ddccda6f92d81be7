// Hostname intersection and ordering (spec §12.1, §12.3).
#include "translate/hostname.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace portico::translate {
namespace {

TEST(Hostname, WildcardCoversOneOrMoreLabelsButNotApex) {
  EXPECT_TRUE(hostnameCovers("*.example.com", "a.example.com"));
  EXPECT_TRUE(hostnameCovers("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(hostnameCovers("*.example.com", "example.com"));
  EXPECT_FALSE(hostnameCovers("*.example.com", "aexample.com"));
  EXPECT_TRUE(hostnameCovers("*.example.com", "*.a.example.com"));
  EXPECT_FALSE(hostnameCovers("*.a.example.com", "*.example.com"));
  EXPECT_TRUE(hostnameCovers("", "anything.org"));
  EXPECT_FALSE(hostnameCovers("a.example.com", "b.example.com"));
}

TEST(Hostname, IntersectionPicksTheNarrowerName) {
  EXPECT_EQ(intersectHostnames("", "foo.com"), "foo.com");
  EXPECT_EQ(intersectHostnames("foo.com", ""), "foo.com");
  EXPECT_EQ(intersectHostnames("", ""), "");
  EXPECT_EQ(intersectHostnames("*.example.com", "a.example.com"), "a.example.com");
  EXPECT_EQ(intersectHostnames("a.example.com", "*.example.com"), "a.example.com");
  EXPECT_EQ(intersectHostnames("*.com", "*.example.com"), "*.example.com");
  EXPECT_EQ(intersectHostnames("*.example.com", "*.com"), "*.example.com");
  EXPECT_EQ(intersectHostnames("foo.com", "foo.com"), "foo.com");
  EXPECT_FALSE(intersectHostnames("foo.com", "bar.com").has_value());
  EXPECT_FALSE(intersectHostnames("*.example.com", "example.com").has_value());
  EXPECT_FALSE(intersectHostnames("*.example.com", "*.example.org").has_value());
}

TEST(Hostname, SpecificityOrder) {
  std::vector<std::string> hosts = {"", "*.com", "b.example.com", "*.example.com", "a.example.com", "*.a.example.com"};
  std::sort(hosts.begin(), hosts.end(), [](const std::string& a, const std::string& b) { return moreSpecificHostname(a, b); });
  EXPECT_EQ(hosts, (std::vector<std::string>{"a.example.com", "b.example.com", "*.a.example.com", "*.example.com",
                                             "*.com", ""}));
}

TEST(Hostname, CertificateWildcardCoversExactlyOneLabel) {
  EXPECT_TRUE(certificateNameCovers("*.example.com", "a.example.com"));
  EXPECT_FALSE(certificateNameCovers("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(certificateNameCovers("*.example.com", "example.com"));
  EXPECT_TRUE(certificateNameCovers("*.example.com", "*.example.com"));
  EXPECT_TRUE(certificateNameCovers("foo.com", "foo.com"));
}

TEST(Hostname, Overlap) {
  EXPECT_TRUE(hostnamesOverlap("foo.example.com", "*.example.com"));
  EXPECT_TRUE(hostnamesOverlap("", "foo.com"));
  EXPECT_FALSE(hostnamesOverlap("foo.example.com", "bar.example.com"));
}

}  // namespace
}  // namespace portico::translate
