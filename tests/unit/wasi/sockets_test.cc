// wasi:sockets@0.2.0 (src/wasi/sockets*.cc) driven by the project's C component
// (tests/fixtures/components/c-sockets) against real loopback peers run by the test on plain
// POSIX sockets in threads of their own: echo, a large transfer with a checksum, refused
// connects, a peer that never answers (the call's deadline), listen + accept from a host
// client, UDP, name lookup, denial by policy, the socket bound, invalid state transitions and
// streams dropped in odd orders.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "component/component.h"
#include "component/component_instance.h"
#include "sched/scheduler.h"
#include "sched/security.h"
#include "wasi/call_state.h"
#include "wasi/preview2.h"
#include "wasi/sockets.h"

using namespace wirt;
using core::Value;

namespace {

std::shared_ptr<component::Component> sockets_component() {
  static std::shared_ptr<component::Component> c = [] {
    std::ifstream f(std::string(WIRT_SOURCE_DIR) + "/tests/fixtures/components/c-sockets/c-sockets.wasm", std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(f), {}};
    wasm::CompileOptions o;
    o.tier2 = false;
    o.name = "c-sockets";
    auto r = component::Component::load(bytes, o);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : nullptr;
  }();
  return c;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

size_t open_fds() {
  size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

// A TCP listener on ::1 with an OS-chosen port; -1 when the host has no IPv6 loopback.
int listen_loopback6(uint16_t* port) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin6_port);
  return fd;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

// A TCP listener on 127.0.0.1 with an OS-chosen port.
int listen_loopback(uint16_t* port, int backlog = 16) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd, backlog);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

// A host client of a guest server: connects once the guest listens on `port` (-1 after 5 s).
int connect_when_listening(uint16_t port) {
  sockaddr_in a = loopback(port);
  for (int i = 0; i < 500; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

// Echoes every connection it accepts until the peer's end. `silent`: reads and never answers.
class TcpPeer {
 public:
  explicit TcpPeer(bool silent = false, bool v6 = false) : silent_(silent) {
    fd_ = v6 ? listen_loopback6(&port_) : listen_loopback(&port_);
    if (fd_ < 0) return;
    thread_ = std::thread([this] { run(); });
  }
  bool ok() const { return fd_ >= 0; }
  ~TcpPeer() {
    if (fd_ < 0) return;
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    {
      std::lock_guard<std::mutex> g(mu_);
      for (int c : conns_) ::shutdown(c, SHUT_RDWR);
    }
    for (auto& t : conn_threads_) t.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }
  size_t bytes_in() const { return bytes_in_; }
  int ended() const { return ended_; }  // connections whose peer end was seen

 private:
  void run() {
    for (;;) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0 || stop_) {
        if (c >= 0) ::close(c);
        return;
      }
      ++accepted_;
      {
        std::lock_guard<std::mutex> g(mu_);
        conns_.insert(c);
      }
      conn_threads_.emplace_back([this, c] {
        char buf[65536];
        for (;;) {
          ssize_t n = ::recv(c, buf, sizeof buf, 0);
          if (n <= 0) break;
          bytes_in_ += size_t(n);
          if (silent_) continue;
          for (ssize_t off = 0; off < n;) {
            ssize_t w = ::send(c, buf + off, size_t(n - off), MSG_NOSIGNAL);
            if (w <= 0) break;
            off += w;
          }
        }
        std::lock_guard<std::mutex> g(mu_);
        conns_.erase(c);
        ::close(c);
        ++ended_;
      });
    }
  }
  bool silent_;
  int fd_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0}, ended_{0};
  std::atomic<size_t> bytes_in_{0};
  std::thread thread_;
  std::mutex mu_;
  std::set<int> conns_;  // open connections (the destructor ends their threads)
  std::vector<std::thread> conn_threads_;
};

class UdpPeer {
 public:
  UdpPeer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      char buf[65536];
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n <= 0) return;
      std::string reply = "udp:" + std::string(buf, size_t(n));
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
    });
  }
  ~UdpPeer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  int fd_;
  uint16_t port_ = 0;
  std::thread thread_;
};

