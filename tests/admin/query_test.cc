// Query strings of admin requests: what the CLI encodes, the server decodes.
#include "admin/query.h"

#include <gtest/gtest.h>

namespace portico::admin {
namespace {

TEST(Query, EncodedValuesDecodeToThemselves) {
  const std::string header = "X-Env: canary & more=1%";
  const std::string url = "http://shop.example.com:8080/api?x=1&y=2";
  const Query q =
      parseQuery("header=" + encodeQueryValue(header) + "&url=" + encodeQueryValue(url) + "&header=b%3A%202");
  ASSERT_EQ(q.at("header").size(), 2u);
  EXPECT_EQ(q.at("header")[0], header);
  EXPECT_EQ(q.at("header")[1], "b: 2");
  EXPECT_EQ(queryValue(q, "url"), url);
  EXPECT_EQ(queryValue(q, "absent", "fallback"), "fallback");
}

TEST(Query, PlusIsASpaceAndBadEscapesStayLiteral) {
  const Query q = parseQuery("a=x+y&b=%zz&c&&d=%4");
  EXPECT_EQ(queryValue(q, "a"), "x y");
  EXPECT_EQ(queryValue(q, "b"), "%zz");
  EXPECT_EQ(q.count("c"), 1u);
  EXPECT_EQ(queryValue(q, "d"), "%4");
}

}  // namespace
}  // namespace portico::admin
