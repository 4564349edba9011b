// Boots a TempApp for tests that run whole apps on two worker threads.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "app/app.h"
#include "temp_app.h"

namespace wirt::testing {

// The app in `dir` on two worker threads, or null (the failure recorded).
inline std::unique_ptr<app::App> boot_two_threads(const TempApp& dir) {
  app::BootOptions options;
  options.threads = 2;
  auto booted = app::App::boot(dir.dir(), options);
  EXPECT_TRUE(booted.ok()) << booted.error().message();
  return booted.ok() ? std::move(*booted) : nullptr;
}

}  // namespace wirt::testing
