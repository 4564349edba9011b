// .wippy.yaml settings the runtime applies (src/app/wippy_config.h).
#include <gtest/gtest.h>

#include "app/wippy_config.h"
#include "registry/yaml_value.h"

using namespace wirt;

namespace {
core::Result<app::WippyConfig> parse(const char* yaml) {
  auto doc = registry::parse_yaml_value(yaml, ".wippy.yaml");
  if (!doc) return std::move(doc).error();
  return app::parse_wippy_config(*doc, ".wippy.yaml");
}
}  // namespace

TEST(WippyConfig, DefaultsWhenAbsent) {
  auto c = parse("logger: {encoding: json}\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_FALSE(c->strict_mode);
  EXPECT_FALSE(c->wasm_isolation.enabled);
  EXPECT_EQ(c->wasm_isolation.reserved_cores, 1);
  EXPECT_EQ(c->wasm_isolation.workers, 0);
}

TEST(WippyConfig, ReadsStrictModeAndIsolation) {
  auto c = parse(R"(security: {strict_mode: true}
scheduler:
  wasm_isolation: {enabled: true, reserved_cores: 2, workers: 3, cpus: [1, 2]}
)");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(c->strict_mode);
  EXPECT_TRUE(c->wasm_isolation.enabled);
  EXPECT_EQ(c->wasm_isolation.reserved_cores, 2);
  EXPECT_EQ(c->wasm_isolation.workers, 3);
  EXPECT_EQ(c->wasm_isolation.cpus, (std::vector<int>{1, 2}));
}

TEST(WippyConfig, BadFieldsNameTheirPath) {
  auto a = parse("scheduler: {wasm_isolation: {enabled: yes-please}}\n");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message().find("scheduler.wasm_isolation.enabled: expected true or false"), std::string::npos)
      << a.error().message();
  auto b = parse("scheduler: {wasm_isolation: {pin: true}}\n");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("scheduler.wasm_isolation.pin: unknown field"), std::string::npos);
  auto c = parse("scheduler: {wasm_isolation: {cpus: [-1]}}\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("scheduler.wasm_isolation.cpus[0]"), std::string::npos) << c.error().message();
  auto d = parse("security: {strict_mode: 3}\n");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("security.strict_mode"), std::string::npos);
}
