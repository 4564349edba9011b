// wirt::registry::Filter — the criteria of the Lua `registry.find` / `snapshot:find`
// (runtime/lua/modules/registry/spec.md), parsed once and matched against entries.
//
// A filter is a map. Its keys:
//   kind, .kind          the entry's kind; `*` in the value is a wildcard ("function.*")
//   .ns, .name, .id      the entry's namespace, name or full id (same wildcards)
//   type                 meta.type (the spec's shorthand)
//   meta = {k = v, ...}  meta.k equals v, for each pair
//   meta.k               meta.k equals the value
//   ~meta.k ^meta.k $meta.k *meta.k
//                        meta.k (a string) matches the regex / starts with / ends with /
//                        contains the value (for a list of strings: an element contains it)
//   any other key        meta.<key> equals the value
// "Equals" compares numbers by value (1 == 1.0) and, when the expected value is a list, asks
// that meta's list contain every element of it (the reference finder's tag rule). All criteria
// must hold; an empty filter matches every entry.
//
// Unlike the reference finder, a regex that does not compile or a non-string operand of an
// operator key is an Invalid error instead of a silently dropped criterion.
//
// Thread-safety: a parsed Filter is immutable; match() may run on any thread.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "registry/entry.h"

namespace wirt::registry {

class Filter {
 public:
  // Parses `criteria` (a map; Invalid otherwise, naming the bad key).
  [[nodiscard]] static core::Result<Filter> parse(const core::Value& criteria);
  bool match(const Entry& e) const;

 private:
  enum class Op { Glob, Equals, Regex, Prefix, Suffix, Contains };
  enum class Field { Kind, Ns, Name, Id, Meta };
  struct Criterion {
    Field field;
    Op op;
    std::string meta_key;  // Field::Meta only
    core::Value value;
    std::shared_ptr<const std::regex> regex;  // Op::Regex only
  };
  bool match(const Criterion& c, const Entry& e) const;
  std::vector<Criterion> criteria_;
};

// Whether `value` matches `pattern`, where each `*` in pattern stands for any run of characters.
bool glob_match(std::string_view value, std::string_view pattern);

}  // namespace wirt::registry
