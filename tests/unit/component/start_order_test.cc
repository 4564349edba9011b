// Regression (found by the component-model suite, linking/unit.wast): core start functions that
// call a lowered function whose target is a sibling component's lift run while the outer
// instance is still instantiating; ComponentInstance::call used to read its runtime tables
// before they were built (a crash). Component: tests/fixtures/components/start-calls-sibling.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "component/component.h"
#include "component/component_instance.h"

namespace wirt::component {
namespace {

TEST(ComponentStart, StartFunctionsCallASiblingsLiftInDefinitionOrder) {
  std::ifstream f(WIRT_SOURCE_DIR "/tests/fixtures/components/start-calls-sibling/start-calls-sibling.wasm",
                  std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  wasm::CompileOptions o;
  o.tier2 = false;
  o.name = "start-calls-sibling";
  auto c = Component::load(bytes, o);
  ASSERT_TRUE(c.ok()) << c.error().message();
  auto inst = ComponentInstance::create(*c, HostImports{});
  ASSERT_TRUE(inst.ok()) << inst.error().message();
  // Children are instantiated eagerly in definition order; each takes the next ticket.
  int64_t rank = 1;
  for (const char* name : {"rank-a", "rank-b", "rank-c"}) {
    auto r = (*inst)->call(name, {});
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message();
    EXPECT_EQ(r->as_int(), rank++) << name;
  }
}

}  // namespace
}  // namespace wirt::component
