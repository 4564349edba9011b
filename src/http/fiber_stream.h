// wirt::http::FiberStream — a Beast SyncReadStream/SyncWriteStream over an asynchronous stream
// (beast::tcp_stream, or ssl_stream over one) that suspends the calling fiber, never the
// worker thread, while an operation is pending (DESIGN §2.3). So Beast's synchronous
// http::read_header / read_some work on fibers.
//
// Plain TCP first tries the operation without waiting (a non-blocking socket): on a busy
// keep-alive connection most reads and writes complete at once and cost no suspension.
// Timeouts are the tcp_stream's (expires_after) and end a pending operation with
// beast::error::timeout.
//
// Ownership: borrows the stream. Thread-safety: use on the fiber that owns the stream, whose
// worker must be the stream's io_context (completion handlers run there).
#pragma once

#include <boost/asio/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include "sched/scheduler.h"

namespace wirt::http {

template <class AsyncStream>
class FiberStream {
 public:
  explicit FiberStream(AsyncStream& s) : s_(s) {}
  AsyncStream& next() { return s_; }

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& b, boost::system::error_code& ec) {
    if constexpr (std::is_same_v<AsyncStream, boost::beast::tcp_stream>) {
      size_t n = s_.socket().read_some(b, ec);
      if (ec != boost::asio::error::would_block) return n;
    }
    size_t n = 0;
    sched::this_fiber::suspend([&](sched::Waker w) {
      s_.async_read_some(b, [&ec, &n, w](const boost::system::error_code& e, size_t k) {
        ec = e;
        n = k;
        w.wake();
      });
    });
    return n;
  }
  template <class ConstBuffers>
  size_t write_some(const ConstBuffers& b, boost::system::error_code& ec) {
    if constexpr (std::is_same_v<AsyncStream, boost::beast::tcp_stream>) {
      size_t n = s_.socket().write_some(b, ec);
      if (ec != boost::asio::error::would_block) return n;
    }
    size_t n = 0;
    sched::this_fiber::suspend([&](sched::Waker w) {
      s_.async_write_some(b, [&ec, &n, w](const boost::system::error_code& e, size_t k) {
        ec = e;
        n = k;
        w.wake();
      });
    });
    return n;
  }
  // The throwing forms the stream concepts require; wirt only calls the error_code forms.
  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& b) {
    boost::system::error_code ec;
    size_t n = read_some(b, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class ConstBuffers>
  size_t write_some(const ConstBuffers& b) {
    boost::system::error_code ec;
    size_t n = write_some(b, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  AsyncStream& s_;
};

}  // namespace wirt::http
