// Hostile paths against wasi:filesystem (src/wasi/filesystem_types.cc) for components: the host
// functions are called as the canonical ABI calls them (call_filesystem, handles as reps) on
// the preopen of a scratch folder that sits beside a "secret" file and folder. Every escape is
// refused with the WASI 0.2 error-code, nothing outside the mount is read, created, changed or
// removed, and the process carries on. Each attack is its own test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "scratch_mount.h"
#include "wasi/call_state.h"
#include "wasi/filesystem_streams.h"
#include "wasi/filesystem_types.h"
#include "wasi/preview1_fs.h"

namespace wirt::wasi {
namespace {

namespace fs = std::filesystem;
using core::Value;

Value flags(std::initializer_list<const char*> names) {
  Value v = Value::map();
  for (const char* n : names) v.set(n, Value(true));
  return v;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FilesystemHostile : public ::testing::Test {
 protected:
  void SetUp() override { base_ = testing::hostile_layout("wirt-fs2"); }
  void TearDown() override { fs::remove_all(base_); }

  void boot(bool read_only = false) {
    auto files = FdTable::open({{(base_ / "mount").string(), "/data", read_only}});
    ASSERT_TRUE(files.ok()) << files.error().message();
    st_.env.files = std::move(*files);
    Value dirs = call("get-directories", {});
    ASSERT_EQ(dirs.as_array().size(), 1u);
    root_ = dirs.as_array()[0].as_array()[0];
    EXPECT_EQ(dirs.as_array()[0].as_array()[1].as_string(), "/data");
  }

  Value call(const std::string& fn, core::Array args) {
    auto r = call_filesystem(fn, st_, args);
    EXPECT_TRUE(r.ok()) << fn << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : Value();
  }
  // The error-code of a result, or "ok".
  static std::string code(const Value& r) {
    if (const Value* e = r.find("err")) return e->as_string();
    return r.find("ok") ? "ok" : "?";
  }
  Value open(const std::string& path, Value oflags = flags({}), Value dflags = flags({"read"}), bool follow = true) {
    return call("[method]descriptor.open-at",
                {root_, follow ? flags({"symlink-follow"}) : flags({}), Value(path), std::move(oflags), std::move(dflags)});
  }
  std::string open_code(const std::string& path, Value oflags = flags({}), Value dflags = flags({"read"}), bool follow = true) {
    return code(open(path, std::move(oflags), std::move(dflags), follow));
  }
  // Reads a whole file through read-via-stream.
  std::string read_all(const Value& desc) {
    Value s = call("[method]descriptor.read-via-stream", {desc, Value(0)});
    uint32_t rep = uint32_t(s.find("ok")->as_int());
    std::string out;
    for (;;) {
      auto r = st_.inputs.at(rep)->read(1 << 22);
      EXPECT_TRUE(r.ok());
      if (!r.ok() || r->closed) break;
      EXPECT_LE(r->data.size(), kFileChunk) << "one read is one bounded chunk";
      out += r->data;
    }
    st_.inputs.erase(rep);
    return out;
  }
  void expect_outside_untouched() {
    EXPECT_EQ(slurp(base_ / "secret"), "outside");
    EXPECT_TRUE(fs::is_empty(base_ / "secret_dir"));
    size_t n = 0;
    for (auto& e : fs::directory_iterator(base_)) n += e.path().filename() != "mount";
    EXPECT_EQ(n, 2u) << "nothing new beside the mount";
  }

  fs::path base_;
  CallState st_;
  Value root_;
};

TEST_F(FilesystemHostile, InsidePathsWork) {
  boot();
  Value f = open("inside");
  ASSERT_EQ(code(f), "ok");
  EXPECT_EQ(read_all(*f.find("ok")), "inside");
  EXPECT_EQ(code(call("[method]descriptor.create-directory-at", {root_, Value("sub/new")})), "ok");
  EXPECT_TRUE(fs::is_directory(base_ / "mount" / "sub" / "new"));
}

TEST_F(FilesystemHostile, DotDotChainsAreNotPermitted) {
  boot();
  EXPECT_EQ(open_code("../secret"), "not-permitted");
  EXPECT_EQ(open_code("sub/../../secret"), "not-permitted");
  EXPECT_EQ(open_code("sub/../sub/../../secret_dir/x", flags({"create"}), flags({"write"})), "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.create-directory-at", {root_, Value("../secret_dir/x")})), "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.unlink-file-at", {root_, Value("../secret")})), "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.remove-directory-at", {root_, Value("sub/../..")})), "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.stat-at", {root_, flags({}), Value("..")})), "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.rename-at", {root_, Value("inside"), root_, Value("../stolen")})),
            "not-permitted");
  expect_outside_untouched();
}

