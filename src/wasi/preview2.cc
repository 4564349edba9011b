#include "wasi/preview2.h"

#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstring>

#include "sched/scheduler.h"
#include "wasi/call_state.h"

namespace wirt::wasi {

namespace {

using component::HostCall;
using core::Value;

// Host versions registered (reference-wasm-runtime §7.1); any guest 0.2.x is served by them.
constexpr const char* kIo = "wasi:io/";
constexpr const char* kV = "@0.2.8";

CallState& state(HostCall& call) { return *static_cast<CallState*>(call.user_data); }

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Value ok(Value v = Value(true)) {
  Value r = Value::map();
  r.set("ok", std::move(v));
  return r;
}

uint32_t new_pollable(CallState& st, int64_t deadline_ns) {
  uint32_t rep = st.next_rep++;
  st.pollables[rep] = Pollable{deadline_ns};
  return rep;
}

// Suspends the calling fiber until `deadline_ns` (never blocks the worker thread), or fails
// with Timeout at the call's own deadline if that comes first.
core::Status wait_until(CallState& st, int64_t deadline_ns) {
  int64_t now = steady_ns();
  if (deadline_ns <= now) return {};
  if (!sched::this_fiber::sleep_for(core::Nanos(deadline_ns - now), sched::deadline_from_ns(st.deadline_ns)))
    return core::timeout("execution time limit exceeded (while waiting)");
  return {};
}

std::string random_bytes(uint64_t n) {
  std::string out(static_cast<size_t>(std::min<uint64_t>(n, 1u << 26)), '\0');
  for (size_t done = 0; done < out.size();) {
    ssize_t got = getrandom(out.data() + done, out.size() - done, 0);
    if (got > 0) done += static_cast<size_t>(got);
  }
  return out;
}

uint64_t random_u64() {
  uint64_t v;
  std::string b = random_bytes(8);
  std::memcpy(&v, b.data(), 8);
  return v;
}

using Impl = core::Result<Value> (*)(HostCall&, const core::Array&);

void add(component::HostImports& imports, const std::string& iface, const char* func, Impl fn) {
  imports.add(iface + "#" + func, {nullptr, [fn](HostCall& c, const core::Array& a) { return fn(c, a); }});
}

Value as_u64(uint64_t v) { return Value(static_cast<int64_t>(v & 0x7fffffffffffffffull)); }

void define_poll(component::HostImports& imports) {
  const std::string poll = std::string(kIo) + "poll" + kV;
  add(imports, poll, "[method]pollable.ready", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    auto it = state(c).pollables.find(static_cast<uint32_t>(a[0].as_int()));
    return Value(it == state(c).pollables.end() || it->second.deadline_ns <= steady_ns());
  });
  add(imports, poll, "[method]pollable.block", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    auto it = state(c).pollables.find(static_cast<uint32_t>(a[0].as_int()));
    if (it != state(c).pollables.end()) WIRT_TRY(wait_until(state(c), it->second.deadline_ns));
    return Value();
  });
  add(imports, poll, "[resource-drop]pollable", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    state(c).pollables.erase(static_cast<uint32_t>(a[0].as_int()));
    return Value();
  });
  // poll(in: list<borrow<pollable>>) -> list<u32>: waits for the first ready, returns all ready.
  add(imports, poll, "poll", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    const auto& list = a[0].as_array();
    if (list.empty()) return core::invalid("wasi:io/poll.poll: empty list");
    int64_t earliest = INT64_MAX;
    for (const auto& h : list) {
      auto it = state(c).pollables.find(static_cast<uint32_t>(h.as_int()));
      earliest = std::min(earliest, it == state(c).pollables.end() ? 0 : it->second.deadline_ns);
    }
    WIRT_TRY(wait_until(state(c), earliest));
    int64_t now = steady_ns();
    core::Array ready;
    for (size_t i = 0; i < list.size(); ++i) {
      auto it = state(c).pollables.find(static_cast<uint32_t>(list[i].as_int()));
      if (it == state(c).pollables.end() || it->second.deadline_ns <= now) ready.emplace_back(static_cast<int64_t>(i));
    }
    return Value(std::move(ready));
  });
}

void define_clocks(component::HostImports& imports) {
  const std::string mono = "wasi:clocks/monotonic-clock@0.2.8";
  add(imports, mono, "now", [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(steady_ns()); });
  add(imports, mono, "resolution", [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(1); });
  add(imports, mono, "subscribe-duration", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    return Value(int64_t{new_pollable(state(c), steady_ns() + a[0].as_int())});
  });
  add(imports, mono, "subscribe-instant", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    return Value(int64_t{new_pollable(state(c), a[0].as_int())});
  });
  const std::string wall = "wasi:clocks/wall-clock@0.2.3";
  add(imports, wall, "now", [](HostCall&, const core::Array&) -> core::Result<Value> {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    Value dt = Value::map();
    dt.set("seconds", Value(static_cast<int64_t>(ts.tv_sec)));
    dt.set("nanoseconds", Value(static_cast<int64_t>(ts.tv_nsec)));
    return dt;
  });
  add(imports, wall, "resolution", [](HostCall&, const core::Array&) -> core::Result<Value> {
    Value dt = Value::map();
    dt.set("seconds", Value(0));
    dt.set("nanoseconds", Value(1));
    return dt;
  });
}

