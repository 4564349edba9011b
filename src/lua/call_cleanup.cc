#include "lua/call_cleanup.h"

#include <string>

namespace wirt::lua {

namespace {
// Registry table: userdata -> cleanup function.
constexpr const char* kCleanupKey = "wirt.call_cleanup";
}  // namespace

void register_call_cleanup(lua_State* L, int idx, lua_CFunction cleanup) {
  idx = lua_absindex(L, idx);
  state_env(L)->call_cleanups = true;
  if (lua_getfield(L, LUA_REGISTRYINDEX, kCleanupKey) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, kCleanupKey);
  }
  lua_pushvalue(L, idx);
  lua_pushcfunction(L, cleanup);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

void run_call_cleanups(lua_State* L) {
  StateEnv* env = state_env(L);
  if (!env->call_cleanups) return;
  env->call_cleanups = false;
  if (lua_getfield(L, LUA_REGISTRYINDEX, kCleanupKey) != LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kCleanupKey);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    // stack: tbl, obj, fn
    int top = lua_gettop(L);
    lua_pushvalue(L, -1);
    lua_pushvalue(L, -3);
    (void)lua_pcall(L, 1, 0, 0);  // a failing cleanup must not keep the others from running
    lua_settop(L, top - 1);       // keep obj for lua_next
  }
  lua_pop(L, 1);
}

namespace {
struct BudgetBox {
  std::shared_ptr<ResourceBudget> budget;
};
int budget_gc(lua_State* L) {
  static_cast<BudgetBox*>(lua_touserdata(L, 1))->~BudgetBox();
  return 0;
}
}  // namespace

std::shared_ptr<ResourceBudget> resource_budget(lua_State* L, const char* kind, size_t max) {
  std::string key = std::string("wirt.budget.") + kind;
  if (lua_getfield(L, LUA_REGISTRYINDEX, key.c_str()) == LUA_TUSERDATA) {
    auto b = static_cast<BudgetBox*>(lua_touserdata(L, -1))->budget;
    lua_pop(L, 1);
    return b;
  }
  lua_pop(L, 1);
  auto* box = new (lua_newuserdatauv(L, sizeof(BudgetBox), 0)) BudgetBox{std::make_shared<ResourceBudget>(max)};
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, budget_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  auto b = box->budget;
  lua_setfield(L, LUA_REGISTRYINDEX, key.c_str());
  return b;
}

}  // namespace wirt::lua
