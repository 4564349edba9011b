// libFuzzer target: the differential engine fuzzer (DESIGN §3). The input is the random seed
// binaryen's translate-to-fuzz turns into a valid module (`wasm-opt -ttf`, Debian `binaryen`);
// the module runs on wirt's tier 1, wirt's tier 2 and wabt's interpreter (engine_diff.h), and
// any difference in results, trap kinds, logged values or final memory aborts with both runs
// described. Features: what wasm2c 1.0.32 translates (MVP, sign extension, saturating
// float-to-int, bulk memory, mutable globals); `--denan` keeps NaN bits out of memory, where
// their nondeterminism could not be told from a bug.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine_diff.h"

namespace {

namespace fs = std::filesystem;

const fs::path& scratch() {
  static const fs::path dir = [] {
    auto p = fs::temp_directory_path() / ("wirt-diff-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(p);
    if (!std::getenv("WIRT_CACHE_DIR")) setenv("WIRT_CACHE_DIR", (p / "cache").c_str(), 1);
    return p;
  }();
  return dir;
}

bool have_wasm_opt() {
  static const bool ok = std::system("wasm-opt --version > /dev/null 2>&1") == 0;
  return ok;
}

void report(const wirt::fuzz::Run& r, const char* name) {
  std::fprintf(stderr, "  %s: %s\n", name, r.error.empty() ? "ran" : r.error.c_str());
  for (const auto& c : r.calls) {
    std::fprintf(stderr, "    %s -> %s", c.name.c_str(), c.trap.empty() ? "" : c.trap.c_str());
    for (auto v : c.results) std::fprintf(stderr, " %llu", static_cast<unsigned long long>(v));
    std::fprintf(stderr, "\n");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!have_wasm_opt()) {
    std::fprintf(stderr, "wasm-opt (Debian binaryen) not found\n");
    std::abort();
  }
  const fs::path seed = scratch() / "seed.dat", out = scratch() / "module.wasm";
  std::ofstream(seed, std::ios::binary).write(reinterpret_cast<const char*>(data), std::streamsize(size));
  std::error_code ec;
  fs::remove(out, ec);
  std::string cmd = "wasm-opt -ttf '" + seed.string() + "' -o '" + out.string() +
                    "' --mvp-features --enable-sign-ext --enable-nontrapping-float-to-int"
                    " --enable-bulk-memory --enable-mutable-globals --denan > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return 0;  // binaryen could not make a module of this seed
  std::ifstream f(out, std::ios::binary);
  std::vector<uint8_t> wasm((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (wasm.empty()) return 0;

  auto ref = wirt::fuzz::run_wabt(wasm);
  auto t1 = wirt::fuzz::run_wirt(wasm, 1);
  auto t2 = wirt::fuzz::run_wirt(wasm, 2);
  std::string d = wirt::fuzz::compare(ref, t1, "wabt", "tier1");
  if (d.empty()) d = wirt::fuzz::compare(ref, t2, "wabt", "tier2");
  if (d.empty()) d = wirt::fuzz::compare(t1, t2, "tier1", "tier2");
  if (std::getenv("WIRT_DIFF_TRACE")) {  // what ran, for checking the harness itself
    report(ref, "wabt");
    report(t1, "tier1");
    report(t2, "tier2");
  }
  if (!d.empty()) {
    std::fprintf(stderr, "engine difference: %s\n", d.c_str());
    report(ref, "wabt");
    report(t1, "tier1");
    report(t2, "tier2");
    // The module itself, beside the crash input (libFuzzer's -artifact_prefix folder, else cwd).
    fs::copy_file(out, scratch() / "diff-module.wasm", fs::copy_options::overwrite_existing, ec);
    std::fprintf(stderr, "module: %s\n", (scratch() / "diff-module.wasm").c_str());
    std::abort();
  }
  return 0;
}
