// The wasi:http resource layer and the incoming-handler bridge driving the project's JS proxy
// component (tests/fixtures/components/js-proxy, componentize-js) over an in-memory Exchange.
// End-to-end tests through the real server are in tests/http/ (curl).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>

#include "component/component.h"
#include "component/component_instance.h"
#include "memory_exchange.h"
#include "sched/scheduler.h"
#include "wasi/call_state.h"
#include "wasi/http_incoming.h"
#include "wasi/http_types.h"
#include "wasi/preview2.h"

using namespace wirt;
using wasi::testing::MemoryExchange;

namespace {

std::shared_ptr<component::Component> load_fixture(const std::string& name) {
  std::ifstream f(std::string(WIRT_SOURCE_DIR) + "/tests/fixtures/components/" + name + "/" + name + ".wasm",
                  std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(f), {}};
  wasm::CompileOptions o;
  o.tier2 = false;  // tier 1 only: fast to compile, the same semantics
  o.name = name;
  auto r = component::Component::load(bytes, o);
  EXPECT_TRUE(r.ok()) << name << ": " << r.error().message();
  return r.ok() ? *r : nullptr;
}

// Each loaded once per test binary.
std::shared_ptr<component::Component> proxy_component() {
  static std::shared_ptr<component::Component> c = load_fixture("js-proxy");
  return c;
}
std::shared_ptr<component::Component> c_proxy_component() {
  static std::shared_ptr<component::Component> c = load_fixture("c-proxy");
  return c;
}

class HttpProxy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sched_ = new sched::Scheduler(sched::SchedulerOptions{1});
    imports_ = new component::HostImports;
    wasi::define_preview2(*imports_, {"wasi:io", "wasi:poll", "wasi:clocks", "wasi:cli", "wasi:random", "wasi:filesystem"});
    wasi::define_http_types(*imports_);
  }
  static void TearDownTestSuite() {
    delete sched_;
    delete imports_;
  }

  // Serves one request on a fresh or reset instance of the component.
  core::Status serve(MemoryExchange& ex, int64_t deadline_ms = 0) { return serve_with(proxy_component(), ex, deadline_ms); }

  core::Status serve_with(std::shared_ptr<component::Component> c, MemoryExchange& ex, int64_t deadline_ms = 0) {
    if (!c) return core::internal("no component");
    int idx = wasi::find_incoming_handler(*c);
    if (idx < 0) return core::internal("no incoming-handler export");
    core::Status result;
    sched_->block_on([&] {
      if (!inst_ || &inst_->component() != c.get()) {
        auto made = component::ComponentInstance::create(c, *imports_);
        if (!made) {
          result = made.error();
          return;
        }
        inst_ = std::move(*made);
      } else if (auto s = inst_->reset(); !s) {
        result = s;
        return;
      }
      wasi::CallState st;
      st.env.entry_id = "test:proxy";
      st.env.capture = true;
      int64_t deadline = 0;
      if (deadline_ms > 0) {
        deadline = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch()).count() + deadline_ms * 1000000;
      }
      for (size_t i = 0; wasm::Instance* core = inst_->core_instance(i); ++i) core->set_call_deadline(deadline);
      st.deadline_ns = deadline;
      inst_->user_data = &st;
      result = wasi::serve_incoming(*inst_, idx, st, ex, "test:proxy");
      inst_->user_data = nullptr;
    });
    return result;
  }

  static MemoryExchange request(std::string method, std::string target) {
    MemoryExchange ex;
    ex.head.method = std::move(method);
    ex.head.target = target;
    ex.head.path = target.substr(0, target.find('?'));
    ex.head.scheme = "http";
    ex.head.authority = "localhost:8080";
    ex.head.headers = {{"Host", "localhost:8080"}, {"User-Agent", "unit-test"}};
    return ex;
  }

  static inline sched::Scheduler* sched_ = nullptr;
  static inline component::HostImports* imports_ = nullptr;
  std::unique_ptr<component::ComponentInstance> inst_;
};

}  // namespace