TEST_F(FilesystemHostile, AbsolutePathsAreNotPermitted) {
  boot();
  EXPECT_EQ(open_code((base_ / "secret").string()), "not-permitted");
  EXPECT_EQ(open_code("/etc/passwd"), "not-permitted");
  EXPECT_EQ(open_code("/data/inside"), "not-permitted") << "the guest path of the mount is not a host path";
  EXPECT_EQ(code(call("[method]descriptor.create-directory-at", {root_, Value((base_ / "secret_dir" / "x").string())})),
            "not-permitted");
  expect_outside_untouched();
}

TEST_F(FilesystemHostile, AbsoluteSymlinksDoNotLeave) {
  fs::create_symlink(base_ / "secret", base_ / "mount" / "abs");
  fs::create_directory_symlink(base_, base_ / "mount" / "absdir");
  boot();
  EXPECT_EQ(open_code("abs"), "not-permitted");
  EXPECT_EQ(open_code("abs", flags({}), flags({"read"}), false), "loop") << "not followed: the link itself";
  EXPECT_EQ(open_code("absdir/secret"), "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.stat-at", {root_, flags({"symlink-follow"}), Value("abs")})), "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.create-directory-at", {root_, Value("absdir/secret_dir/x")})), "not-permitted");
  // Creating one is refused outright (it could never resolve inside).
  EXPECT_EQ(code(call("[method]descriptor.symlink-at", {root_, Value("/etc"), Value("mine")})), "not-permitted");
  expect_outside_untouched();
}

TEST_F(FilesystemHostile, RelativeSymlinksLeavingTheMountAreNotPermitted) {
  boot();
  EXPECT_EQ(code(call("[method]descriptor.symlink-at", {root_, Value("../secret"), Value("rel")})), "ok")
      << "creating a link is allowed; following it is what stays confined";
  EXPECT_EQ(open_code("rel"), "not-permitted");
  EXPECT_EQ(open_code("rel", flags({"truncate"}), flags({"write"})), "not-permitted");
  Value link = call("[method]descriptor.readlink-at", {root_, Value("rel")});
  EXPECT_EQ(link.find("ok")->as_string(), "../secret") << "reading the link's text is not following it";
  EXPECT_EQ(code(call("[method]descriptor.link-at", {root_, flags({"symlink-follow"}), Value("rel"), root_, Value("hard")})),
            "not-permitted");
  expect_outside_untouched();
}

TEST_F(FilesystemHostile, SymlinkChainsAreFollowedOnlyInside) {
  fs::create_symlink("b", base_ / "mount" / "a");
  fs::create_symlink("sub/c", base_ / "mount" / "b");
  fs::create_symlink("../../secret", base_ / "mount" / "sub" / "c");
  fs::create_symlink("good2", base_ / "mount" / "good1");
  fs::create_symlink("sub/../inside", base_ / "mount" / "good2");
  boot();
  EXPECT_EQ(open_code("a"), "not-permitted");
  Value f = open("good1");
  ASSERT_EQ(code(f), "ok");
  EXPECT_EQ(read_all(*f.find("ok")), "inside");
  // A loop ends with `loop`, not a hang.
  fs::create_symlink("loop2", base_ / "mount" / "loop1");
  fs::create_symlink("loop1", base_ / "mount" / "loop2");
  EXPECT_EQ(open_code("loop1"), "loop");
  expect_outside_untouched();
}

