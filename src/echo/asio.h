// The one place portico-echo includes Asio (the handler, the options and
// the nghttp2 session never see it).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>

namespace portico::echo {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;
inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
}  // namespace portico::echo
