#include "wasm/elf_stack.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace wirt::wasm {
namespace {

bool pread_exact(int fd, void* buf, size_t n, off_t at) { return pread(fd, buf, n, at) == ssize_t(n); }
bool pwrite_exact(int fd, const void* buf, size_t n, off_t at) { return pwrite(fd, buf, n, at) == ssize_t(n); }

}  // namespace

bool mark_stack_not_executable(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  auto done = [fd](bool ok) {
    close(fd);
    return ok;
  };
  Elf64_Ehdr eh;
  if (!pread_exact(fd, &eh, sizeof eh, 0)) return done(false);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_DYN || eh.e_phentsize != sizeof(Elf64_Phdr) ||
      eh.e_phnum == 0 || eh.e_phnum >= PN_XNUM - 1)
    return done(false);
  std::vector<Elf64_Phdr> ph(eh.e_phnum);
  if (!pread_exact(fd, ph.data(), ph.size() * sizeof(Elf64_Phdr), off_t(eh.e_phoff))) return done(false);
  for (size_t i = 0; i < ph.size(); i++) {
    if (ph[i].p_type != PT_GNU_STACK) continue;
    // Already there (a later tcc): make sure it asks for no execution.
    ph[i].p_flags = PF_R | PF_W;
    return done(pwrite_exact(fd, &ph[i], sizeof ph[i], off_t(eh.e_phoff + i * sizeof(Elf64_Phdr))));
  }
  Elf64_Phdr stack{};
  stack.p_type = PT_GNU_STACK;
  stack.p_flags = PF_R | PF_W;
  stack.p_align = 16;
  ph.push_back(stack);
  struct stat st{};
  if (fstat(fd, &st) != 0) return done(false);
  off_t at = (st.st_size + 7) & ~off_t(7);  // program headers are 8-byte aligned
  if (!pwrite_exact(fd, ph.data(), ph.size() * sizeof(Elf64_Phdr), at)) return done(false);
  eh.e_phoff = Elf64_Off(at);
  eh.e_phnum = Elf64_Half(ph.size());
  return done(pwrite_exact(fd, &eh, sizeof eh, 0));
}

}  // namespace wirt::wasm