// The JS scenarios share one test: each test process compiles the 14 MB component on tier 1
// (tens of seconds), and ctest runs every test case in a process of its own.
TEST_F(HttpProxy, JsProxyComponentServesEveryRoute) {
  {
    SCOPED_TRACE("DetectsTheIncomingHandlerExport");
    auto c = proxy_component();
    ASSERT_TRUE(c);
    int idx = wasi::find_incoming_handler(*c);
    ASSERT_GE(idx, 0);
    EXPECT_EQ(c->plan().exports[size_t(idx)].name, "wasi:http/incoming-handler@0.2.10#handle");
    EXPECT_TRUE(wasi::imports_wasi_http(*c));
  }

  {
    SCOPED_TRACE("HelloIsServedWithStatusHeadersAndBody");
    MemoryExchange ex = request("GET", "/hello");
    auto s = serve(ex);
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(ex.status, 200);
    EXPECT_EQ(ex.header("content-type"), "text/plain");
    EXPECT_EQ(ex.out, "hello from js\n");
    EXPECT_TRUE(ex.done);
  }

  {
    SCOPED_TRACE("StatusAndRepeatedHeadersReachTheExchange");
    MemoryExchange ex = request("GET", "/status");
    auto s = serve(ex);
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(ex.status, 418);
    EXPECT_EQ(ex.header("x-custom"), "yes");
    int cookies = 0;
    for (const auto& [k, v] : ex.headers) cookies += wasi::same_field_name(k, "set-cookie");
    EXPECT_EQ(cookies, 2);
    EXPECT_EQ(ex.out, "I am a teapot\n");
  }

  {
    SCOPED_TRACE("RequestMethodPathQueryAndHeadersReachTheGuest");
    MemoryExchange ex = request("GET", "/headers?q=1");
    ex.head.headers.emplace_back("X-Test", "forty two");
    auto s = serve(ex);
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(ex.status, 200);
    EXPECT_NE(ex.out.find("\"method\":\"GET\""), std::string::npos) << ex.out;
    EXPECT_NE(ex.out.find("\"path\":\"/headers\""), std::string::npos) << ex.out;
    EXPECT_NE(ex.out.find("\"query\":\"?q=1\""), std::string::npos) << ex.out;
    EXPECT_NE(ex.out.find("\"xtest\":\"forty two\""), std::string::npos) << ex.out;
    EXPECT_NE(ex.out.find("\"agent\":\"unit-test\""), std::string::npos) << ex.out;
  }

  {
    SCOPED_TRACE("EchoStreamsTheRequestBodyBack");
    MemoryExchange ex = request("POST", "/echo");
    std::string sent;
    for (int i = 0; i < 40; ++i) {
      std::string piece(10000 + i, char('a' + i % 26));
      sent += piece;
      ex.body.push_back(piece);
    }
    ex.head.headers.emplace_back("Content-Type", "application/x-test");
    auto s = serve(ex);
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(ex.status, 200);
    EXPECT_EQ(ex.header("content-type"), "application/x-test");
    EXPECT_EQ(ex.out.size(), sent.size());
    EXPECT_TRUE(ex.out == sent);
    EXPECT_GT(ex.writes, 1u);  // streamed, not one buffered write
  }

  {
    SCOPED_TRACE("ChunksAreWrittenOneByOne");
    MemoryExchange ex = request("GET", "/chunks?n=4");
    auto s = serve(ex);
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(ex.out, "chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
    EXPECT_GE(ex.writes, 4u);
  }

  {
    SCOPED_TRACE("TimersWork");
    MemoryExchange ex = request("GET", "/sleep?ms=30");
    auto t0 = std::chrono::steady_clock::now();
    auto s = serve(ex);
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(ex.out, "slept 30 ms\n");
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(30));
  }

  {
    SCOPED_TRACE("AThrowingHandlerIsA500AndTheNextRequestIsFine");
    MemoryExchange ex = request("GET", "/throw");
    auto s = serve(ex);
    EXPECT_TRUE(ex.done);
    EXPECT_EQ(ex.status, 500);
    MemoryExchange next = request("GET", "/hello");
    auto s2 = serve(next);
    ASSERT_TRUE(s2.ok()) << s2.error().message();
    EXPECT_EQ(next.out, "hello from js\n");
  }

  {
    SCOPED_TRACE("ALoopPastTheDeadlineIsA504AndTheNextRequestIsFine");
    ASSERT_TRUE(proxy_component());
    MemoryExchange ex = request("GET", "/loop");
    auto t0 = std::chrono::steady_clock::now();
    auto s = serve(ex, 200);
    EXPECT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(ex.status, 504);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    MemoryExchange next = request("GET", "/hello");
    auto s2 = serve(next);
    ASSERT_TRUE(s2.ok()) << s2.error().message();
    EXPECT_EQ(next.status, 200);
  }

  {
    SCOPED_TRACE("ARequestBodyOverTheLimitIsA413");
    MemoryExchange ex = request("POST", "/echo");
    ex.body = {std::string(100000, 'x'), std::string(100000, 'y')};
    ex.body_limit = 50000;
    auto s = serve(ex);
    EXPECT_TRUE(ex.done);
    EXPECT_EQ(ex.status, 413);
  }

  {
    SCOPED_TRACE("UnknownRoutesAre404");
    MemoryExchange ex = request("GET", "/nope");
    auto s = serve(ex);
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_EQ(ex.status, 404);
  }
}

