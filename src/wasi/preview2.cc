#include "wasi/preview2.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstring>

#include "sched/scheduler.h"
#include "wasi/call_state.h"
#include "wasi/filesystem_types.h"
#include "wasi/sockets.h"
#include "wasi/random.h"
#include "wasi/try_let.h"

namespace wirt::wasi {

namespace {

using component::HostCall;
using core::Value;

// Host versions registered (reference-wasm-runtime §7.1); any guest 0.2.x is served by them.
constexpr const char* kIo = "wasi:io/";
constexpr const char* kV = "@0.2.8";

CallState& state(HostCall& call) { return *static_cast<CallState*>(call.user_data); }

// A resource drop may also run from ComponentInstance::reset() for resources a guest left
// behind (after a trap), when no call is running and user_data is null: nothing to clean then.
CallState* state_if_any(HostCall& call) { return static_cast<CallState*>(call.user_data); }

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Value ok(Value v = Value(true)) {
  Value r = Value::map();
  r.set("ok", std::move(v));
  return r;
}

core::Result<Value> new_pollable(CallState& st, int64_t deadline_ns) {
  Pollable p;
  p.deadline_ns = deadline_ns;
  WIRT_TRY_LET(rep, st.add_pollable(std::move(p)));
  return Value(int64_t{rep});
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

uint64_t random_u64() {
  uint64_t v = 0;
  (void)fill_random(reinterpret_cast<uint8_t*>(&v), sizeof v, 0);  // 8 bytes: no deadline to miss
  return v;
}

using Impl = core::Result<Value> (*)(HostCall&, const core::Array&);

void add(component::HostImports& imports, const std::string& iface, const char* func, Impl fn) {
  imports.add(iface + "#" + func, {nullptr, [fn](HostCall& c, const core::Array& a) { return fn(c, a); }});
}

Value as_u64(uint64_t v) { return Value(static_cast<int64_t>(v & 0x7fffffffffffffffull)); }

bool is_ready(const Pollable& p) { return p.ready ? p.ready() : p.deadline_ns <= steady_ns(); }

// Suspends until `p` is ready (a pollable the guest already dropped counts as ready).
core::Status block_on(CallState& st, const Pollable& p) {
  if (p.ready) return p.ready() ? core::ok_status() : p.block();
  return wait_until(st, p.deadline_ns);
}

void define_poll(component::HostImports& imports) {
  const std::string poll = std::string(kIo) + "poll" + kV;
  add(imports, poll, "[method]pollable.ready", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    auto it = state(c).pollables.find(static_cast<uint32_t>(a[0].as_int()));
    return Value(it == state(c).pollables.end() || is_ready(it->second));
  });
  add(imports, poll, "[method]pollable.block", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    auto it = state(c).pollables.find(static_cast<uint32_t>(a[0].as_int()));
    if (it != state(c).pollables.end()) WIRT_TRY(block_on(state(c), Pollable(it->second)));
    return Value();
  });
  add(imports, poll, "[resource-drop]pollable", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    if (CallState* st = state_if_any(c)) st->pollables.erase(static_cast<uint32_t>(a[0].as_int()));
    return Value();
  });
  // poll(in: list<borrow<pollable>>) -> list<u32>: waits for the first ready, returns all ready.
  // A stream pollable's wait cannot be raced against a timer (the fiber is suspended inside the
  // stream's read), so when nothing is ready the first stream pollable is waited for if there
  // is one, else the earliest deadline.
  add(imports, poll, "poll", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    CallState& st = state(c);
    const auto& list = a[0].as_array();
    if (list.empty()) return core::invalid("wasi:io/poll.poll: empty list");
    auto find = [&](size_t i) -> const Pollable* {
      auto it = st.pollables.find(static_cast<uint32_t>(list[i].as_int()));
      return it == st.pollables.end() ? nullptr : &it->second;
    };
    auto ready_ones = [&] {
      core::Array ready;
      for (size_t i = 0; i < list.size(); ++i) {
        const Pollable* p = find(i);
        if (!p || is_ready(*p)) ready.emplace_back(static_cast<int64_t>(i));
      }
      return ready;
    };
    core::Array ready = ready_ones();
    if (!ready.empty()) return Value(std::move(ready));
    const Pollable* stream = nullptr;
    int64_t earliest = INT64_MAX;
    for (size_t i = 0; i < list.size(); ++i) {
      const Pollable* p = find(i);
      if (p->ready && !stream) stream = p;
      if (!p->ready) earliest = std::min(earliest, p->deadline_ns);
    }
    if (stream) WIRT_TRY(block_on(st, Pollable(*stream)));
    else WIRT_TRY(wait_until(st, earliest));
    return Value(ready_ones());
  });
}

