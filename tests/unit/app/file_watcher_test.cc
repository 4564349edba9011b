// FileWatcher (src/app/file_watcher.h): saves, new folders, debounced bursts, ignored editor files.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/file_watcher.h"
#include "temp_app.h"

using namespace wirt;
namespace fs = std::filesystem;

namespace {

// Collects the callback's bursts.
struct Bursts {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<fs::path>> got;

  app::FileWatcher::Callback callback() {
    return [this](const std::vector<fs::path>& changed) {
      std::lock_guard<std::mutex> lock(mu);
      got.push_back(changed);
      cv.notify_all();
    };
  }
  bool wait_for(size_t n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, limit, [&] { return got.size() >= n; });
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return got.size();
  }
};

}  // namespace

TEST(FileWatcher, ABurstOfSavesIsOneCallbackWithEveryPath) {
  registry::testing::TempApp dir;
  Bursts b;
  auto w = app::FileWatcher::start(dir.dir(), std::chrono::milliseconds(150), b.callback());
  ASSERT_TRUE(w.ok()) << w.error().message();
  for (int i = 0; i < 5; ++i) dir.write("f" + std::to_string(i) + ".lua", "x");
  ASSERT_TRUE(b.wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_EQ(b.count(), 1u);
  EXPECT_EQ(b.got[0].size(), 5u);
  EXPECT_EQ(b.got[0][0], dir.dir() / "f0.lua");
}

TEST(FileWatcher, SeesFilesInFoldersCreatedLaterAndDeletes) {
  registry::testing::TempApp dir;
  dir.write("keep.yaml", "x");
  Bursts b;
  auto w = app::FileWatcher::start(dir.dir(), std::chrono::milliseconds(100), b.callback());
  ASSERT_TRUE(w.ok()) << w.error().message();
  fs::create_directories(dir.dir() / "sub");
  ASSERT_TRUE(b.wait_for(1));
  dir.write("sub/new.yaml", "x");
  ASSERT_TRUE(b.wait_for(2));
  EXPECT_EQ(b.got[1], std::vector<fs::path>{dir.dir() / "sub" / "new.yaml"});
  fs::remove(dir.dir() / "keep.yaml");
  ASSERT_TRUE(b.wait_for(3));
  EXPECT_EQ(b.got[2], std::vector<fs::path>{dir.dir() / "keep.yaml"});
}

TEST(FileWatcher, IgnoresEditorFilesAndHiddenFolders) {
  registry::testing::TempApp dir;
  fs::create_directories(dir.dir() / ".git");
  Bursts b;
  auto w = app::FileWatcher::start(dir.dir(), std::chrono::milliseconds(100), b.callback());
  ASSERT_TRUE(w.ok()) << w.error().message();
  dir.write(".index.yaml.swp", "x");
  dir.write("index.yaml~", "x");
  dir.write(".git/HEAD", "x");
  dir.write(".wippy.yaml", "x");  // the one hidden file that matters
  ASSERT_TRUE(b.wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(b.count(), 1u);
  EXPECT_EQ(b.got[0], std::vector<fs::path>{dir.dir() / ".wippy.yaml"});
}

TEST(FileWatcher, AMissingFolderIsAnError) {
  auto w = app::FileWatcher::start("/nonexistent/wirt-watch", std::chrono::milliseconds(100), [](const auto&) {});
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message().find("/nonexistent/wirt-watch"), std::string::npos) << w.error().message();
}
