#include "app/lua_kinds.h"

#include <fmt/format.h>

#include "registry/config_number.h"

namespace wirt::app {

namespace {

core::Result<std::vector<std::string>> string_list(const core::Value& data, const char* field) {
  std::vector<std::string> out;
  const core::Value* v = data.find(field);
  if (!v || v->is_nil()) return out;
  if (!v->is_array()) return core::invalid(fmt::format("{}: must be a list of names", field));
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return core::invalid(fmt::format("{}: must be a list of names", field));
    out.push_back(item.as_string());
  }
  return out;
}

}  // namespace

core::Status LuaKinds::add(const registry::Entry& entry) {
  lua::LuaUnit unit;
  unit.id = entry.id.str();
  unit.kind = entry.kind;
  unit.chunkname = "@" + unit.id;
  const core::Value* source = entry.data.find("source");
  if (!source || !source->is_string() || source->as_string().empty()) return core::invalid("source: is required");
  unit.source = source->as_string();
  if (entry.kind == "function.lua") {
    unit.method = entry.data.get_string("method");
    if (unit.method.empty()) return core::invalid("method: is required");
  } else if (entry.kind == "process.lua") {
    unit.method = entry.data.get_string("method", "main");  // the host's default (reference §2)
  }
  auto modules = string_list(entry.data, "modules");
  if (!modules) return std::move(modules).error();
  unit.modules = std::move(*modules);
  if (const core::Value* imports = entry.data.find("imports"); imports && !imports->is_nil()) {
    if (!imports->is_map()) return core::invalid("imports: must be a map of alias: ns:name");
    for (const auto& [alias, target] : imports->as_map()) {
      if (!target.is_string()) return core::invalid(fmt::format("imports.{}: must be an entry id", alias));
      // Lua import targets need a namespace (reference-platform §1.3); a bare name is relative.
      registry::EntryId id = registry::EntryId::parse(target.as_string()).with_default_ns(entry.id.ns);
      unit.imports.emplace_back(alias, id.str());
    }
  }
  if (const core::Value* limits = entry.data.find("limits"); limits && !limits->is_nil()) {
    if (!limits->is_map()) return core::invalid(fmt::format("limits: must be a map, got {}", limits->type_name()));
    // registry/config_number.h: integral and in range, never truncated.
    auto mb = registry::checked_int(limits->find("max_memory_mb"), "limits.max_memory_mb", 1, 4096);
    if (!mb) return std::move(mb).error();
    if (*mb) unit.memory_limit = size_t(**mb) << 20;
  }
  WIRT_TRY(runtime_->add(std::move(unit)));
  std::string id = entry.id.str();
  lua::LuaRuntime* rt = runtime_;
  lua::LuaRuntime::Pool* unit_pool = rt->function(id);  // the runtime owns it as long as `rt` lives
  auto run = [rt, unit_pool](const sched::CallContext& ctx, const core::Array& args) {
    return rt->call(*unit_pool, ctx, args);
  };
  if (entry.kind == "function.lua") functions_->add(id, run);
  if (entry.kind == "process.lua") processes_->add_factory(id, run);
  return {};
}

core::Status LuaKinds::verify(const registry::Entry& entry) {
  if (entry.kind == "library.lua") return {};
  return runtime_->verify(entry.id.str());
}

}  // namespace wirt::app
