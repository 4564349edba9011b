#include "registry/changes.h"

#include <map>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace wirt::registry {

const char* op_name(Change::Op op) {
  switch (op) {
    case Change::Op::Create: return "entry.create";
    case Change::Op::Update: return "entry.update";
    case Change::Op::Delete: return "entry.delete";
  }
  return "entry.unknown";
}

core::Result<std::vector<Entry>> apply_changes(std::vector<Entry> base, const std::vector<Change>& changes) {
  // Index by id; a deleted slot is kept (emptied) so the others keep their order.
  std::map<std::string, size_t> index;
  std::vector<bool> live(base.size(), true);
  for (size_t i = 0; i < base.size(); ++i) index[base[i].id.str()] = i;
  std::vector<std::string> problems;
  for (const auto& c : changes) {
    std::string id = c.entry.id.str();
    auto it = index.find(id);
    bool exists = it != index.end() && live[it->second];
    switch (c.op) {
      case Change::Op::Create:
        if (exists) {
          problems.push_back(fmt::format("entry.create {}: entry already exists", id));
          break;
        }
        index[id] = base.size();
        base.push_back(c.entry);
        live.push_back(true);
        break;
      case Change::Op::Update:
        if (!exists) {
          problems.push_back(fmt::format("entry.update {}: entry not found", id));
          break;
        }
        base[it->second].kind = c.entry.kind;
        base[it->second].meta = c.entry.meta;
        base[it->second].data = c.entry.data;
        base[it->second].pos = c.entry.pos;
        break;
      case Change::Op::Delete:
        if (!exists) {
          problems.push_back(fmt::format("entry.delete {}: entry not found", id));
          break;
        }
        live[it->second] = false;
        break;
    }
  }
  if (!problems.empty()) return core::invalid(fmt::format("{}", fmt::join(problems, "; ")));
  std::vector<Entry> out;
  out.reserve(base.size());
  for (size_t i = 0; i < base.size(); ++i)
    if (live[i]) out.push_back(std::move(base[i]));
  return out;
}

}  // namespace wirt::registry
