#include "component/wit_model.h"

namespace wirt::component {

const FuncSig* FunctionSet::find(std::string_view name) const {
  for (const auto& f : functions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string FunctionSet::names() const {
  std::string out;
  for (const auto& f : functions) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

const FuncSig* Interface::find(std::string_view n) const {
  for (const auto& f : functions) {
    if (f.name == n) return &f;
  }
  return nullptr;
}

const TypeDef* Interface::find_type(std::string_view n) const {
  for (const auto& t : types) {
    if (t.name == n) return &t;
  }
  return nullptr;
}

std::string Interface::qualified_name() const {
  if (package.empty()) return name;
  // package is "ns:pkg" or "ns:pkg@ver": the interface goes before the version.
  auto at = package.find('@');
  if (at == std::string::npos) return package + "/" + name;
  return package.substr(0, at) + "/" + name + package.substr(at);
}

namespace {
const WorldItem* find_item(const std::vector<WorldItem>& items, std::string_view n) {
  for (const auto& i : items) {
    if (i.name == n) return &i;
  }
  // Also match an interface by its unversioned or short name ("wasi:cli/environment", "host").
  for (const auto& i : items) {
    if (i.kind != WorldItem::Kind::Interface) continue;
    auto at = i.name.find('@');
    std::string_view base = std::string_view(i.name).substr(0, at);
    if (base == n) return &i;
    if (i.iface && i.iface->name == n) return &i;
  }
  return nullptr;
}
}  // namespace

const WorldItem* World::find_export(std::string_view n) const { return find_item(exports, n); }
const WorldItem* World::find_import(std::string_view n) const { return find_item(imports, n); }

const FuncSig* World::find_export_func(std::string_view n) const {
  auto hash = n.find('#');
  if (hash == std::string_view::npos) {
    const WorldItem* it = find_export(n);
    return it && it->kind == WorldItem::Kind::Function ? &it->func : nullptr;
  }
  const WorldItem* it = find_export(n.substr(0, hash));
  if (!it || it->kind != WorldItem::Kind::Interface || !it->iface) return nullptr;
  return it->iface->find(n.substr(hash + 1));
}

std::string Package::full_name() const {
  if (ns.empty() && name.empty()) return "";
  std::string out = ns + ":" + name;
  if (!version.empty()) out += "@" + version;
  return out;
}

const Interface* Package::find_interface(std::string_view n) const {
  for (const auto& i : interfaces) {
    if (i->name == n) return i.get();
  }
  return nullptr;
}

const World* Package::find_world(std::string_view n) const {
  for (const auto& w : worlds) {
    if (w.name == n) return &w;
  }
  return nullptr;
}

}  // namespace wirt::component
