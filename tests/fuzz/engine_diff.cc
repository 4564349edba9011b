#include "engine_diff.h"

#include <cmath>
#include <cstring>
#include <memory>

#include <wabt/binary-reader.h>
#include <wabt/error.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>

#include "../wasm/trap_class.h"
#include "wasm/instance.h"
#include "wasm/module.h"
#include "wasm/rt_memory.h"

namespace wirt::fuzz {

namespace {

constexpr const char* kHangReset = "hangLimitInitializer";

// NaN bits are nondeterministic (spec §4.3.3 "NaN propagation"): every NaN compares equal.
uint64_t canonical(wasm::ValType t, uint64_t bits) {
  if (t == wasm::ValType::F32) {
    uint32_t b = uint32_t(bits);
    return ((b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu)) ? 0x7fc00000u : b;
  }
  if (t == wasm::ValType::F64 && (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
      (bits & 0xfffffffffffffull))
    return 0x7ff8000000000000ull;
  if (t == wasm::ValType::I32 || t == wasm::ValType::F32) return uint32_t(bits);
  return bits;
}

std::string log_line(std::string_view name, uint64_t bits) {
  std::string type(name.substr(name.find('-') + 1));
  wasm::ValType t = type == "i32" ? wasm::ValType::I32
                  : type == "i64" ? wasm::ValType::I64
                  : type == "f32" ? wasm::ValType::F32
                                  : wasm::ValType::F64;
  return type + " " + std::to_string(canonical(t, bits));
}

std::string trap_name(const std::string& message) {
  return testing::trap_class_name(testing::classify_trap(message));
}

}  // namespace

// ---- wirt ---------------------------------------------------------------------------------

Run run_wirt(std::span<const uint8_t> wasm_bytes, int tier) {
  Run run;
  wasm::CompileOptions o;
  o.name = "diff";
  o.tier1 = tier == 1;
  o.tier2 = tier == 2;
  o.tier2_sync = tier == 2;
  // Explicit bounds checks: the fuzzer runs under ASan, whose SIGSEGV handling would otherwise
  // compete with the guard-page handler (the guard-page path is covered by the spec suite).
  o.bounds_checks = wasm::BoundsChecks::Explicit;
  auto m = wasm::Module::compile_binary(wasm_bytes, o);
  if (!m) return run.error = m.error().message(), run;
  if ((*m)->tier() != tier) return run.error = "not on tier " + std::to_string(tier), run;
  wasm::Linker linker;
  linker.allow_unresolved_imports(true);
  for (const auto& imp : (*m)->imports()) {
    if (imp.kind != wasm::ExternKind::Func || imp.module != "fuzzing-support" || imp.name.rfind("log-", 0) != 0)
      continue;
    std::string name = imp.name;
    linker.define({imp.module, imp.name, imp.type, [&run, name](wasm::Caller&, const uint64_t* args, uint64_t*) {
                     run.log.push_back(log_line(name, args[0]));
                     return core::ok_status();
                   }});
  }
  wasm::Limits limits;
  limits.max_execution_ms = 5000;
  auto inst = wasm::Instance::create(*m, linker, limits);
  if (!inst) return run.error = "instantiate: " + trap_name(inst.error().message()), run;
  const auto& exports = (*m)->exports();
  int reset = (*m)->export_index(kHangReset);
  for (size_t i = 0; i < exports.size(); i++) {
    const auto& e = exports[i];
    if (e.kind != wasm::ExternKind::Func || e.name == kHangReset) continue;
    if (reset >= 0) (void)(*inst)->call(reset, {}, {});
    Call c{e.name, "", {}, run.log.size()};
    std::vector<uint64_t> args(e.type.params.size(), 0), results(e.type.results.size(), 0);
    auto st = (*inst)->call(int(i), args, results);
    if (!st) {
      c.trap = trap_name(st.error().message());
      if (c.trap == std::string("not a trap")) c.trap += ": " + st.error().message();
    } else {
      for (size_t r = 0; r < results.size(); r++) c.results.push_back(canonical(e.type.results[r], results[r]));
    }
    bool exhausted = c.trap == testing::trap_class_name(testing::TrapClass::StackExhausted);
    run.calls.push_back(std::move(c));
    if (exhausted) {
      run.stopped_at = run.calls.size() - 1;
      return run;
    }
    if ((*inst)->dead()) break;
  }
  if (auto* mem = static_cast<wasm_rt_memory_t*>((*inst)->export_object("memory", wasm::ExternKind::Memory)))
    run.memory.assign(mem->data, mem->data + mem->size);
  return run;
}

// ---- wabt's interpreter ---------------------------------------------------------------------

Run run_wabt(std::span<const uint8_t> wasm_bytes) {
  using namespace wabt::interp;
  Run run;
  wabt::Features features;
  Store store(features);
  wabt::Errors errors;
  ModuleDesc desc;
  wabt::ReadBinaryOptions options(features, nullptr, false, true, true);
  if (wabt::Failed(ReadBinaryInterp("diff.wasm", wasm_bytes.data(), wasm_bytes.size(), options, &errors, &desc)))
    return run.error = errors.empty() ? "read failed" : errors[0].message, run;
  Module::Ptr module = Module::New(store, std::move(desc));
  RefVec imports;
  for (const auto& it : module->import_types()) {
    auto* ft = wabt::dyn_cast<FuncType>(it.type.get());
    if (!ft) return run.error = "non-function import", run;
    std::string name = it.name;
    bool log = it.module == "fuzzing-support" && name.rfind("log-", 0) == 0;
    auto fn = HostFunc::New(store, *ft, [&run, &store, name, log](Thread&, const Values& params, Values&, Trap::Ptr* trap) {
      if (!log) {
        *trap = Trap::New(store, "unresolved import " + name);
        return wabt::Result::Error;
      }
      uint64_t bits = 0;
      if (name == "log-i32") bits = params[0].Get<u32>();
      else if (name == "log-i64") bits = params[0].Get<u64>();
      else if (name == "log-f32") { float f = params[0].Get<f32>(); uint32_t b; std::memcpy(&b, &f, 4); bits = b; }
      else { double d = params[0].Get<f64>(); std::memcpy(&bits, &d, 8); }
      run.log.push_back(log_line(name, bits));
      return wabt::Result::Ok;
    });
    imports.push_back(fn.ref());
  }
  Trap::Ptr trap;
  Instance::Ptr inst = Instance::Instantiate(store, module.ref(), imports, &trap);
  if (!inst) return run.error = "instantiate: " + trap_name(trap ? trap->message() : "failed"), run;

  const auto& types = module->export_types();
  Func::Ptr reset;
  for (size_t i = 0; i < types.size(); i++)
    if (types[i].name == kHangReset) reset = store.UnsafeGet<Func>(inst->exports()[i]);
  for (size_t i = 0; i < types.size(); i++) {
    if (types[i].type->kind != wabt::ExternalKind::Func || types[i].name == kHangReset) continue;
    Func::Ptr f = store.UnsafeGet<Func>(inst->exports()[i]);
    if (reset) {
      Values none;
      Trap::Ptr t;
      (void)reset->Call(store, {}, none, &t);
    }
    Call c{types[i].name, "", {}, run.log.size()};
    Values params, results;
    for (auto t : f->type().params) {
      Value v;
      if (t == wabt::Type::I32) v = Value::Make(u32{0});
      else if (t == wabt::Type::I64) v = Value::Make(u64{0});
      else if (t == wabt::Type::F32) v = Value::Make(f32{0});
      else if (t == wabt::Type::F64) v = Value::Make(f64{0});
      else return run.error = "reference-typed parameter", run;
      params.push_back(v);
    }
    Trap::Ptr t;
    if (wabt::Failed(f->Call(store, params, results, &t))) {
      c.trap = trap_name(t ? t->message() : "");
      if (c.trap == std::string("not a trap")) c.trap += ": " + (t ? t->message() : std::string("?"));
    } else {
      const auto& rt = f->type().results;
      for (size_t r = 0; r < results.size(); r++) {
        uint64_t bits = 0;
        wasm::ValType vt = wasm::ValType::I32;
        if (rt[r] == wabt::Type::I32) bits = results[r].Get<u32>();
        else if (rt[r] == wabt::Type::I64) { bits = results[r].Get<u64>(); vt = wasm::ValType::I64; }
        else if (rt[r] == wabt::Type::F32) { float x = results[r].Get<f32>(); uint32_t b; std::memcpy(&b, &x, 4); bits = b; vt = wasm::ValType::F32; }
        else if (rt[r] == wabt::Type::F64) { double x = results[r].Get<f64>(); std::memcpy(&bits, &x, 8); vt = wasm::ValType::F64; }
        c.results.push_back(canonical(vt, bits));
      }
    }
    bool exhausted = c.trap == testing::trap_class_name(testing::TrapClass::StackExhausted);
    run.calls.push_back(std::move(c));
    if (exhausted) {
      run.stopped_at = run.calls.size() - 1;
      return run;
    }
  }
  for (size_t i = 0; i < types.size(); i++) {
    if (types[i].name == "memory" && types[i].type->kind == wabt::ExternalKind::Memory) {
      Memory::Ptr mem = store.UnsafeGet<Memory>(inst->exports()[i]);
      run.memory.assign(mem->UnsafeData(), mem->UnsafeData() + mem->ByteSize());
    }
  }
  return run;
}

// ---- comparison -----------------------------------------------------------------------------

std::string compare(const Run& a, const Run& b, const char* an, const char* bn) {
  auto who = [&](const std::string& s) { return std::string(an) + " vs " + bn + ": " + s; };
  if (!a.error.empty() || !b.error.empty()) {
    if (a.error.empty() != b.error.empty())
      return who("one failed to load: \"" + a.error + "\" / \"" + b.error + "\"");
    return "";
  }
  size_t n = std::min(std::min(a.stopped_at, b.stopped_at), std::min(a.calls.size(), b.calls.size()));
  bool stopped = n < a.calls.size() || n < b.calls.size() || a.stopped_at != SIZE_MAX || b.stopped_at != SIZE_MAX;
  if (!stopped && a.calls.size() != b.calls.size()) return who("call count differs");
  for (size_t i = 0; i < n; i++) {
    const Call& x = a.calls[i];
    const Call& y = b.calls[i];
    if (x.name != y.name) return who("call order differs");
    if (x.trap != y.trap) return who(x.name + ": trap \"" + x.trap + "\" / \"" + y.trap + "\"");
    if (x.results != y.results) return who(x.name + ": results differ");
    if (x.log_before != y.log_before) return who(x.name + ": log length differs before the call");
  }
  size_t logs = stopped ? std::min(n < a.calls.size() ? a.calls[n].log_before : a.log.size(),
                                   n < b.calls.size() ? b.calls[n].log_before : b.log.size())
                        : std::max(a.log.size(), b.log.size());
  for (size_t i = 0; i < logs; i++) {
    if (i >= a.log.size() || i >= b.log.size()) return who("log length differs");
    if (a.log[i] != b.log[i]) return who("log line " + std::to_string(i) + ": " + a.log[i] + " / " + b.log[i]);
  }
  if (!stopped && a.memory != b.memory) {
    if (a.memory.size() != b.memory.size())
      return who("memory size " + std::to_string(a.memory.size()) + " / " + std::to_string(b.memory.size()));
    for (size_t i = 0; i < a.memory.size(); i++)
      if (a.memory[i] != b.memory[i]) return who("memory differs at " + std::to_string(i));
  }
  return "";
}

}  // namespace wirt::fuzz
