// libFuzzer target: entry files (src/registry/entry_file.cc + yaml_value.cc) on arbitrary
// YAML/JSON text: every input gives entries or errors naming file and line, never a crash.
// file:// references resolve under an empty scratch folder (containment is part of what runs).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "registry/entry_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path root = [] {
    auto p = std::filesystem::temp_directory_path() / ("wirt-yaml-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(p / "src");
    return p;
  }();
  wirt::registry::EntryFileContext ctx{root, root / "src", root / "src" / "_index.yaml", "src/_index.yaml"};
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = wirt::registry::parse_entry_file(text, ctx);
  for (const auto& e : r.entries) (void)e.id.str().size();
  for (const auto& e : r.errors) (void)e.message().size();
  return 0;
}