void define_random(component::HostImports& imports) {
  for (const char* iface : {"wasi:random/random@0.2.0", "wasi:random/insecure@0.2.0"}) {
    bool secure = std::string_view(iface).find("insecure") == std::string_view::npos;
    add(imports, iface, secure ? "get-random-bytes" : "get-insecure-random-bytes",
        [](HostCall&, const core::Array& a) -> core::Result<Value> {
          return Value(core::Bytes{random_bytes(static_cast<uint64_t>(a[0].as_int()))});
        });
    add(imports, iface, secure ? "get-random-u64" : "get-insecure-random-u64",
        [](HostCall&, const core::Array&) -> core::Result<Value> { return as_u64(random_u64()); });
  }
  add(imports, "wasi:random/insecure-seed@0.2.0", "insecure-seed", [](HostCall&, const core::Array&) -> core::Result<Value> {
    return Value(core::Array{as_u64(random_u64()), as_u64(random_u64())});
  });
}

// Stream reps: 0 stdin, 1 stdout, 2 stderr.
void define_cli(component::HostImports& imports) {
  const std::string v = "@0.2.3";
  add(imports, "wasi:cli/environment" + v, "get-environment", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    core::Array out;
    for (const auto& [k, val] : state(c).env.env) out.emplace_back(core::Array{Value(k), Value(val)});
    return Value(std::move(out));
  });
  add(imports, "wasi:cli/environment" + v, "get-arguments", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    core::Array out;
    for (const auto& arg : state(c).env.args) out.emplace_back(arg);
    return Value(std::move(out));
  });
  add(imports, "wasi:cli/environment" + v, "initial-cwd", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    if (state(c).env.cwd.empty()) return Value();
    return Value(state(c).env.cwd);
  });
  add(imports, "wasi:cli/exit" + v, "exit", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    int code = a[0].find("ok") ? 0 : 1;
    state(c).env.exit_code = code;
    return exit_error(code);
  });
  add(imports, "wasi:cli/stdin" + v, "get-stdin", [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(0); });
  add(imports, "wasi:cli/stdout" + v, "get-stdout", [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(1); });
  add(imports, "wasi:cli/stderr" + v, "get-stderr", [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(2); });
  for (const char* t : {"wasi:cli/terminal-stdin", "wasi:cli/terminal-stdout", "wasi:cli/terminal-stderr"}) {
    std::string iface(t);
    std::string name = "get-" + iface.substr(iface.rfind('/') + 1);
    imports.add(std::string(t) + v + "#" + name, {[](const core::Array&) -> core::Result<Value> { return Value(); }, nullptr});
  }
}

core::Result<Value> write_stream(HostCall& c, const core::Array& a) {
  int64_t rep = a[0].as_int();
  std::string_view data = a[1].is_bytes() ? std::string_view(a[1].as_bytes().data) : std::string_view(a[1].as_string());
  if (rep == 1 || rep == 2) WIRT_TRY(state(c).env.write(int(rep), data));
  return ok();
}

void define_io(component::HostImports& imports) {
  const std::string streams = std::string(kIo) + "streams" + kV;
  add(imports, streams, "[method]output-stream.check-write",
      [](HostCall&, const core::Array&) -> core::Result<Value> { return ok(Value(int64_t{1} << 20)); });
  add(imports, streams, "[method]output-stream.write", write_stream);
  add(imports, streams, "[method]output-stream.blocking-write-and-flush", write_stream);
  add(imports, streams, "[method]output-stream.flush", [](HostCall&, const core::Array&) -> core::Result<Value> { return ok(); });
  add(imports, streams, "[method]output-stream.blocking-flush",
      [](HostCall&, const core::Array&) -> core::Result<Value> { return ok(); });
  add(imports, streams, "[method]output-stream.subscribe", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    return Value(int64_t{new_pollable(state(c), 0)});
  });
  // stdin: the terminal's for a command; a plain call's stdin is empty (stream-error.closed).
  auto read = [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    CallState& st = state(c);
    auto got = st.env.read_stdin(static_cast<size_t>(a[1].as_int()), st.deadline_ns);
    if (!got) return std::move(got).error();
    std::string data = std::move(*got);
    if (data.empty()) {
      Value r = Value::map();
      r.set("err", Value("closed"));
      return r;
    }
    return ok(Value(core::Bytes{std::move(data)}));
  };
  add(imports, streams, "[method]input-stream.read", read);
  add(imports, streams, "[method]input-stream.blocking-read", read);
  add(imports, streams, "[method]input-stream.subscribe", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    return Value(int64_t{new_pollable(state(c), 0)});
  });
  for (const char* r : {"[resource-drop]output-stream", "[resource-drop]input-stream"}) {
    add(imports, streams, r, [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(); });
  }
  add(imports, std::string(kIo) + "error" + kV, "[method]error.to-debug-string",
      [](HostCall&, const core::Array&) -> core::Result<Value> { return Value("stream error"); });
}

// wasi:filesystem: no mounts are provided yet, so a guest sees no preopened directories (the
// preview-1 adapter asks for them at start-up).
void define_filesystem(component::HostImports& imports) {
  add(imports, "wasi:filesystem/preopens@0.2.3", "get-directories",
      [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(core::Array{}); });
}

}  // namespace

bool is_preview2_group(const std::string& g) {
  return g == "wasi:io" || g == "wasi:poll" || g == "wasi:clocks" || g == "wasi:cli" || g == "wasi:random" ||
         g == "wasi:filesystem";
}

void define_preview2(component::HostImports& imports, const std::vector<std::string>& groups) {
  auto has = [&](const char* g) { return std::find(groups.begin(), groups.end(), g) != groups.end(); };
  if (has("wasi:poll")) define_poll(imports);
  if (has("wasi:clocks")) define_clocks(imports);
  if (has("wasi:random")) define_random(imports);
  if (has("wasi:cli")) define_cli(imports);
  if (has("wasi:io")) define_io(imports);
  if (has("wasi:filesystem")) define_filesystem(imports);
}

}  // namespace wirt::wasi
