// The one place the data plane includes Asio (precompiled for the
// portico_dataplane target; never included from a public header).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>

namespace portico::dataplane {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
template <class T>
using awaitable = asio::awaitable<T>;
}  // namespace portico::dataplane