TEST_F(FilesystemHostile, DanglingSymlinksAreNoEntryAndCreateNothingOutside) {
  fs::create_symlink("nowhere", base_ / "mount" / "dangling");
  fs::create_symlink("../created_outside", base_ / "mount" / "dangling_out");
  boot();
  EXPECT_EQ(open_code("dangling"), "no-entry");
  EXPECT_EQ(code(call("[method]descriptor.stat-at", {root_, flags({"symlink-follow"}), Value("dangling")})), "no-entry");
  EXPECT_EQ(open_code("dangling_out", flags({"create"}), flags({"write"})), "not-permitted");
  EXPECT_FALSE(fs::exists(base_ / "created_outside"));
  // Without symlink-follow the link itself is seen (and creating through it is refused).
  Value st = call("[method]descriptor.stat-at", {root_, flags({}), Value("dangling")});
  EXPECT_EQ(st.find("ok")->find("type")->as_string(), "symbolic-link");
  expect_outside_untouched();
}

// A guest opens "swap/target" while a host thread keeps exchanging `swap` (a folder inside the
// mount) with `evil` (a symlink to the folder outside) atomically (renameat2 RENAME_EXCHANGE):
// a check-then-use in user space would race; the kernel's lookup does not. Every open either
// reads the inside file or is refused; the outside file is never reached.
TEST_F(FilesystemHostile, SymlinkSwappedInDuringLookupNeverLeaks) {
  fs::create_directories(base_ / "mount" / "swap");
  std::ofstream(base_ / "mount" / "swap" / "target") << "inside";
  std::ofstream(base_ / "secret_dir" / "target") << "outside";
  fs::create_directory_symlink(base_ / "secret_dir", base_ / "mount" / "evil");
  boot();
  std::atomic<bool> stop{false};
  std::string swap = (base_ / "mount" / "swap").string(), evil = (base_ / "mount" / "evil").string();
  std::thread racer([&] {
    while (!stop) ::renameat2(AT_FDCWD, swap.c_str(), AT_FDCWD, evil.c_str(), RENAME_EXCHANGE);
  });
  int opened = 0, refused = 0;
  for (int i = 0; i < 20000 && (i < 2000 || !opened || !refused); ++i) {
    Value f = open("swap/target");
    if (code(f) == "ok") {
      ++opened;
      EXPECT_EQ(read_all(*f.find("ok")), "inside") << "read a file outside the mount";
      call("[resource-drop]descriptor", {*f.find("ok")});
    } else {
      ++refused;
      EXPECT_TRUE(code(f) == "not-permitted" || code(f) == "no-entry") << code(f);
    }
  }
  stop = true;
  racer.join();
  std::printf("swap race: %d opened inside, %d refused\n", opened, refused);
  EXPECT_GT(opened, 0) << "the race never let the folder through: the test proved nothing";
  EXPECT_GT(refused, 0) << "the race never put the symlink in the way: the test proved nothing";
  EXPECT_EQ(slurp(base_ / "secret_dir" / "target"), "outside");
}

// A hard link inside the mount to a file outside can only be made by someone with access to
// both folders on the host (an administrator's act): the guest then reaches that inode through
// the link, as any process would. The guest itself cannot make one to a file outside.
TEST_F(FilesystemHostile, HardLinksToOutsideAreHostActsOnly) {
  boot();
  EXPECT_EQ(code(call("[method]descriptor.link-at", {root_, flags({}), Value("../secret"), root_, Value("h")})),
            "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.link-at", {root_, flags({}), Value("inside"), root_, Value("../h")})),
            "not-permitted");
  EXPECT_EQ(code(call("[method]descriptor.link-at", {root_, flags({}), Value((base_ / "secret").string()), root_, Value("h")})),
            "not-permitted");
  EXPECT_FALSE(fs::exists(base_ / "mount" / "h"));
  expect_outside_untouched();
  // The host's own hard link (the documented case): the same inode, readable through the mount.
  fs::create_hard_link(base_ / "secret", base_ / "mount" / "admin_link");
  Value f = open("admin_link");
  ASSERT_EQ(code(f), "ok");
  EXPECT_EQ(read_all(*f.find("ok")), "outside");
}

