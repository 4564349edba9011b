// The `funcs` module (reference-platform §3 "funcs"): call, async + Future, new() executors.
// Executor options: `timeout` (each attempt's deadline, never later than the caller's) and
// `retry` (retry_policy.h), applied to call and async alike.
#include <mutex>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "lua/channel_module.h"
#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/retry_policy.h"
#include "lua/runtime.h"

namespace wirt::lua {

namespace {

constexpr const char* kExecutorClass = "wirt.funcs.executor";
constexpr const char* kFutureClass = "wirt.funcs.future";

// Overrides an executor applies over the caller's context.
struct Executor {
  core::Value values = core::Value::map();
  std::optional<sched::Actor> actor;
  std::optional<std::vector<std::string>> scope;
  core::Value options = core::Value::map();
  std::optional<RetryPolicy> retry;  // parsed from options.retry by with_options
};

struct FutureState {
  std::mutex mu;
  bool done = false;
  bool canceled = false;
  std::optional<core::Error> error;
  core::Value value;
  std::shared_ptr<sched::Channel> channel = sched::Channel::make(1);
};

struct Future {
  std::shared_ptr<FutureState> state;
};

const sched::CallContext& caller_context(lua_State* L) {
  const void* c = state_env(L)->call;
  if (!c) luaL_error(L, "funcs used outside a function call");
  return *static_cast<const sched::CallContext*>(c);
}

// Checks the target id as the reference does (funcs/module.go validateTarget).
std::optional<core::Error> validate_target(const char* target) {
  std::string_view t = target ? target : "";
  if (t.empty()) return core::invalid("function ID required");
  size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0) return core::invalid(fmt::format("function ID must contain a namespace: {}", t));
  if (colon + 1 == t.size()) return core::invalid(fmt::format("function ID must contain a name: {}", t));
  return std::nullopt;
}

sched::CallContext apply(const sched::CallContext& base, const Executor* ex) {
  sched::CallContext ctx = base;
  if (!ex) return ctx;
  for (const auto& [k, v] : ex->values.as_map()) ctx.values.set(k, v);
  if (ex->actor) ctx.actor = ex->actor;
  if (ex->scope) ctx.scope = ex->scope;
  ctx.options = ex->options;
  // with_options{timeout = d}: the callee's deadline, never later than the caller's.
  if (const core::Value* t = ex->options.find("timeout"); t && (t->is_string() || t->is_number())) {
    core::Result<core::Nanos> d = t->is_string() ? core::parse_duration(t->as_string())
                                                 : core::Result<core::Nanos>(core::Nanos(int64_t(t->as_number())));
    if (d) {
      auto at = sched::CallContext::Clock::now() + *d;
      if (!ctx.deadline || at < *ctx.deadline) ctx.deadline = at;
    }
  }
  return ctx;
}

double random_unit() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// Calls `id` under the executor's options. Each attempt gets a fresh `timeout` deadline (bounded
// by the caller's); a failure the retry policy accepts is tried again after its backoff, as
// long as the caller's own deadline leaves room for the wait (the reference stops retrying
// when its context ends).
core::Result<core::Value> call_with_options(const sched::FunctionTable* functions, const sched::CallContext& base,
                                            const Executor& ex, const std::string& id, const core::Array& args) {
  for (int attempt = 1;; ++attempt) {
    auto r = functions->call(apply(base, &ex), id, args);
    if (r || !ex.retry || attempt >= ex.retry->max_attempts || !ex.retry->should_retry(r.error())) return r;
    core::Nanos wait = ex.retry->delay(attempt, random_unit());
    if (base.deadline && sched::CallContext::Clock::now() + wait >= *base.deadline) return r;
    if (!sched::this_fiber::sleep_for(wait, base.deadline)) return r;
  }
}

void complete(const std::shared_ptr<FutureState>& st, core::Result<core::Value> r) {
  {
    std::lock_guard lock(st->mu);
    if (st->canceled) return;
    st->done = true;
    if (r) st->value = *r;
    else st->error = std::move(r).error();
  }
  if (r) st->channel->try_send(std::move(*r));
  else st->channel->close();
}

// "argument N", the path conversion errors name: made once for the usual counts rather than
// formatted on every call (an allocation per argument on the hot path).
const std::string& argument_label(int n, std::string& scratch) {
  static const std::vector<std::string> labels = [] {
    std::vector<std::string> v;
    for (int i = 0; i <= 16; ++i) v.push_back("argument " + std::to_string(i));
    return v;
  }();
  if (n >= 0 && size_t(n) < labels.size()) return labels[size_t(n)];
  scratch = "argument " + std::to_string(n);
  return scratch;
}

// Shared body of funcs.call / funcs.async / executor:call / executor:async.
// Stack: [target, args...] starting at `first`.
int invoke(lua_State* L, int first, const Executor* ex, bool async) {
  const char* target = lua_tostring(L, first);
  if (auto bad = validate_target(target)) return push_nil_error(L, std::move(*bad));
  std::string id = target;
  int top = lua_gettop(L);
  core::Array args;
  args.reserve(static_cast<size_t>(std::max(0, top - first)));
  std::string scratch;
  for (int i = first + 1; i <= top; ++i) {
    if (append_scalar(L, i, args)) continue;
    auto v = to_value(L, i, argument_label(i - first, scratch));
    if (!v) return push_nil_error(L, std::move(v).error());
    args.push_back(std::move(*v));
  }
  LuaRuntime* rt = state_env(L)->runtime;
  // Authorization happens at the caller (reference-platform §5): funcs.call on the target.
  if (auto st = rt->policies()->check(caller_context(L), "funcs.call", id); !st) {
    return push_nil_error(L, std::move(st).error());
  }
  if (!async) {
    // A plain funcs.call needs no copy of the caller's context (the table forks it once).
    auto r = ex ? call_with_options(rt->functions(), caller_context(L), *ex, id, args)
                : rt->functions()->call(caller_context(L), id, args);
    if (!r) return push_nil_error(L, std::move(r).error());
    push_value_in_free_slot(L, *r);
    return 1;
  }
  if (!rt->functions()->callable(id)) {
    return push_nil_error(L, core::not_found(fmt::format("no handler registered for target: {}", id)));
  }
  sched::CallContext ctx = caller_context(L);
  ctx.held_pools.reset();  // another fiber: waiting for an instance the caller holds is fine
  auto st = std::make_shared<FutureState>();
  const sched::FunctionTable* functions = rt->functions();
  Executor options = ex ? *ex : Executor{};
  rt->scheduler()->spawn([st, ctx = std::move(ctx), id = std::move(id), args = std::move(args), functions,
                          options = std::move(options)] {
    complete(st, call_with_options(functions, ctx, options, id, args));
  });
  new_udata<Future>(L, kFutureClass, Future{std::move(st)});
  return 1;
}

int funcs_call(lua_State* L) { return invoke(L, 1, nullptr, false); }
int funcs_async(lua_State* L) { return invoke(L, 1, nullptr, true); }

Executor* check_executor(lua_State* L) { return check_udata<Executor>(L, 1, kExecutorClass); }

int funcs_new(lua_State* L) {
  new_udata<Executor>(L, kExecutorClass);
  return 1;
}

// Checks the permission an executor builder needs (funcs.context / funcs.security).
bool builder_allowed(lua_State* L, const char* action, const char* resource) {
  return state_env(L)->runtime->policies()->allowed(caller_context(L), action, resource);
}

int ex_with_context(lua_State* L) {
  Executor next = *check_executor(L);
  if (!builder_allowed(L, "funcs.context", "context")) return push_nil_error(L, core::permission_denied("not allowed: context"));
  luaL_checktype(L, 2, LUA_TTABLE);
  auto v = to_value(L, 2, "context");
  if (!v) return push_nil_error(L, std::move(v).error());
  if (v->is_map()) {
    for (auto& [k, e] : v->as_map()) next.values.set(k, e);
  } else if (!(v->is_array() && v->as_array().empty())) {
    return push_nil_error(L, core::invalid("with_context expects a table of named values"));
  }
  new_udata<Executor>(L, kExecutorClass, std::move(next));
  return 1;
}

int ex_with_actor(lua_State* L) {
  Executor next = *check_executor(L);
  luaL_argcheck(L, !lua_isnoneornil(L, 2), 2, "actor required");
  if (!builder_allowed(L, "funcs.security", "security")) return push_nil_error(L, core::permission_denied("not allowed: security"));
  auto actor = to_actor(L, 2);
  if (!actor) return luaL_argerror(L, 2, "actor must be an Actor or a table with a string id");
  next.actor = std::move(*actor);
  new_udata<Executor>(L, kExecutorClass, std::move(next));
  return 1;
}

int ex_with_scope(lua_State* L) {
  Executor next = *check_executor(L);
  luaL_argcheck(L, !lua_isnoneornil(L, 2), 2, "scope required");
  if (!builder_allowed(L, "funcs.security", "security")) return push_nil_error(L, core::permission_denied("not allowed: security"));
  auto policies = to_policy_list(L, 2);
  if (!policies) return luaL_argerror(L, 2, "scope must be a list of policy ids");
  next.scope = std::move(*policies);
  new_udata<Executor>(L, kExecutorClass, std::move(next));
  return 1;
}

int ex_with_options(lua_State* L) {
  Executor next = *check_executor(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  auto v = to_value(L, 2, "options");
  if (!v) return push_nil_error(L, std::move(v).error());
  if (v->is_map()) next.options = std::move(*v);
  auto retry = RetryPolicy::from_options(next.options);
  if (!retry) return push_nil_error(L, std::move(retry).error());
  next.retry = std::move(*retry);
  new_udata<Executor>(L, kExecutorClass, std::move(next));
  return 1;
}

int ex_call(lua_State* L) { return invoke(L, 2, check_executor(L), false); }
int ex_async(lua_State* L) { return invoke(L, 2, check_executor(L), true); }

FutureState& check_future(lua_State* L) { return *check_udata<Future>(L, 1, kFutureClass)->state; }

int fut_channel(lua_State* L) {
  push_channel(L, check_future(L).channel, ChannelView::Payloads);
  return 1;
}

int fut_is_complete(lua_State* L) {
  FutureState& st = check_future(L);
  std::lock_guard lock(st.mu);
  lua_pushboolean(L, st.done);
  return 1;
}

int fut_is_canceled(lua_State* L) {
  FutureState& st = check_future(L);
  std::lock_guard lock(st.mu);
  lua_pushboolean(L, st.canceled);
  return 1;
}

int fut_result(lua_State* L) {
  FutureState& st = check_future(L);
  std::unique_lock lock(st.mu);
  if (st.canceled) {
    lock.unlock();
    return push_nil_error(L, core::canceled("future canceled"));
  }
  if (!st.done) {
    lua_pushnil(L);
    lua_pushnil(L);
    return 2;
  }
  if (st.error) {
    core::Error e = *st.error;
    lock.unlock();
    return push_nil_error(L, std::move(e));
  }
  core::Value v = st.value;
  lock.unlock();
  push_payload(L, std::move(v));
  return 1;
}

int fut_error(lua_State* L) {
  FutureState& st = check_future(L);
  std::unique_lock lock(st.mu);
  std::optional<core::Error> e = st.canceled ? std::optional<core::Error>(core::canceled("future canceled")) : st.error;
  lock.unlock();
  if (!e) {
    lua_pushnil(L);
    lua_pushboolean(L, 0);
    return 2;
  }
  push_error(L, std::move(*e));
  lua_pushboolean(L, 1);
  return 2;
}

// Best effort, as the reference: the running call is not interrupted, its result is dropped.
int fut_cancel(lua_State* L) {
  FutureState& st = check_future(L);
  bool was_done;
  {
    std::lock_guard lock(st.mu);
    was_done = st.done;
    if (!was_done) st.canceled = true;
  }
  if (!was_done) st.channel->close();
  lua_pushboolean(L, !was_done);
  return 1;
}

}  // namespace

int open_funcs(lua_State* L) {
  static const luaL_Reg ex_methods[] = {
      {"with_context", ex_with_context}, {"with_actor", ex_with_actor}, {"with_scope", ex_with_scope},
      {"with_options", ex_with_options}, {"call", ex_call},             {"async", ex_async},
      {nullptr, nullptr},
  };
  define_class(L, kExecutorClass, ex_methods, destroy_udata<Executor>);
  static const luaL_Reg fut_methods[] = {
      {"response", fut_channel},  {"channel", fut_channel}, {"is_complete", fut_is_complete},
      {"is_canceled", fut_is_canceled}, {"result", fut_result}, {"error", fut_error},
      {"cancel", fut_cancel},     {nullptr, nullptr},
  };
  define_class(L, kFutureClass, fut_methods, destroy_udata<Future>);
  static const luaL_Reg funcs[] = {
      {"call", funcs_call}, {"async", funcs_async}, {"new", funcs_new}, {nullptr, nullptr},
  };
  luaL_newlib(L, funcs);
  return 1;
}

}  // namespace wirt::lua
