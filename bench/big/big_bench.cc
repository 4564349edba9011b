// Big-module readiness (issue 11 item 4): how long a multi-megabyte module takes until its
// first call can run, cold and from the on-disk caches, on each tier.
//
//   wirt_big_bench NAME FILE.wasm [tier2]
//
// FILE is a core module or a component (its biggest core module is measured). Prints
// `ROW <name> <value> <unit> <ratio-or-dash>` lines (bench/README.md):
//   <NAME>_tier1_cold_ms     parse + validate + wasm2c + libtcc, empty caches (tier 2 off)
//   <NAME>_tier1_cached_ms   the same boot with the tier-1 object cached (tier 2 off)
//   <NAME>_tier2_compile_s   cc into an empty cache, split units in parallel (with "tier2")
//   <NAME>_tier2_cached_ms   boot with the tier-2 object cached (with "tier2")
// Each measurement uses a fresh cache folder under $TMPDIR. Single-threaded; one run each.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

#include "component/binary_decoder.h"
#include "wasm/module.h"

namespace fs = std::filesystem;
using namespace wirt;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "wirt_big_bench: %s\n", msg.c_str());
  std::exit(1);
}

// Compiles `bin` with the given tiers and returns the wall time in ms.
double boot(std::span<const uint8_t> bin, bool tier1, bool tier2) {
  wasm::CompileOptions o;
  o.name = "big";
  o.tier1 = tier1;
  o.tier2 = tier2;
  o.tier2_sync = tier2 && !tier1;
  auto t0 = std::chrono::steady_clock::now();
  auto m = wasm::Module::compile_binary(bin, o);
  double ms = ms_since(t0);
  if (!m) die(m.error().message());
  // Where the time went (a comment line: not a row).
  const auto& t = (*m)->timings();
  std::printf("# steps: translate %.0f ms, tier 1 %.0f ms, tier-2 load %.0f ms\n", t.translate_ms, t.tier1_ms,
              t.tier2_load_ms);
  if (tier2 && !tier1 && (*m)->tier() != 2) die("tier 2 did not build: " + (*m)->tier2_error());
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) die("usage: wirt_big_bench NAME FILE.wasm [tier2]");
  std::string name = argv[1];
  std::ifstream f(argv[2], std::ios::binary);
  if (!f) die(std::string("cannot read ") + argv[2]);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::span<const uint8_t> bin(bytes);
  std::optional<component::bin::DecodedComponent> decoded;
  if (bytes.size() > 8 && bytes[4] != 1) {  // a component (layer 1), not a core module
    auto d = component::bin::decode_component(bytes);
    if (!d) die(d.error().message());
    decoded = std::move(*d);
    for (auto m : decoded->modules)
      if (m.size() > bin.size() || bin.data() == bytes.data()) bin = m;
  }
  bool with_tier2 = argc > 3 && std::string(argv[3]) == "tier2";
  const char* tmp = std::getenv("TMPDIR");
  fs::path root = fs::path(tmp && *tmp ? tmp : "/tmp") / ("wirt-big-bench-" + std::to_string(getpid()));
  auto fresh = [&](const std::string& sub) {
    fs::path d = root / sub;
    fs::remove_all(d);
    fs::create_directories(d);
    setenv("WIRT_CACHE_DIR", d.c_str(), 1);
  };
  std::printf("# %s: core module of %zu bytes\n", name.c_str(), bin.size());
  fresh("t1");
  std::printf("ROW %s_tier1_cold_ms %.0f ms -\n", name.c_str(), boot(bin, true, false));
  std::fflush(stdout);
  std::printf("ROW %s_tier1_cached_ms %.0f ms -\n", name.c_str(), boot(bin, true, false));
  std::fflush(stdout);
  if (with_tier2) {
    fresh("t2");
    std::printf("ROW %s_tier2_compile_s %.1f s -\n", name.c_str(), boot(bin, false, true) / 1000);
    std::fflush(stdout);
    std::printf("ROW %s_tier2_cached_ms %.0f ms -\n", name.c_str(), boot(bin, false, true));
  }
  fs::remove_all(root);
  return 0;
}
