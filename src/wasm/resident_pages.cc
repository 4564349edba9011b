#include "wasm/resident_pages.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace wirt::wasm::rt {
namespace {

// The PAGEMAP_SCAN interface (include/uapi/linux/fs.h, Linux 6.7; Debian 12's headers predate
// it): the layout is the kernel ABI, versioned by `size`.
struct PageRegion {
  uint64_t start, end, categories;
};
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kPageIsPresent = 1u << 3;
constexpr uint64_t kPageIsPfnZero = 1u << 5;

// Present pages that do not map the shared zero page: a page the guest only read maps the
// zero page and reads as zero already; clearing it would give it a private page of its own.
PmScanArg written_pages_scan(uint64_t start, uint64_t end, PageRegion* vec, uint64_t vec_len) {
  PmScanArg a{};
  a.size = sizeof(PmScanArg);
  a.start = start;
  a.end = end;
  a.vec = reinterpret_cast<uint64_t>(vec);
  a.vec_len = vec_len;
  a.category_inverted = kPageIsPfnZero;
  a.category_mask = kPageIsPresent | kPageIsPfnZero;
  a.return_mask = kPageIsPresent;
  return a;
}

uint64_t os_page() {
  static const uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
  return page;
}

// /proc/self/pagemap, or -1 when the kernel has no PAGEMAP_SCAN. A descriptor opened before a
// fork describes the parent's memory, so a child drops it (pthread_atfork) and opens its own.
std::atomic<int> g_pagemap{-2};  // -2: not probed yet
void forget_pagemap_in_child() { g_pagemap.store(-2); }

int pagemap_fd() {
  int fd = g_pagemap.load(std::memory_order_acquire);
  if (fd != -2) return fd;
  static const bool registered = [] { return pthread_atfork(nullptr, nullptr, forget_pagemap_in_child) == 0; }();
  (void)registered;
  int opened = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (opened >= 0) {
    // Probe on a one-page range of our own: ENOTTY/EINVAL mean no PAGEMAP_SCAN.
    static uint8_t probe_page[1];
    uint64_t start = reinterpret_cast<uint64_t>(probe_page) & ~(os_page() - 1);
    PageRegion r;
    PmScanArg a = written_pages_scan(start, start + os_page(), &r, 1);
    if (ioctl(opened, kPagemapScan, &a) < 0) {
      close(opened);
      opened = -1;
    }
  }
  int expected = -2;
  if (!g_pagemap.compare_exchange_strong(expected, opened)) {  // another thread won the race
    if (opened >= 0) close(opened);
    return expected;
  }
  return opened;
}

bool zero_with_scan(int fd, uint8_t* data, uint64_t bytes) {
  uint64_t start = reinterpret_cast<uint64_t>(data);
  const uint64_t end = start + (bytes + os_page() - 1) / os_page() * os_page();
  PageRegion regions[32];
  while (start < end) {
    PmScanArg a = written_pages_scan(start, end, regions, 32);
    int n = ioctl(fd, kPagemapScan, &a);
    if (n < 0) return false;
    for (int i = 0; i < n; ++i) {
      uint64_t from = std::max(regions[i].start, start), to = std::min(regions[i].end, end);
      if (to > from) std::memset(reinterpret_cast<void*>(from), 0, to - from);
    }
    // The walk stops early when the regions are used up: go on from where it stopped.
    if (a.walk_end <= start) return false;
    start = a.walk_end;
  }
  return true;
}

void zero_with_mincore(uint8_t* data, uint64_t bytes) {
  const uint64_t page = os_page();
  uint64_t pages = (bytes + page - 1) / page;
  constexpr uint64_t kChunk = 4096;  // pages per mincore call (16 MiB of 4 KiB pages)
  unsigned char vec[kChunk];
  for (uint64_t first = 0; first < pages; first += kChunk) {
    uint64_t n = std::min(kChunk, pages - first);
    uint8_t* base = data + first * page;
    if (mincore(base, n * page, vec) != 0) {
      std::memset(base, 0, std::min(n * page, bytes - first * page));
      continue;
    }
    for (uint64_t i = 0; i < n;) {
      if (!(vec[i] & 1)) {
        ++i;
        continue;
      }
      uint64_t j = i;
      while (j < n && (vec[j] & 1)) ++j;
      uint64_t off = (first + i) * page, end = std::min((first + j) * page, bytes);
      std::memset(data + off, 0, end - off);
      i = j;
    }
  }
}

}  // namespace

bool zero_resident(uint8_t* data, uint64_t bytes, ResidentScan how) {
  if (how != ResidentScan::kMincore) {
    int fd = pagemap_fd();
    // A scan that fails part-way has cleared a prefix: clearing it again below is harmless.
    if (fd >= 0 && zero_with_scan(fd, data, bytes)) return true;
    if (how == ResidentScan::kPagemapScan) return false;
  }
  zero_with_mincore(data, bytes);
  return true;
}

}  // namespace wirt::wasm::rt
