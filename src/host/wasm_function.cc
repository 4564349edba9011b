#include "host/wasm_function.h"
#include "sched/stop_signal.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "component/binary_decoder.h"
#include "component/canonical_abi.h"
#include "core/sha256.h"
#include "sched/security.h"
#include "component/wit_parser.h"
#include "wasi/guest_env.h"
#include "wasi/preview1.h"
#include "wasi/preview1_fs.h"

namespace wirt::host {

namespace {

std::string callable_exports(const wasm::Module& m) {
  std::vector<std::string> names;
  for (const auto& e : m.exports())
    if (e.kind == wasm::ExternKind::Func) names.push_back(e.name);
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

// Core value <-> Value for modules without `wit:` (core types map to s32/s64/f32/f64).
core::Result<uint64_t> to_core(const core::Value& v, wasm::ValType t, size_t index) {
  auto where = [&] { return fmt::format("argument {}", index + 1); };
  if (t == wasm::ValType::F32 || t == wasm::ValType::F64) {
    if (!v.is_number()) return core::invalid(fmt::format("{}: expected a number, got {}", where(), v.type_name()));
    double d = v.as_number();
    if (t == wasm::ValType::F64) {
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      return bits;
    }
    float f = static_cast<float>(d);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return uint64_t{bits};
  }
  if (t != wasm::ValType::I32 && t != wasm::ValType::I64) {
    return core::invalid(fmt::format("{}: reference types cannot be passed", where()));
  }
  int64_t i;
  if (v.is_int()) {
    i = v.as_int();
  } else if (v.is_float() && v.as_float() == static_cast<double>(static_cast<int64_t>(v.as_float()))) {
    i = static_cast<int64_t>(v.as_float());
  } else if (v.is_bool()) {
    i = v.as_bool() ? 1 : 0;
  } else {
    return core::invalid(fmt::format("{}: expected an integer, got {}", where(), v.type_name()));
  }
  if (t == wasm::ValType::I32) {
    if (i < INT32_MIN || i > int64_t{UINT32_MAX}) {
      return core::invalid(fmt::format("{}: value {} out of range for i32", where(), i));
    }
    return uint64_t{static_cast<uint32_t>(i)};
  }
  return static_cast<uint64_t>(i);
}

core::Value from_core(uint64_t bits, wasm::ValType t) {
  switch (t) {
    case wasm::ValType::I32: return core::Value(int64_t{static_cast<int32_t>(static_cast<uint32_t>(bits))});
    case wasm::ValType::I64: return core::Value(static_cast<int64_t>(bits));
    case wasm::ValType::F32: {
      float f;
      uint32_t b = static_cast<uint32_t>(bits);
      std::memcpy(&f, &b, 4);
      return core::Value(static_cast<double>(f));
    }
    case wasm::ValType::F64: {
      double d;
      std::memcpy(&d, &bits, 8);
      return core::Value(d);
    }
    default: return core::Value();
  }
}

}  // namespace

std::string ModuleBytes::content_sha256() const { return sha256.empty() ? core::sha256_hex(bytes) : sha256; }

core::Result<ModuleBytes> read_module_bytes(const WasmConfig& config, const FsRegistry& fs) {
  ModuleBytes out;
  if (config.kind == "function.wat") {
    out.bytes = config.source;
    out.wat = true;
    return out;
  }
  const Directory* dir = fs.find(config.fs);
  if (!dir) return core::not_found(fmt::format("filesystem not found: {}", config.fs));
  auto bytes = dir->read_file(config.path);
  if (!bytes) return std::move(bytes).error();
  auto sha256 = verify_hash(*bytes, config.hash);
  if (!sha256) return std::move(sha256).error();
  out.sha256 = std::move(*sha256);
  out.is_component =
      component::bin::is_component(std::span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
  out.bytes = std::move(*bytes);
  return out;
}

core::Result<std::shared_ptr<WasmFunction>> WasmFunction::load(const registry::Entry& entry, WasmConfig config,
                                                               const ModuleBytes& code, const EnvRegistry* env,
                                                               const EngineSettings& settings) {
  const ModuleBytes* bytes = &code;
  std::shared_ptr<WasmFunction> fn(new WasmFunction());
  fn->id_ = entry.id.str();
  fn->ns_ = entry.id.ns;
  fn->env_ = env;
  wasm::CompileOptions opts;
  opts.name = fn->id_;
  opts.tier2_sync = settings.tier2_sync;
  std::string key = bytes->content_sha256() + (bytes->wat ? ":wat" : "");
  if (auto hit = settings.cache->modules.find(key); hit != settings.cache->modules.end()) {
    fn->module_ = hit->second;  // the same binary in another entry: compiled once
  } else {
    auto module = bytes->wat ? wasm::Module::compile_wat(bytes->bytes, opts)
                             : wasm::Module::compile_binary(
                                   std::span(reinterpret_cast<const uint8_t*>(bytes->bytes.data()), bytes->bytes.size()), opts);
    if (!module) {
      core::Error e = std::move(module).error();
      return e.wrap(bytes->wat ? "failed to load wat module" : "failed to load wasm module");
    }
    fn->module_ = std::move(*module);
    settings.cache->modules[key] = fn->module_;
    if (settings.on_compiled) settings.on_compiled(fn->id_, *fn->module_);
  }
  fn->config_ = std::move(config);
  fn->needs_guest_env_ = !fn->module_->imports().empty() || !fn->config_.wasi.mounts.empty() ||
                         !fn->config_.wasi.env.empty();
  WIRT_TRY(fn->check_method());
  // Core modules get wasi_snapshot_preview1 (reference-wasm-runtime §7.4); any other import
  // stays unresolved and traps, naming itself, if called.
  wasi::define_preview1(fn->linker_, fn->module_->imports());
  fn->linker_.allow_unresolved_imports(true);
  fn->pool_ = std::make_unique<InstancePool<wasm::Instance>>(plan_pool(fn->config_.pool), [f = fn.get()] { return f->new_instance(); });
  // Instantiating once now catches link and start-function failures at boot.
  auto probe = fn->new_instance();
  if (!probe) return std::move(probe).error();
  WIRT_TRY(fn->pool_->warm());
  return fn;
}

core::Status WasmFunction::check_method() {
  const std::string& method = config_.method;
  export_index_ = module_->export_index(method);
  if (export_index_ < 0 || module_->exports()[export_index_].kind != wasm::ExternKind::Func) {
    return core::invalid(fmt::format("method {} is not an exported function (callable exports: {})", method,
                                     callable_exports(*module_)));
  }
  if (config_.wit.empty()) return {};
  auto set = component::parse_wit_functions(config_.wit);
  if (!set) return core::Error(std::move(set).error()).wrap("wit");
  wit_ = std::make_shared<const component::FunctionSet>(std::move(*set));
  sig_ = wit_->find(method);
  if (!sig_) {
    return core::invalid(fmt::format("method {} is not declared in wit: (declared: {})", method, wit_->names()));
  }
  return check_signature();
}

core::Result<std::unique_ptr<wasm::Instance>> WasmFunction::new_instance() {
  wasm::Limits limits;
  if (config_.max_memory_mb > 0) limits.max_memory_pages = static_cast<uint32_t>(config_.max_memory_mb * 16);
  limits.max_execution_ms = static_cast<uint32_t>(config_.max_execution_ms);
  return wasm::Instance::create(module_, linker_, limits);
}

core::Result<core::Value> WasmFunction::call(const sched::CallContext& ctx, const core::Array& args) {
  auto lease = pool_->acquire(deadline_ns(ctx));
  if (!lease) return std::move(lease).error().wrap(id_);
  wasm::Instance& inst = **lease;
  // The caller's deadline (a test timeout, an outer max_execution_ms) bounds guest code too.
  inst.set_call_deadline(deadline_ns(ctx));
  // A process's terminate interrupts its guest code (sched/stop_signal.h).
  const sched::StopSignal* stop = sched::this_fiber::stop_signal();
  inst.set_call_stop(stop ? stop->flag() : nullptr);
  // A module with no imports cannot reach the WASI host, and with nothing configured that a
  // call must resolve or authorize there is no per-call environment to build.
  std::optional<wasi::GuestEnv> env;
  if (needs_guest_env_) {
    WIRT_TRY(prepare_guest_env(env.emplace(), id_, ns_, config_, env_, ctx));
    inst.user_data = &*env;
  }
  auto r = sig_ ? call_typed(inst, args) : call_untyped(inst, args);
  inst.user_data = nullptr;
  inst.set_call_stop(nullptr);
  if (env) env->flush_output(true);
  return finish_guest_call(std::move(r), config_.method);
}

core::Status prepare_guest_env(wasi::GuestEnv& env, const std::string& entry_id, const std::string& ns,
                               const WasmConfig& config, const EnvRegistry* registry, const sched::CallContext& ctx) {
  env.entry_id = entry_id;
  env.args = config.wasi.args;
  env.cwd = config.wasi.cwd;
  env.terminal = ctx.terminal;
  if (config.max_output_mb > 0) env.output_limit = uint64_t(config.max_output_mb) << 20;
  auto vars = resolve_wasi_env(config, registry, ns);
  if (!vars) return std::move(vars).error();
  env.env = std::move(*vars);
  if (!config.wasi.fixed_env.empty()) {
    env.env.insert(env.env.end(), config.wasi.fixed_env.begin(), config.wasi.fixed_env.end());
    std::stable_sort(env.env.begin(), env.env.end());
  }
  // Each mount's filesystem needs `fs.get` for the caller, checked per call before anything is
  // opened (reference-wasm-runtime §7.3, its error text).
  if (config.wasi.policies) {
    for (const auto& m : config.wasi.mounts) {
      std::string fs = registry::EntryId::parse(m.fs).with_default_ns(ns).str();
      if (!config.wasi.policies->allowed(ctx, "fs.get", fs))
        return core::permission_denied(fmt::format("not allowed to access filesystem: {}", fs));
    }
  }
  // The mounts' folders are opened per call, so a call never sees another's descriptors.
  if (!config.wasi.host_mounts.empty()) {
    auto files = wasi::FdTable::open(config.wasi.host_mounts);
    if (!files) return std::move(files).error();
    env.files = std::move(*files);
  }
  return {};
}

int64_t deadline_ns(const sched::CallContext& ctx) {
  if (!ctx.deadline) return 0;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(ctx.deadline->time_since_epoch()).count();
}

core::Result<core::Value> finish_guest_call(core::Result<core::Value> r, const std::string& method) {
  if (r) return r;
  core::Error e = std::move(r).error();
  if (auto code = wasi::exit_code_of(e); code && *code == 0) return core::Value();  // exit(0) is success
  if (e.kind() == core::ErrorKind::Internal || e.kind() == core::ErrorKind::Timeout) {
    e.wrap(fmt::format("failed to call wasm method: {}", method));
  }
  return e;
}

core::Result<std::vector<std::pair<std::string, std::string>>> resolve_wasi_env(const WasmConfig& config,
                                                                                 const EnvRegistry* env,
                                                                                 const std::string& ns) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : config.wasi.env) {
    std::optional<std::string> value;
    if (env) {
      auto found = env->lookup(item.id, ns);
      if (!found) return std::move(found).error().wrap(fmt::format("failed to resolve wasi env mapping: {}", item.id));
      value = std::move(*found);
    }
    if (!value) {
      if (item.required) return core::not_found(fmt::format("required wasi env variable not found: {}", item.id));
      continue;
    }
    out.emplace_back(item.name, std::move(*value));
  }
  std::sort(out.begin(), out.end());  // the guest sees them sorted by name
  return out;
}

core::Result<core::Value> WasmFunction::call_untyped(wasm::Instance& inst, const core::Array& args) {
  const wasm::FuncType& type = module_->exports()[export_index_].type;
  if (args.size() != type.params.size()) {
    return core::invalid(fmt::format("{} expects {} argument{}, got {}", config_.method, type.params.size(),
                                     type.params.size() == 1 ? "" : "s", args.size()));
  }
  // Small signatures (the common case) use stack buffers: no allocation per call.
  uint64_t flat_small[16], results_small[8];
  std::vector<uint64_t> flat_big, results_big;
  std::span<uint64_t> flat(flat_small, type.params.size()), results(results_small, type.results.size());
  if (type.params.size() > 16) {
    flat_big.resize(type.params.size());
    flat = flat_big;
  }
  if (type.results.size() > 8) {
    results_big.resize(type.results.size());
    results = results_big;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    auto v = to_core(args[i], type.params[i], i);
    if (!v) return std::move(v).error();
    flat[i] = *v;
  }
  WIRT_TRY(inst.call(export_index_, flat, results));
  if (results.empty()) return core::Value();
  if (results.size() == 1) return from_core(results[0], type.results[0]);
  core::Array out;
  for (size_t i = 0; i < results.size(); ++i) out.push_back(from_core(results[i], type.results[i]));
  return core::Value(std::move(out));
}

namespace {

wasm::ValType core_val(component::CoreType t) {
  switch (t) {
    case component::CoreType::I32: return wasm::ValType::I32;
    case component::CoreType::I64: return wasm::ValType::I64;
    case component::CoreType::F32: return wasm::ValType::F32;
    case component::CoreType::F64: return wasm::ValType::F64;
  }
  return wasm::ValType::I32;
}

// The guest's linear memory and allocator as the canonical ABI sees them. The allocator is the
// module's `cabi_realloc`, else one of the fallbacks the reference accepts
// (reference-wasm-runtime §2.6): canonical_abi_realloc (4 params), allocate/alloc (size only).
class CoreGuestMemory final : public component::GuestMemory {
 public:
  CoreGuestMemory(wasm::Instance& inst, int realloc_index, bool realloc_4) : inst_(inst), index_(realloc_index), four_(realloc_4) {}
  uint8_t* data() override { return inst_.memory_data(); }
  size_t size() override { return inst_.memory_size(); }
  core::Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override {
    if (index_ < 0) return core::internal("no allocator available (export cabi_realloc)");
    uint64_t args4[4] = {old_ptr, old_size, align, new_size};
    uint64_t args1[1] = {new_size};
    uint64_t result[1] = {0};
    WIRT_TRY(four_ ? inst_.call(index_, args4, result) : inst_.call(index_, args1, result));
    return static_cast<uint32_t>(result[0]);
  }

