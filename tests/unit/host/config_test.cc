#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/json.h"
#include "host/fs_registry.h"
#include "core/sha256.h"
#include "host/wasm_config.h"
#include "host/wasm_function.h"

using namespace wirt;
namespace fs = std::filesystem;

namespace {

registry::Entry entry(const std::string& kind, const std::string& json) {
  registry::Entry e;
  e.id = registry::EntryId::parse("t:f");
  e.kind = kind;
  auto v = core::from_json(json);
  EXPECT_TRUE(v.ok()) << json;
  e.data = *v;
  return e;
}

std::string config_error(const std::string& kind, const std::string& json) {
  auto c = host::parse_wasm_config(entry(kind, json));
  return c ? "" : c.error().message();
}

}  // namespace

TEST(WasmConfig, ValidationMessagesFollowTheReferenceOrder) {
  const std::string wat = "function.wat";
  const std::string wasm = "function.wasm";
  auto inner = [](const std::string& m) { return "failed to unpack function.wat config: invalid configuration: " + m; };
  EXPECT_EQ(config_error(wat, R"({"method":"f"})"), inner("source is required"));
  EXPECT_EQ(config_error(wat, R"({"source":"module-text"})"), inner("method is required"));
  EXPECT_NE(config_error(wasm, R"({"method":"f"})").find("fs is required"), std::string::npos);
  EXPECT_NE(config_error(wasm, R"({"fs":"a:b","method":"f"})").find("path is required"), std::string::npos);
  EXPECT_NE(config_error(wasm, R"({"fs":"a:b","path":"/x","method":"f"})").find("hash is required"), std::string::npos);
  const std::string base = R"("source":"module-text","method":"f")";
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"transport":"grpc"})"), inner("invalid transport type"));
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"pool":{"size":-1}})"), inner("pool values cannot be negative"));
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"pool":{"type":"huge"}})"), inner("invalid pool type"));
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"pool":{"type":"inline","workers":2}})"),
            inner("pool.size must be greater than 0 for non-flex pools"));
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"wasi":{"cwd":"rel"}})"), inner("wasi.cwd must be absolute"));
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"wasi":{"env":[{"id":"a:x","name":"A"},{"id":"a:y","name":" A "}]}})"),
            inner("wasi.env[].name must be unique"));
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"wasi":{"mounts":[{"fs":"a:d","guest":"data"}]}})"),
            inner("wasi.mounts[].guest must be absolute"));
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"wasi":{"mounts":[{"fs":"a:d","guest":"/d"},{"fs":"a:e","guest":"/x/../d/"}]}})"),
            inner("wasi.mounts[].guest must be unique"));
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"imports":["wasi:"]})"), inner("import :name cannot be empty"));
  EXPECT_NE(config_error(wat, "{" + base + R"(,"pool":"big"})").find("failed to unpack wasm config: pool: expected a map"),
            std::string::npos);
  EXPECT_EQ(config_error(wat, "{" + base + R"(,"pool":{"type":"static"},"transport":"wasi-http"})"), "");
}

