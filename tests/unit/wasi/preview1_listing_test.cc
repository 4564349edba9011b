// Regressions of preview1 directory listing and symlink reading (src/wasi/preview1_fs.cc):
//  - fd_readdir re-read the directory from its start on every call, skipping `cookie` entries
//    (quadratic in a large directory read with a small buffer). Its cookies are now the
//    kernel's offsets (d_off) over a DIR stream kept with the descriptor: these tests check that
//    a listing cut into many calls yields every entry exactly once, that an earlier cookie seeks
//    back, and that cookie 0 starts over.
//  - path_readlink with a short buffer: the target is cut to the buffer and bufused is the cut
//    length (wasmtime's behaviour: "path_readlink in wasi-libc expects the result to be
//    truncated to the length of the buffer").
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "scratch_mount.h"
#include "wasi/guest_env.h"
#include "wasi/preview1.h"
#include "wasi/preview1_fs.h"
#include "wasm/instance.h"
#include "wasm/module.h"

namespace wirt::wasi {
namespace {

namespace fs = std::filesystem;

// fd_readdir into 4096.. (bufused at 0); path_readlink of the path at 1024 into 4096.. (at 0).
constexpr const char* kGuest = R"((module
  (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "readdir") (param $len i32) (param $cookie i64) (result i32)
    (call $readdir (i32.const 3) (i32.const 4096) (local.get $len) (local.get $cookie) (i32.const 0)))
  (func (export "readlink") (param $plen i32) (param $len i32) (result i32)
    (call $readlink (i32.const 3) (i32.const 1024) (local.get $plen) (i32.const 4096) (local.get $len) (i32.const 0))))
)";

class Preview1Listing : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::fresh_dir("wirt-p1list"); }
  void TearDown() override { fs::remove_all(dir_); }

  void boot() {
    inst_ = testing::boot_preview1(kGuest, dir_.string(), false, env_);
    ASSERT_TRUE(inst_);
  }
  uint32_t call(const char* fn, std::vector<uint64_t> args) {
    uint64_t r[1] = {0};
    auto st = inst_->call(fn, args, r);
    EXPECT_TRUE(st.ok()) << st.error().message();
    return static_cast<uint32_t>(r[0]);
  }
  uint32_t u32(uint32_t at) {
    uint32_t v;
    std::memcpy(&v, inst_->memory_data() + at, 4);
    return v;
  }
  uint64_t u64(uint32_t at) {
    uint64_t v;
    std::memcpy(&v, inst_->memory_data() + at, 8);
    return v;
  }

  // One fd_readdir call: the whole entries it returned (name → d_next), and whether the
  // buffer was full (more to read).
  bool read_batch(uint32_t len, uint64_t cookie, std::vector<std::pair<std::string, uint64_t>>& out) {
    EXPECT_EQ(call("readdir", {len, cookie}), 0u);
    uint32_t used = u32(0), pos = 0;
    while (pos + 24 <= used) {
      uint64_t next = u64(4096 + pos);
      uint32_t namelen = u32(4096 + pos + 16);
      if (pos + 24 + namelen > used) break;  // cut: read on from the previous cookie
      out.emplace_back(std::string(reinterpret_cast<const char*>(inst_->memory_data() + 4096 + pos + 24), namelen), next);
      pos += 24 + namelen;
    }
    return used == len;
  }
  // The whole listing, read in calls of `len` bytes from `cookie`.
  std::vector<std::pair<std::string, uint64_t>> list_all(uint32_t len, uint64_t cookie = 0) {
    std::vector<std::pair<std::string, uint64_t>> all;
    for (int calls = 0; calls < 100000; ++calls) {
      std::vector<std::pair<std::string, uint64_t>> batch;
      bool more = read_batch(len, cookie, batch);
      all.insert(all.end(), batch.begin(), batch.end());
      if (!batch.empty()) cookie = batch.back().second;
      if (!more) break;
      EXPECT_FALSE(batch.empty()) << "a buffer of " << len << " bytes must hold one entry";
      if (batch.empty()) break;
    }
    return all;
  }

  fs::path dir_;
  std::unique_ptr<wasm::Instance> inst_;
  GuestEnv env_;
};

TEST_F(Preview1Listing, FdReaddirResumesFromTheCookieEveryEntryOnce) {
  for (int i = 0; i < 600; ++i) std::ofstream(dir_ / ("file-" + std::to_string(i) + ".txt")) << i;
  boot();
  // 100 bytes: about two entries per call, the last one usually cut.
  auto all = list_all(100);
  std::multiset<std::string> names;
  for (auto& [n, next] : all) names.insert(n);
  EXPECT_EQ(names.size(), 602u) << "600 files, . and ..";
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 602u) << "every entry exactly once";
  EXPECT_EQ(names.count("file-599.txt"), 1u);
}

TEST_F(Preview1Listing, FdReaddirSeeksBackToAnEarlierCookieAndRestartsAtZero) {
  for (int i = 0; i < 50; ++i) std::ofstream(dir_ / ("f" + std::to_string(i))) << i;
  boot();
  auto first = list_all(4096);
  ASSERT_EQ(first.size(), 52u);
  // From the cookie after entry 10: exactly the entries 11.. again, in the same order.
  auto tail = list_all(300, first[10].second);
  ASSERT_EQ(tail.size(), first.size() - 11);
  for (size_t i = 0; i < tail.size(); ++i) EXPECT_EQ(tail[i].first, first[11 + i].first);
  auto again = list_all(4096, 0);
  ASSERT_EQ(again.size(), first.size());
  EXPECT_EQ(again.front().first, first.front().first);
}

// With index cookies, removing entries already listed shifted the rest: the next call skipped
// as many entries that still exist (a guest deleting files while listing — `rm -r` — missed
// some). Offset cookies continue after the last entry given, whatever was removed before it.
TEST_F(Preview1Listing, FdReaddirMissesNothingWhenListedEntriesAreRemoved) {
  for (int i = 0; i < 40; ++i) std::ofstream(dir_ / ("f" + std::to_string(i))) << i;
  boot();
  std::vector<std::pair<std::string, uint64_t>> seen;
  read_batch(400, 0, seen);
  ASSERT_GT(seen.size(), 3u);
  for (auto& [name, next] : seen)
    if (name != "." && name != "..") fs::remove(dir_ / name);
  auto rest = list_all(4096, seen.back().second);
  std::set<std::string> names;
  for (auto& [n, next] : seen) names.insert(n);
  for (auto& [n, next] : rest) names.insert(n);
  EXPECT_EQ(names.size(), 42u) << "every file was listed once, before or after the removals";
}

TEST_F(Preview1Listing, PathReadlinkCutsTheTargetToTheBuffer) {
  fs::create_symlink("abcdefghij", dir_ / "l");
  boot();
  std::memcpy(inst_->memory_data() + 1024, "l", 1);
  std::memset(inst_->memory_data() + 4096, '#', 16);
  EXPECT_EQ(call("readlink", {1, 4}), 0u);
  EXPECT_EQ(u32(0), 4u) << "bufused is the cut length";
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(inst_->memory_data() + 4096), 5), "abcd#") << "nothing past the buffer";
  EXPECT_EQ(call("readlink", {1, 64}), 0u);
  EXPECT_EQ(u32(0), 10u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(inst_->memory_data() + 4096), 10), "abcdefghij");
}

}  // namespace
}  // namespace wirt::wasi
