#include "core/read_all.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wirt::core {

Result<std::string> read_all(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return internal(std::strerror(errno));
  // One byte more than fstat's size: end of file is then seen by a short read, without growing
  // the buffer (a read that fills it means the file grew meanwhile).
  size_t size = S_ISREG(st.st_mode) && st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : size_t{64} << 10;
  std::string out(size, '\0');
  size_t len = 0;
  for (;;) {
    if (len == out.size()) out.resize(out.size() * 2);
    ssize_t n = ::read(fd, out.data() + len, out.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return internal(std::strerror(errno));
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  out.resize(len);
  return out;
}

}  // namespace wirt::core
