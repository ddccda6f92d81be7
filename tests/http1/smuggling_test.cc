// Request smuggling and desync vectors (RFC 9112 §11.2), one row each.
// Every row is parsed whole and byte by byte; both must give the expected
// status: 200 means accepted (head and body parsed), anything else is the
// status the proxy answers before closing the connection.
#include <gtest/gtest.h>

#include <string>

#include "http1/util.h"

namespace portico::http1 {
namespace {

using testing::Outcome;
using namespace std::string_literals;

struct Vector {
  const char* name;       // test name suffix
  std::string raw;        // the bytes a client sends
  int status;             // expected outcome
  const char* host = "";  // when set, the Host the proxy must route on
};

const std::string kPost = "POST / HTTP/1.1\r\nHost: a\r\n";
const std::string kChunkedPost = kPost + "Transfer-Encoding: chunked\r\n\r\n";

std::string withCL(const std::string& cl) { return kPost + "Content-Length: " + cl + "\r\n\r\nhello"; }
std::string withTE(const std::string& te) { return kPost + "Transfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n"; }

const Vector kVectors[] = {
    // Baselines: the same shapes, well-formed, are accepted.
    {"Baseline_ContentLength", withCL("5"), 200},
    {"Baseline_Chunked", kChunkedPost + "5\r\nhello\r\n0\r\n\r\n", 200},
    {"Baseline_ChunkedUppercase", withTE("Chunked"), 200},
    {"Baseline_CLWithOws", withCL(" 5 \t"), 200},
    {"Baseline_ChunkExtension", kChunkedPost + "5;a=b;c=\"d e\"\r\nhello\r\n0\r\n\r\n", 200},
    {"Baseline_Http10NoHost", "GET / HTTP/1.0\r\n\r\n", 200},

    // Content-Length and Transfer-Encoding together, either order.
    {"CL_TE", kPost + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
    {"TE_CL", kPost + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", 400},
    {"TE_CL0", kPost + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n", 400},

    // Content-Length values.
    {"DuplicateCL_Same", kPost + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400},
    {"DuplicateCL_Different", kPost + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
    {"CL_ListSame", withCL("5, 5"), 400},
    {"CL_PlusSign", withCL("+5"), 400},
    {"CL_Negative", withCL("-5"), 400},
    {"CL_InnerSpace", withCL("5 5"), 400},
    {"CL_Hex", withCL("0x5"), 400},
    {"CL_Empty", withCL(""), 400},
    {"CL_Overflow64", withCL("18446744073709551621"), 400},
    {"CL_AboveInt64", withCL("9223372036854775808"), 400},

    // Transfer-Encoding values.
    {"TE_Http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
    {"TE_ChunkedIdentity", withTE("chunked, identity"), 400},
    {"TE_Identity", withTE("identity"), 400},
    {"TE_XChunked", withTE("xchunked"), 400},
    {"TE_ChunkedTwice", withTE("chunked, chunked"), 400},
    {"TE_ChunkedWithParam", withTE("chunked;q=1"), 400},
    {"TE_Empty", withTE(""), 400},
    {"TE_SplitLines", kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
     400},
    {"TE_GzipChunked", withTE("gzip, chunked"), 501},
    {"TE_ObsFold", kPost + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400},
    {"TE_ObsFoldTab", kPost + "Transfer-Encoding: x\r\n\tchunked\r\n\r\n0\r\n\r\n", 400},
    {"TE_VerticalTab",
     withTE("\x0b"
            "chunked"),
     400},

    // Field-name and field-line syntax.
    {"SpaceBeforeColon", kPost + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
    {"TabBeforeColon", kPost + "Content-Length\t: 5\r\n\r\nhello", 400},
    {"NameInvalidChar", kPost + "Content@Length: 5\r\n\r\nhello", 400},
    {"NameNonAscii", kPost + "Transfer-Encoding\xC3\xA9: chunked\r\n\r\n0\r\n\r\n", 400},
    {"EmptyName", kPost + ": x\r\n\r\n", 400},
    {"NoColon", kPost + "Content-Length 5\r\n\r\nhello", 400},
    {"FirstFieldFolded", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
    {"BareLF_Everywhere", "GET / HTTP/1.1\nHost: a\n\n", 400},
    {"BareLF_InFields", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400},
    {"BareLF_Terminator", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
    {"BareCR_InFields", "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 400},
    {"BareCR_RequestLine", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"NulInValue", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s, 400},
    {"DelInValue", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", 400},

    // Chunked body framing.
    {"ChunkSize_Overflow", kChunkedPost + "10000000000000005\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkSize_AllF", kChunkedPost + "ffffffffffffffff\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkSize_Negative", kChunkedPost + "-5\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkSize_HexPrefix", kChunkedPost + "0x5\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkSize_NotHex", kChunkedPost + "g\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkSize_LeadingSpace", kChunkedPost + " 5\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkSize_TrailingSpace", kChunkedPost + "5 \r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkSize_Empty", kChunkedPost + "\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkSize_BareLF", kChunkedPost + "5\nhello\r\n0\r\n\r\n", 400},
    {"ChunkData_MissingCRLF", kChunkedPost + "5\r\nhelloX\r\n0\r\n\r\n", 400},
    {"ChunkData_BareLF", kChunkedPost + "5\r\nhello\n0\r\n\r\n", 400},
    {"ChunkData_BareCR", kChunkedPost + "5\r\nhello\r0\r\n\r\n", 400},
    {"ChunkData_TooLong", kChunkedPost + "3\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkExt_Huge", kChunkedPost + "5;" + std::string(5000, 'a') + "\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkExt_BareSemicolon", kChunkedPost + "5;\r\nhello\r\n0\r\n\r\n", 400},
    {"ChunkExt_NulInQuoted", kChunkedPost + "5;a=\"\0\"\r\nhello\r\n0\r\n\r\n"s, 400},
    {"Trailer_ObsFold", kChunkedPost + "0\r\nX: a\r\n b\r\n\r\n", 400},
    {"Trailer_BareLF", kChunkedPost + "0\r\nX: a\n\r\n", 400},

    // Request line.
    {"RequestLine_TwoSpaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"RequestLine_TwoSpacesBeforeVersion", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"RequestLine_TrailingSpace", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
    {"RequestLine_Tab", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"RequestLine_LowercaseVersion", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
    {"RequestLine_Http09", "GET /\r\n\r\n", 400},
    {"RequestLine_Http20", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
    {"RequestLine_Http12", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505},
    {"RequestLine_Http10Digits", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
    {"RequestLine_MethodInvalid", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"RequestLine_TargetNonAscii", "GET /\xC3\xA9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"RequestLine_Fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"RequestLine_TooLong", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},

    // Target forms and Host.
    {"AbsoluteForm_ConflictingHost", "GET http://b.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n", 200,
     "b.example"},
    {"AbsoluteForm_Userinfo", "GET http://a@b.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n", 400},
    {"AbsoluteForm_OtherScheme", "GET ftp://b.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n", 400},
    {"AuthorityForm_NotConnect", "GET b.example:443 HTTP/1.1\r\nHost: b.example\r\n\r\n", 400},
    {"Connect_OriginForm", "CONNECT / HTTP/1.1\r\nHost: b.example\r\n\r\n", 400},
    {"Asterisk_NotOptions", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"Host_Missing", "GET / HTTP/1.1\r\n\r\n", 400},
    {"Host_Duplicate", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"Host_DuplicateSame", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
    {"Host_DuplicateHttp10", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"Host_Userinfo", "GET / HTTP/1.1\r\nHost: evil@a\r\n\r\n", 400},
    {"Host_Path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
    {"Host_Space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},

    // Size limits.
    {"Headers_TooMany",
     "GET / HTTP/1.1\r\nHost: a\r\n" +
         [] {
           std::string s;
           for (int i = 0; i < 100; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
           return s;
         }() +
         "\r\n",
     431},
    {"Headers_TooLarge", "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(61 * 1024, 'v') + "\r\n\r\n", 431},
};

class Smuggling : public ::testing::TestWithParam<Vector> {};

TEST_P(Smuggling, Outcome) {
  const Vector& v = GetParam();
  const Outcome whole = testing::parseWhole(v.raw);
  EXPECT_EQ(whole.status, v.status) << whole;
  if (*v.host) {
    EXPECT_EQ(whole.host, v.host);
  }
  // Feeding the same bytes one at a time must end the same way: framing
  // never depends on how the bytes were split into reads.
  EXPECT_EQ(testing::parseBytewise(v.raw), whole);
}

INSTANTIATE_TEST_SUITE_P(Vectors, Smuggling, ::testing::ValuesIn(kVectors),
                         [](const ::testing::TestParamInfo<Vector>& info) { return info.param.name; });

}  // namespace
}  // namespace portico::http1
