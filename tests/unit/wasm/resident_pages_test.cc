// Clearing a memory by its resident pages (wasm/resident_pages.h), with each way of finding
// them: every byte written is zero afterwards, pages never touched stay unmapped (no RSS), and
// runs beyond one scan's region buffer are all found.
#include "wasm/resident_pages.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>

namespace wirt::wasm::rt {
namespace {

class ResidentPages : public ::testing::TestWithParam<ResidentScan> {
 protected:
  void SetUp() override {
    page_ = size_t(sysconf(_SC_PAGESIZE));
    size_ = 17 * 65536;  // a Rust component's initial memory
    mem_ = static_cast<uint8_t*>(mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(mem_, MAP_FAILED);
  }
  void TearDown() override { munmap(mem_, size_); }
  bool resident(size_t page) {
    unsigned char v = 0;
    EXPECT_EQ(mincore(mem_ + page * page_, page_, &v), 0);
    return v & 1;
  }
  void clear() {
    bool done = zero_resident(mem_, size_, GetParam());
    if (!done && GetParam() == ResidentScan::kPagemapScan) GTEST_SKIP() << "kernel without PAGEMAP_SCAN";
    ASSERT_TRUE(done);
  }
  size_t page_ = 4096, size_ = 0;
  uint8_t* mem_ = nullptr;
};

TEST_P(ResidentPages, WrittenBytesAreZeroAndUntouchedPagesStayUnmapped) {
  const size_t pages = size_ / page_;
  // Every third page (well over one scan's 32 regions), the first and the last byte.
  for (size_t p = 0; p < pages; p += 3) mem_[p * page_ + (p * 37) % page_] = uint8_t(p | 1);
  mem_[0] = 0xff;
  mem_[size_ - 1] = 0xff;
  clear();
  if (::testing::Test::IsSkipped()) return;
  for (size_t i = 0; i < size_; ++i) ASSERT_EQ(mem_[i], 0) << "byte " << i;
  // A second round on the now partly mapped memory (reading mapped the zero page elsewhere).
  for (size_t p = 0; p < pages; p += 3) mem_[p * page_] = 7;
  clear();
  for (size_t p = 0; p < pages; p += 3) EXPECT_EQ(mem_[p * page_], 0) << "page " << p;
}

TEST_P(ResidentPages, ClearingLeavesNeverTouchedPagesUnmapped) {
  const size_t pages = size_ / page_;
  for (size_t p = 0; p < pages; p += 5) mem_[p * page_ + 1] = 9;
  clear();
  if (::testing::Test::IsSkipped()) return;
  for (size_t p = 0; p < pages; ++p) {
    if (p % 5 == 0) {
      EXPECT_TRUE(resident(p)) << "a cleared page stays mapped for the next call: page " << p;
      EXPECT_EQ(mem_[p * page_ + 1], 0) << "page " << p;
    } else {
      EXPECT_FALSE(resident(p)) << "clearing must not fault in untouched page " << p;
    }
  }
}

// A page the guest only read maps the shared zero page: the scan leaves it alone rather than
// giving it a private copy (mincore cannot tell it apart, so only the scan is held to this).
TEST(ResidentPagesScan, PagesOnlyReadAreNotMadePrivate) {
  const size_t page = size_t(sysconf(_SC_PAGESIZE)), size = 17 * 65536;
  auto* mem = static_cast<uint8_t*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mem, MAP_FAILED);
  // Anonymous resident pages (statm: resident minus file-backed/shared): the first scan of
  // the process also faults in code pages, which count as resident but are not the point.
  auto rss_pages = [] {
    std::ifstream statm("/proc/self/statm");
    uint64_t total = 0, resident = 0, shared = 0;
    statm >> total >> resident >> shared;
    return resident - shared;
  };
  uint8_t warm[1];
  (void)zero_resident(warm, 0, ResidentScan::kPagemapScan);  // opens and probes /proc/self/pagemap
  constexpr size_t kRead = 64;
  volatile uint8_t sink = 0;
  for (size_t p = 1; p <= kRead; ++p) sink = sink + mem[p * page];  // read only: the zero page
  mem[0] = 1;                                                         // written
  uint64_t before = rss_pages();
  bool scanned = zero_resident(mem, size, ResidentScan::kPagemapScan);
  uint64_t after = rss_pages();
  if (scanned) {
    EXPECT_EQ(mem[0], 0);
    EXPECT_LT(after, before + kRead / 2) << "clearing gave the " << kRead << " read-only pages private copies";
  }
  munmap(mem, size);
  if (!scanned) GTEST_SKIP() << "kernel without PAGEMAP_SCAN";
}

INSTANTIATE_TEST_SUITE_P(Scans, ResidentPages,
                         ::testing::Values(ResidentScan::kAuto, ResidentScan::kPagemapScan, ResidentScan::kMincore),
                         [](const ::testing::TestParamInfo<ResidentScan>& i) {
                           switch (i.param) {
                             case ResidentScan::kAuto: return std::string("Auto");
                             case ResidentScan::kPagemapScan: return std::string("PagemapScan");
                             case ResidentScan::kMincore: return std::string("Mincore");
                           }
                           return std::string("?");
                         });

}  // namespace
}  // namespace wirt::wasm::rt