class Sockets : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sched_ = new sched::Scheduler(sched::SchedulerOptions{1});
    imports_ = new component::HostImports;
    wasi::define_preview2(*imports_, {"wasi:io", "wasi:poll", "wasi:sockets"});
  }
  static void TearDownTestSuite() {
    delete sched_;
    delete imports_;
  }

  // Calls an export on a fresh instance with fresh per-call state, as a component entry does.
  core::Result<Value> call(const char* fn, core::Array args, int64_t deadline_ms = 10000,
                           const sched::Policies* policies = nullptr) {
    auto c = sockets_component();
    if (!c) return core::internal("no component");
    core::Result<Value> result = core::internal("not run");
    sched_->block_on([&] {
      auto inst = component::ComponentInstance::create(c, *imports_);
      if (!inst) {
        result = inst.error();
        return;
      }
      sched::CallContext ctx;
      wasi::CallState st;
      st.ctx = &ctx;
      st.policies = policies;
      st.deadline_ns = now_ns() + deadline_ms * 1000000;
      (*inst)->user_data = &st;
      result = (*inst)->call(fn, args);
      (*inst)->user_data = nullptr;
    });
    return result;
  }

  // One call first: the engine's one-time descriptors (the first compile and instantiation) are
  // then open before a test counts descriptors.
  void warm_up() { ASSERT_TRUE(call("open-sockets", {Value(int64_t{1})}).ok()); }

  static Value ok_of(const core::Result<Value>& r) {
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r.ok()) return Value();
    const Value* v = r->find("ok");
    EXPECT_TRUE(v) << "expected ok, got err " << (r->find("err") ? r->find("err")->as_string() : "?");
    return v ? *v : Value();
  }
  static std::string err_of(const core::Result<Value>& r) {
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r.ok()) return "";
    const Value* v = r->find("err");
    return v && v->is_string() ? v->as_string() : "<not an error>";
  }

  static inline sched::Scheduler* sched_ = nullptr;
  static inline component::HostImports* imports_ = nullptr;
};

Value lo() { return Value("127.0.0.1"); }

}  // namespace

TEST_F(Sockets, TcpEchoRoundTrip) {
  TcpPeer peer;
  auto r = call("tcp-echo", {lo(), Value(int64_t{peer.port()}), Value("hello sockets")});
  EXPECT_EQ(ok_of(r).as_string(), "hello sockets");
  EXPECT_EQ(peer.accepted(), 1);
}

TEST_F(Sockets, TcpEchoOverIpv6) {
  TcpPeer peer(false, /*v6=*/true);
  if (!peer.ok()) GTEST_SKIP() << "no IPv6 loopback on this host";
  auto r = call("tcp-echo", {Value("::1"), Value(int64_t{peer.port()}), Value("hello v6")});
  EXPECT_EQ(ok_of(r).as_string(), "hello v6");
  EXPECT_EQ(peer.accepted(), 1);
  // A v6 port nobody listens on is refused as over IPv4.
  uint16_t port;
  int fd = listen_loopback6(&port);
  ::close(fd);
  EXPECT_EQ(err_of(call("tcp-echo", {Value("::1"), Value(int64_t{port}), Value("x")})), "connection-refused");
}

TEST_F(Sockets, LargeTransferArrivesWhole) {
  TcpPeer peer;
  constexpr uint32_t kLen = 8u << 20;
  uint32_t hash = 2166136261u;
  for (uint64_t i = 0; i < kLen; ++i) hash = (hash ^ uint8_t((i * 7) % 251)) * 16777619u;
  auto r = call("tcp-transfer", {lo(), Value(int64_t{peer.port()}), Value(int64_t{kLen})}, 60000);
  Value v = ok_of(r);
  ASSERT_TRUE(v.is_array());
  EXPECT_EQ(v.as_array()[0].as_int(), int64_t{kLen});
  EXPECT_EQ(v.as_array()[1].as_int(), int64_t{hash});
  EXPECT_EQ(peer.bytes_in(), kLen);
}

TEST_F(Sockets, ConnectToAClosedPortIsConnectionRefused) {
  uint16_t port;
  ::close(listen_loopback(&port));  // the port is free again and nothing listens
  auto r = call("tcp-echo", {lo(), Value(int64_t{port}), Value("x")});
  EXPECT_EQ(err_of(r), "connection-refused");
}

