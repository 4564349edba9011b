// Cache files (cache_file.h): the sealed trailer, and the verified record that lets a big file
// be accepted without hashing it again — while a truncated, altered, foreign or replaced file
// is still rejected.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "test_util.h"
#include "wasm/cache_file.h"

namespace wirt::wasm {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "WIRTTEST";
const std::string kKey(64, 'a');
const std::string kOtherKey(64, 'b');

class CacheFileTest : public ::testing::Test {
 protected:
  void SetUp() override { cache_.emplace("cache-file"); }
  void TearDown() override { cache_.reset(); }

  // A sealed file of `size` bytes (above the 1 MiB record threshold unless told otherwise).
  std::string sealed(const std::string& name, size_t size = 3u << 20, char fill = 'x') {
    std::string path = (cache_->dir() / name).string();
    std::ofstream(path, std::ios::binary) << std::string(size, fill);
    EXPECT_TRUE(seal_cache_file(path, kMagic, kKey));
    return path;
  }
  static bool verify(const std::string& path, std::string* why, std::string_view key = kKey) {
    return verify_cache_file(path, kMagic, key, why);
  }
  // Overwrites bytes in place (the file keeps its inode and size).
  static void poke(const std::string& path, off_t at, std::string_view bytes) {
    int fd = open(path.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), at), ssize_t(bytes.size()));
    close(fd);
  }

  std::optional<testing::ScratchCache> cache_;
};

TEST_F(CacheFileTest, SecondCheckUsesTheRecordInsteadOfHashing) {
  std::string path = sealed("obj");
  std::string why;
  uint64_t before = cache_file_full_checks();
  ASSERT_TRUE(verify(path, &why)) << why;
  EXPECT_EQ(cache_file_full_checks(), before + 1);
  EXPECT_TRUE(fs::exists(path + ".verified"));
  ASSERT_TRUE(verify(path, &why)) << why;
  ASSERT_TRUE(verify(path, &why)) << why;
  EXPECT_EQ(cache_file_full_checks(), before + 1);
}

TEST_F(CacheFileTest, AbsentFileIsNotAnError) {
  std::string why = "stale";
  EXPECT_FALSE(verify((cache_->dir() / "missing").string(), &why));
  EXPECT_EQ(why, "");
}

TEST_F(CacheFileTest, AlteredAfterItWasRecordedIsRejectedEvenWithItsMtimeRestored) {
  std::string path = sealed("obj");
  std::string why;
  ASSERT_TRUE(verify(path, &why)) << why;
  struct stat st{};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  poke(path, 4096, "garbage!");
  // Put mtime back: ctime cannot be put back, and it is in the record.
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  EXPECT_FALSE(verify(path, &why));
  EXPECT_EQ(why, "checksum mismatch");
}

TEST_F(CacheFileTest, TruncatedFileIsRejected) {
  std::string path = sealed("obj");
  std::string why;
  ASSERT_TRUE(verify(path, &why)) << why;
  ASSERT_EQ(truncate(path.c_str(), off_t(fs::file_size(path) - 1)), 0);
  EXPECT_FALSE(verify(path, &why));
  EXPECT_FALSE(why.empty());
  ASSERT_EQ(truncate(path.c_str(), 100), 0);
  EXPECT_FALSE(verify(path, &why));
  EXPECT_EQ(why, "truncated");
}

TEST_F(CacheFileTest, ForeignFilesAreRejected) {
  std::string path = sealed("obj");
  std::string why;
  ASSERT_TRUE(verify(path, &why)) << why;  // recorded for kKey
  EXPECT_FALSE(verify(path, &why, kOtherKey));
  EXPECT_EQ(why, "built for another key");
  EXPECT_FALSE(verify_cache_file(path, "WIRTELSE", kKey, &why));
  EXPECT_EQ(why, "no wirt trailer");
  std::string plain = (cache_->dir() / "plain").string();
  std::ofstream(plain, std::ios::binary) << std::string(2u << 20, 'p');
  EXPECT_FALSE(verify(plain, &why));
  EXPECT_EQ(why, "no wirt trailer");
}

TEST_F(CacheFileTest, ReplacedFileIsCheckedAgain) {
  std::string path = sealed("obj");
  std::string why;
  ASSERT_TRUE(verify(path, &why)) << why;
  // Another file of the same size, sealed for the same key, then altered, renamed over it:
  // a new inode, so the record does not apply and the checksum catches the change.
  std::string other = sealed("other", 3u << 20, 'y');
  poke(other, 10, "zz");
  fs::rename(other, path);
  uint64_t before = cache_file_full_checks();
  EXPECT_FALSE(verify(path, &why));
  EXPECT_EQ(why, "checksum mismatch");
  EXPECT_EQ(cache_file_full_checks(), before + 1);
  // A good replacement is accepted (by a full check) and recorded again.
  fs::rename(sealed("good", 3u << 20, 'w'), path);
  ASSERT_TRUE(verify(path, &why)) << why;
  ASSERT_TRUE(verify(path, &why)) << why;
  EXPECT_EQ(cache_file_full_checks(), before + 2);
}

TEST_F(CacheFileTest, DamagedRecordOnlyCostsAFullCheck) {
  std::string path = sealed("obj");
  std::string why;
  ASSERT_TRUE(verify(path, &why)) << why;
  std::ofstream(path + ".verified", std::ios::binary) << "wirt-verified 1\nnonsense\n";
  uint64_t before = cache_file_full_checks();
  ASSERT_TRUE(verify(path, &why)) << why;
  EXPECT_EQ(cache_file_full_checks(), before + 1);
  ASSERT_TRUE(verify(path, &why)) << why;  // rewritten
  EXPECT_EQ(cache_file_full_checks(), before + 1);
  // A record does not make a bad file good: altered file, record of the altered identity
  // absent (the alteration changed it), full check fails.
  poke(path, 0, "bad");
  EXPECT_FALSE(verify(path, &why));
  EXPECT_EQ(why, "checksum mismatch");
}

TEST_F(CacheFileTest, SmallFilesAreHashedEveryTimeWithoutARecord) {
  std::string path = sealed("small", 4096);
  std::string why;
  uint64_t before = cache_file_full_checks();
  ASSERT_TRUE(verify(path, &why)) << why;
  ASSERT_TRUE(verify(path, &why)) << why;
  EXPECT_EQ(cache_file_full_checks(), before + 2);
  EXPECT_FALSE(fs::exists(path + ".verified"));
}

TEST_F(CacheFileTest, RemoveTakesTheRecordToo) {
  std::string path = sealed("obj");
  std::string why;
  ASSERT_TRUE(verify(path, &why)) << why;
  remove_cache_file(path);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".verified"));
}

TEST_F(CacheFileTest, ReadHandsBackThePayload) {
  std::string path = sealed("small", 10, 'q');
  std::string payload, why;
  ASSERT_TRUE(read_cache_file(path, kMagic, kKey, &payload, &why)) << why;
  EXPECT_EQ(payload, std::string(10, 'q'));
  poke(path, 3, "!");
  EXPECT_FALSE(read_cache_file(path, kMagic, kKey, &payload, &why));
  EXPECT_EQ(why, "checksum mismatch");
}

}  // namespace
}  // namespace wirt::wasm