void define_clocks(component::HostImports& imports) {
  const std::string mono = "wasi:clocks/monotonic-clock@0.2.8";
  add(imports, mono, "now", [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(steady_ns()); });
  add(imports, mono, "resolution", [](HostCall&, const core::Array&) -> core::Result<Value> { return Value(1); });
  add(imports, mono, "subscribe-duration", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    return new_pollable(state(c), steady_ns() + a[0].as_int());
  });
  add(imports, mono, "subscribe-instant", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    return new_pollable(state(c), a[0].as_int());
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
        [](HostCall& c, const core::Array& a) -> core::Result<Value> {
          // (a u64 past 2^63-1 already trapped while lifting: a[0] is non-negative)
          WIRT_TRY_LET(bytes, random_result(c.instance, static_cast<uint64_t>(a[0].as_int()), state(c).deadline_ns,
                                            c.function.name));
          return Value(core::Bytes{std::move(bytes)});
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

Value stream_closed() {
  Value r = Value::map();
  r.set("err", Value("closed"));
  return r;
}

// The end of a host stream: stream-error.closed, or last-operation-failed(error) when an I/O
// error ended it (the error resource's text, and its filesystem error-code: streams.h).
Value stream_ended(CallState& st, const std::optional<StreamFailure>& failure) {
  if (!failure) return stream_closed();
  uint32_t rep = st.next_rep++;
  st.errors[rep] = failure->message;
  if (!failure->fs_code.empty()) st.error_codes[rep] = failure->fs_code;
  Value e = Value::map();
  e.set("last-operation-failed", Value(int64_t{rep}));
  Value r = Value::map();
  r.set("err", std::move(e));
  return r;
}

std::string_view bytes_of(const Value& v) {
  return v.is_bytes() ? std::string_view(v.as_bytes().data) : std::string_view(v.as_string());
}

core::Result<Value> write_stream(HostCall& c, const core::Array& a) {
  int64_t rep = a[0].as_int();
  std::string_view data = bytes_of(a[1]);
  CallState& st = state(c);
  if (rep >= 3) {
    auto it = st.outputs.find(static_cast<uint32_t>(rep));
    if (it == st.outputs.end()) return stream_closed();
    auto open = it->second->write(data);
    if (!open) return std::move(open).error();
    return *open ? ok() : stream_ended(st, it->second->failure());
  }
  if (rep == 1 || rep == 2) WIRT_TRY(st.env.write(int(rep), data));
  return ok();
}

// Reads of stdin (rep 0: the terminal's for a command, empty for a plain call) or of a host
// stream. `skip` discards the bytes and returns their count (input-stream.skip).
core::Result<Value> read_stream(HostCall& c, const core::Array& a, bool skip, bool blocking) {
  CallState& st = state(c);
  auto rep = static_cast<uint32_t>(a[0].as_int());
  size_t max = static_cast<size_t>(std::min<int64_t>(a[1].as_int(), int64_t{1} << 20));
  std::string data;
  if (rep >= 3) {
    auto it = st.inputs.find(rep);
    if (it == st.inputs.end()) return stream_closed();
    if (max == 0) return ok(skip ? Value(0) : Value(core::Bytes{}));
    // wasi:io/streams `read`/`skip` never wait: "the list is empty when no bytes are available
    // for reading at this time" (the guest subscribes and polls). A guest that read while it
    // wrote to an echoing TCP peer waited forever here (Sockets.LargeTransferArrivesWhole).
    if (!blocking && !it->second->ready()) return ok(skip ? Value(0) : Value(core::Bytes{}));
    auto r = it->second->read(max);
    if (!r) return std::move(r).error();
    if (r->closed) return stream_ended(st, it->second->failure());
    data = std::move(r->data);
  } else {
    auto got = st.env.read_stdin(max, st.deadline_ns);  // ends at the call's deadline
    if (!got) return std::move(got).error();
    data = std::move(*got);
    if (data.empty()) return stream_closed();
  }
  if (skip) return ok(Value(static_cast<int64_t>(data.size())));
  return ok(Value(core::Bytes{std::move(data)}));
}

// output-stream.splice(src: borrow<input-stream>, len: u64) -> result<u64, stream-error>: moves
// up to `len` bytes from src to this stream (a read then a write: e.g. a proxy piping the
// request body into the response body). A closed source or destination is stream-error.closed.
core::Result<Value> splice_stream(HostCall& c, const core::Array& a, bool blocking) {
  core::Array read_args{a[1], Value(std::min<int64_t>(a[2].as_int(), int64_t{1} << 16))};
  if (read_args[1].as_int() == 0) return ok(Value(0));
  WIRT_TRY_LET(got, read_stream(c, read_args, false, blocking));
  const Value* data = got.find("ok");
  if (!data) return got;
  size_t n = bytes_of(*data).size();
  WIRT_TRY_LET(put, write_stream(c, core::Array{a[0], *data}));
  if (!put.find("ok")) return put;
  return ok(Value(static_cast<int64_t>(n)));
}

// output-stream.write-zeroes(len: u64): `len` zero bytes (at most one check-write window).
core::Result<Value> write_zeroes(HostCall& c, const core::Array& a) {
  std::string zeroes(static_cast<size_t>(std::clamp<int64_t>(a[1].as_int(), 0, int64_t{1} << 20)), '\0');
  return write_stream(c, core::Array{a[0], Value(core::Bytes{std::move(zeroes)})});
}

void define_io(component::HostImports& imports) {
  const std::string streams = std::string(kIo) + "streams" + kV;
  add(imports, streams, "[method]output-stream.splice",
      [](HostCall& c, const core::Array& a) { return splice_stream(c, a, false); });
  add(imports, streams, "[method]output-stream.blocking-splice",
      [](HostCall& c, const core::Array& a) { return splice_stream(c, a, true); });
  add(imports, streams, "[method]output-stream.write-zeroes", write_zeroes);
  add(imports, streams, "[method]output-stream.blocking-write-zeroes-and-flush", write_zeroes);
  add(imports, streams, "[method]output-stream.check-write", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    auto rep = static_cast<uint32_t>(a[0].as_int());
    if (rep >= 3) {
      auto it = state(c).outputs.find(rep);
      if (it == state(c).outputs.end()) return stream_closed();
      return ok(Value(static_cast<int64_t>(it->second->check_write())));
    }
    return ok(Value(int64_t{1} << 20));
  });
  add(imports, streams, "[method]output-stream.write", write_stream);
  add(imports, streams, "[method]output-stream.blocking-write-and-flush", write_stream);
  // Every write is flushed before it returns (streams.h), so there is nothing left to flush.
  add(imports, streams, "[method]output-stream.flush", [](HostCall&, const core::Array&) -> core::Result<Value> { return ok(); });
  add(imports, streams, "[method]output-stream.blocking-flush",
      [](HostCall&, const core::Array&) -> core::Result<Value> { return ok(); });
  add(imports, streams, "[method]output-stream.subscribe", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    return new_pollable(state(c), 0);
  });
  add(imports, streams, "[method]input-stream.read",
      [](HostCall& c, const core::Array& a) { return read_stream(c, a, false, false); });
  add(imports, streams, "[method]input-stream.blocking-read",
      [](HostCall& c, const core::Array& a) { return read_stream(c, a, false, true); });
  add(imports, streams, "[method]input-stream.skip",
      [](HostCall& c, const core::Array& a) { return read_stream(c, a, true, false); });
  add(imports, streams, "[method]input-stream.blocking-skip",
      [](HostCall& c, const core::Array& a) { return read_stream(c, a, true, true); });
  add(imports, streams, "[method]input-stream.subscribe", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    CallState& st = state(c);
    auto rep = static_cast<uint32_t>(a[0].as_int());
    Pollable p;
    if (rep >= 3) {
      // Ready when the stream has data or has ended; a stream already dropped is ready.
      CallState* s = &st;
      p.ready = [s, rep] {
        auto it = s->inputs.find(rep);
        return it == s->inputs.end() || it->second->ready();
      };
      p.block = [s, rep]() -> core::Status {
        auto it = s->inputs.find(rep);
        return it == s->inputs.end() ? core::ok_status() : it->second->wait();
      };
    }
    WIRT_TRY_LET(id, st.add_pollable(std::move(p)));
    return Value(int64_t{id});
  });
  add(imports, streams, "[resource-drop]output-stream", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    if (CallState* st = state_if_any(c)) st->outputs.erase(static_cast<uint32_t>(a[0].as_int()));
    return Value();
  });
  add(imports, streams, "[resource-drop]input-stream", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    if (CallState* st = state_if_any(c)) st->inputs.erase(static_cast<uint32_t>(a[0].as_int()));
    return Value();
  });
  const std::string error = std::string(kIo) + "error" + kV;
  add(imports, error, "[method]error.to-debug-string", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    auto it = state(c).errors.find(static_cast<uint32_t>(a[0].as_int()));
    return Value(it == state(c).errors.end() ? std::string("stream error") : it->second);
  });
  add(imports, error, "[resource-drop]error", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    if (CallState* st = state_if_any(c)) {
      st->errors.erase(static_cast<uint32_t>(a[0].as_int()));
      st->error_codes.erase(static_cast<uint32_t>(a[0].as_int()));
    }
    return Value();
  });
}

}  // namespace

bool is_preview2_group(const std::string& g) {
  return g == "wasi:io" || g == "wasi:poll" || g == "wasi:clocks" || g == "wasi:cli" || g == "wasi:random" ||
         g == "wasi:filesystem" || g == "wasi:sockets";
}

void define_preview2(component::HostImports& imports, const std::vector<std::string>& groups) {
  auto has = [&](const char* g) { return std::find(groups.begin(), groups.end(), g) != groups.end(); };
  if (has("wasi:poll")) define_poll(imports);
  if (has("wasi:clocks")) define_clocks(imports);
  if (has("wasi:random")) define_random(imports);
  if (has("wasi:cli")) define_cli(imports);
  if (has("wasi:io")) define_io(imports);
  if (has("wasi:filesystem")) define_filesystem(imports);  // filesystem_types.h
  if (has("wasi:sockets")) define_sockets(imports);
}

}  // namespace wirt::wasi
