// core::open_beneath (the kernel-checked confinement the fs module, WASI mounts and http.static
// share), UniqueFd and clean_path, on a real temporary folder.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/open_beneath.h"

namespace wirt::core {
namespace {

namespace fs = std::filesystem;

class OpenBeneath : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wirt-open-beneath-XXXXXX";
    base = mkdtemp(tmpl);
    root = base / "root";
    fs::create_directories(root / "sub");
    std::ofstream(root / "sub" / "f.txt") << "inside";
    std::ofstream(base / "secret.txt") << "outside";
    fs::create_directory_symlink("/etc", root / "abs");
    fs::create_directory_symlink("../..", root / "sub" / "up");
    fs::create_symlink("sub/f.txt", root / "inner");
    dirfd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dirfd, 0);
  }
  void TearDown() override {
    ::close(dirfd);
    fs::remove_all(base);
  }
  fs::path base, root;
  int dirfd = -1;
};

TEST_F(OpenBeneath, InsidePathsAndInnerSymlinksOpen) {
  UniqueFd a(open_beneath(dirfd, "sub/f.txt", O_RDONLY));
  EXPECT_GE(a.fd, 0);
  UniqueFd b(open_beneath(dirfd, "inner", O_RDONLY));
  EXPECT_GE(b.fd, 0);
  UniqueFd c(open_beneath(dirfd, "sub/../sub/f.txt", O_RDONLY));
  EXPECT_GE(c.fd, 0);
  UniqueFd d(open_beneath(dirfd, ".", O_PATH | O_DIRECTORY));
  EXPECT_GE(d.fd, 0);
}

TEST_F(OpenBeneath, EscapesFailWithExdev) {
  EXPECT_EQ(open_beneath(dirfd, "../secret.txt", O_RDONLY), -EXDEV);
  EXPECT_EQ(open_beneath(dirfd, "sub/../../secret.txt", O_RDONLY), -EXDEV);
  EXPECT_EQ(open_beneath(dirfd, "/etc/passwd", O_RDONLY), -EXDEV);
  EXPECT_EQ(open_beneath(dirfd, "abs/passwd", O_RDONLY), -EXDEV);
  EXPECT_EQ(open_beneath(dirfd, "sub/up/secret.txt", O_RDONLY), -EXDEV);
  // creating through an escape creates nothing
  EXPECT_EQ(open_beneath(dirfd, "../created.txt", O_WRONLY | O_CREAT, 0644), -EXDEV);
  EXPECT_FALSE(fs::exists(base / "created.txt"));
  EXPECT_EQ(open_beneath(dirfd, "", O_RDONLY), -ENOENT);
  EXPECT_EQ(open_beneath(dirfd, "missing", O_RDONLY), -ENOENT);
}

TEST_F(OpenBeneath, UniqueFdClosesOnScopeExit) {
  int raw;
  {
    UniqueFd f(open_beneath(dirfd, "sub/f.txt", O_RDONLY));
    raw = f.fd;
    ASSERT_GE(raw, 0);
    EXPECT_NE(::fcntl(raw, F_GETFD), -1);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
  UniqueFd negative(-ENOENT);  // holding an error code closes nothing
}

TEST(CleanPath, LexicalLikeGoPathClean) {
  EXPECT_EQ(clean_path("/"), "/");
  EXPECT_EQ(clean_path(""), "/");
  EXPECT_EQ(clean_path("/a/./b//c/"), "/a/b/c");
  EXPECT_EQ(clean_path("/a/b/../c"), "/a/c");
  EXPECT_EQ(clean_path("/../../x"), "/x");
  EXPECT_EQ(clean_path("rel/dir"), "/rel/dir");
}

}  // namespace
}  // namespace wirt::core