TEST_F(FilesystemHostile, PathsWithNulAreInvalid) {
  boot();
  EXPECT_EQ(open_code(std::string("inside\0/../../secret", 20)), "invalid");
  EXPECT_EQ(code(call("[method]descriptor.create-directory-at", {root_, Value(std::string("a\0b", 3))})), "invalid");
  EXPECT_EQ(code(call("[method]descriptor.symlink-at", {root_, Value(std::string("x\0y", 3)), Value("l")})), "invalid");
  EXPECT_FALSE(fs::exists(base_ / "mount" / "a"));
  EXPECT_FALSE(fs::exists(base_ / "mount" / "l"));
}

TEST_F(FilesystemHostile, VeryLongPathsAreNameTooLong) {
  boot();
  std::string deep;
  while (deep.size() <= 5000) deep += "sub/";
  EXPECT_EQ(open_code(deep + "inside"), "name-too-long");
  EXPECT_EQ(code(call("[method]descriptor.create-directory-at", {root_, Value(deep + "x")})), "name-too-long");
  EXPECT_EQ(open_code(std::string(300, 'n')), "name-too-long") << "a component over NAME_MAX (the kernel's)";
}

TEST_F(FilesystemHostile, ReadOnlyMountsRefuseEveryWrite) {
  boot(true);
  Value dirs = call("get-directories", {});
  EXPECT_EQ(code(call("[method]descriptor.get-flags", {root_})), "ok");
  EXPECT_EQ(call("[method]descriptor.get-flags", {root_}).find("ok")->find("mutate-directory"), nullptr);
  EXPECT_EQ(open_code("inside", flags({}), flags({"read", "write"})), "read-only");
  EXPECT_EQ(open_code("new", flags({"create"}), flags({"read"})), "read-only");
  EXPECT_EQ(open_code("inside", flags({"truncate"}), flags({"read"})), "read-only");
  auto on_root = [&](const char* fn, core::Array rest) {
    rest.insert(rest.begin(), root_);
    return code(call(fn, rest));
  };
  EXPECT_EQ(on_root("[method]descriptor.create-directory-at", {Value("d")}), "read-only");
  EXPECT_EQ(on_root("[method]descriptor.unlink-file-at", {Value("inside")}), "read-only");
  EXPECT_EQ(on_root("[method]descriptor.remove-directory-at", {Value("sub")}), "read-only");
  EXPECT_EQ(on_root("[method]descriptor.rename-at", {Value("inside"), root_, Value("moved")}), "read-only");
  EXPECT_EQ(on_root("[method]descriptor.symlink-at", {Value("inside"), Value("l")}), "read-only");
  EXPECT_EQ(on_root("[method]descriptor.link-at", {flags({}), Value("inside"), root_, Value("h")}), "read-only");
  Value now = Value("now");
  EXPECT_EQ(on_root("[method]descriptor.set-times-at", {flags({}), Value("inside"), now, now}), "read-only");
  Value f = *open("inside").find("ok");
  EXPECT_EQ(code(call("[method]descriptor.set-size", {f, Value(0)})), "read-only");
  EXPECT_EQ(code(call("[method]descriptor.set-times", {f, now, now})), "read-only");
  EXPECT_EQ(code(call("[method]descriptor.write", {f, Value("x"), Value(0)})), "read-only");
  EXPECT_EQ(code(call("[method]descriptor.write-via-stream", {f, Value(0)})), "read-only");
  EXPECT_EQ(code(call("[method]descriptor.append-via-stream", {f})), "read-only");
  EXPECT_EQ(read_all(f), "inside") << "reading stays allowed";
  EXPECT_EQ(slurp(base_ / "mount" / "inside"), "inside");
  EXPECT_EQ(std::distance(fs::directory_iterator(base_ / "mount"), fs::directory_iterator()), 2);
}

