// wirt::registry changesets: the operations of the Lua `registry` module's Changes object
// (runtime/lua/modules/registry/spec.md "Changes") and how they edit an entry list, plus the
// Writer that applies an edited list to the running app.
//
// Thread-safety: apply_changes is a pure function. A Writer is shared by every Lua runtime of
// the app; its apply() may be called from any fiber or thread (app/reload.h serialises them).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/result.h"
#include "registry/entry.h"

namespace wirt::registry {

struct Change {
  enum class Op { Create, Update, Delete };
  Op op;
  Entry entry;  // Delete: only the id counts
};

// The reference's operation names: "entry.create", "entry.update", "entry.delete".
const char* op_name(Change::Op op);

// `base` with `changes` applied in order: a create appends (its id must be new), an update
// replaces kind, meta and data of an existing entry, a delete removes one. Every conflicting
// operation is reported (Invalid, one line per problem); nothing is partially applied.
[[nodiscard]] core::Result<std::vector<Entry>> apply_changes(std::vector<Entry> base, const std::vector<Change>& changes);

// Turns the running entry list into the wanted one (or fails: nothing is applied).
using Edit = std::function<core::Result<std::vector<Entry>>(const std::vector<Entry>& running)>;

class Writer {
 public:
  virtual ~Writer() = default;
  // Runs `edit` on the running entries and applies its result as one transaction; the new
  // registry version, or why it was rejected (the running version keeps serving).
  [[nodiscard]] virtual core::Result<uint64_t> apply(const Edit& edit) = 0;
};

}  // namespace wirt::registry
