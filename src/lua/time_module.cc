// The `time` module (reference-platform §3 "time"): sleep, after, now, durations; timer and
// ticker are in time_timers.cc.
// Durations are numbers of nanoseconds or Go duration strings ("5ms", "1h30m").
#include <chrono>

#include <boost/asio/steady_timer.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "lua/channel_module.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/state_limits.h"
#include "sched/scheduler.h"

namespace wirt::lua {

namespace {

constexpr const char* kTimeClass = "wirt.time";

struct Time {
  std::chrono::system_clock::time_point tp;
};

core::Nanos check_duration(lua_State* L, int idx) {
  auto d = to_duration(L, idx);
  if (!d) raise_error(L, std::move(d).error());
  return *d;
}

int time_sleep(lua_State* L) {
  core::Nanos d = check_duration(L, 1);
  if (!sched::this_fiber::active()) return luaL_error(L, "time.sleep outside a fiber");
  if (!sched::this_fiber::sleep_for(d, call_deadline(L))) raise_timeout(L);
  return 0;
}

// time.after(d): a channel that receives the firing time (unix nanoseconds) once.
int time_after(lua_State* L) {
  core::Nanos d = check_duration(L, 1);
  boost::asio::io_context* io = sched::Scheduler::current_io();
  if (!io) return luaL_error(L, "time.after outside a fiber");
  auto ch = sched::Channel::make(1);
  auto timer = std::make_shared<boost::asio::steady_timer>(*io, std::max(d, core::Nanos(0)));
  timer->async_wait([timer, ch](const boost::system::error_code&) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    ch->try_send(core::Value(static_cast<int64_t>(std::chrono::duration_cast<core::Nanos>(now).count())));
  });
  push_channel(L, std::move(ch));
  return 1;
}

void push_time(lua_State* L, std::chrono::system_clock::time_point tp) { new_udata<Time>(L, kTimeClass, Time{tp}); }
Time* check_time(lua_State* L, int idx) { return check_udata<Time>(L, idx, kTimeClass); }

int time_now(lua_State* L) {
  push_time(L, std::chrono::system_clock::now());
  return 1;
}

int time_unix(lua_State* L) {
  lua_Integer sec = luaL_checkinteger(L, 1);
  lua_Integer nsec = luaL_optinteger(L, 2, 0);
  push_time(L, std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
                   std::chrono::seconds(sec) + core::Nanos(nsec))));
  return 1;
}

int time_parse_duration(lua_State* L) {
  auto d = core::parse_duration(luaL_checkstring(L, 1));
  if (!d) return push_nil_error(L, std::move(d).error());
  lua_pushinteger(L, d->count());
  return 1;
}

int64_t unix_nanos(const Time& t) {
  return std::chrono::duration_cast<core::Nanos>(t.tp.time_since_epoch()).count();
}

int t_unix(lua_State* L) {
  lua_pushinteger(L, unix_nanos(*check_time(L, 1)) / 1000000000);
  return 1;
}
int t_unix_nano(lua_State* L) {
  lua_pushinteger(L, unix_nanos(*check_time(L, 1)));
  return 1;
}
// t:sub(u) -> nanoseconds between them
int t_sub(lua_State* L) {
  lua_pushinteger(L, unix_nanos(*check_time(L, 1)) - unix_nanos(*check_time(L, 2)));
  return 1;
}
int t_add(lua_State* L) {
  Time* t = check_time(L, 1);
  push_time(L, t->tp + std::chrono::duration_cast<std::chrono::system_clock::duration>(check_duration(L, 2)));
  return 1;
}
int t_format_rfc3339(lua_State* L) {
  Time* t = check_time(L, 1);
  auto secs = std::chrono::floor<std::chrono::seconds>(t->tp);
  std::string s = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(secs)));
  lua_pushlstring(L, s.data(), s.size());
  return 1;
}
int t_lt(lua_State* L) {
  lua_pushboolean(L, check_time(L, 1)->tp < check_time(L, 2)->tp);
  return 1;
}
int t_eq(lua_State* L) {
  lua_pushboolean(L, check_time(L, 1)->tp == check_time(L, 2)->tp);
  return 1;
}

}  // namespace

int open_time(lua_State* L) {
  static const luaL_Reg methods[] = {
      {"unix", t_unix}, {"unix_nano", t_unix_nano}, {"sub", t_sub}, {"add", t_add},
      {"format_rfc3339", t_format_rfc3339}, {"__tostring", t_format_rfc3339}, {"__lt", t_lt}, {"__eq", t_eq},
      {nullptr, nullptr},
  };
  define_class(L, kTimeClass, methods, destroy_udata<Time>);
  static const luaL_Reg funcs[] = {
      {"sleep", time_sleep}, {"after", time_after}, {"now", time_now}, {"unix", time_unix},
      {"parse_duration", time_parse_duration}, {nullptr, nullptr},
  };
  luaL_newlib(L, funcs);
  add_time_timers(L);
  static const std::pair<const char*, lua_Integer> kUnits[] = {
      {"NANOSECOND", 1}, {"MICROSECOND", 1000}, {"MILLISECOND", 1000000},
      {"SECOND", 1000000000}, {"MINUTE", 60000000000}, {"HOUR", 3600000000000},
  };
  for (const auto& [name, ns] : kUnits) {
    lua_pushinteger(L, ns);
    lua_setfield(L, -2, name);
  }
  return 1;
}

}  // namespace wirt::lua
