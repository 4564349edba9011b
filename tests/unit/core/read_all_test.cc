// core::read_all (Directory::read_file and `wirt exec`'s module reads): whole files of any size,
// empty files, and sources whose fstat size is 0 (pipes), which grow the buffer as they read.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/open_beneath.h"
#include "core/read_all.h"

namespace wirt::core {
namespace {

namespace fs = std::filesystem;

// Bytes that differ at every position (a misplaced chunk would show), odd-sized.
std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>((i * 131 + i / 4099) & 0xff);
  return s;
}

class ReadAll : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wirt-read-all-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir); }
  Result<std::string> read(const std::string& content) {
    fs::path p = dir / "f.bin";
    std::ofstream(p, std::ios::binary) << content;
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_GE(fd.fd, 0);
    return read_all(fd.fd);
  }
  fs::path dir;
};

TEST_F(ReadAll, WholeFilesOfAnySize) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{4095}, size_t{65537}, size_t{3} << 20 | 7}) {
    std::string want = pattern(n);
    auto got = read(want);
    ASSERT_TRUE(got.ok()) << n << ": " << got.error().message();
    EXPECT_EQ(got->size(), n);
    EXPECT_TRUE(*got == want) << "content differs for a file of " << n << " bytes";
  }
}

TEST_F(ReadAll, PipeLargerThanTheFirstBuffer) {
  // fstat gives no size for a pipe: the 64 KiB first buffer must grow several times.
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  std::string want = pattern((size_t{1} << 20) + 3);
  std::thread writer([&] {
    for (size_t off = 0; off < want.size();) {
      ssize_t n = ::write(p[1], want.data() + off, want.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(p[1]);
  });
  auto got = read_all(p[0]);
  writer.join();
  ::close(p[0]);
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->size(), want.size());
  EXPECT_TRUE(*got == want);
}

TEST_F(ReadAll, DirectoryIsAReadError) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_GE(fd.fd, 0);
  auto got = read_all(fd.fd);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind(), ErrorKind::Internal);
  EXPECT_EQ(got.error().message(), "Is a directory");
}

}  // namespace
}  // namespace wirt::core