TEST_F(Sockets, APeerThatNeverAnswersEndsAtTheCallsDeadline) {
  TcpPeer peer(/*silent=*/true);
  auto t0 = std::chrono::steady_clock::now();
  auto r = call("tcp-echo", {lo(), Value(int64_t{peer.port()}), Value("anyone?")}, 300);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), core::ErrorKind::Timeout) << r.error().message();
  EXPECT_GE(ms, 250);
  EXPECT_LT(ms, 5000);
  // The call's end closed the connection: the peer sees its end.
  for (int i = 0; i < 200 && peer.ended() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(peer.ended(), 1);
}

// A listener whose accept queue is full drops further SYNs (Linux): the guest's connect never
// completes and must end at the call's deadline, the fiber suspended all along.
TEST_F(Sockets, AConnectThatNeverCompletesEndsAtTheCallsDeadline) {
  uint16_t port;
  int fd = listen_loopback(&port, 0);
  sockaddr_in a = loopback(port);
  std::vector<int> fillers;  // fill the accept queue; nobody accepts
  for (int i = 0; i < 4; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(c);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto t0 = std::chrono::steady_clock::now();
  auto r = call("tcp-echo", {lo(), Value(int64_t{port}), Value("x")}, 300);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  for (int c : fillers) ::close(c);
  ::close(fd);
  ASSERT_FALSE(r.ok()) << "connected: " << (r.ok() && r->find("ok") ? "ok" : "err");
  EXPECT_EQ(r.error().kind(), core::ErrorKind::Timeout) << r.error().message();
  EXPECT_NE(r.error().message().find("connecting"), std::string::npos) << r.error().message();
  EXPECT_GE(ms, 250);
  EXPECT_LT(ms, 5000);
}

TEST_F(Sockets, ListenAndAcceptAHostClient) {
  uint16_t port;
  ::close(listen_loopback(&port));
  std::string got;
  std::thread client([&] {
    int fd = connect_when_listening(port);
    if (fd < 0) return;
    std::string msg = "ping from the host";
    ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char buf[256];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, size_t(n));
    ::close(fd);
  });
  auto r = call("tcp-serve-once", {lo(), Value(int64_t{port})});
  client.join();
  EXPECT_EQ(ok_of(r).as_int(), 18);
  EXPECT_EQ(got, "ping from the host");
}