// Issue 9 item 6: numeric fields of function.wasm/wat (and process.wasm, which shares the
// parser) are range-checked through registry::checked_int, never truncated or wrapped.
TEST(WasmConfig, NumericFieldsAreRangeCheckedNotTruncated) {
  const std::string base = R"({"source":"module-text","method":"f",)";
  auto unpack = [](const std::string& m) {
    return "failed to unpack function.wat config: failed to unpack wasm config: " + m;
  };
  // Regression: 4294967296 ms was truncated to 32 bits, i.e. 0 = no limit at all.
  EXPECT_EQ(config_error("function.wat", base + R"("limits":{"max_execution_ms":4294967296}})"),
            unpack("limits.max_execution_ms must be an integer between 0 and 86400000, got 4294967296"));
  EXPECT_EQ(config_error("function.wat", base + R"("limits":{"max_execution_ms":-5}})"),
            unpack("limits.max_execution_ms must be an integer between 0 and 86400000, got -5"));
  EXPECT_EQ(config_error("function.wat", base + R"("limits":{"max_execution_ms":1.5}})"),
            unpack("limits.max_execution_ms must be an integer between 0 and 86400000, got 1.5"));
  EXPECT_EQ(config_error("function.wat", base + R"("limits":{"max_execution_ms":"1000"}})"),
            unpack("limits.max_execution_ms must be an integer between 0 and 86400000, got \"1000\""));
  EXPECT_EQ(config_error("function.wat", base + R"("limits":{"max_output_mb":2000}})"),
            unpack("limits.max_output_mb must be an integer between 0 and 1024, got 2000"));
  EXPECT_EQ(config_error("function.wat", base + R"("limits":{"max_memory_mb":1e300}})"),
            unpack("limits.max_memory_mb must be an integer between 0 and 4096, got 1e+300"));
  EXPECT_EQ(config_error("function.wat", base + R"("limits":{"max_memory_mb":-1}})"),
            unpack("limits.max_memory_mb must be an integer between 0 and 4096, got -1"));
  EXPECT_EQ(config_error("function.wat", base + R"("pool":{"max_size":1e12}})"),
            unpack("pool.max_size must be an integer at most 100000, got 1000000000000"));
  EXPECT_EQ(config_error("function.wat", base + R"("pool":{"workers":4294967297,"size":1}})"),
            unpack("pool.workers must be an integer at most 100000, got 4294967297"));
  EXPECT_EQ(config_error("function.wat", base + R"("pool":{"type":"static","size":2.5}})"),
            unpack("pool.size must be an integer at most 100000, got 2.5"));
  EXPECT_EQ(config_error("function.wat", base + R"("pool":{"type":"static","buffer":true,"size":1}})"),
            unpack("pool.buffer must be an integer at most 100000, got a boolean"));
  // Integral floats (YAML `1e3`) are integers; the bounds themselves are accepted.
  auto ok = host::parse_wasm_config(
      entry("function.wat", base + R"("limits":{"max_execution_ms":86400000,"max_memory_mb":4096.0,"max_output_mb":0},)"
                                   R"("pool":{"type":"lazy","max_size":1e5}})"));
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->max_execution_ms, 86400000);
  EXPECT_EQ(ok->max_memory_mb, 4096);
  EXPECT_EQ(ok->pool.max_size, 100000);
  // process.wasm entries go through the same parser.
  EXPECT_NE(config_error("process.wasm", R"({"fs":"a:b","path":"/x","hash":"sha256:00","method":"f","limits":{"max_execution_ms":4294967296}})")
                .find("limits.max_execution_ms must be an integer between 0 and 86400000"),
            std::string::npos);
}

TEST(WasmConfig, PoolPlansFollowTheReferenceDefaults) {
  auto plan = [](const std::string& json) {
    auto c = host::parse_wasm_config(entry("function.wat", R"({"source":"x","method":"f","pool":)" + json + "}"));
    EXPECT_TRUE(c.ok()) << json << ": " << c.error().message();
    return c ? host::plan_pool(c->pool) : host::PoolPlan{};
  };
  EXPECT_EQ(plan("{}").type, "lazy");
  EXPECT_EQ(plan("{}").max, 100u);
  EXPECT_EQ(plan(R"({"type":"lazy"})").max, 16u);
  EXPECT_EQ(plan(R"({"type":"static"})").max, 8u);
  EXPECT_EQ(plan(R"({"type":"static","workers":3,"size":3})").queue, 192u);
  EXPECT_EQ(plan(R"({"type":"adaptive","max_size":4})").max, 4u);
  EXPECT_EQ(plan(R"({"type":"inline"})").max, 1u);
  EXPECT_EQ(plan(R"({"size":2})").type, "inline");
  EXPECT_EQ(plan(R"({"workers":2,"size":2})").type, "static");
  EXPECT_EQ(plan(R"({"max_size":7})").max, 7u);
}

TEST(WasmConfig, HashVerification) {
  const std::string hex = core::sha256_hex("abc");
  EXPECT_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(host::verify_hash("abc", "sha256:" + hex).ok());
  std::string upper = hex;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(host::verify_hash("abc", "sha256:" + upper).ok()) << "hex compares case-insensitively";
  // The verified hash is handed back (lower-case) for the caches to key on.
  EXPECT_EQ(*host::verify_hash("abc", "sha256:" + upper), hex);
  EXPECT_EQ(host::verify_hash("abc", "nocolon").error().message(), "invalid hash format: nocolon");
  EXPECT_EQ(host::verify_hash("abc", "md5:00").error().message(), "unsupported hash algorithm: md5");
  auto bad = host::verify_hash("abd", "sha256:" + hex);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message().rfind("hash verification failed: hash mismatch: expected " + hex + ", got ", 0), 0u);
}

