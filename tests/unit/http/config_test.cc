#include "http/config.h"

#include <gtest/gtest.h>

#include "http/static_files.h"

namespace wirt::http {
namespace {

registry::Entry entry(std::string kind, core::Value data, core::Value meta = core::Value::map()) {
  registry::Entry e;
  e.id = {"app", "x"};
  e.kind = std::move(kind);
  e.data = std::move(data);
  e.meta = std::move(meta);
  return e;
}

core::Value map(std::initializer_list<std::pair<const char*, core::Value>> kv) {
  core::Value m = core::Value::map();
  for (const auto& [k, v] : kv) m.set(k, v);
  return m;
}

template <typename T>
std::string error_of(const core::Result<T>& r) { return r ? "" : r.error().message(); }

TEST(ServiceConfig, DefaultsAndAddress) {
  auto c = parse_service(entry("http.service", map({{"addr", ":8080"}})));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->host, "");
  EXPECT_EQ(c->port, 8080);
  EXPECT_FALSE(c->auto_start);
  EXPECT_EQ(c->read_timeout, std::chrono::seconds(30));
  EXPECT_EQ(c->drain_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c->max_header_bytes, 16u * 1024);
  auto v6 = split_addr("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->first, "::1");
}

TEST(ServiceConfig, ErrorsNameTheField) {
  EXPECT_EQ(error_of(parse_service(entry("http.service", map({})))), "addr: address is required");
  EXPECT_EQ(error_of(parse_service(entry("http.service", map({{"addr", "localhost"}})))),
            "addr: \"localhost\" has no port (use host:port or :port)");
  EXPECT_EQ(error_of(parse_service(entry("http.service", map({{"addr", ":99999"}})))),
            "addr: \":99999\": port must be a number 0-65535");
  EXPECT_EQ(error_of(parse_service(entry("http.service", map({{"addr", ":1"}, {"timeouts", map({{"read", "-1s"}})}})))),
            "timeouts.read must be a duration between 0s and 24h0m0s such as \"30s\", got \"-1s\"");
  EXPECT_EQ(error_of(parse_service(entry("http.service", map({{"addr", ":1"}, {"tls", map({{"cert", "c.pem"}})}})))),
            "tls: tls.mode=manual: cert and key must both be set");
  EXPECT_EQ(error_of(parse_service(entry("http.service", map({{"addr", ":1"}, {"limits", map({{"max_body_size", 0}})}})))),
            "limits.max_body_size must be an integer at least 1, got 0");
  EXPECT_EQ(error_of(parse_service(entry("http.service", map({{"addr", ":1"}, {"network", "udp"}})))),
            "network: \"udp\" is not supported (tcp, tcp4 or tcp6)");
}

// Issue 9 item 6: sizes and timeouts of http.service are checked through
// registry::checked_int / checked_duration: no wrap, no fraction, no silent default.
TEST(ServiceConfig, NumericFieldsAreRangeCheckedNotTruncated) {
  auto err = [](const char* group, const char* key, core::Value v) {
    return error_of(parse_service(entry("http.service", map({{"addr", ":1"}, {group, map({{key, v}})}}))));
  };
  EXPECT_EQ(err("limits", "max_body_size", core::Value(-1)), "limits.max_body_size must be an integer at least 1, got -1");
  EXPECT_EQ(err("limits", "max_body_size", core::Value(1.5)), "limits.max_body_size must be an integer at least 1, got 1.5");
  EXPECT_EQ(err("limits", "max_header_size", core::Value("16k")),
            "limits.max_header_size must be an integer at least 1, got \"16k\"");
  EXPECT_EQ(err("limits", "max_header_size", core::Value(1e300)),
            "limits.max_header_size must be an integer at least 1, got 1e+300");
  EXPECT_EQ(err("timeouts", "idle", core::Value(30)),
            "timeouts.idle must be a duration between 0s and 24h0m0s such as \"30s\", got 30");
  EXPECT_EQ(err("timeouts", "write", core::Value("100000000h")),
            "timeouts.write must be a duration between 0s and 24h0m0s such as \"30s\", got \"100000000h\"");
  EXPECT_EQ(err("lifecycle", "stop_timeout", core::Value("soon")),
            "lifecycle.stop_timeout must be a duration between 0s and 24h0m0s such as \"30s\", got \"soon\"");
  auto ok = parse_service(entry("http.service", map({{"addr", ":1"}, {"limits", map({{"max_body_size", 1e6}})},
                                                     {"timeouts", map({{"read", "1m30s"}})}})));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->max_body_bytes, 1000000u);
  EXPECT_EQ(ok->read_timeout, std::chrono::seconds(90));
}

TEST(EndpointConfig, ReferenceRulesAndRelativeNames) {
  auto ok = parse_endpoint(entry("http.endpoint", map({{"method", "GET"}, {"path", "/a"}, {"func", "h"}}),
                                 map({{"router", "api"}})));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->func, "app:h");
  EXPECT_EQ(ok->router, "app:api");
  EXPECT_EQ(error_of(parse_endpoint(entry("http.endpoint", map({{"method", "GET"}, {"path", "/a"}, {"func", "h"}})))),
            "meta.router: router metadata is required");
  EXPECT_EQ(error_of(parse_endpoint(entry("http.endpoint", map({{"method", "GET"}, {"path", "a"}, {"func", "h"}}),
                                          map({{"router", "r"}})))),
            "path: path must start with /");
  EXPECT_EQ(error_of(parse_endpoint(entry("http.endpoint", map({{"method", "FETCH"}, {"path", "/a"}, {"func", "h"}}),
                                          map({{"router", "r"}})))),
            "method: invalid HTTP method: FETCH");
  EXPECT_EQ(error_of(parse_endpoint(entry("http.endpoint", map({{"method", "GET"}, {"path", "/a"}}), map({{"router", "r"}})))),
            "func: function name is required");
}

TEST(RouterConfig, ServerRequiredPrefixNormalised) {
  EXPECT_EQ(error_of(parse_router(entry("http.router", map({})))), "meta.server: server metadata is required");
  auto r = parse_router(entry("http.router", map({{"prefix", "api/"}}), map({{"server", "gw"}})));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prefix, "/api");
  EXPECT_EQ(r->server, "app:gw");
}

TEST(StaticConfig, FieldsAndOptions) {
  auto s = parse_static(entry("http.static",
                              map({{"fs", "public"}, {"path", "/s/"}, {"static_options", map({{"spa", true}, {"index", "i.html"}})}}),
                              map({{"server", "gw"}})));
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->path, "/s");
  EXPECT_TRUE(s->spa);
  EXPECT_EQ(s->index, "i.html");
  EXPECT_EQ(s->fs, "app:public");
  EXPECT_EQ(error_of(parse_static(entry("http.static", map({{"fs", "p"}, {"path", "/s"}})))),
            "meta.server: server metadata is required");
}

TEST(StaticFiles, ContentTypes) {
  EXPECT_EQ(content_type_for("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("x.WASM"), "application/wasm");
  EXPECT_EQ(content_type_for("dir.v1/file"), "application/octet-stream");
}

}  // namespace
}  // namespace wirt::http
