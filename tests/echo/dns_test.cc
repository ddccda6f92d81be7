// portico-echo's DNS codec and the answers of its coredns stand-in, apart
// from sockets.
#include "echo/dns.h"

#include <gtest/gtest.h>

namespace portico::echo::dns {
namespace {

const std::array<uint8_t, 4> kClient = {10, 1, 2, 3};

std::string query(const std::string& name, uint16_t type, uint16_t flags = 0x0100) {
  Message m;
  m.id = 0xbeef;
  m.flags = flags;
  m.questions.push_back({name, type, kClassIn});
  return *serialize(m);
}

TEST(DnsCodec, EncodesNamesAsLabels) {
  EXPECT_EQ(*encodeName("foo.bar.com."), std::string("\3foo\3bar\3com\0", 13));
  EXPECT_EQ(*encodeName("foo.bar.com"), std::string("\3foo\3bar\3com\0", 13));
  EXPECT_EQ(*encodeName("."), std::string("\0", 1));
  EXPECT_FALSE(encodeName("foo..com"));
  EXPECT_FALSE(encodeName(std::string(64, 'a') + ".com"));
  EXPECT_FALSE(encodeName(std::string(130, 'a') + "." + std::string(130, 'b')));
}

TEST(DnsCodec, RoundTripsAMessage) {
  Message m;
  m.id = 7;
  m.flags = 0x8580;
  m.questions.push_back({"foo.bar.com.", kTypeA, kClassIn});
  m.answers.push_back({"foo.bar.com.", kTypeA, kClassIn, 30, std::string("\1\2\3\4", 4)});
  const auto back = parse(*serialize(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, 7);
  EXPECT_EQ(back->flags, 0x8580);
  ASSERT_EQ(back->questions.size(), 1u);
  EXPECT_EQ(back->questions[0].name, "foo.bar.com.");
  ASSERT_EQ(back->answers.size(), 1u);
  EXPECT_EQ(back->answers[0].ttl, 30u);
  EXPECT_EQ(back->answers[0].rdata, std::string("\1\2\3\4", 4));
}

TEST(DnsCodec, FollowsBackwardPointersOnly) {
  // Header, question foo.bar.com A IN, one answer whose name points at 12.
  std::string w = std::string("\0\1\x81\x80\0\1\0\1\0\0\0\0", 12) +
                  std::string("\3foo\3bar\3com\0\0\1\0\1", 17) +
                  std::string("\xc0\x0c\0\1\0\1\0\0\0\0\0\4\x7f\0\0\1", 16);
  const auto m = parse(w);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(m->answers[0].name, "foo.bar.com.");
  w[30] = '\x1d';  // the pointer now targets itself: rejected, no loop
  EXPECT_FALSE(parse(w));
}

TEST(DnsCodec, RejectsTruncatedMessages) {
  EXPECT_FALSE(parse(std::string(11, '\0')));
  const std::string q = query("foo.bar.com.", kTypeA);
  EXPECT_FALSE(parse(q.substr(0, q.size() - 1)));
}

TEST(DnsRespond, WhoamiAnswersAQueriesInTheZone) {
  const auto r = parse(respond(query("FOO.bar.com.", kTypeA), "foo.bar.com.", kClient));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 0xbeef);
  EXPECT_TRUE(r->isResponse());
  EXPECT_EQ(r->flags & 0x0100, 0x0100);  // RD copied
  EXPECT_EQ(r->flags & 0x0400, 0x0400);  // authoritative
  EXPECT_EQ(r->rcode(), Rcode::kNoError);
  ASSERT_EQ(r->questions.size(), 1u);
  EXPECT_EQ(r->questions[0].name, "FOO.bar.com.");
  ASSERT_EQ(r->answers.size(), 1u);
  EXPECT_EQ(r->answers[0].rdata, std::string("\x0a\x01\x02\x03", 4));
  const auto sub = parse(respond(query("a.foo.bar.com.", kTypeA), "foo.bar.com.", kClient));
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->answers.size(), 1u);
}

TEST(DnsRespond, OtherTypesNamesAndOpcodes) {
  const auto aaaa = parse(respond(query("foo.bar.com.", 28), "foo.bar.com.", kClient));
  ASSERT_TRUE(aaaa);
  EXPECT_EQ(aaaa->rcode(), Rcode::kNoError);
  EXPECT_TRUE(aaaa->answers.empty());
  const auto outside = parse(respond(query("xfoo.bar.com.", kTypeA), "foo.bar.com.", kClient));
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->rcode(), Rcode::kRefused);
  const auto notify = parse(respond(query("foo.bar.com.", kTypeA, 0x2000), "foo.bar.com.", kClient));
  ASSERT_TRUE(notify);
  EXPECT_EQ(notify->rcode(), Rcode::kNotImp);
}

TEST(DnsRespond, MalformedQueriesAndResponses) {
  EXPECT_EQ(respond(std::string(5, '\0'), "foo.bar.com.", kClient), "");  // no header: dropped
  EXPECT_EQ(respond(query("foo.bar.com.", kTypeA, 0x8000), "foo.bar.com.", kClient), "");  // a response
  const std::string q = query("foo.bar.com.", kTypeA);
  const auto formErr = parse(respond(q.substr(0, q.size() - 3), "foo.bar.com.", kClient));
  ASSERT_TRUE(formErr);
  EXPECT_EQ(formErr->id, 0xbeef);
  EXPECT_EQ(formErr->rcode(), Rcode::kFormErr);
  EXPECT_TRUE(formErr->questions.empty());
}

}  // namespace
}  // namespace portico::echo::dns