TEST(FsDirectory, ConfinesPathsAndHonoursMode) {
  fs::path root = fs::temp_directory_path() / ("wirt-fs-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "app" / "assets");
  std::ofstream(root / "app" / "assets" / "m.wasm") << "bytes";
  std::ofstream(root / "secret") << "no";
  fs::create_symlink(root / "secret", root / "app" / "assets" / "link");
  registry::Entry e = entry("fs.directory", R"({"directory":"./assets","mode":"0555"})");
  e.id = registry::EntryId::parse("t:assets");
  host::FsRegistry reg;
  ASSERT_TRUE(reg.add(e, root / "app").ok());
  const host::Directory* d = reg.find("t:assets");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->writable());
  EXPECT_EQ(*d->read_file("/m.wasm"), "bytes");
  EXPECT_EQ(d->read_file("/nope.wasm").error().kind(), core::ErrorKind::NotFound);
  EXPECT_EQ(d->read_file("../../secret").error().kind(), core::ErrorKind::Invalid);
  EXPECT_EQ(d->read_file("/link").error().kind(), core::ErrorKind::Invalid) << "symlink out of the root";
  auto folder = d->read_file("/");
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().kind(), core::ErrorKind::NotFound);
  EXPECT_EQ(folder.error().message(), "failed to open file: /: no such file in t:assets");
  EXPECT_EQ(d->read_file("/nope.wasm").error().message(), "failed to open file: /nope.wasm: no such file in t:assets");
  // A file larger than any read buffer arrives whole (one pre-sized read, core/read_all.h).
  std::string big((size_t{5} << 20) + 3, '\0');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>((i * 7 + i / 65536) & 0xff);
  std::ofstream(root / "app" / "assets" / "big.wasm", std::ios::binary) << big;
  auto read_big = d->read_file("big.wasm");
  ASSERT_TRUE(read_big.ok()) << read_big.error().message();
  EXPECT_EQ(read_big->size(), big.size());
  EXPECT_TRUE(*read_big == big);
  registry::Entry missing = entry("fs.directory", R"({"directory":"./nope"})");
  EXPECT_EQ(reg.add(missing, root / "app").error().kind(), core::ErrorKind::NotFound);
  EXPECT_EQ(reg.add(entry("fs.directory", R"({"directory":"./assets","mode":"rw"})"), root / "app").error().kind(),
            core::ErrorKind::Invalid);
  fs::remove_all(root);
}

// read_module_bytes checks `hash` and keeps the sha256 it computed (ModuleBytes::sha256), so
// the compile caches need not hash the file again; a mismatch is still refused with its text.
TEST(WasmConfig, ModuleBytesCarryTheVerifiedHash) {
  fs::path root = fs::temp_directory_path() / ("wirt-mb-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "app" / "assets");
  const std::string content = std::string("\0asm\1\0\0\0", 8);
  std::ofstream(root / "app" / "assets" / "m.wasm", std::ios::binary) << content;
  registry::Entry e = entry("fs.directory", R"({"directory":"./assets"})");
  e.id = registry::EntryId::parse("t:assets");
  host::FsRegistry reg;
  ASSERT_TRUE(reg.add(e, root / "app").ok());
  const std::string hex = core::sha256_hex(content);
  host::WasmConfig config;
  config.kind = "function.wasm";
  config.fs = "t:assets";
  config.path = "/m.wasm";
  config.hash = "sha256:" + hex;
  auto good = host::read_module_bytes(config, reg);
  ASSERT_TRUE(good.ok()) << good.error().message();
  EXPECT_EQ(good->bytes, content);
  EXPECT_EQ(good->sha256, hex);
  EXPECT_EQ(good->content_sha256(), hex);
  EXPECT_FALSE(good->is_component);
  config.hash = "sha256:" + core::sha256_hex("other");
  auto bad = host::read_module_bytes(config, reg);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "hash verification failed: hash mismatch: expected " + core::sha256_hex("other") +
                                       ", got " + hex);
  // Bytes that did not come through read_module_bytes are hashed when asked.
  host::ModuleBytes wat;
  wat.bytes = "(module)";
  wat.wat = true;
  EXPECT_EQ(wat.content_sha256(), core::sha256_hex("(module)"));
  fs::remove_all(root);
}
