// GEP-2257 durations.
#include "translate/duration.h"

#include <gtest/gtest.h>

namespace portico::translate {
namespace {

TEST(Duration, ParsesAndSumsComponents) {
  EXPECT_EQ(parseDurationMs("0s"), 0u);
  EXPECT_EQ(parseDurationMs("1s"), 1000u);
  EXPECT_EQ(parseDurationMs("500ms"), 500u);
  EXPECT_EQ(parseDurationMs("1h30m"), 5400000u);
  EXPECT_EQ(parseDurationMs("1h1m1s1ms"), 3661001u);
}

TEST(Duration, RejectsWhatTheSchemaRejects) {
  EXPECT_FALSE(parseDurationMs(""));
  EXPECT_FALSE(parseDurationMs("0"));
  EXPECT_FALSE(parseDurationMs("1d"));
  EXPECT_FALSE(parseDurationMs("123456s"));  // more than 5 digits
  EXPECT_FALSE(parseDurationMs("1h1m1s1ms1h"));  // more than 4 components
  EXPECT_FALSE(parseDurationMs("1.5s"));
}

}  // namespace
}  // namespace portico::translate
