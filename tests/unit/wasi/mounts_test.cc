// Hostile paths against preview1 mounts (src/wasi/mounts.cc, preview1_fs.cc): a WAT guest calls
// the wasi_snapshot_preview1 path functions directly on the preopen (fd 3) of a scratch folder
// that sits beside a "secret" file and folder. Every escape is refused with the WASI errno
// (witx "errno": notcapable 76, noent 44, inval 28, nametoolong 37, rofs 69, nfile 41) and
// nothing outside the mount is read, created or removed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scratch_mount.h"
#include "wasi/guest_env.h"
#include "wasi/preview1.h"
#include "wasi/preview1_fs.h"
#include "wasm/instance.h"
#include "wasm/module.h"

namespace wirt::wasi {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kNotcapable = 76, kNoent = 44, kInval = 28, kNametoolong = 37, kRofs = 69, kNfile = 41,
                   kLoop = 32;

// Paths are written at 1024 by the host; path_open's new fd lands at 0.
constexpr const char* kGuest = R"((module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $rmdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; open(len, oflags, follow) -> errno
  (func (export "open") (param $len i32) (param $oflags i32) (param $follow i32) (result i32)
    (call $open (i32.const 3) (local.get $follow) (i32.const 1024) (local.get $len) (local.get $oflags)
      (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0)))
  (func (export "mkdir") (param $len i32) (result i32) (call $mkdir (i32.const 3) (i32.const 1024) (local.get $len)))
  (func (export "unlink") (param $len i32) (result i32) (call $unlink (i32.const 3) (i32.const 1024) (local.get $len)))
  (func (export "rmdir") (param $len i32) (result i32) (call $rmdir (i32.const 3) (i32.const 1024) (local.get $len)))
  (func (export "stat") (param $len i32) (result i32)
    (call $stat (i32.const 3) (i32.const 1) (i32.const 1024) (local.get $len) (i32.const 64)))
  ;; symlink(target_len, link_len): the target at 1024, the link name at 9000
  (func (export "symlink") (param $t i32) (param $l i32) (result i32)
    (call $symlink (i32.const 1024) (local.get $t) (i32.const 3) (i32.const 9000) (local.get $l))))
)";

class Mounts : public ::testing::Test {
 protected:
  void SetUp() override { base_ = testing::hostile_layout("wirt-mounts"); }
  void TearDown() override { fs::remove_all(base_); }

  void boot(bool read_only = false) {
    inst_ = testing::boot_preview1(kGuest, (base_ / "mount").string(), read_only, env_);
    ASSERT_TRUE(inst_);
  }

  uint32_t put(const std::string& s, uint32_t at = 1024) {
    std::memcpy(inst_->memory_data() + at, s.data(), s.size());
    return static_cast<uint32_t>(s.size());
  }
  uint32_t call(const char* fn, std::vector<uint64_t> args) {
    uint64_t r[1] = {0};
    auto st = inst_->call(fn, args, r);
    EXPECT_TRUE(st.ok()) << st.error().message();
    return static_cast<uint32_t>(r[0]);
  }
  uint32_t open(const std::string& path, uint32_t oflags = 0, bool follow = true) {
    return call("open", {put(path), oflags, follow ? 1u : 0u});
  }
  // The folder beside the mount is as it was.
  void outside_untouched() {
    std::ifstream f(base_ / "secret");
    std::string s;
    f >> s;
    EXPECT_EQ(s, "outside");
    EXPECT_TRUE(fs::is_directory(base_ / "secret_dir"));
    EXPECT_TRUE(fs::is_empty(base_ / "secret_dir"));
  }

  fs::path base_;
  std::unique_ptr<wasm::Instance> inst_;
  GuestEnv env_;
};

TEST_F(Mounts, InsidePathsWork) {
  boot();
  EXPECT_EQ(open("inside"), 0u);
  EXPECT_EQ(open("sub/../inside"), 0u) << "`..` that stays inside is fine";
  EXPECT_EQ(call("mkdir", {put("sub/new")}), 0u);
  EXPECT_TRUE(fs::is_directory(base_ / "mount" / "sub" / "new"));
}

TEST_F(Mounts, DotDotChainsAreNotcapable) {
  boot();
  EXPECT_EQ(open("../secret"), kNotcapable);
  EXPECT_EQ(open("sub/../../secret"), kNotcapable);
  EXPECT_EQ(open("sub/../../../../../../etc/passwd"), kNotcapable);
  EXPECT_EQ(call("mkdir", {put("../secret_dir/x")}), kNotcapable);
  EXPECT_EQ(call("unlink", {put("../secret")}), kNotcapable);
  EXPECT_EQ(call("rmdir", {put("sub/../..")}), kNotcapable) << "a final `..` naming the mount's parent";
  EXPECT_EQ(call("stat", {put("..")}), kNotcapable);
  outside_untouched();
}

