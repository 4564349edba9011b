#include "wasm/module.h"

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "core/sha256.h"
#include "wasm/c_glue.h"
#include "wasm/frontend.h"
#include "wasm/rt_memory.h"
#include "wasm/tier1_tcc.h"
#include "wasm/module_summary.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {

// Shared between a Module and the background tier-2 job.
struct Tier2Slot {
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::shared_ptr<const Code> code;  // set when tier 2 is ready
  bool done = false;
  std::string error;
  // Job input, dropped when the job finishes: the C, or the binary to write it from (shared
  // with the Module, not copied: 13 MB for the JS component).
  std::string c_source, key, name;
  std::shared_ptr<const void> binary_owner;
  std::span<const uint8_t> binary;
  std::string sha256;  // of `binary`, so the job never hashes (libcrypto may be gone at exit)
  bool guard = true;
};

namespace {

// Bytes of C above which tier-1 code is cached on disk (a small module compiles in ~15 ms,
// less than reading and verifying a cached object would save).
constexpr size_t kTier1CacheMinBytes = 1u << 20;

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void finish(Tier2Slot& slot, core::Result<std::shared_ptr<const Code>> r) {
  std::lock_guard lock(slot.mu);
  if (r) {
    slot.code = std::move(*r);
  } else {
    slot.error = r.error().message();
  }
  slot.done = true;
  slot.c_source.clear();
  slot.c_source.shrink_to_fit();
  slot.binary_owner.reset();
  slot.binary = {};
  slot.cv.notify_all();
}

// True while the background job writes a module's C (see run_job).
std::atomic<bool> g_job_writing_c{false};

void run_job(const std::shared_ptr<Tier2Slot>& slot) {
  {
    std::lock_guard lock(slot->mu);
    if (slot->done) return;
  }
  if (slot.use_count() == 1) {  // the module is gone: nobody wants the result now
    finish(*slot, core::canceled("module released"));
    return;
  }
  if (slot->c_source.empty()) {
    // Exit does not wait for this (Tier2Queue::stop): the C writer of a big module runs for
    // seconds and uses nothing that exit tears down (the hash is passed in, not computed);
    // build_tier2 then sees the cancellation.
    g_job_writing_c.store(true);
    auto tr = translate(slot->binary, slot->name, /*write_c=*/true, slot->sha256);
    g_job_writing_c.store(false);
    if (!tr) {
      finish(*slot, std::move(tr).error());
      return;
    }
    slot->c_source = assemble_c(*tr, slot->guard, slot->key);
  }
  auto r = build_tier2(slot->c_source, slot->key, slot->guard, slot->name);
  if (!r && r.error().kind() != core::ErrorKind::Canceled)
    core::log_warn("wasm: {}: {}", slot->name, r.error().message());
  finish(*slot, std::move(r));
}

// One background compiler thread for the process: the C compiler is CPU- and memory-hungry
// (1.7 GB for a 2.4 MB module), so builds run one at a time.
//
// At exit the thread is stopped before anything else is torn down: a build that finished
// while exit() ran its handlers hashed the object with a libcrypto that OPENSSL_cleanup had
// already freed (SIGSEGV at exit of `wirt call` and of a test binary while tier 2 compiled).
// The atexit handler is registered when the thread starts, after libcrypto's own (registered
// at its first use, which compiling a module already made), so it runs first.
class Tier2Queue {
 public:
  static Tier2Queue& get() {
    static Tier2Queue* q = new Tier2Queue;  // the worker thread outlives static destruction
    return *q;
  }
  void push(std::shared_ptr<Tier2Slot> slot) {
    std::lock_guard lock(mu_);
    if (stopping_) {
      finish(*slot, core::canceled("process exiting"));
      return;
    }
    jobs_.push_back(std::move(slot));
    if (!started_) {
      started_ = true;
      std::atexit([] { get().stop(); });
      std::thread([this] { loop(); }).detach();
    }
    cv_.notify_all();
  }