TEST_F(FilesystemHostile, DescriptorsAreBoundedWithInsufficientMemory) {
  boot();
  std::vector<Value> open_ones;
  std::string last;
  for (size_t i = 0; i < FdTable::kMaxFds + 10; ++i) {
    Value f = open("inside");
    last = code(f);
    if (last != "ok") break;
    open_ones.push_back(*f.find("ok"));
  }
  EXPECT_EQ(last, "insufficient-memory");
  EXPECT_LT(open_ones.size(), FdTable::kMaxFds);
  EXPECT_EQ(code(call("[method]descriptor.read-directory", {root_})), "insufficient-memory");
  // Dropping one makes room again; the host is unaffected.
  call("[resource-drop]descriptor", {open_ones.back()});
  EXPECT_EQ(open_code("inside"), "ok");
}

// ---- the rest of the interface, on real files ----

TEST_F(FilesystemHostile, ReadWriteStatAndTimes) {
  boot();
  Value f = *open("new.txt", flags({"create", "exclusive"}), flags({"read", "write"})).find("ok");
  EXPECT_EQ(open_code("new.txt", flags({"create", "exclusive"}), flags({"write"})), "exist");
  EXPECT_EQ(call("[method]descriptor.write", {f, Value("hello world"), Value(0)}).find("ok")->as_int(), 11);
  Value r = *call("[method]descriptor.read", {f, Value(5), Value(6)}).find("ok");
  EXPECT_EQ(r.as_array()[0].as_bytes().data, "world");
  EXPECT_FALSE(r.as_array()[1].as_bool());
  r = *call("[method]descriptor.read", {f, Value(100), Value(6)}).find("ok");
  EXPECT_TRUE(r.as_array()[1].as_bool()) << "a short read is the end of the file";
  Value flags_now = *call("[method]descriptor.get-flags", {f}).find("ok");
  EXPECT_TRUE(flags_now.find("read") && flags_now.find("write"));
  EXPECT_EQ(call("[method]descriptor.get-type", {f}).find("ok")->as_string(), "regular-file");
  EXPECT_EQ(code(call("[method]descriptor.set-size", {f, Value(5)})), "ok");
  Value dt = Value::map();
  dt.set("seconds", Value(1000000000));
  dt.set("nanoseconds", Value(5));
  Value ts = Value::map();
  ts.set("timestamp", dt);
  Value h1 = *call("[method]descriptor.metadata-hash", {f}).find("ok");
  EXPECT_EQ(code(call("[method]descriptor.set-times", {f, Value("no-change"), ts})), "ok");
  Value st = *call("[method]descriptor.stat", {f}).find("ok");
  EXPECT_EQ(st.find("size")->as_int(), 5);
  EXPECT_EQ(st.find("link-count")->as_int(), 1);
  EXPECT_EQ(st.find("data-modification-timestamp")->find("seconds")->as_int(), 1000000000);
  EXPECT_EQ(st.find("data-modification-timestamp")->find("nanoseconds")->as_int(), 5);
  Value h2 = *call("[method]descriptor.metadata-hash", {f}).find("ok");
  Value h3 = *call("[method]descriptor.metadata-hash-at", {root_, flags({}), Value("new.txt")}).find("ok");
  EXPECT_NE(h1.find("lower")->as_int(), h2.find("lower")->as_int()) << "a change changes the hash";
  EXPECT_EQ(h2.find("lower")->as_int(), h3.find("lower")->as_int());
  EXPECT_EQ(h2.find("upper")->as_int(), h3.find("upper")->as_int());
  Value again = *open("new.txt").find("ok");
  EXPECT_TRUE(call("[method]descriptor.is-same-object", {f, again}).as_bool());
  EXPECT_FALSE(call("[method]descriptor.is-same-object", {f, root_}).as_bool());
  EXPECT_EQ(code(call("[method]descriptor.sync", {f})), "ok");
  EXPECT_EQ(code(call("[method]descriptor.sync-data", {f})), "ok");
  EXPECT_EQ(code(call("[method]descriptor.advise", {f, Value(0), Value(5), Value("sequential")})), "ok");
  EXPECT_EQ(slurp(base_ / "mount" / "new.txt"), "hello");
  EXPECT_EQ(code(call("[method]descriptor.write", {again, Value("x"), Value(0)})), "bad-descriptor")
      << "opened without the write flag";
}

