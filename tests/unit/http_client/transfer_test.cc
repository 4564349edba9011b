// Transfers against a real loopback server (loopback_server.h) on scheduler fibers.
#include "http_client/transfer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "http_client/permissions.h"
#include "loopback_server.h"
#include "sched/scheduler.h"

namespace wirt::http_client {
namespace {

using namespace std::chrono_literals;

std::string expected_bytes(size_t n) {
  std::string s(n, 'a');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

sched::Deadline in(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }

std::string header(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) return v;
  return "";
}

struct Fetched {
  int status = 0;
  Headers headers;
  std::string body, url;
  std::optional<core::Error> error;
  Failure failure = Failure::None;
};

Fetched fetch(sched::Scheduler& s, Request r, std::chrono::milliseconds limit = 10s) {
  Fetched f;
  s.block_on([&] {
    auto t = Transfer::start(std::move(r));
    if (!t) {
      f.error = t.error();
      return;
    }
    auto deadline = in(limit);
    if (auto st = (*t)->wait_response(deadline); !st) {
      f.error = st.error();
      f.failure = (*t)->failure();
      return;
    }
    f.status = (*t)->status();
    f.headers = (*t)->headers();
    f.url = (*t)->effective_url();
    auto body = (*t)->read_all(deadline);
    if (!body) {
      f.error = body.error();
      f.failure = (*t)->failure();
    } else {
      f.body = std::move(*body);
    }
  });
  return f;
}

TEST(HttpClientTransfer, GetReturnsStatusHeadersAndBody) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = server.url("/hello");
  auto f = fetch(s, r);
  ASSERT_FALSE(f.error) << f.error->message();
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(f.body, "hello");
  EXPECT_EQ(header(f.headers, "x-test"), "yes");
}

TEST(HttpClientTransfer, PostSendsBodyAndHeaders) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.method = "POST";
  r.url = server.url("/echo");
  r.body = "payload";
  r.headers = {{"X-One", "1"}};
  auto f = fetch(s, r);
  ASSERT_FALSE(f.error) << f.error->message();
  EXPECT_EQ(f.body, "payload");
  EXPECT_EQ(header(f.headers, "x-method"), "POST");
  EXPECT_EQ(header(f.headers, "x-got-one"), "1");
}

TEST(HttpClientTransfer, CustomMethodsAndEmptyBodies) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  for (const char* m : {"PUT", "PATCH", "DELETE"}) {
    Request r;
    r.method = m;
    r.url = server.url("/echo");
    auto f = fetch(s, r);
    ASSERT_FALSE(f.error) << f.error->message();
    EXPECT_EQ(header(f.headers, "x-method"), m);
  }
}

TEST(HttpClientTransfer, LargeBodiesBothWaysArriveIntact) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.method = "POST";
  r.url = server.url("/echo");
  r.body = expected_bytes(6 << 20);
  auto f = fetch(s, r);
  ASSERT_FALSE(f.error) << f.error->message();
  EXPECT_TRUE(f.body == *r.body);
}

TEST(HttpClientTransfer, RedirectsAreFollowedUpToTheLimit) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = server.url("/redirect/3");
  auto f = fetch(s, r);
  ASSERT_FALSE(f.error) << f.error->message();
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(f.body, "hello");
  EXPECT_EQ(f.url, server.url("/hello"));

  r.options.max_redirects = 2;
  f = fetch(s, r);
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.failure, Failure::TooManyRedirects);

  r.options.max_redirects = 0;  // not followed: the 302 itself is the response
  f = fetch(s, r);
  ASSERT_FALSE(f.error) << f.error->message();
  EXPECT_EQ(f.status, 302);
  EXPECT_EQ(header(f.headers, "location"), "/redirect/2");
}

TEST(HttpClientTransfer, StreamedResponseArrivesInPieces) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  size_t total = 0, pieces = 0;
  bool same = true;
  const size_t n = 8 << 20;
  const std::string want = expected_bytes(n);
  s.block_on([&] {
    Request r;
    r.url = server.url("/bytes/" + std::to_string(n));
    auto t = Transfer::start(std::move(r));
    ASSERT_TRUE(t);
    ASSERT_TRUE((*t)->wait_response(in(10s)));
    for (;;) {
      auto piece = (*t)->read(100000, in(10s));
      ASSERT_TRUE(piece) << piece.error().message();
      if (piece->empty()) break;
      EXPECT_LE(piece->size(), 100000u);
      same = same && want.compare(total, piece->size(), *piece) == 0;
      total += piece->size();
      ++pieces;
    }
  });
  EXPECT_EQ(total, n);
  EXPECT_TRUE(same);
  EXPECT_GT(pieces, 80u);
}