 private:
  void stop() {
    std::unique_lock lock(mu_);
    stopping_ = true;
    cancel_tier2_builds();
    cv_.notify_all();
    // Bounded: a dlopen or a hash of a large object still finishes; a compiler is killed.
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !busy_ || g_job_writing_c.load(); });
  }
  void loop() {
    for (;;) {
      std::shared_ptr<Tier2Slot> job;
      {
        std::unique_lock lock(mu_);
        busy_ = false;
        cv_.notify_all();
        cv_.wait(lock, [&] { return !jobs_.empty() && !stopping_; });  // parks for good once stopping
        job = std::move(jobs_.front());
        jobs_.pop_front();
        busy_ = true;
      }
      run_job(job);
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Tier2Slot>> jobs_;
  bool started_ = false;
  bool stopping_ = false;
  bool busy_ = true;  // until the thread first waits
};

bool decide_guard(BoundsChecks mode) {
  switch (mode) {
    case BoundsChecks::Guard: return true;
    case BoundsChecks::Explicit: return false;
    case BoundsChecks::Auto: break;
  }
  static std::atomic<int> warned{0};
  if (rt::can_reserve_guard()) return true;
  if (!warned.exchange(1))
    core::log_warn("wasm: address space is short; compiling modules with explicit bounds checks");
  return false;
}

}  // namespace

Module::~Module() = default;

core::Result<std::shared_ptr<Module>> Module::compile_wat(std::string_view text,
                                                          const CompileOptions& options) {
  auto binary = wat_to_binary(text, options.name);
  if (!binary) return std::move(binary).error();
  return compile_binary(*binary, options);
}

core::Result<std::shared_ptr<Module>> Module::compile_binary(std::span<const uint8_t> binary,
                                                             const CompileOptions& options) {
  return compile_binary(binary, options, nullptr);
}

