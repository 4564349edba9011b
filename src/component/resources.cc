#include "component/resources.h"

#include <fmt/format.h>

namespace wirt::component {

uint32_t ResourceTable::add(uint32_t resource, uint32_t rep, bool own) {
  uint32_t i;
  if (!free_.empty()) {
    i = free_.back();
    free_.pop_back();
  } else {
    i = uint32_t(slots_.size());
    slots_.emplace_back();
  }
  slots_[i].e = Entry{resource, rep, own};
  slots_[i].used = true;
  live_++;
  return i + 1;
}

core::Result<ResourceTable::Entry> ResourceTable::get(uint32_t handle, uint32_t resource) const {
  if (handle == 0 || handle > slots_.size() || !slots_[handle - 1].used)
    return core::internal(fmt::format("canonical ABI: unknown resource handle {}", handle));
  const Entry& e = slots_[handle - 1].e;
  if (e.resource != resource)
    return core::internal(fmt::format("canonical ABI: resource handle {} has another resource type", handle));
  return e;
}

core::Result<ResourceTable::Entry> ResourceTable::remove(uint32_t handle, uint32_t resource) {
  auto e = get(handle, resource);
  if (!e) return e;
  slots_[handle - 1].used = false;
  free_.push_back(handle - 1);
  live_--;
  return e;
}

std::vector<ResourceTable::Entry> ResourceTable::take_all() {
  std::vector<Entry> out;
  for (auto& s : slots_)
    if (s.used) out.push_back(s.e);
  slots_.clear();
  free_.clear();
  live_ = 0;
  return out;
}

bool contains_handles(const Type& t) {
  switch (t.kind) {
    case TypeKind::Own:
    case TypeKind::Borrow: return true;
    case TypeKind::List:
    case TypeKind::Option: return t.elem && contains_handles(*t.elem);
    case TypeKind::Result: return (t.ok && contains_handles(*t.ok)) || (t.err && contains_handles(*t.err));
    case TypeKind::Record:
      for (const auto& f : t.fields)
        if (contains_handles(*f.type)) return true;
      return false;
    case TypeKind::Tuple:
      for (const auto& e : t.elems)
        if (contains_handles(*e)) return true;
      return false;
    case TypeKind::Variant:
      for (const auto& c : t.cases)
        if (c.type && contains_handles(*c.type)) return true;
      return false;
    default: return false;
  }
}

core::Status map_handles(const Type& t, core::Value& v,
                         const std::function<core::Result<int64_t>(const Type&, int64_t)>& fn) {
  if (!contains_handles(t)) return core::ok_status();
  switch (t.kind) {
    case TypeKind::Own:
    case TypeKind::Borrow: {
      if (!v.is_int()) return core::invalid(fmt::format("expected a resource handle, got {}", v.type_name()));
      auto r = fn(t, v.as_int());
      if (!r) return r.error();
      v = core::Value(*r);
      return core::ok_status();
    }
    case TypeKind::List:
      if (v.is_array())
        for (auto& e : v.as_array()) WIRT_TRY(map_handles(*t.elem, e, fn));
      return core::ok_status();
    case TypeKind::Option:
      if (!v.is_nil()) return map_handles(*t.elem, v, fn);
      return core::ok_status();
    case TypeKind::Result:
      if (v.is_map()) {
        if (core::Value* ok = v.find("ok"); ok && t.ok) WIRT_TRY(map_handles(*t.ok, *ok, fn));
        if (core::Value* err = v.find("err"); err && t.err) WIRT_TRY(map_handles(*t.err, *err, fn));
      }
      return core::ok_status();
    case TypeKind::Record:
      for (const auto& f : t.fields)
        if (core::Value* fv = v.find(f.name)) WIRT_TRY(map_handles(*f.type, *fv, fn));
      return core::ok_status();
    case TypeKind::Tuple:
      if (v.is_array())
        for (size_t i = 0; i < t.elems.size() && i < v.as_array().size(); i++)
          WIRT_TRY(map_handles(*t.elems[i], v.as_array()[i], fn));
      return core::ok_status();
    case TypeKind::Variant:
      for (const auto& c : t.cases)
        if (c.type)
          if (core::Value* p = v.find(c.name)) WIRT_TRY(map_handles(*c.type, *p, fn));
      return core::ok_status();
    default: return core::ok_status();
  }
}

}  // namespace wirt::component
