#include "registry/entry.h"

namespace wirt::registry {

std::string EntryId::str() const {
  // A namespace-less id prints as its bare name so that parse(str()) round-trips.
  if (ns.empty()) return name;
  std::string out;
  out.reserve(ns.size() + 1 + name.size());
  out += ns;
  out += ':';
  out += name;
  return out;
}

EntryId EntryId::parse(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return {"", std::string(s)};
  return {std::string(s.substr(0, colon)), std::string(s.substr(colon + 1))};
}

EntryId EntryId::with_default_ns(std::string_view default_ns) const {
  if (!ns.empty()) return *this;
  return {std::string(default_ns), name};
}

std::string SourcePos::str() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  return out;
}

}  // namespace wirt::registry
