// A throwaway app for tests that boot whole apps (tests/unit/app, tests/unit/cli): the registry
// tests' temp folder holding one _index.yaml.
#pragma once

#include <string>

#include "../registry/temp_app.h"

namespace wirt::testing {

class TempApp : public registry::testing::TempApp {
 public:
  explicit TempApp(const std::string& yaml) { write("_index.yaml", yaml); }
};

}  // namespace wirt::testing
