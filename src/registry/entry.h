// wirt::registry entries: the unit an application folder declares (reference-platform §1.2).
//
// An Entry is `{id, kind, meta, data}` plus where it was written, so that every later error
// (a rejected config, a dependency cycle, a failed boot) can name the YAML file and line.
#pragma once

#include <string>
#include <string_view>

#include "core/value.h"

namespace wirt::registry {

// `namespace:name`. Parsing splits at the FIRST ':' as the reference's ParseID does, so a
// name may not itself be namespaced twice; a string without ':' has an empty namespace
// (callers that accept relative names fill it in with `with_default_ns`).
struct EntryId {
  std::string ns;
  std::string name;

  std::string str() const;
  static EntryId parse(std::string_view s);
  // The id with `ns` filled in when it has none (the reference's ID.WithDefaultNS).
  EntryId with_default_ns(std::string_view default_ns) const;

  bool operator==(const EntryId&) const = default;
};

// Where something was written. `file` is relative to the app root (what messages print);
// line and column are 1-based, 0 means unknown.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  // "file", "file:line" or "file:line:col", whichever is known.
  std::string str() const;
};

struct Entry {
  EntryId id;
  std::string kind;
  core::Value meta = core::Value::map();  // always a map
  core::Value data = core::Value::map();  // always a map
  SourcePos pos;
};

}  // namespace wirt::registry
