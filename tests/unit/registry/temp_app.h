// A throwaway app folder for registry tests: a unique directory under the system temp folder,
// removed when the test ends.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace wirt::registry::testing {

class TempApp {
 public:
  TempApp() {
    static std::atomic<int> counter{0};
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    dir_ = std::filesystem::temp_directory_path() /
           ("wirt-registry-test-" + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
            std::to_string(counter++));
    std::filesystem::create_directories(dir_);
  }
  ~TempApp() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempApp(const TempApp&) = delete;
  TempApp& operator=(const TempApp&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

  // Writes `text` to dir/rel, creating folders.
  std::filesystem::path write(const std::string& rel, std::string_view text) const {
    std::filesystem::path p = dir_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    return p;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace wirt::registry::testing