// Regression: a guest trapped while holding a pollable (a timer wait cut by the deadline); the
// pool's reset then dropped it with no call running (user_data null) and the drop dereferenced
// the missing call state.
TEST_F(HttpProxy, ResetAfterATrapWithALivePollableDoesNotCrash) {
  ASSERT_TRUE(proxy_component());  // loaded before the clock starts
  MemoryExchange ex = request("GET", "/sleep?ms=2000");
  auto t0 = std::chrono::steady_clock::now();
  auto s = serve(ex, 100);
  EXPECT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(ex.status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  MemoryExchange next = request("GET", "/hello");
  auto s2 = serve(next);
  ASSERT_TRUE(s2.ok()) << s2.error().message();
  EXPECT_EQ(next.out, "hello from js\n");
}

// ---- the C proxy: what a JS guest cannot do on purpose ----

TEST_F(HttpProxy, CHelloIsServed) {
  MemoryExchange ex = request("GET", "/");
  auto s = serve_with(c_proxy_component(), ex);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(ex.header("content-type"), "text/plain");
  EXPECT_EQ(ex.out, "hello from c\n");
}

TEST_F(HttpProxy, ATrapBeforeTheResponseIsA500AndTheNextRequestIsFine) {
  MemoryExchange ex = request("GET", "/trap");
  auto s = serve_with(c_proxy_component(), ex);
  EXPECT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(ex.status, 500);
  EXPECT_TRUE(ex.done);
  MemoryExchange next = request("GET", "/");
  ASSERT_TRUE(serve_with(c_proxy_component(), next).ok());
  EXPECT_EQ(next.out, "hello from c\n");
}

TEST_F(HttpProxy, AHandlerThatNeverSetsTheOutparamIsA500) {
  MemoryExchange ex = request("GET", "/noset");
  auto s = serve_with(c_proxy_component(), ex);
  EXPECT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(ex.status, 500);
  EXPECT_NE(ex.out.find("did not set a response"), std::string::npos) << ex.out;
}

TEST_F(HttpProxy, AnErrorCodeIsA500NamingIt) {
  MemoryExchange ex = request("GET", "/error");
  auto s = serve_with(c_proxy_component(), ex);
  EXPECT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(ex.status, 500);
  EXPECT_NE(ex.out.find("internal-error: boom"), std::string::npos) << ex.out;
}

TEST_F(HttpProxy, TrailersOfOutgoingBodyFinishReachTheExchange) {
  MemoryExchange ex = request("GET", "/trailers");
  auto s = serve_with(c_proxy_component(), ex);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(ex.out, "with trailers\n");
  ASSERT_EQ(ex.trailers_out.size(), 1u);
  EXPECT_EQ(ex.trailers_out[0].first, "x-checksum");
  EXPECT_EQ(ex.trailers_out[0].second, "abc");
}