TEST_F(Mounts, AbsolutePathsAreNotcapable) {
  boot();
  EXPECT_EQ(open("/etc/passwd"), kNotcapable);
  EXPECT_EQ(open((base_ / "secret").string()), kNotcapable);
  EXPECT_EQ(call("mkdir", {put((base_ / "secret_dir" / "x").string())}), kNotcapable);
  outside_untouched();
}

TEST_F(Mounts, AbsoluteSymlinksDoNotLeave) {
  boot();
  fs::create_symlink(base_, base_ / "mount" / "abs");
  fs::create_symlink(base_ / "secret", base_ / "mount" / "abs_file");
  EXPECT_EQ(open("abs/secret"), kNotcapable);
  EXPECT_EQ(open("abs_file"), kNotcapable);
  EXPECT_EQ(call("stat", {put("abs_file")}), kNotcapable);
  EXPECT_EQ(call("mkdir", {put("abs/secret_dir/x")}), kNotcapable);
  EXPECT_EQ(open("abs_file", 0, false), kLoop) << "without symlink_follow the link itself is refused";
  // Creating an absolute link is refused outright (it could never resolve inside).
  EXPECT_EQ(call("symlink", {put("/etc"), put("mine", 9000)}), 63u /* perm */);
  outside_untouched();
}

TEST_F(Mounts, RelativeSymlinksAndChainsLeavingTheMountAreNotcapable) {
  boot();
  fs::create_symlink("../secret", base_ / "mount" / "up");
  fs::create_symlink("sub/../up", base_ / "mount" / "chain1");
  fs::create_symlink("chain1", base_ / "mount" / "chain2");
  fs::create_symlink("..", base_ / "mount" / "sub" / "parent");
  EXPECT_EQ(open("up"), kNotcapable);
  EXPECT_EQ(open("chain2"), kNotcapable);
  EXPECT_EQ(open("sub/parent/inside"), 0u) << "a link that stays inside is fine";
  EXPECT_EQ(open("sub/parent/../secret"), kNotcapable);
  // A link the guest makes itself is followed under the same rule.
  EXPECT_EQ(call("symlink", {put("../../secret"), put("sub/mine", 9000)}), 0u);
  EXPECT_EQ(open("sub/mine"), kNotcapable);
  EXPECT_EQ(open("sub/mine", 1 /* creat */), kNotcapable);
  outside_untouched();
}

TEST_F(Mounts, DanglingSymlinksAreNoent) {
  boot();
  fs::create_symlink("nowhere", base_ / "mount" / "dangling");
  EXPECT_EQ(open("dangling"), kNoent);
  EXPECT_EQ(call("stat", {put("dangling")}), kNoent);
}

TEST_F(Mounts, PathsWithNulAreInval) {
  boot();
  EXPECT_EQ(open(std::string("inside\0../../secret", 19)), kInval);
  EXPECT_EQ(call("mkdir", {put(std::string("a\0b", 3))}), kInval);
}

TEST_F(Mounts, VeryLongPathsAreNametoolong) {
  boot();
  EXPECT_EQ(open(std::string(5000, 'a')), kNametoolong);
  std::string deep;
  for (int i = 0; i < 1500; ++i) deep += "../";
  EXPECT_EQ(call("mkdir", {put(deep + "x")}), kNametoolong);
  EXPECT_EQ(open(std::string(300, 'b')), kNametoolong) << "a component past NAME_MAX";
}

TEST_F(Mounts, ReadOnlyMountsRefuseEveryWrite) {
  boot(true);
  EXPECT_EQ(open("inside"), kRofs) << "rights include fd_write";
  EXPECT_EQ(open("new", 1 /* creat */), kRofs);
  EXPECT_EQ(call("mkdir", {put("d")}), kRofs);
  EXPECT_EQ(call("unlink", {put("inside")}), kRofs);
  EXPECT_EQ(call("rmdir", {put("sub")}), kRofs);
  EXPECT_EQ(call("symlink", {put("inside"), put("l", 9000)}), kRofs);
  EXPECT_EQ(call("stat", {put("inside")}), 0u) << "reading stays allowed";
  EXPECT_TRUE(fs::exists(base_ / "mount" / "inside"));
  EXPECT_FALSE(fs::exists(base_ / "mount" / "d"));
}

TEST_F(Mounts, DescriptorsAreBoundedAtNfile) {
  boot();
  size_t opened = 0;
  uint32_t last = 0;
  for (int i = 0; i < 2000; ++i) {
    last = open("inside");
    if (last != 0) break;
    ++opened;
  }
  EXPECT_EQ(last, kNfile);
  EXPECT_EQ(opened, FdTable::kMaxFds - 4) << "stdio and the preopen count";
}

}  // namespace
}  // namespace wirt::wasi