// Regression: an accepted connection was not marked non-blocking for asio, whose read_some then
// poll()ed the worker thread until the client sent — every other fiber of that worker stalled.
TEST_F(Sockets, ServerReadsDoNotBlockTheWorker) {
  uint16_t port;
  ::close(listen_loopback(&port));
  std::atomic<int> ticks{0};
  std::atomic<bool> quiet_period_over{false};
  std::atomic<int> ticks_while_client_was_quiet{-1};
  std::thread client([&] {
    int fd = connect_when_listening(port);
    if (fd < 0) {
      quiet_period_over = true;
      return;
    }
    int before = ticks;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the guest waits in read
    ticks_while_client_was_quiet = ticks - before;
    quiet_period_over = true;
    ::send(fd, "late", 4, MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char buf[64];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    ::close(fd);
  });
  // A fiber on the same (only) worker that ticks every 10 ms while the guest serves.
  sched_->spawn([&] {
    while (!quiet_period_over) {
      sched::this_fiber::sleep_for(std::chrono::milliseconds(10));
      ++ticks;
    }
  });
  auto r = call("tcp-serve-once", {lo(), Value(int64_t{port})});
  client.join();
  EXPECT_EQ(ok_of(r).as_int(), 4);
  EXPECT_GE(ticks_while_client_was_quiet.load(), 10);
}

TEST_F(Sockets, UdpRoundTrip) {
  UdpPeer peer;
  auto r = call("udp-echo", {lo(), Value(int64_t{peer.port()}), Value("datagram")});
  EXPECT_EQ(ok_of(r).as_string(), "udp:datagram");
}

TEST_F(Sockets, LooksUpLocalhost) {
  Value v = ok_of(call("lookup", {Value("localhost")}));
  ASSERT_TRUE(v.is_array());
  bool found = false;
  for (const auto& a : v.as_array()) found = found || a.as_string() == "127.0.0.1";
  EXPECT_TRUE(found);
  Value literal = ok_of(call("lookup", {Value("10.1.2.3")}));
  ASSERT_EQ(literal.as_array().size(), 1u);
  EXPECT_EQ(literal.as_array()[0].as_string(), "10.1.2.3");
  EXPECT_EQ(err_of(call("lookup", {Value("")})), "invalid-argument");
  EXPECT_EQ(err_of(call("lookup", {Value("no-such-host.invalid")})), "name-unresolvable");
}

TEST_F(Sockets, DeniedByPolicyNothingReachesThePeer) {
  TcpPeer peer;
  sched::Policies strict;  // strict mode, no actor: every platform check is denied
  strict.set_strict(true);
  EXPECT_EQ(err_of(call("tcp-echo", {lo(), Value(int64_t{peer.port()}), Value("secret")}, 10000, &strict)),
            "access-denied");
  UdpPeer udp;
  EXPECT_EQ(err_of(call("udp-echo", {lo(), Value(int64_t{udp.port()}), Value("secret")}, 10000, &strict)),
            "access-denied");
  EXPECT_EQ(err_of(call("lookup", {Value("localhost")}, 10000, &strict)), "access-denied");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(peer.accepted(), 0);
  EXPECT_EQ(peer.bytes_in(), 0u);
}

TEST_F(Sockets, TooManySocketsIsNewSocketLimit) {
  warm_up();
  size_t before = open_fds();
  Value v = call("open-sockets", {Value(int64_t{1000})}).value();
  ASSERT_TRUE(v.is_array());
  EXPECT_EQ(v.as_array()[0].as_int(), int64_t(wasi::sockets::kMaxSocketsPerCall));
  EXPECT_EQ(v.as_array()[1].as_string(), "new-socket-limit");
  EXPECT_EQ(open_fds(), before);  // all closed when the call ended
}

TEST_F(Sockets, AGuestHoardingHandlesTrapsInsteadOfGrowingHostMemory) {
  EXPECT_EQ(call("hoard", {Value(int64_t{100})}).value().as_int(), 100);
  auto r = call("hoard", {Value(int64_t{20000})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("more than 10000 networks, lookups and datagram streams"), std::string::npos)
      << r.error().message();
}

TEST_F(Sockets, InvalidStateTransitionsAreReported) {
  TcpPeer peer;
  Value v = call("misuse", {lo(), Value(int64_t{peer.port()})}).value();
  std::vector<std::string> got;
  for (const auto& s : v.as_array()) got.push_back(s.as_string());
  std::vector<std::string> want = {
      "finish-bind-unstarted=not-in-progress", "finish-connect-unstarted=not-in-progress",
      "listen-unbound=invalid-state",          "shutdown-unconnected=invalid-state",
      "remote-address-unconnected=invalid-state", "bind=ok",
      "bind-again=invalid-state",              "accept-unlistening=invalid-state",
      "connect-port-0=invalid-argument",       "listen-connected=invalid-state",
      "connect-connected=invalid-state"};
  EXPECT_EQ(got, want);
}

TEST_F(Sockets, OptionsAreSetAndReadBack) {
  TcpPeer peer;
  Value v = call("options", {lo(), Value(int64_t{peer.port()})}).value();
  std::vector<std::string> got;
  for (const auto& s : v.as_array()) got.push_back(s.as_string());
  std::vector<std::string> want = {
      "keep-alive=1",         "keep-alive-idle-s=7",    "keep-alive-count=5",
      "hop-limit-0=invalid-argument", "hop-limit=33",   "receive-buffer-0=invalid-argument",
      "receive-buffer-at-least-64k=1", "is-listening=0", "family-ipv6=0",
      "udp-hop-limit=9"};
  EXPECT_EQ(got, want);
}

TEST_F(Sockets, StreamsDroppedInOddOrdersNeitherCrashNorLeak) {
  TcpPeer peer;
  warm_up();
  size_t before = open_fds();
  for (int mode = 0; mode < 4; ++mode) {
    SCOPED_TRACE(mode);
    EXPECT_EQ(ok_of(call("odd-drops", {lo(), Value(int64_t{peer.port()}), Value(int64_t{mode})})).as_string(), "done");
  }
  for (int i = 0; i < 200 && peer.ended() < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(peer.ended(), 4);  // every connection was closed by the call's end at the latest
  EXPECT_EQ(open_fds(), before);
}
