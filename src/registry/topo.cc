#include "registry/topo.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <string_view>
#include <unordered_map>

namespace wirt::registry {

namespace {

// A field holds one reference or a list of them; other shapes are not references.
void collect(const core::Value* v, std::vector<std::string>* out) {
  if (!v) return;
  if (v->is_string()) {
    if (!v->as_string().empty()) out->push_back(v->as_string());
  } else if (v->is_array()) {
    for (const core::Value& item : v->as_array()) {
      if (item.is_string() && !item.as_string().empty()) out->push_back(item.as_string());
    }
  }
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::vector<std::string> dependency_strings(const Entry& entry) {
  std::vector<std::string> out;
  if (const core::Value* host = entry.data.find("host"); host && !host->is_map()) collect(host, &out);
  for (const char* key : {"server", "router", "parent", "depends_on"}) collect(entry.meta.find(key), &out);
  for (const char* key : {"func", "fs", "process", "storage", "storages", "env", "config"}) {
    collect(entry.data.find(key), &out);
  }
  if (entry.data.is_map()) {
    for (const auto& [key, value] : entry.data.as_map()) {
      if (ends_with(key, "_env")) collect(&value, &out);
    }
  }
  // Maps whose values are entry ids: `imports: {alias: ns:name}` (Lua) and wirt's
  // `host: {"iface#func": ns:name}` (component host functions bound to registry functions).
  for (const char* key : {"imports", "host"}) {
    const core::Value* v = entry.data.find(key);
    if (v && v->is_map()) {
      for (const auto& [name, target] : v->as_map()) collect(&target, &out);
    } else if (std::string_view(key) == "imports") {
      collect(v, &out);
    }
  }
  collect(entry.data.find_path("lifecycle.requires"), &out);
  collect(entry.data.find_path("lifecycle.depends_on"), &out);
  return out;
}

core::Result<std::vector<const Entry*>> dependency_order(const std::vector<Entry>& entries) {
  const size_t n = entries.size();
  std::unordered_map<std::string, std::vector<size_t>> by_id;
  std::unordered_map<std::string, std::vector<size_t>> by_ns;
  for (size_t i = 0; i < n; ++i) {
    by_id[entries[i].id.str()].push_back(i);
    by_ns[entries[i].id.ns].push_back(i);
  }

  // deps[i]: entries i must come after (sorted, unique, never i itself).
  std::vector<std::vector<size_t>> deps(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t>& d = deps[i];
    for (const std::string& ref : dependency_strings(entries[i])) {
      if (ref.rfind("ns:", 0) == 0) {
        auto it = by_ns.find(ref.substr(3));
        if (it != by_ns.end()) d.insert(d.end(), it->second.begin(), it->second.end());
      }
      auto it = by_id.find(EntryId::parse(ref).with_default_ns(entries[i].id.ns).str());
      if (it != by_id.end()) d.insert(d.end(), it->second.begin(), it->second.end());
    }
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    d.erase(std::remove(d.begin(), d.end(), i), d.end());
  }

  // Kahn's algorithm, always taking the earliest ready entry: stable with respect to input order.
  std::vector<size_t> pending(n);
  std::vector<std::vector<size_t>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    pending[i] = deps[i].size();
    for (size_t j : deps[i]) dependents[j].push_back(i);
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<const Entry*> order;
  order.reserve(n);
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(&entries[i]);
    for (size_t k : dependents[i]) {
      if (--pending[k] == 0) ready.push(k);
    }
  }
  if (order.size() == n) return order;

  // Every entry left has at least one unplaced dependency, so following the first such
  // dependency from the earliest leftover entry must revisit a node: that loop is a cycle.
  size_t start = 0;
  while (pending[start] == 0) ++start;
  std::vector<size_t> path;
  std::vector<int> seen_at(n, -1);
  size_t cur = start;
  while (seen_at[cur] < 0) {
    seen_at[cur] = static_cast<int>(path.size());
    path.push_back(cur);
    for (size_t j : deps[cur]) {
      if (pending[j] > 0) {
        cur = j;
        break;
      }
    }
  }
  std::string chain;
  std::string where;
  for (size_t p = static_cast<size_t>(seen_at[cur]); p < path.size(); ++p) {
    const Entry& e = entries[path[p]];
    chain += e.id.str() + " -> ";
    if (!e.pos.file.empty()) {
      where += (where.empty() ? "" : "; ") + e.id.str() + " at " + e.pos.str();
    }
  }
  chain += entries[cur].id.str();
  std::string message = "dependency cycle: " + chain;
  if (!where.empty()) message += " (" + where + ")";
  return core::invalid(std::move(message));
}

}  // namespace wirt::registry
