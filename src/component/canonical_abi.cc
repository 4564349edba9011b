// Function-level canonical ABI (CanonicalABI.md "Flattening" flatten_functype, "Lifting and
// Lowering Values" lift_values/lower_values, "canon lift", "canon lower") and the top-level
// result<T, E> split of DESIGN §1.3.
#include "component/canonical_abi.h"

#include <fmt/format.h>

#include "component/abi_internal.h"
#include "core/json.h"

namespace wirt::component {

GuestMemory::~GuestMemory() = default;

namespace {

using abi::Path;

size_t flat_count(const std::vector<Param>& ps) {
  size_t n = 0;
  for (const auto& p : ps) n += p.type->flat.size();
  return n;
}

// Offsets of the members of tuple<ps...> (the spilled parameters/results), its size and alignment.
struct TupleLayout {
  std::vector<uint32_t> offsets;
  uint32_t size = 0, align = 1;
};

TupleLayout tuple_layout(const std::vector<Param>& ps) {
  TupleLayout l;
  uint64_t off = 0;
  for (const auto& p : ps) {
    off = abi::align_up(off, p.type->align);
    l.offsets.push_back(static_cast<uint32_t>(off));
    off += p.type->size;
    l.align = std::max(l.align, p.type->align);
  }
  l.size = static_cast<uint32_t>(abi::align_up(off, l.align));
  return l;
}

std::string_view result_name(const Param& p) { return p.name.empty() ? std::string_view("result") : std::string_view(p.name); }

std::string param_list(const FuncSig& sig) {
  std::string out;
  for (const auto& p : sig.params) out += (out.empty() ? "" : ", ") + p.name + ": " + p.type->to_wit();
  return out;
}

core::Status check_types(const FuncSig& sig) {
  for (const auto& p : sig.params) {
    if (!p.type->abi_ready) {
      return core::invalid(fmt::format("function '{}': parameter '{}' has type {}, which cannot be passed here",
                                       sig.name, p.name, p.type->describe()));
    }
  }
  for (const auto& r : sig.results) {
    if (!r.type->abi_ready) {
      return core::invalid(fmt::format("function '{}': result has type {}, which cannot be passed here", sig.name,
                                       r.type->describe()));
    }
  }
  return {};
}

core::Result<core::Array> lift_values(const std::vector<Param>& ps, std::span<const uint64_t> flat, bool in_memory,
                                      abi::Mem& m, const CanonOptions& o, bool results) {
  core::Array out;
  out.reserve(ps.size());
  if (!in_memory) {
    abi::FlatReader r(flat);
    for (const auto& p : ps) {
      Path path{nullptr, results ? result_name(p) : std::string_view(p.name)};
      auto v = abi::lift_flat(*p.type, r, path, m, o);
      if (!v) return std::move(v).error();
      out.push_back(std::move(*v));
    }
    return out;
  }
  auto ptr = static_cast<uint32_t>(flat[0] & 0xFFFFFFFFu);
  TupleLayout l = tuple_layout(ps);
  Path where{nullptr, results ? "results" : "params"};
  WIRT_TRY(m.check(ptr, l.size, l.align, where, results ? "result area" : "parameter area"));
  for (size_t i = 0; i < ps.size(); ++i) {
    Path path{nullptr, results ? result_name(ps[i]) : std::string_view(ps[i].name)};
    auto v = abi::load(*ps[i].type, ptr + l.offsets[i], path, m, o);
    if (!v) return std::move(v).error();
    out.push_back(std::move(*v));
  }
  return out;
}

core::Value results_value(core::Array vals) {
  if (vals.empty()) return core::Value();
  if (vals.size() == 1) return std::move(vals[0]);
  return core::Value(std::move(vals));
}

}  // namespace

std::string CoreSignature::to_string() const {
  auto list = [](const std::vector<CoreType>& ts) {
    std::string out = "(";
    for (size_t i = 0; i < ts.size(); ++i) out += std::string(i ? ", " : "") + core_type_name(ts[i]);
    return out + ")";
  };
  return list(params) + " -> " + list(results);
}

core::Result<CoreSignature> flatten_function(const FuncSig& sig, AbiContext context) {
  WIRT_TRY(check_types(sig));
  CoreSignature cs;
  for (const auto& p : sig.params) cs.params.insert(cs.params.end(), p.type->flat.begin(), p.type->flat.end());
  if (cs.params.size() > kMaxFlatParams) {
    cs.params = {CoreType::I32};
    cs.params_in_memory = true;
  }
  for (const auto& r : sig.results) cs.results.insert(cs.results.end(), r.type->flat.begin(), r.type->flat.end());
  if (cs.results.size() > kMaxFlatResults) {
    cs.results_in_memory = true;
    if (context == AbiContext::Lift) {
      cs.results = {CoreType::I32};
    } else {
      cs.params.push_back(CoreType::I32);
      cs.results.clear();
    }
  }
  return cs;
}

core::Result<std::vector<uint64_t>> lower_params(const FuncSig& sig, const core::Array& args, GuestMemory& mem,
                                                 const CanonOptions& opts) {
  if (args.size() != sig.params.size()) {
    return core::invalid(fmt::format("{}: expected {} argument{} ({}), got {}", sig.name, sig.params.size(),
                                     sig.params.size() == 1 ? "" : "s", param_list(sig), args.size()));
  }
  WIRT_TRY(check_types(sig));
  abi::Mem m(mem);
  std::vector<uint64_t> out;
  if (flat_count(sig.params) <= kMaxFlatParams) {
    out.reserve(kMaxFlatParams);
    for (size_t i = 0; i < args.size(); ++i) {
      Path path{nullptr, sig.params[i].name};
      WIRT_TRY(abi::lower_flat(*sig.params[i].type, args[i], path, m, opts, out));
    }
    return out;
  }
  // lower_values with max_flat exceeded: store tuple<params…> in memory from realloc.
  TupleLayout l = tuple_layout(sig.params);
  Path where{nullptr, "params"};
  auto ptr = m.alloc(l.align, l.size, where);
  if (!ptr) return std::move(ptr).error();
  for (size_t i = 0; i < args.size(); ++i) {
    Path path{nullptr, sig.params[i].name};
    WIRT_TRY(abi::store(*sig.params[i].type, args[i], *ptr + l.offsets[i], path, m, opts));
  }
  out.push_back(*ptr);
  return out;
}

core::Result<core::Value> lift_results(const FuncSig& sig, std::span<const uint64_t> flat, GuestMemory& mem,
                                       const CanonOptions& opts) {
  WIRT_TRY(check_types(sig));
  size_t n = flat_count(sig.results);
  bool in_memory = n > kMaxFlatResults;
  size_t expected = in_memory ? 1 : n;
  if (flat.size() != expected) {
    return core::internal(fmt::format("canonical ABI: {}: expected {} core result value{}, got {}", sig.name, expected,
                                      expected == 1 ? "" : "s", flat.size()));
  }
  abi::Mem m(mem);
  auto vals = lift_values(sig.results, flat, in_memory, m, opts, true);
  if (!vals) return std::move(vals).error();
  return results_value(std::move(*vals));
}

core::Result<core::Array> lift_params(const FuncSig& sig, std::span<const uint64_t> flat, GuestMemory& mem,
                                      const CanonOptions& opts) {
  WIRT_TRY(check_types(sig));
  size_t n = flat_count(sig.params);
  bool in_memory = n > kMaxFlatParams;
  size_t expected = (in_memory ? 1 : n) + (flat_count(sig.results) > kMaxFlatResults ? 1 : 0);
  if (flat.size() != expected) {
    return core::internal(fmt::format("canonical ABI: {}: expected {} core argument{}, got {}", sig.name, expected,
                                      expected == 1 ? "" : "s", flat.size()));
  }
  abi::Mem m(mem);
  return lift_values(sig.params, flat, in_memory, m, opts, false);
}

core::Result<std::vector<uint64_t>> lower_results(const FuncSig& sig, const core::Value& result,
                                                  std::span<const uint64_t> flat_args, GuestMemory& mem,
                                                  const CanonOptions& opts) {
  WIRT_TRY(check_types(sig));
  std::vector<const core::Value*> vals;
  if (sig.results.size() == 1) {
    vals.push_back(&result);
  } else if (sig.results.size() > 1) {
    if (!result.is_array() || result.as_array().size() != sig.results.size()) {
      return core::invalid(fmt::format("{}: expected an array of {} results", sig.name, sig.results.size()));
    }
    for (const auto& v : result.as_array()) vals.push_back(&v);
  }
  abi::Mem m(mem);
  std::vector<uint64_t> out;
  if (flat_count(sig.results) <= kMaxFlatResults) {
    for (size_t i = 0; i < vals.size(); ++i) {
      Path path{nullptr, result_name(sig.results[i])};
      WIRT_TRY(abi::lower_flat(*sig.results[i].type, *vals[i], path, m, opts, out));
    }
    return out;
  }
  // lower_values with an out_param: the guest's retptr is the last flat argument.
  if (flat_args.empty()) return core::internal(fmt::format("canonical ABI: {}: missing the result pointer argument", sig.name));
  auto ptr = static_cast<uint32_t>(flat_args.back() & 0xFFFFFFFFu);
  TupleLayout l = tuple_layout(sig.results);
  Path where{nullptr, "results"};
  WIRT_TRY(m.check(ptr, l.size, l.align, where, "result pointer"));
  for (size_t i = 0; i < vals.size(); ++i) {
    Path path{nullptr, result_name(sig.results[i])};
    WIRT_TRY(abi::store(*sig.results[i].type, *vals[i], ptr + l.offsets[i], path, m, opts));
  }
  return out;
}

core::Result<std::vector<uint64_t>> lower_flat_value(const Type& t, const core::Value& v, GuestMemory& mem,
                                                     const CanonOptions& opts, std::string_view path) {
  abi::Mem m(mem);
  std::vector<uint64_t> out;
  WIRT_TRY(abi::lower_flat(t, v, Path{nullptr, path}, m, opts, out));
  return out;
}

core::Result<core::Value> lift_flat_value(const Type& t, std::span<const uint64_t> flat, GuestMemory& mem,
                                          const CanonOptions& opts, std::string_view path) {
  if (flat.size() != t.flat.size()) {
    return core::internal(fmt::format("canonical ABI: {}: expected {} core values, got {}", path, t.flat.size(), flat.size()));
  }
  abi::Mem m(mem);
  abi::FlatReader r(flat);
  return abi::lift_flat(t, r, Path{nullptr, path}, m, opts);
}

core::Status store_value(const Type& t, const core::Value& v, uint32_t ptr, GuestMemory& mem, const CanonOptions& opts,
                         std::string_view path) {
  abi::Mem m(mem);
  return abi::store(t, v, ptr, Path{nullptr, path}, m, opts);
}

core::Result<core::Value> load_value(const Type& t, uint32_t ptr, GuestMemory& mem, const CanonOptions& opts,
                                     std::string_view path) {
  abi::Mem m(mem);
  return abi::load(t, ptr, Path{nullptr, path}, m, opts);
}

bool returns_result(const FuncSig& sig) {
  return sig.results.size() == 1 && sig.results[0].type->kind == TypeKind::Result;
}

core::Result<core::Value> split_result(const FuncSig& sig, core::Value lifted) {
  if (!returns_result(sig) || !lifted.is_map() || lifted.as_map().size() != 1) return lifted;
  auto& [key, payload] = lifted.as_map()[0];
  if (key == "ok") return std::move(payload);
  if (key == "err") return result_error(payload, sig.results[0].type->err != nullptr);
  return lifted;
}

core::Error result_error(const core::Value& e, bool has_payload) {
  if (!has_payload) return core::Error(core::ErrorKind::Unknown, "error");
  std::string msg;
  if (e.is_string()) {
    msg = e.as_string();
  } else if (const core::Value* m = e.find("message"); m && m->is_string()) {
    msg = m->as_string();
  } else {
    msg = core::to_json(e);
  }
  return core::Error(core::ErrorKind::Unknown, std::move(msg)).with_details(e);
}

}  // namespace wirt::component
