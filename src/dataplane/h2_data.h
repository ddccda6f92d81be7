// What both HTTP/2 sides share with nghttp2 (internal): header fields as
// nghttp2_nv, and the outgoing DATA of one stream, a buffer the proxying
// coroutine appends to and nghttp2's data source drains as the peer's
// window allows (the downstream connection's responses, the upstream
// client's request bodies).
#pragma once

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>
#include <vector>

#include "dataplane/asio.h"
#include "dataplane/h2_client.h"

namespace portico::dataplane {

// Views into `fields` (which must outlive the result).
std::vector<nghttp2_nv> toNv(FieldList& fields);

// One stream's outgoing DATA: `out` from `at` on is pending.
struct H2Pending {
  std::string& out;
  size_t& at;
  bool eof;                  // nothing will be appended any more
  bool& deferred;            // set when the source had nothing to give (resume it after appending)
  asio::steady_timer& room;  // woken when bytes left: the writer may append more
};

// nghttp2's data source read: copies what is pending into `buf`; the EOF
// flag once everything went and `eof` is set; NGHTTP2_ERR_DEFERRED when
// nothing is pending yet.
ssize_t readPending(H2Pending p, uint8_t* buf, size_t length, uint32_t* flags);

// Appends `data`, first dropping the sent prefix when it is at least half
// of the buffer (amortised: no copy per DATA frame).
void appendPending(std::string& out, size_t& at, std::string_view data);

}  // namespace portico::dataplane
