// Issue 9 item 6: numeric config fields of every entry kind are range-checked through one
// helper (registry/config_number.h) and a bad one fails the boot naming the entry and the
// field path — never truncated, wrapped or ignored (`max_execution_ms: 4294967296` used to wrap
// to 0, i.e. no limit; a malformed meta.timeout was ignored).
#include <gtest/gtest.h>

#include "app/app.h"
#include "temp_app.h"

using namespace wirt;
using wirt::testing::TempApp;

namespace {

// Boots an app of the given entries and returns every problem, one per line ("" when it boots).
std::string boot_problems(const std::string& entries) {
  TempApp app("namespace: t\nentries:\n" + entries);
  app::BootOptions o;
  o.threads = 1;
  std::vector<core::Error> problems;
  auto booted = app::App::boot(app.dir(), o, &problems);
  if (booted.ok()) return "";
  std::string all;
  for (const auto& p : problems) all += p.message() + "\n";
  return all.empty() ? booted.error().message() : all;
}

void expect_rejected(const std::string& entries, const std::string& needle) {
  std::string got = boot_problems(entries);
  EXPECT_NE(got.find(needle), std::string::npos) << "expected: " << needle << "\ngot: " << got;
}

const char* kWat = R"(source: '(module (func (export "f")))', method: f)";

}  // namespace

TEST(ConfigNumbers, FunctionWatLimitsAndPool) {
  std::string e = std::string("  - {name: w, kind: function.wat, ") + kWat;
  expect_rejected(e + ", limits: {max_execution_ms: 4294967296}}\n",
                  "entry t:w: failed to unpack function.wat config: failed to unpack wasm config: "
                  "limits.max_execution_ms must be an integer between 0 and 86400000, got 4294967296");
  expect_rejected(e + ", limits: {max_memory_mb: -16}}\n",
                  "entry t:w: failed to unpack function.wat config: failed to unpack wasm config: "
                  "limits.max_memory_mb must be an integer between 0 and 4096, got -16");
  expect_rejected(e + ", limits: {max_output_mb: 0.5}}\n", "entry t:w: failed to unpack function.wat config: "
                                                          "failed to unpack wasm config: limits.max_output_mb must be "
                                                          "an integer between 0 and 1024, got 0.5");
  expect_rejected(e + ", pool: {type: lazy, max_size: 18446744073709551617}}\n",
                  "entry t:w: failed to unpack function.wat config: failed to unpack wasm config: pool.max_size must be an integer at most 100000");
  expect_rejected(e + ", pool: {type: static, workers: -1}}\n", "entry t:w: failed to unpack function.wat config: "
                                                               "invalid configuration: pool values cannot be negative");
  EXPECT_EQ(boot_problems(e + ", limits: {max_execution_ms: 1e3, max_memory_mb: 16}, pool: {type: lazy, max_size: 4}}\n"), "");
}

TEST(ConfigNumbers, ProcessWasmSharesTheWasmParser) {
  expect_rejected(std::string("  - {name: p, kind: process.wasm, fs: t:d, path: /x.wasm, hash: 'sha256:00', method: f, "
                              "limits: {max_execution_ms: -1}}\n  - {name: d, kind: fs.directory, directory: .}\n"),
                  "entry t:p: failed to unpack process.wasm config: failed to unpack wasm config: "
                  "limits.max_execution_ms must be an integer between 0 and 86400000, got -1");
}

TEST(ConfigNumbers, LuaLimits) {
  const char* lua = R"(source: "return {f=function() end}", method: f)";
  for (const char* kind : {"function.lua", "process.lua"}) {
    std::string e = std::string("  - {name: l, kind: ") + kind + ", " + lua;
    expect_rejected(e + ", limits: {max_memory_mb: 4294967296}}\n",
                    "entry t:l: limits.max_memory_mb must be an integer between 1 and 4096, got 4294967296");
    expect_rejected(e + ", limits: {max_memory_mb: 0}}\n",
                    "entry t:l: limits.max_memory_mb must be an integer between 1 and 4096, got 0");
    expect_rejected(e + ", limits: {max_memory_mb: 8.5}}\n",
                    "entry t:l: limits.max_memory_mb must be an integer between 1 and 4096, got 8.5");
    expect_rejected(e + ", limits: {max_memory_mb: \"64MB\"}}\n",
                    "entry t:l: limits.max_memory_mb must be an integer between 1 and 4096, got \"64MB\"");
    expect_rejected(e + ", limits: 64}\n", "entry t:l: limits: must be a map, got integer");
    EXPECT_EQ(boot_problems(e + ", limits: {max_memory_mb: 64}}\n"), "") << kind;
  }
}

TEST(ConfigNumbers, HttpServiceSizesAndTimeouts) {
  std::string e = "  - {name: s, kind: http.service, addr: '127.0.0.1:0'";
  expect_rejected(e + ", limits: {max_body_size: -1}}\n",
                  "entry t:s: limits.max_body_size must be an integer at least 1, got -1");
  expect_rejected(e + ", limits: {max_header_size: 1.5}}\n",
                  "entry t:s: limits.max_header_size must be an integer at least 1, got 1.5");
  expect_rejected(e + ", timeouts: {read: 30}}\n",
                  "entry t:s: timeouts.read must be a duration between 0s and 24h0m0s such as \"30s\", got 30");
  expect_rejected(e + ", lifecycle: {stop_timeout: \"-5s\"}}\n",
                  "entry t:s: lifecycle.stop_timeout must be a duration between 0s and 24h0m0s such as \"30s\", got \"-5s\"");
}

TEST(ConfigNumbers, TestTimeouts) {
  std::string e = "  - {name: t1, kind: function.lua, source: \"return {f=function() return true end}\", method: f, meta: {type: test";
  expect_rejected(e + ", timeout: 5}}\n",
                  "entry t:t1: meta.timeout must be a duration between 1ms and 24h0m0s such as \"30s\", got 5");
  expect_rejected(e + ", timeout: \"a fortnight\"}}\n",
                  "entry t:t1: meta.timeout must be a duration between 1ms and 24h0m0s such as \"30s\", got \"a fortnight\"");
  expect_rejected(e + ", timeout: \"-1s\"}}\n", "entry t:t1: meta.timeout must be a duration");
  expect_rejected(e + ", timeout: \"4294967296h\"}}\n", "entry t:t1: meta.timeout must be a duration");
  EXPECT_EQ(boot_problems(e + ", timeout: \"2s\"}}\n"), "");
  // Only tests' timeouts are wirt's to check; other entries' meta is free-form.
  EXPECT_EQ(boot_problems("  - {name: o, kind: function.lua, source: \"return {f=function() end}\", method: f, meta: {timeout: 5}}\n"), "");
}
