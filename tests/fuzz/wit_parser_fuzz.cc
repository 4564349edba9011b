// libFuzzer target: the WIT parser (src/component/wit_*.cc) on arbitrary text, through its three
// entry points: a `wit:` function list (entry config), a full package (component worlds), one
// type expression. Each must return a model or a clean "line:col: …" error; a parsed model
// must print (FuncSig::to_wit walks every type).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "component/wit_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wirt::component;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto fs = parse_wit_functions(text)) {
    for (const auto& f : fs->functions) (void)f.to_wit().size();
    (void)fs->names();
  }
  if (auto pkg = parse_wit_package(text)) {
    (void)pkg->full_name();
    for (const auto& i : pkg->interfaces)
      for (const auto& f : i->functions) (void)f.to_wit().size();
    for (const auto& w : pkg->worlds)
      for (const auto& e : w.exports) (void)e.name.size();
  }
  if (auto t = parse_wit_type(text)) (void)(*t)->to_wit().size();
  return 0;
}