core::Result<std::shared_ptr<Module>> Module::compile_binary(std::span<const uint8_t> binary,
                                                             const CompileOptions& options,
                                                             std::shared_ptr<const void> owner) {
  auto t0 = std::chrono::steady_clock::now();
  bool want_tier2 = options.tier2 && system_compiler().available;
  bool guard = decide_guard(options.bounds_checks);
  std::string sha256 = core::sha256_hex(binary);
  std::string key = tier2_key(sha256, guard);
  // Validate first without writing C: when tier 2 (or, for a big module, tier 1) is cached, C
  // is never needed (a warm start of a large module then costs a parse and a load, not the C
  // writer).
  bool c_first = !want_tier2 && !tier1_cached(tier1_key(key));
  // When an object is cached, so is (usually) the summary of the validated binary: the module
  // then boots without parsing it again (module_summary.h). Without one, translate() validates
  // and its result is summarised for the next boot.
  std::optional<ModuleSummary> summary;
  if (!c_first) summary = load_summary(key);
  core::Result<Translation> tr = Translation{};
  if (summary) {
    tr->sha256 = sha256;
    tr->exports = std::move(summary->exports);
    tr->imports = std::move(summary->imports);
    tr->code_may_write_memory = summary->code_may_write_memory;
    tr->code_may_write_other_state = summary->code_may_write_other_state;
    tr->has_start = summary->has_start;
  } else {
    tr = translate(binary, options.name, /*write_c=*/c_first, sha256);
    if (!tr) return std::move(tr).error();
    // Only where an object will be cached: tier 2, or tier 1 of a big module.
    if (want_tier2 || tr->c_source.size() > kTier1CacheMinBytes)
      store_summary(key, ModuleSummary{tr->exports, tr->imports, tr->code_may_write_memory, tr->code_may_write_other_state,
                                        tr->has_start});
  }
  std::shared_ptr<Module> m(new Module);
  m->name_ = options.name;
  if (owner) {
    m->binary_owner_ = std::move(owner);
    m->binary_ = binary;
  } else {
    // The caller's bytes are not kept: the module owns a copy (translate's when it made one).
    auto copy = std::make_shared<const std::vector<uint8_t>>(
        tr->binary.empty() ? std::vector<uint8_t>(binary.begin(), binary.end()) : std::move(tr->binary));
    m->binary_ = std::span<const uint8_t>(*copy);
    m->binary_owner_ = std::move(copy);
  }
  m->sha256_ = tr->sha256;
  m->exports_ = tr->exports;
  m->imports_ = tr->imports;
  m->code_may_write_memory_ = tr->code_may_write_memory;
  m->code_may_write_other_state_ = tr->code_may_write_other_state;
  m->has_start_ = tr->has_start;
  for (size_t i = 0; i < m->exports_.size(); i++) m->export_index_[m->exports_[i].name] = int(i);
  m->guard_pages_ = guard;
  std::string c_source;
  auto write_c = [&]() -> core::Status {
    if (tr->c_source.empty()) {
      auto full = translate(binary, options.name, /*write_c=*/true, sha256);
      if (!full) return std::move(full).error();
      tr = std::move(full);
    }
    c_source = assemble_c(*tr, m->guard_pages_, key);
    if (const char* dump = std::getenv("WIRT_WASM_DUMP_C"); dump && *dump) {
      // Debugging aid: the exact C both tiers compile.
      std::ofstream(fmt::format("{}/{}.c", dump, m->sha256_.substr(0, 16))) << c_source;
    }
    return {};
  };
  if (c_first) WIRT_TRY(write_c());
  m->timings_.translate_ms = ms_since(t0);

  auto slot = std::make_shared<Tier2Slot>();
  slot->key = key;
  slot->name = options.name;
  slot->guard = m->guard_pages_;
  if (want_tier2) {
    auto t1 = std::chrono::steady_clock::now();
    auto cached = load_tier2(key, m->guard_pages_, options.name);
    m->timings_.tier2_load_ms = ms_since(t1);
    if (cached) {
      slot->code = std::move(*cached);
      slot->done = true;
      m->tier2_ = std::move(slot);
      return m;
    }
  } else {
    slot->done = true;
    slot->error = options.tier2 ? "no C compiler" : "tier 2 disabled";
  }
  auto ensure_c = [&]() -> core::Status {
    if (!c_source.empty()) return {};
    auto t1 = std::chrono::steady_clock::now();
    WIRT_TRY(write_c());
    m->timings_.translate_ms += ms_since(t1);
    return {};
  };

  bool need_tier1 = options.tier1 || !want_tier2;
  if (need_tier1 && !(want_tier2 && options.tier2_sync)) {
    // A big module's tier-1 object is cached on disk: a later boot loads it without writing
    // or compiling C (the tier-2 build, if any, then writes its C in the background).
    std::string t1key = tier1_key(key);
    auto t1 = std::chrono::steady_clock::now();
    auto code = load_tier1(t1key, m->guard_pages_, options.name);
    if (!code) {
      WIRT_TRY(ensure_c());
      t1 = std::chrono::steady_clock::now();
      code = c_source.size() > kTier1CacheMinBytes
                 ? compile_tier1_cached(c_source, t1key, m->guard_pages_, options.name)
                 : compile_tier1(c_source, m->guard_pages_, options.name);
    }
    m->timings_.tier1_ms = ms_since(t1);
    if (code) {
      m->tier1_ = std::move(*code);
    } else if (!want_tier2) {
      return std::move(code).error();
    } else {
      core::log_warn("wasm: {}", code.error().message());
    }
  }
  if (want_tier2) {
    if (options.tier2_sync || !m->tier1_) {
      WIRT_TRY(ensure_c());
      auto r = build_tier2(c_source, key, m->guard_pages_, options.name);
      if (!r) return std::move(r).error();
      slot->code = std::move(*r);
      slot->done = true;
    } else {
      if (c_source.empty()) {
        slot->binary_owner = m->binary_owner_;  // the job writes the C itself
        slot->binary = m->binary_;
        slot->sha256 = m->sha256_;
      } else {
        slot->c_source = std::move(c_source);
      }
      Tier2Queue::get().push(slot);
    }
  }
  m->tier2_ = std::move(slot);
  return m;
}

int Module::export_index(std::string_view name) const {
  auto it = export_index_.find(std::string(name));
  return it == export_index_.end() ? -1 : it->second;
}

std::shared_ptr<const Code> Module::code() const {
  {
    std::lock_guard lock(tier2_->mu);
    if (tier2_->code) return tier2_->code;
  }
  return tier1_;
}

int Module::tier() const { return code()->tier; }

bool Module::wait_tier2(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(tier2_->mu);
  tier2_->cv.wait_for(lock, timeout, [&] { return tier2_->done; });
  return tier2_->code != nullptr;
}

std::string Module::tier2_error() const {
  std::lock_guard lock(tier2_->mu);
  return tier2_->error;
}

}  // namespace wirt::wasm