TEST_F(FilesystemHostile, StreamsWriteAppendAndReadInBoundedChunks) {
  boot();
  Value f = *open("big", flags({"create"}), flags({"read", "write"})).find("ok");
  Value w = call("[method]descriptor.write-via-stream", {f, Value(0)});
  auto& out = st_.outputs.at(uint32_t(w.find("ok")->as_int()));
  EXPECT_EQ(out->check_write(), kFileChunk);
  std::string chunk(kFileChunk, 'a');
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(*out->write(chunk));
  Value ap = call("[method]descriptor.append-via-stream", {f});
  EXPECT_TRUE(*st_.outputs.at(uint32_t(ap.find("ok")->as_int()))->write("tail"));
  EXPECT_EQ(fs::file_size(base_ / "mount" / "big"), 3 * kFileChunk + 4);
  EXPECT_EQ(read_all(f), std::string(3 * kFileChunk, 'a') + "tail");
  Value flags_now = *call("[method]descriptor.get-flags", {f}).find("ok");
  EXPECT_EQ(flags_now.find("write") != nullptr, true) << "appending did not change the descriptor";
}

TEST_F(FilesystemHostile, DirectoriesAndTreeOperations) {
  boot();
  EXPECT_EQ(code(call("[method]descriptor.create-directory-at", {root_, Value("d")})), "ok");
  EXPECT_EQ(code(call("[method]descriptor.create-directory-at", {root_, Value("d")})), "exist");
  Value d = *open("d", flags({"directory"})).find("ok");
  EXPECT_EQ(call("[method]descriptor.get-type", {d}).find("ok")->as_string(), "directory");
  EXPECT_EQ(open_code("inside", flags({"directory"})), "not-directory");
  EXPECT_EQ(open_code("d", flags({}), flags({"read", "write"})), "is-directory");
  Value f = *call("[method]descriptor.open-at", {d, flags({}), Value("x"), flags({"create"}), flags({"write"})}).find("ok");
  (void)f;
  EXPECT_EQ(code(call("[method]descriptor.rename-at", {d, Value("x"), root_, Value("y")})), "ok");
  EXPECT_EQ(code(call("[method]descriptor.link-at", {root_, flags({}), Value("y"), d, Value("z")})), "ok");
  EXPECT_EQ(code(call("[method]descriptor.symlink-at", {d, Value("../y"), Value("s")})), "ok");
  EXPECT_EQ(call("[method]descriptor.readlink-at", {d, Value("s")}).find("ok")->as_string(), "../y");
  EXPECT_EQ(code(call("[method]descriptor.remove-directory-at", {root_, Value("d")})), "not-empty");
  Value s = *call("[method]descriptor.read-directory", {d}).find("ok");
  std::vector<std::string> names;
  for (;;) {
    Value e = *call("[method]directory-entry-stream.read-directory-entry", {s}).find("ok");
    if (e.is_nil()) break;
    names.push_back(e.find("name")->as_string() + ":" + e.find("type")->as_string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"s:symbolic-link", "z:regular-file"}));
  call("[resource-drop]directory-entry-stream", {s});
  EXPECT_EQ(code(call("[method]descriptor.unlink-file-at", {d, Value("z")})), "ok");
  EXPECT_EQ(code(call("[method]descriptor.unlink-file-at", {d, Value("s")})), "ok");
  EXPECT_EQ(code(call("[method]descriptor.unlink-file-at", {root_, Value("sub")})), "is-directory");
  EXPECT_EQ(code(call("[method]descriptor.remove-directory-at", {root_, Value("d")})), "ok");
  EXPECT_EQ(code(call("[method]descriptor.stat-at", {root_, flags({}), Value("d")})), "no-entry");
}

