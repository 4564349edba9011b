#include "wasm/tier2_cache.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/open_beneath.h"  // UniqueFd
#include "wasm/runtime.h"
#include "core/sha256.h"
#include "wasm/c_split.h"
#include "wasm/rt_text.inc"  // kRtAbiText, kRtPreludeText

extern char** environ;

namespace wirt::wasm {
namespace {

namespace fs = std::filesystem;

#ifndef WIRT_ENGINE_VERSION
#define WIRT_ENGINE_VERSION "dev"
#endif

// -fno-optimize-sibling-calls: gcc -O2 otherwise turns unbounded wasm recursion into a loop
// that never reaches the stack check (engine-options.md §6 "Danger found").
// -fstack-clash-protection: a big frame cannot step over a guard page (§6 "Stack clash").
// -fno-math-errno / -ffp-contract=off: no errno calls for sqrt, no fused multiply-add (wasm
// float semantics are exact IEEE-754 per operation, WebAssembly 2.0 §4.3.3).
// -fsignaling-nans: keeps x-0.0, x*1.0, x/-1.0 as real operations, which must turn a
// signalling NaN into a quiet one (§4.3.3 NaN propagation; spec float_exprs.wast).
constexpr const char* kFlags =
    "-fPIC -shared -fvisibility=hidden -fno-optimize-sibling-calls -fstack-clash-protection "
    "-fno-math-errno -ffp-contract=off -fsignaling-nans -w";
constexpr size_t kO1Threshold = 4u << 20;  // bytes of C above which -O1 is used
constexpr size_t kSplitThreshold = 2u << 20;  // bytes of C above which tier 2 splits into units
constexpr size_t kMaxUnitBytes = 8u << 20;    // largest unit (of function bodies) when split
constexpr int kTimeoutSec = 600;
constexpr int kUnitWallTimeoutSec = 4 * kTimeoutSec;
constexpr uint64_t kMemoryLimitKb = 4ull << 20;  // 4 GiB of address space for the compiler

constexpr std::string_view kMagic = "WIRTSO01";

// Set at process exit (cancel_tier2_builds): a compile in progress is killed so the builder
// thread is not still hashing and dlopen-ing while libcrypto's and libc's exit handlers run.
std::atomic<bool> g_builds_canceled{false};

std::string opt_flag(size_t c_size) { return c_size > kO1Threshold ? "-O1" : "-O2"; }

// Runs argv, output to `log_path` (or a pipe returned in *out), waits up to timeout_sec.
// Returns the exit status (-1 on spawn failure or timeout).
//
// The child leads its own process group (a timeout kills the compiler driver and its
// cc1/as/ld children) and gets PR_SET_PDEATHSIG: it must not outlive wirt (a short `wirt call`
// used to leave 190 MB cc1 processes behind, re-parented to init). fork + exec rather than
// posix_spawn, which cannot set the death signal; between them only async-signal-safe calls.
int run(const std::vector<std::string>& argv, const std::string& log_path, std::string* out,
        int timeout_sec) {
  int pipefd[2] = {-1, -1};
  if (out && pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const char* log = log_path.c_str();
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // wirt died before the death signal was armed
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    if (out) {
      dup2(pipefd[1], 1);
      dup2(pipefd[1], 2);
    } else {
      int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  // Also from the parent (the usual idiom): a kill(-pid) right after fork, before the child ran
  // its own setpgid, found no group and left the compiler running (an exit at that moment
  // waited for it; seen as cli.exit_while_tier2_compiles waiting 10 s).
  if (pid > 0) setpgid(pid, pid);
  int rc = pid < 0 ? errno : 0;
  if (out) close(pipefd[1]);
  if (rc != 0) {
    if (out) close(pipefd[0]);
    return -1;
  }
  if (out) {
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) out->append(buf, size_t(n));
    close(pipefd[0]);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_sec);
  // A pidfd becomes readable the moment the child exits, so the wait ends then; a plain 10 ms
  // sleep between polls made every `cc --version` (run at each boot: tier2_key needs the
  // version) cost up to 10 ms more than the compiler took. The 10 ms bound stays: it is how
  // often a cancel or the deadline is noticed. Without a pidfd (seccomp, old kernel) it sleeps.
  core::UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -1;
    if (g_builds_canceled.load() || std::chrono::steady_clock::now() > deadline) {
      if (kill(-pid, SIGKILL) != 0) kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    if (pidfd.fd >= 0) {
      pollfd p{pidfd.fd, POLLIN, 0};
      ::poll(&p, 1, 10);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = std::move(ss).str();
  return true;
}

std::string tail(const std::string& s, size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

struct DlCloser {
  void operator()(void* h) const { dlclose(h); }
};

std::atomic<uint64_t> g_tmp_counter{0};

// Temporary files of builds whose wirt process is gone (it exited or was killed mid-build:
// its compiler died with it) are removed by the next process that builds. Named
// .tmp-<key16>-<pid>-<n>.{c,so,log}; once per process.
void remove_abandoned_temp_files(const std::string& dir) {
  static std::once_flag once;
  std::call_once(once, [&] {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind(".tmp-", 0) != 0) continue;
      size_t a = name.find('-', 5);
      size_t b = a == std::string::npos ? a : name.find('-', a + 1);
      if (b == std::string::npos) continue;
      pid_t pid = static_cast<pid_t>(std::atoi(name.substr(a + 1, b - a - 1).c_str()));
      if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) fs::remove(e.path(), ec);
    }
  });
}


bool write_file(const std::string& path, std::string_view text) {
  std::ofstream f(path, std::ios::binary);
  f.write(text.data(), std::streamsize(text.size()));
  return bool(f);
}

// The compiler command line, wrapped in a shell that applies the limits. The shell runs the
// compiler as a child and, when wirt dies (its death signal, SIGTERM), kills the whole group:
// cc1 and as are the driver's children and have no death signal.
std::vector<std::string> compiler_argv(const std::string& opt, std::initializer_list<std::string> tail_args) {
  std::vector<std::string> argv = {
      "/bin/sh", "-c",
      "ulimit -v \"$1\"; ulimit -t \"$2\"; shift 2; trap 'kill -KILL 0' TERM HUP; \"$@\" & wait $!",
      "sh",
      std::to_string(kMemoryLimitKb), std::to_string(kTimeoutSec), system_compiler().command, opt};
  std::istringstream flags(kFlags);
  for (std::string f; flags >> f;) argv.push_back(f);
  argv.insert(argv.end(), tail_args);
  return argv;
}

uint64_t mem_available_kb() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  while (f >> key >> kb) {
    if (key == "MemAvailable:") return kb;
    f.ignore(256, '\n');
  }
  return 0;
}

// Compiles units 0..N-1 to objects with up to tier2_jobs() compilers at once, then links them
// into `base`.so. Returns the first failing status (0 on success); its log goes to *log.
int build_units(const std::vector<std::string>& units, const std::string& base,
                const std::string& opt, std::string* log, std::vector<std::string>* files) {
  size_t n = units.size();
  std::vector<std::string> c_paths(n), o_paths(n), logs(n);
  for (size_t i = 0; i < n; i++) {
    c_paths[i] = fmt::format("{}.u{}.c", base, i);
    o_paths[i] = fmt::format("{}.u{}.o", base, i);
    logs[i] = fmt::format("{}.u{}.log", base, i);
    files->insert(files->end(), {c_paths[i], o_paths[i], logs[i]});
    if (!write_file(c_paths[i], units[i])) {
      *log = "cannot write " + c_paths[i];
      return -1;
    }
  }
  // Biggest units first, so the last to finish is a small one.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; i++) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return units[a].size() > units[b].size(); });
  std::atomic<size_t> next{0};
  std::atomic<int> failed_unit{-1};
  std::vector<int> status(n, 0);
  auto worker = [&] {
    for (size_t k; (k = next.fetch_add(1)) < n && failed_unit.load() < 0 && !g_builds_canceled.load();) {
      size_t i = order[k];
      // Each compiler is bounded by its CPU-time limit (ulimit -t); the wall-clock bound is
      // looser: on a machine shared with other jobs a unit got 6% of a core and its 40 s of CPU
      // took over 10 minutes (the JS component's build failed on the 600 s wall limit).
      status[i] = run(compiler_argv(opt, {"-c", "-o", o_paths[i], c_paths[i]}), logs[i], nullptr,
                      kUnitWallTimeoutSec);
      if (status[i] != 0) {
        int none = -1;
        failed_unit.compare_exchange_strong(none, int(i));
      }
    }
  };
  std::vector<std::thread> threads;
  int jobs = std::min<int>(tier2_jobs(), int(n));
  for (int j = 1; j < jobs; j++) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (int f = failed_unit.load(); f >= 0) {
    read_file(logs[size_t(f)], log);
    *log = fmt::format("unit {} of {}: {}", f, n, *log);
    return status[size_t(f)];
  }
  if (g_builds_canceled.load()) return -1;
  std::vector<std::string> link = compiler_argv(opt, {"-shared", "-o", base + ".so"});
  link.insert(link.end(), o_paths.begin(), o_paths.end());
  int st = run(link, base + ".log", nullptr, kTimeoutSec);
  if (st != 0) read_file(base + ".log", log);
  return st;
}

}  // namespace

int tier2_jobs() {
  if (const char* e = std::getenv("WIRT_TIER2_JOBS"); e && std::atoi(e) > 0) return std::atoi(e);
  // Each compiler is capped at kMemoryLimitKb of address space; half of the available memory
  // bounds how many run at once, the core count bounds it too.
  int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  uint64_t avail = mem_available_kb();
  int by_memory = avail ? int(std::max<uint64_t>(1, avail / 2 / kMemoryLimitKb)) : 1;
  return std::max(1, std::min(cores, by_memory));
}

size_t tier2_unit_bytes(size_t c_size, int jobs) {
  if (const char* e = std::getenv("WIRT_TIER2_UNIT_KB"); e && std::atoll(e) > 0)
    return size_t(std::atoll(e)) << 10;
  if (c_size <= kSplitThreshold) return SIZE_MAX;
  // A few units per compiler so the compilers finish together; bounded so that no compiler
  // needs more than a fraction of its limit.
  size_t target = c_size / size_t(std::max(1, jobs) * 3);
  return std::clamp<size_t>(target, 512u << 10, kMaxUnitBytes);
}

const CompilerInfo& system_compiler() {
  static const CompilerInfo info = [] {
    CompilerInfo c;
    const char* env = std::getenv("WIRT_CC");
    c.command = env && *env ? env : "cc";
    std::string out;
    if (run({c.command, "--version"}, "", &out, 30) == 0) {
      c.available = true;
      c.version = out.substr(0, out.find('\n'));
    } else {
      core::log_warn("wasm: no C compiler ({}) found; modules run on tier 1 (libtcc) only",
                     c.command);
    }
    return c;
  }();
  return info;
}

std::string cache_dir() {
  if (const char* d = std::getenv("WIRT_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/wirt";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/wirt";
  return "/tmp/wirt-cache";
}

std::string tier2_key(std::string_view module_sha256, bool guard_pages) {
  const CompilerInfo& cc = system_compiler();
  core::Sha256 h;
  // The runtime text compiled into every module is part of the key, so editing rt_prelude.h
  // or rt_abi.h invalidates cached objects without a manual version bump (edits to the glue in
  // c_glue.cc still need WIRT_ABI_VERSION bumped).
  static const std::string runtime_text_hash =
      core::sha256_hex(std::string(kRtAbiText) + std::string(kRtPreludeText));
  h.update(fmt::format("wirt-tier2\nengine={}\nabi={}\nruntime={}\ncc={}\nflags={}\nguard={}\nmodule={}\n",
                       WIRT_ENGINE_VERSION, WIRT_ABI_VERSION, runtime_text_hash, cc.version, kFlags,
                       guard_pages ? 1 : 0, module_sha256));
  return h.finish_hex();
}

std::string tier2_path(std::string_view key) { return fmt::format("{}/{}.so", cache_dir(), key); }

core::Result<std::shared_ptr<const Code>> load_cached_object(const std::string& path, std::string_view magic,
                                                             std::string_view key, int tier, bool embeds_key,
                                                             bool guard_pages, std::string_view name) {
  auto reject = [&](std::string_view why) -> core::Error {
    core::log_warn("wasm: {}: ignoring cached tier-{} object {} ({}); rebuilding it", name, tier, path, why);
    remove_cache_file(path);
    return core::not_found("cache entry rejected");
  };
  std::string why;
  if (!verify_cache_file(path, magic, key, &why)) {
    if (why.empty()) return core::not_found("not cached");
    return reject(why);
  }
  // The dynamic linker maps the code (no libtcc, no lock); the trailer after the ELF image is
  // never looked at.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return reject(fmt::format("dlopen: {}", dlerror()));
  std::shared_ptr<void> keep(handle, DlCloser{});
  auto entry = reinterpret_cast<wirt_module_entry_fn>(dlsym(handle, WIRT_MODULE_ENTRY_NAME));
  if (!entry) return reject("no entry point");
  const wirt_module_desc* desc = entry(rt::api());
  if (!desc) return reject("ABI version mismatch");
  if (embeds_key && std::string_view(desc->key) != key) return reject("embedded key mismatch");
  auto code = std::make_shared<Code>();
  code->desc = desc;
  code->tier = tier;
  code->guard_pages = guard_pages;
  code->keepalive = std::move(keep);
  return std::shared_ptr<const Code>(std::move(code));
}

core::Result<std::shared_ptr<const Code>> load_tier2(std::string_view key, bool guard_pages,
                                                     std::string_view name) {
  return load_cached_object(tier2_path(key), kMagic, key, 2, /*embeds_key=*/true, guard_pages, name);
}

core::Result<std::shared_ptr<const Code>> build_tier2(const std::string& c_source,
                                                      std::string_view key, bool guard_pages,
                                                      std::string_view name) {
  const CompilerInfo& cc = system_compiler();
  if (!cc.available) return core::unavailable("no C compiler");
  if (g_builds_canceled.load()) return core::canceled("process exiting");
  std::string dir = cache_dir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return core::unavailable(fmt::format("cannot create cache dir {}: {}", dir, ec.message()));
  remove_abandoned_temp_files(dir);
  std::string base = fmt::format("{}/.tmp-{}-{}-{}", dir, key.substr(0, 16), getpid(),
                                 g_tmp_counter.fetch_add(1));
  std::string c_path = base + ".c", so_path = base + ".so", log_path = base + ".log";
  std::vector<std::string> extra_files;  // the units' .c, .o and .log files
  auto cleanup = [&] {
    std::error_code e;
    fs::remove(c_path, e);
    fs::remove(so_path, e);
    fs::remove(log_path, e);
    for (const auto& f : extra_files) fs::remove(f, e);
  };
  std::string opt = opt_flag(c_source.size());
  std::vector<std::string> units =
      split_c_units(c_source, tier2_unit_bytes(c_source.size(), tier2_jobs()));
  if (units.empty() && !write_file(c_path, c_source)) {
    cleanup();
    return core::unavailable(fmt::format("cannot write {}", c_path));
  }
  std::string log;
  auto fail = [&](int status) {
    cleanup();
    return core::internal(fmt::format("{}: tier-2 compile failed ({}): {}", name,
                                      status < 0 ? "timeout or spawn failure" : "exit " + std::to_string(status),
                                      tail(log, 1500)));
  };
  int status = units.empty()
                   ? run(compiler_argv(opt, {"-o", so_path, c_path}), log_path, nullptr, kTimeoutSec)
                   : build_units(units, base, opt, &log, &extra_files);
  if (g_builds_canceled.load()) {
    cleanup();
    return core::canceled("process exiting");
  }
  if (status != 0) {
    if (units.empty()) read_file(log_path, &log);
    return fail(status);
  }
  if (!fs::exists(so_path)) {
    cleanup();
    return core::internal("tier-2 compiler produced no output");
  }
  if (!seal_cache_file(so_path, kMagic, key)) {
    cleanup();
    return core::unavailable("cannot write the tier-2 object");
  }
  chmod(so_path.c_str(), 0444);  // cache entries are never modified in place
  fs::rename(so_path, tier2_path(key), ec);
  cleanup();
  if (ec) return core::unavailable(fmt::format("cannot install tier-2 object: {}", ec.message()));
  return load_tier2(key, guard_pages, name);
}

void cancel_tier2_builds() { g_builds_canceled.store(true); }

}  // namespace wirt::wasm