 private:
  wasm::Instance& inst_;
  int index_;
  bool four_;
};

}  // namespace

core::Status WasmFunction::check_signature() {
  // The export's core type must be exactly what the canonical ABI flattens the wit: signature
  // to (CanonicalABI.md "Flattening", lift context: > 1 flat result comes back as a pointer).
  auto flat = component::flatten_function(*sig_, component::AbiContext::Lift);
  if (!flat) return core::Error(std::move(flat).error()).wrap("wit");
  wasm::FuncType want;
  for (auto t : flat->params) want.params.push_back(core_val(t));
  for (auto t : flat->results) want.results.push_back(core_val(t));
  const wasm::FuncType& have = module_->exports()[export_index_].type;
  if (!(want == have)) {
    return core::invalid(fmt::format("wit: {}: {} lowers to core type {}, but the export has type {}", config_.method,
                                     sig_->to_wit(), wasm::to_string(want), wasm::to_string(have)));
  }
  // Strings, lists and spilled params need an allocator in the guest.
  for (const char* name : {"cabi_realloc", "canonical_abi_realloc"}) {
    int idx = module_->export_index(name);
    if (idx >= 0 && module_->exports()[idx].type.params.size() == 4) {
      realloc_index_ = idx;
      realloc_4_ = true;
      return {};
    }
  }
  for (const char* name : {"allocate", "alloc"}) {
    int idx = module_->export_index(name);
    if (idx >= 0 && module_->exports()[idx].type.params.size() == 1) {
      realloc_index_ = idx;
      realloc_4_ = false;
      return {};
    }
  }
  return {};
}

core::Result<core::Value> WasmFunction::call_typed(wasm::Instance& inst, const core::Array& args) {
  if (args.size() != sig_->params.size()) {
    return core::invalid(fmt::format("{} expects {} argument{}, got {}", config_.method, sig_->params.size(),
                                     sig_->params.size() == 1 ? "" : "s", args.size()));
  }
  CoreGuestMemory mem(inst, realloc_index_, realloc_4_);
  auto flat = component::lower_params(*sig_, args, mem);
  if (!flat) return std::move(flat).error();
  const wasm::FuncType& type = module_->exports()[export_index_].type;
  std::vector<uint64_t> results(type.results.size());
  WIRT_TRY(inst.call(export_index_, *flat, results));
  auto lifted = component::lift_results(*sig_, results, mem);
  if (!lifted) return std::move(lifted).error();
  if (component::returns_result(*sig_)) return component::split_result(*sig_, std::move(*lifted));
  return lifted;
}

}  // namespace wirt::host
