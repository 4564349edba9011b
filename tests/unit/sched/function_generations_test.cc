// FunctionTable generations (sched/functions.h): publish swaps what root calls see, a call
// chain stays on the generation it started on, an old set is freed when its last call ends.
#include <gtest/gtest.h>

#include <memory>

#include "sched/functions.h"

using namespace wirt;
using sched::CallContext;
using sched::FunctionHandler;
using sched::FunctionSet;

namespace {

std::shared_ptr<FunctionSet> set_of(std::initializer_list<std::pair<std::string, FunctionHandler>> handlers) {
  auto set = std::make_shared<FunctionSet>();
  for (const auto& [id, h] : handlers) set->handlers[id] = std::make_shared<const FunctionHandler>(h);
  return set;
}

FunctionHandler returning(std::string v) {
  return [v](const CallContext&, const core::Array&) -> core::Result<core::Value> { return core::Value(v); };
}

}  // namespace

TEST(FunctionGenerations, AChainStaysOnItsGenerationAcrossAPublish) {
  sched::FunctionTable table;
  std::shared_ptr<FunctionSet> next = set_of({{"t:inner", returning("new")}, {"t:outer", returning("new outer")}});
  // The outer function publishes the next generation half-way, then calls t:inner.
  table.add("t:outer", [&](const CallContext& ctx, const core::Array&) -> core::Result<core::Value> {
    table.publish(next);
    auto inner = table.call(ctx, "t:inner", {});
    if (!inner) return inner.error();
    return core::Value("old outer+" + inner->as_string());
  });
  table.add("t:inner", returning("old"));
  auto first = table.call(CallContext{}, "t:outer", {});
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->as_string(), "old outer+old");
  auto root = table.call(CallContext{}, "t:inner", {});
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->as_string(), "new");
  EXPECT_EQ(table.call(CallContext{}, "t:outer", {})->as_string(), "new outer");
}

TEST(FunctionGenerations, AnOldSetIsFreedWhenItsLastCallEnds) {
  sched::FunctionTable table;
  auto owner = std::make_shared<int>(1);
  std::weak_ptr<int> watch = owner;
  auto old = set_of({});
  old->owner = owner;
  owner.reset();
  bool alive_during_call = false;
  old->handlers["t:f"] = std::make_shared<const FunctionHandler>(
      [&](const CallContext&, const core::Array&) -> core::Result<core::Value> {
        table.publish(set_of({{"t:f", returning("new")}}));
        alive_during_call = !watch.expired();  // the call in flight still holds its generation
        return core::Value("old");
      });
  table.publish(std::move(old));
  auto r = table.call(CallContext{}, "t:f", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->as_string(), "old");
  EXPECT_TRUE(alive_during_call);
  EXPECT_TRUE(watch.expired());
}

TEST(FunctionGenerations, AStagingTableForwardsRootCallsAfterCommit) {
  sched::FunctionTable live, staging;
  staging.add("t:f", returning("staged"));
  live.publish(staging.snapshot());
  staging.forward_to(&live);
  EXPECT_TRUE(live.contains("t:f"));
  EXPECT_EQ(staging.call(CallContext{}, "t:f", {})->as_string(), "staged");
  live.publish(set_of({{"t:f", returning("later")}}));
  EXPECT_EQ(staging.call(CallContext{}, "t:f", {})->as_string(), "later");
}