// Regression: a file name or symlink target that is not UTF-8 (legal on Linux) could not be
// lowered into a WIT string and trapped the guest's whole call; it is now an error-code.
TEST_F(FilesystemHostile, NonUtf8NamesAreIllegalByteSequenceNotATrap) {
  boot();
  const std::string bad = "bad\xff\xfename";
  std::ofstream(base_ / "mount" / bad) << "x";
  fs::create_symlink(bad, base_ / "mount" / "to-bad");
  EXPECT_EQ(code(call("[method]descriptor.readlink-at", {root_, Value("to-bad")})), "illegal-byte-sequence");
  Value s = *call("[method]descriptor.read-directory", {root_}).find("ok");
  int errors = 0, names = 0;
  for (int i = 0; i < 100; ++i) {
    Value r = call("[method]directory-entry-stream.read-directory-entry", {s});
    if (code(r) == "illegal-byte-sequence") { ++errors; continue; }
    ASSERT_EQ(code(r), "ok");
    if (r.find("ok")->is_nil()) break;
    ++names;
  }
  EXPECT_EQ(errors, 1);
  EXPECT_GE(names, 2);  // the listing goes on past the bad entry (to-bad, inside, ...)
  call("[resource-drop]directory-entry-stream", {s});
}

TEST_F(FilesystemHostile, PreopensAreSortedAndFreshPerCall) {
  fs::create_directories(base_ / "other");
  auto files = FdTable::open({{(base_ / "mount").string(), "/z", false}, {(base_ / "other").string(), "/a", true}});
  ASSERT_TRUE(files.ok());
  st_.env.files = std::move(*files);
  Value dirs = call("get-directories", {});
  ASSERT_EQ(dirs.as_array().size(), 2u);
  EXPECT_EQ(dirs.as_array()[0].as_array()[1].as_string(), "/a");
  EXPECT_EQ(dirs.as_array()[1].as_array()[1].as_string(), "/z");
  Value again = call("get-directories", {});
  EXPECT_NE(again.as_array()[0].as_array()[0].as_int(), dirs.as_array()[0].as_array()[0].as_int());
  CallState none;
  EXPECT_TRUE(call_filesystem("get-directories", none, {})->as_array().empty()) << "no mounts, no preopens";
}

TEST(FilesystemErrorCodes, MapErrnoToWitNames) {
  EXPECT_STREQ(fs_error_code(ENOENT), "no-entry");
  EXPECT_STREQ(fs_error_code(EXDEV), "not-permitted");
  EXPECT_STREQ(fs_error_code(EROFS), "read-only");
  EXPECT_STREQ(fs_error_code(EMFILE), "insufficient-memory");
  EXPECT_STREQ(fs_error_code(ENOSPC), "insufficient-space");
  EXPECT_STREQ(fs_error_code(12345), "io");
}

// An I/O error ends a file stream with last-operation-failed, and filesystem-error-code names
// it: a write stream over a descriptor the kernel refuses to write (opened read-only: the one
// write error a test can cause on any disk) fails with EBADF → bad-descriptor.
TEST(FilesystemErrorCodes, StreamFailureCarriesTheErrorCode) {
  int fd = ::open("/proc/self/cmdline", O_RDONLY);
  ASSERT_GE(fd, 0);
  FileOutputStream out(fd, 0, false);
  auto put = out.write("x");
  ASSERT_TRUE(put.ok());
  EXPECT_FALSE(*put);
  ASSERT_TRUE(out.failure().has_value());
  EXPECT_EQ(out.failure()->fs_code, "bad-descriptor");
}

}  // namespace
}  // namespace wirt::wasi
