#include "component/component.h"

#include <fmt/format.h>

#include <cctype>

namespace wirt::component {

namespace {

// "ns:pkg/iface@1.2.3" → ("ns:pkg/iface", "1.2.3").
std::pair<std::string, std::string> split_version(std::string_view iface) {
  size_t at = iface.find('@');
  if (at == std::string_view::npos) return {std::string(iface), ""};
  return {std::string(iface.substr(0, at)), std::string(iface.substr(at + 1))};
}

}  // namespace

std::optional<std::array<uint64_t, 3>> parse_semver(std::string_view v) {
  std::array<uint64_t, 3> out{0, 0, 0};
  size_t part = 0;
  size_t i = 0;
  if (v.empty()) return std::nullopt;
  while (i < v.size() && part < 3) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return std::nullopt;
    uint64_t n = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
      n = n * 10 + uint64_t(v[i] - '0');
      if (n > (uint64_t{1} << 40)) return std::nullopt;
      i++;
    }
    out[part++] = n;
    if (i < v.size() && v[i] == '.') i++;
    else break;
  }
  return out;  // pre-release/build suffixes are ignored
}

void HostImports::add(std::string qualified_name, HostImplementation impl) {
  Entry e;
  size_t hash = qualified_name.rfind('#');
  if (hash == std::string::npos) {
    e.func = std::move(qualified_name);
  } else {
    auto [base, version] = split_version(std::string_view(qualified_name).substr(0, hash));
    e.base = std::move(base);
    e.version = std::move(version);
    e.func = qualified_name.substr(hash + 1);
  }
  e.impl = std::move(impl);
  entries_.push_back(std::move(e));
}

const HostImplementation* HostImports::find(std::string_view iface, std::string_view func) const {
  auto [base, version] = split_version(iface);
  auto want = parse_semver(version);
  const Entry* best = nullptr;
  std::optional<std::array<uint64_t, 3>> best_v;
  const Entry* unversioned = nullptr;
  for (const Entry& e : entries_) {
    if (e.base != base || e.func != func) continue;
    if (e.version == version) return &e.impl;
    if (e.version.empty()) {
      unversioned = &e;
      continue;
    }
    if (version.empty() || !want) continue;
    auto have = parse_semver(e.version);
    if (!have || (*have)[0] != (*want)[0]) continue;
    if ((*want)[0] == 0 && (*have)[1] != (*want)[1]) continue;
    if (!best || *have > *best_v) {
      best = &e;
      best_v = have;
    }
  }
  if (best) return &best->impl;
  if (unversioned) return &unversioned->impl;
  return nullptr;
}

core::Result<std::shared_ptr<Component>> Component::load(std::span<const uint8_t> bytes,
                                                         const wasm::CompileOptions& options) {
  return load(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), options);
}

core::Result<std::shared_ptr<Component>> Component::load(std::string bytes, const wasm::CompileOptions& options) {
  std::shared_ptr<Component> c(new Component);
  c->bytes_ = std::make_shared<const std::string>(std::move(bytes));
  auto d = bin::decode_component(std::span(reinterpret_cast<const uint8_t*>(c->bytes_->data()), c->bytes_->size()));
  if (!d) return d.error();
  c->decoded_ = std::move(*d);
  for (size_t i = 0; i < c->decoded_.modules.size(); i++) {
    wasm::CompileOptions o = options;
    o.name = fmt::format("{}#core{}", options.name, i);
    auto m = wasm::Module::compile_binary(c->decoded_.modules[i], o, c->bytes_);
    if (!m)
      return core::Error(m.error()).wrap(
          fmt::format("component core module {} (offset {:#x})", i, c->decoded_.module_offsets[i]));
    c->modules_.push_back(std::move(*m));
  }
  auto plan = link_component(c->decoded_, c->modules_);
  if (!plan) return plan.error();
  c->plan_ = std::move(*plan);
  return c;
}

std::vector<ExportedFunc> Component::exports() const {
  std::vector<ExportedFunc> out;
  for (const auto& e : plan_.exports) {
    auto sig = std::make_shared<FuncSig>(*e.func.sig);
    size_t hash = e.name.rfind('#');
    sig->name = hash == std::string::npos ? e.name : e.name.substr(hash + 1);
    out.push_back({e.name, std::move(sig)});
  }
  return out;
}

std::vector<ImportedItem> Component::imports() const {
  std::vector<ImportedItem> out;
  for (const auto& f : plan_.imports) out.push_back({f.iface, f.name, f.sig});
  return out;
}

int Component::export_index(std::string_view name) const {
  for (size_t i = 0; i < plan_.exports.size(); i++)
    if (plan_.exports[i].name == name) return int(i);
  // "wasi:http/incoming-handler#handle" for "wasi:http/incoming-handler@0.2.0#handle".
  size_t hash = name.rfind('#');
  if (hash != std::string_view::npos && name.substr(0, hash).find('@') == std::string_view::npos) {
    for (size_t i = 0; i < plan_.exports.size(); i++) {
      const std::string& n = plan_.exports[i].name;
      size_t h = n.rfind('#');
      if (h == std::string::npos || n.substr(h) != name.substr(hash)) continue;
      if (split_version(std::string_view(n).substr(0, h)).first == name.substr(0, hash)) return int(i);
    }
  }
  return -1;
}

const FuncSig* Component::find_export(std::string_view name) const {
  int i = export_index(name);
  return i < 0 ? nullptr : plan_.exports[size_t(i)].func.sig.get();
}

}  // namespace wirt::component