TEST(HttpClientTransfer, StreamedRequestBodyThroughPipe) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  std::string got;
  const std::string sent = expected_bytes(3 << 20);
  s.block_on([&] {
    Request r;
    r.method = "POST";
    r.url = server.url("/echo");
    r.body_pipe = std::make_shared<BodyPipe>(64 << 10);
    auto pipe = r.body_pipe;
    auto t = Transfer::start(std::move(r));
    ASSERT_TRUE(t);
    for (size_t off = 0; off < sent.size(); off += 100000) {
      ASSERT_TRUE(pipe->write(std::string_view(sent).substr(off, 100000), in(10s)));
    }
    pipe->finish();
    ASSERT_TRUE((*t)->wait_response(in(10s)));
    auto body = (*t)->read_all(in(10s));
    ASSERT_TRUE(body);
    got = std::move(*body);
  });
  EXPECT_TRUE(got == sent) << got.size();
}

TEST(HttpClientTransfer, ClosedPortFailsCleanly) {
  int port;
  {
    test::LoopbackServer gone;
    port = gone.port();
  }
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto f = fetch(s, r);
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.failure, Failure::ConnectionRefused);
  EXPECT_EQ(f.error->kind(), core::ErrorKind::Unavailable);
  EXPECT_NE(f.error->message().find("127.0.0.1"), std::string::npos) << f.error->message();
}

TEST(HttpClientTransfer, SilentPeerEndsAtTheDeadlineWithTimeout) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = server.url("/silent");
  auto start = std::chrono::steady_clock::now();
  auto f = fetch(s, r, 300ms);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.error->kind(), core::ErrorKind::Timeout);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 5s);
}

TEST(HttpClientTransfer, OptionTimeoutEndsASilentPeer) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = server.url("/silent");
  r.options.timeout = core::Nanos(200'000'000);
  auto f = fetch(s, r);
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.error->kind(), core::ErrorKind::Timeout);
  EXPECT_EQ(f.failure, Failure::Timeout);
}

TEST(HttpClientTransfer, ResponseLargerThanTheLimitIsRefused) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = server.url("/bytes/1000000");
  r.options.max_response_bytes = 100000;
  auto f = fetch(s, r);
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.failure, Failure::ResponseTooLarge);
  EXPECT_NE(f.error->message().find("exceeds the limit of 100000 bytes"), std::string::npos) << f.error->message();
}

TEST(HttpClientTransfer, RefusedAddressIsNeverConnected) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = server.url("/hello");
  std::string seen;
  r.check_address = [&](std::string_view ip) -> core::Status {
    seen = ip;
    return core::permission_denied("not allowed: private IP " + std::string(ip));
  };
  auto f = fetch(s, r);
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.error->kind(), core::ErrorKind::PermissionDenied);
  EXPECT_EQ(f.error->message(), "not allowed: private IP 127.0.0.1");
  EXPECT_EQ(seen, "127.0.0.1");
  EXPECT_EQ(server.connections(), 0);
}

TEST(HttpClientTransfer, RedirectToARefusedUrlStopsBeforeItIsRequested) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = server.url("/redirect/1");
  r.check_url = [](std::string_view url) -> core::Status {
    return core::permission_denied("not allowed: " + std::string(url));
  };
  auto f = fetch(s, r);
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.error->kind(), core::ErrorKind::PermissionDenied);
  EXPECT_EQ(f.error->message(), "not allowed: " + server.url("/hello"));
  // The second hop may connect (curl asks just before sending), but no request reaches /hello.
  EXPECT_EQ(server.last_request_head().rfind("GET /redirect/1 ", 0), 0u) << server.last_request_head();
}

TEST(HttpClientTransfer, BadUrlIsInvalid) {
  sched::Scheduler s({.threads = 1});
  Request r;
  r.url = "ftp://127.0.0.1/x";
  auto f = fetch(s, r);
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.failure, Failure::InvalidUrl);
}

TEST(HttpClientTransfer, ManyConcurrentTransfersOnTwoThreads) {
  test::LoopbackServer server;
  sched::Scheduler s({.threads = 2});
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  const int n = 200;
  s.block_on([&] {
    for (int i = 0; i < n; ++i) {
      s.spawn([&] {
        Request r;
        r.url = server.url("/hello");
        auto t = Transfer::start(std::move(r));
        if (t && (*t)->wait_response(in(20s))) {
          auto b = (*t)->read_all(in(20s));
          if (b && *b == "hello") ++ok;
        }
        ++done;
      });
    }
    while (done.load() < n) sched::this_fiber::sleep_for(core::Nanos(5'000'000));
  });
  EXPECT_EQ(ok.load(), n);
}

TEST(HttpClientPermissions, PrivateAddresses) {
  for (const char* ip : {"127.0.0.1", "127.8.9.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                         "169.254.169.254", "0.0.0.0", "::1", "::", "fe80::1", "fd00::1", "fc00::2",
                         "::ffff:127.0.0.1", "::ffff:10.0.0.1", "[::1]"}) {
    EXPECT_TRUE(is_private_address(ip)) << ip;
  }
  for (const char* ip : {"8.8.8.8", "172.32.0.1", "172.15.0.1", "1.1.1.1", "2001:4860::8888", "::ffff:8.8.8.8",
                         "not-an-ip", ""}) {
    EXPECT_FALSE(is_private_address(ip)) << ip;
  }
}

}  // namespace
}  // namespace wirt::http_client
