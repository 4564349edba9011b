// Dependency order of entries (reference-platform §1.4): an entry is created after the entries
// it refers to, so handlers can look their dependencies up while accepting it.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "registry/entry.h"

namespace wirt::registry {

// The raw dependency strings of one entry, read from the registered field paths:
// meta.server/router/parent/depends_on, data.func/fs/host/process/storage/storages/env/config,
// data.*_env, data.imports.* (map values or list items), data.lifecycle.requires/depends_on.
// Each field may hold a string or a list of strings; anything else is ignored.
std::vector<std::string> dependency_strings(const Entry& entry);

// Entries ordered dependencies first; among independent entries the input order is kept
// (stable), so the order is deterministic. `name` resolves to the entry's own namespace,
// `ns:name` is taken as written, `ns:<namespace>` means every entry of that namespace.
// References to ids outside the set (e.g. `wasi:cli` imports) and to the entry itself are
// ignored. A cycle is an Invalid error "dependency cycle: a:x -> a:y -> a:x" (plus the files).
core::Result<std::vector<const Entry*>> dependency_order(const std::vector<Entry>& entries);

}  // namespace wirt::registry
